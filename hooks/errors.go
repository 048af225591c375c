package hooks

import (
	"maps"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// fieldError is a per-field error PocketBase shows with its own message
// (a plain error would come out as "Invalid value.").
type fieldError struct{ code, message string }

func (e fieldError) Error() string { return e.message }

// Code is the machine-readable error code.
func (e fieldError) Code() string { return e.code }

// coded is what PocketBase's error renderer reads from a field error.
type coded interface {
	error
	Code() string
}

// safeFields turns domain field errors into ones PocketBase renders with their
// message, keyed by the JSON field name.
func safeFields(fields map[string]error) map[string]error {
	out := make(map[string]error, len(fields))
	for k, err := range fields {
		if c, ok := err.(coded); ok && c.Code() != "" {
			out[k] = err // ozzo-validation errors keep their code, message and params
			continue
		}
		out[k] = fieldError{code: "validation_invalid_value", message: err.Error()}
	}
	return out
}

// badRequest answers 400 with one entry per bad field.
func badRequest(e *core.RequestEvent, fields map[string]error) error {
	names := slices.Sorted(maps.Keys(fields))
	return e.BadRequestError("Invalid "+strings.Join(names, ", ")+".", safeFields(fields))
}

// fieldErr builds a field error from a message.
func fieldErr(message string) error {
	return fieldError{code: "validation_invalid_value", message: message}
}
