package booking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxBodyBytes is the largest accepted body of POST /api/bookings (64 KiB).
const MaxBodyBytes = 64 << 10

// Request is the decoded body of POST /api/bookings, before validation.
type Request struct {
	EventType string         `json:"event_type"`
	Start     string         `json:"start"`
	Name      string         `json:"name"`
	Email     string         `json:"email"`
	Timezone  string         `json:"timezone"`
	Notes     string         `json:"notes"`
	Answers   map[string]any `json:"answers"`
	// Language is the invitee's language as a BCP 47 tag ("pt-BR"); the
	// server keeps the closest supported one (empty: the organisation's).
	Language string `json:"language"`
}

// fields maps each JSON field name, matched exactly (case-sensitive), to its destination.
func (r *Request) fields() map[string]any {
	return map[string]any{
		"event_type": &r.EventType,
		"start":      &r.Start,
		"name":       &r.Name,
		"email":      &r.Email,
		"timezone":   &r.Timezone,
		"notes":      &r.Notes,
		"answers":    &r.Answers,
		"language":   &r.Language,
	}
}

// Decode reads one JSON object strictly. Field names must match exactly; a
// null value counts as absent; numbers in answers stay json.Number until
// Validate. Unknown, duplicate and wrongly typed fields come back together as
// FieldErrors ("foo": unknown field, "start": must be a string). A body that is
// empty, unreadable, not valid UTF-8, not a JSON object, syntactically broken
// or followed by anything but whitespace gives an error wrapping ErrMalformed;
// a body over MaxBodyBytes one wrapping ErrTooLarge. On error the Request is zero.
func Decode(r io.Reader) (Request, error) {
	body, err := io.ReadAll(io.LimitReader(r, MaxBodyBytes+1))
	if err != nil {
		return Request{}, fmt.Errorf("%w: reading body: %w", ErrMalformed, err)
	}
	if len(body) > MaxBodyBytes {
		return Request{}, fmt.Errorf("%w: body exceeds %d bytes", ErrTooLarge, MaxBodyBytes)
	}
	if !utf8.Valid(body) {
		return Request{}, fmt.Errorf("%w: body is not valid UTF-8", ErrMalformed)
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return Request{}, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	if err != nil {
		return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if tok != json.Delim('{') {
		return Request{}, fmt.Errorf("%w: body must be a JSON object", ErrMalformed)
	}

	var req Request
	fields := req.fields()
	seen := make(map[string]bool, len(fields))
	errs := FieldErrors{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		key, ok := tok.(string)
		if !ok {
			return Request{}, fmt.Errorf("%w: expected a field name", ErrMalformed)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		if seen[key] {
			errs[key] = errDuplicateField
			continue
		}
		seen[key] = true
		dst, known := fields[key]
		if !known {
			errs[key] = errUnknownField
			continue
		}
		if err := decodeValue(raw, dst); err != nil {
			errs[key] = err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return Request{}, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return Request{}, fmt.Errorf("%w: trailing data after the JSON object", ErrMalformed)
	}
	if len(errs) > 0 {
		return Request{}, errs
	}
	return req, nil
}

// decodeValue decodes one already syntax-checked value into dst and turns a
// type mismatch into the field's validation error.
func decodeValue(raw json.RawMessage, dst any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(dst); err != nil {
		if _, ok := dst.(*map[string]any); ok {
			return errNotObject
		}
		return errNotString
	}
	return nil
}
