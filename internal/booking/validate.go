package booking

import (
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // zone names validate the same on every machine

	validation "github.com/go-ozzo/ozzo-validation/v4"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// Limits of a booking request; the error messages name them.
const (
	// MaxEventTypeLen is the longest event type slug.
	MaxEventTypeLen = 100
	// MaxStartBytes is the longest start text accepted before parsing.
	MaxStartBytes = 64
	// MaxYearsAhead is how far in the future a start may lie.
	MaxYearsAhead = 5
	// MaxNameRunes is the longest name, in characters.
	MaxNameRunes = 200
	// MaxEmailBytes is the longest e-mail address (RFC 5321 path limit).
	MaxEmailBytes = 254
	// MaxTimezoneBytes is the longest time zone name.
	MaxTimezoneBytes = 64
	// MaxNotesRunes is the longest notes text, in characters.
	MaxNotesRunes = 5000
)

// Valid is a validated, normalised booking request.
type Valid struct {
	EventType string
	Start     time.Time // UTC, after now
	Name      string    // trimmed, single line
	Email     string    // plain address, domain lower-cased
	Timezone  string    // an IANA zone name other than "Local"
	Notes     string    // trimmed, \r\n → \n
	// Answers holds only known question ids, normalised per type: string
	// (text, textarea, email, phone, select), []string (multiselect), bool
	// (checkbox), float64 (number). Unanswered optional questions are left
	// out. Never nil.
	Answers map[string]any
	// Language is the invitee's BCP 47 tag as sent (trimmed; "" for none):
	// the caller keeps the closest supported language (i18n.Match).
	Language string
}

var (
	slugPattern     = regexp.MustCompile(`^[a-z0-9-]+$`)
	dateOnlyPattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	// localTimePattern is a date and time without a UTC offset.
	localTimePattern = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$`)

	errStartNoOffset = validation.NewError("validation_start_no_offset", "must include a UTC offset, e.g. 2026-03-01T10:00:00Z")
	errStartDateOnly = validation.NewError("validation_start_date_only", "must be a date and time with a UTC offset, e.g. 2026-03-01T10:00:00Z")
	errStartFormat   = validation.NewError("validation_start_format", "must be an RFC 3339 date-time, e.g. 2026-03-01T10:00:00Z")
	errStartPast     = validation.NewError("validation_start_past", "must be in the future")
	errStartTooFar   = validation.NewError("validation_start_too_far", "must be no more than {{.years}} years ahead").
				SetParams(map[string]any{"years": MaxYearsAhead})
	errZoneLocal   = validation.NewError("validation_timezone_local", `must be an IANA time zone such as "Europe/Berlin", not "Local"`)
	errZoneUnknown = validation.NewError("validation_timezone_unknown", `must be an IANA time zone such as "Europe/Berlin"`)
	errLanguage    = validation.NewError("validation_language", `must be a BCP 47 language tag of at most 35 characters, such as "de" or "pt-BR"`)
)

// Validate checks req against the event type's questions and the current
// time now (an input, so tests and the store agree on it). It returns the
// normalised request, or FieldErrors with one entry per bad field, keyed
// event_type, start, name, email, timezone, notes, language, answers.<question id>,
// and answers for answer keys that match no question.
func Validate(req Request, questions []Question, now time.Time) (Valid, error) {
	c := fieldChecker{errs: FieldErrors{}}
	v := Valid{
		EventType: strings.TrimSpace(req.EventType),
		Name:      strings.TrimSpace(req.Name),
		Email:     lowerDomain(strings.TrimSpace(req.Email)),
		Timezone:  strings.TrimSpace(req.Timezone),
		Notes:     strings.TrimSpace(normaliseNewlines(req.Notes)),
		Language:  strings.TrimSpace(req.Language),
	}

	c.check("event_type", v.EventType,
		validation.Required,
		validation.Length(1, MaxEventTypeLen).Error("must be at most {{.max}} characters"),
		validation.Match(slugPattern).Error("must be a slug: lowercase letters a-z, digits 0-9 and -"),
	)

	startText := strings.TrimSpace(req.Start)
	c.check("start", startText,
		validation.Required,
		validation.Length(0, MaxStartBytes).Error("must be at most {{.max}} characters"),
		validation.By(func(any) error {
			t, err := parseStart(startText, now)
			v.Start = t
			return err
		}),
	)

	c.check("name", req.Name, singleLine)
	c.check("name", v.Name,
		validation.Required,
		validation.RuneLength(1, MaxNameRunes).Error("must be between {{.min}} and {{.max}} characters"),
	)

	c.check("email", req.Email, singleLine)
	c.check("email", v.Email,
		validation.Required,
		validation.Length(0, MaxEmailBytes).Error("must be at most {{.max}} characters"),
		plainEmail,
	)

	c.check("timezone", v.Timezone,
		validation.Required,
		validation.Length(0, MaxTimezoneBytes).Error("must be at most {{.max}} characters"),
		validation.By(checkZone),
	)

	c.check("notes", normaliseNewlines(req.Notes), multiLine)
	c.check("notes", v.Notes,
		validation.RuneLength(0, MaxNotesRunes).Error("must be at most {{.max}} characters"),
	)

	c.check("language", v.Language, validation.By(checkLanguage))

	v.Answers = validateAnswers(&c, req.Answers, questions)

	if err := c.err(); err != nil {
		return Valid{}, err
	}
	return v, nil
}

// parseStart parses an RFC 3339 start with an explicit offset and checks it
// lies after now and at most MaxYearsAhead years ahead. It returns UTC.
func parseStart(s string, now time.Time) (time.Time, error) {
	switch {
	case dateOnlyPattern.MatchString(s):
		return time.Time{}, errStartDateOnly
	case localTimePattern.MatchString(s):
		return time.Time{}, errStartNoOffset
	}
	t, err := time.Parse(time.RFC3339, strings.ToUpper(s)) // RFC 3339 allows "t" and "z"
	if err != nil {
		return time.Time{}, errStartFormat
	}
	if _, offset := t.Zone(); offset <= -24*3600 || offset >= 24*3600 {
		return time.Time{}, errStartFormat // RFC 3339 offsets stay within ±23:59
	}
	t = t.UTC()
	if !t.After(now) {
		return time.Time{}, errStartPast
	}
	if t.After(now.AddDate(MaxYearsAhead, 0, 0)) {
		return time.Time{}, errStartTooFar
	}
	return t, nil
}

// checkZone accepts an IANA zone name that time.LoadLocation knows, except "Local".
func checkZone(value any) error {
	name, _ := value.(string)
	if name == "" {
		return nil // Required reports it
	}
	if name == "Local" {
		return errZoneLocal
	}
	if _, err := time.LoadLocation(name); err != nil {
		return errZoneUnknown
	}
	return nil
}

// checkLanguage accepts "" (the organisation's language) and well-formed
// BCP 47 tags of at most i18n.MaxTagLength characters.
func checkLanguage(value any) error {
	if s, _ := value.(string); s != "" && i18n.Check(s) != nil {
		return errLanguage
	}
	return nil
}
