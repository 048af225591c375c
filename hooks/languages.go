package hooks

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// Languages (issue 16): a booking keeps its invitee's language, a host may
// have one, the organisation has a default; e-mails and invites are written
// in the recipient's, admin texts in their translation where there is one.

// orgLanguage is the organisation's default language ("en" when the
// settings do not exist or name none), as app reads the settings (kept
// between their changes: settings_kept.go).
func (s *server) orgLanguage(app core.App) string {
	if st, err := s.settings.get(app); err == nil {
		return st.DefaultLanguage()
	}
	return i18n.Default
}

// inviteeLanguage is the language of a booking's invitee: the one the
// booking keeps, else the organisation's.
func inviteeLanguage(v booking.View, org string) string {
	return i18n.Match(v.Language, org)
}

// hostLanguage is the language of a host's e-mails: theirs, else the
// organisation's.
func hostLanguage(h *c.Host, org string) string {
	return i18n.Match(h.Language(), org)
}

// Limits of settings.translations texts: those of the base fields.
var orgTextLimits = map[string]int{"org_name": 200, "email_intro": 2000, "email_signature": 2000}

// settingsTranslationErrors checks settings.translations: an object of
// supported languages, each with only org_name, email_intro and
// email_signature strings within their base fields' limits.
func settingsTranslationErrors(r *core.Record) validation.Errors {
	raw := strings.TrimSpace(r.GetString(c.SettingsTranslations))
	if raw == "" || raw == "null" {
		return nil
	}
	var all map[string]map[string]string
	if err := json.Unmarshal([]byte(raw), &all); err != nil {
		return validation.Errors{c.SettingsTranslations: validation.NewError("validation_invalid_translations",
			`Must be {"<language>": {"org_name": "…", "email_intro": "…", "email_signature": "…"}}.`)}
	}
	var problems []string
	for _, lang := range slices.Sorted(maps.Keys(all)) {
		if !i18n.IsSupported(lang) {
			problems = append(problems, fmt.Sprintf("%s: not a supported language (%s)", lang, strings.Join(i18n.Supported, ", ")))
			continue
		}
		for _, key := range slices.Sorted(maps.Keys(all[lang])) {
			max, known := orgTextLimits[key]
			switch n := utf8.RuneCountInString(all[lang][key]); {
			case !known:
				problems = append(problems, fmt.Sprintf("%s.%s: unknown text (org_name, email_intro or email_signature)", lang, key))
			case n > max:
				problems = append(problems, fmt.Sprintf("%s.%s: at most %d characters, not %d", lang, key, max, n))
			}
		}
	}
	if len(problems) > 0 {
		return validation.Errors{c.SettingsTranslations: validation.NewError("validation_invalid_translations", strings.Join(problems, "; "))}
	}
	return nil
}
