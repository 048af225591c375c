// Package collections names slotbase's PocketBase collections and their
// fields, and wraps their records in small typed structs. The schema itself
// is created by the Go migrations in pb_migrations; this package is what the
// rest of the code uses to read and write records without string literals.
package collections

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Common field names every slotbase collection has.
const (
	FieldID      = "id"
	FieldCreated = "created"
	FieldUpdated = "updated"
)

// UTCString formats t as PocketBase stores datetimes ("2006-01-02 15:04:05.000Z"),
// the form to use in filters and range queries over date fields.
func UTCString(t time.Time) string {
	return t.UTC().Format(types.DefaultDateLayout)
}

// dateOf reads a date field as a UTC time (zero when empty).
func dateOf(r *core.Record, field string) time.Time {
	return r.GetDateTime(field).Time().UTC()
}
