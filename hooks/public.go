package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// publicEventType is what the booking page may know about an event type.
type publicEventType struct {
	Slug                 string          `json:"slug"`
	Title                string          `json:"title"`
	Description          string          `json:"description"`
	Duration             int             `json:"duration"`
	Location             string          `json:"location"`
	Seats                int             `json:"seats"`
	RequiresConfirmation bool            `json:"requires_confirmation"`
	Questions            json.RawMessage `json:"questions"`
	// Translations are the texts per language (booking.Translations);
	// {} when there are none.
	Translations booking.Translations `json:"translations"`
	// Price (minor units) and Currency (lowercase ISO 4217) of a paid type;
	// left out when it is free.
	Price    int64  `json:"price,omitempty"`
	Currency string `json:"currency,omitempty"`
}

// handlePublicEventTypes answers GET /api/public/event-types with the active
// event types, sorted by title.
func handlePublicEventTypes(e *core.RequestEvent) error {
	records, err := e.App.FindRecordsByFilter(c.EventTypes, "active = true", "title", 0, 0)
	if err != nil {
		return e.InternalServerError("", err)
	}
	items := make([]publicEventType, 0, len(records))
	for _, r := range records {
		et := c.NewEventType(r)
		questions := et.QuestionsJSON()
		if string(questions) == "null" {
			questions = []byte("[]")
		}
		parsed, _ := booking.ParseQuestions(questions)
		translations, err := booking.ParseTranslations(et.TranslationsJSON(), parsed)
		if err != nil || translations == nil {
			translations = booking.Translations{} // checked on save; one that no longer fits is left out
		}
		items = append(items, publicEventType{
			Translations:         translations,
			Slug:                 et.Slug(),
			Title:                et.Title(),
			Description:          et.Description(),
			Duration:             int(et.Duration().Minutes()),
			Location:             et.Location(),
			Seats:                et.Seats(),
			RequiresConfirmation: et.RequiresConfirmation(),
			Questions:            questions,
			Price:                et.Price(),
			Currency:             paidCurrency(et),
		})
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// handlePublicSettings answers GET /api/public/settings with the branding the
// booking page shows.
func handlePublicSettings(e *core.RequestEvent) error {
	s, err := c.FindSettings(e.App)
	if errors.Is(err, sql.ErrNoRows) {
		return e.NotFoundError("slotbase is not set up yet", err)
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	logo := ""
	if s.Logo() != "" {
		logo = "/api/public/logo"
	}
	return e.JSON(http.StatusOK, map[string]any{
		"org_name":    s.OrgName(),
		"timezone":    s.Timezone(),
		"brand_color": s.BrandColor(),
		"logo_url":    logo,
		// The booking page's language when the browser's is not offered.
		"default_language": s.DefaultLanguage(),
		"languages":        i18n.Supported,
	})
}

// handlePublicLogo serves the organisation's logo (the settings collection
// itself is not public, so its file URL is not either).
func handlePublicLogo(e *core.RequestEvent) error {
	s, err := c.FindSettings(e.App)
	if err != nil || s.Logo() == "" {
		return e.NotFoundError("no logo", err)
	}
	fsys, err := e.App.NewFilesystem()
	if err != nil {
		return e.InternalServerError("", err)
	}
	defer fsys.Close()
	e.Response.Header().Set("Cache-Control", "public, max-age=300")
	if err := fsys.Serve(e.Response, e.Request, s.BaseFilesPath()+"/"+s.Logo(), s.Logo()); err != nil {
		return e.NotFoundError("no logo", err)
	}
	return nil
}

// paidCurrency is a paid event type's currency ("" when it is free).
func paidCurrency(et *c.EventType) string {
	if !et.Paid() {
		return ""
	}
	return et.Currency()
}
