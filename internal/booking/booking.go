// Package booking is the pure domain of a booking request: strict decoding and
// validation of POST /api/bookings, custom questions, the status lifecycle,
// manage tokens and round-robin host choice. It knows nothing about HTTP or PocketBase.
package booking

import (
	"errors"
	"sort"
	"strings"

	validation "github.com/go-ozzo/ozzo-validation/v4"
)

var (
	// ErrMalformed marks a request body that is not one well-formed JSON object
	// (syntax errors, trailing data, invalid UTF-8, an empty or unreadable body).
	ErrMalformed = errors.New("malformed JSON body")
	// ErrTooLarge marks a request body longer than MaxBodyBytes.
	ErrTooLarge = errors.New("request body too large")
	// ErrInvalidQuestions marks event_types.questions JSON that ParseQuestions rejects.
	ErrInvalidQuestions = errors.New("invalid questions")
	// ErrInvalidTranslations marks event_types.translations JSON that ParseTranslations rejects.
	ErrInvalidTranslations = errors.New("invalid translations")
	// ErrTransition marks an action that is not allowed in a booking's current status.
	ErrTransition = errors.New("invalid status transition")
)

// Error codes of the validation errors this package creates itself; the
// built-in ozzo rules add their own (validation_required, validation_length_*).
var (
	errUnknownField   = validation.NewError("validation_unknown_field", "unknown field")
	errDuplicateField = validation.NewError("validation_duplicate_field", "duplicate field")
	errNotString      = validation.NewError("validation_invalid_type", "must be a string")
	errNotObject      = validation.NewError("validation_invalid_type", "must be an object")
	errNotUTF8        = validation.NewError("validation_invalid_utf8", "must be valid UTF-8")
	errControl        = validation.NewError("validation_control_characters", "must not contain control characters")
	errControlMulti   = validation.NewError("validation_control_characters", "must not contain control characters other than newline and tab")
)

// FieldErrors maps a JSON field name of the request ("email", "answers.company",
// …) to the reason it was rejected; Decode and Validate return it, one entry
// per bad field. Every value is an ozzo-validation Error, so it carries a
// stable Code() and a Message() that names the limit. The HTTP layer must hand
// PocketBase a plain map (see Map), not the named type, to keep the per-field
// messages in the response.
type FieldErrors map[string]error

// Error lists the fields in sorted order: "email: …; name: …".
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		msg := "invalid value"
		if fe[k] != nil {
			msg = fe[k].Error()
		}
		parts = append(parts, k+": "+msg)
	}
	return strings.Join(parts, "; ")
}

// Map returns the errors as a plain map[string]error, the shape PocketBase's
// BadRequestError turns into {"field": {"code", "message"}}.
func (fe FieldErrors) Map() map[string]error {
	return map[string]error(fe)
}

// fieldChecker collects at most one error per field.
type fieldChecker struct{ errs FieldErrors }

// check validates value with rules and records the first failure under
// field. A field that already has an error is not checked again, so several
// checks of one field (raw text, then trimmed text) stop at the first failure.
func (c *fieldChecker) check(field string, value any, rules ...validation.Rule) {
	if _, failed := c.errs[field]; failed {
		return
	}
	if err := validation.Validate(value, rules...); err != nil {
		c.errs[field] = err
	}
}

// err returns the collected errors, or nil when there are none.
func (c *fieldChecker) err() error {
	if len(c.errs) == 0 {
		return nil
	}
	return c.errs
}
