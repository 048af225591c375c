package collections

import (
	"database/sql"
	"encoding/json/v2"
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/list"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/pocketbase/pocketbase/tools/types"
	"github.com/spf13/cast"

	"github.com/slotbase/slotbase/internal/booking"
)

// bookingViewColumns are the bookings columns bookingViews reads: a list
// page reads these and no others (TestBookingRowViewIsTheRecordView holds
// a booking with every column set to this list).
var bookingViewColumns = []string{
	core.FieldNameId, BookingsEventType, BookingsHosts, BookingsStatus, BookingsStart, BookingsEnd, BookingsSequence,
	BookingsName, BookingsEmail, BookingsTimezone, BookingsNotes, BookingsCancelReason, BookingsRescheduledFrom,
	FieldCreated, FieldUpdated, BookingsLanguage, BookingsAnswers,
	BookingsPaymentStatus, BookingsPaymentAmount, BookingsPaymentCurrency, BookingsRefundedAmount,
	BookingsHoldExpiresAt, BookingsCheckoutURL,
}

// FindBookingViews is the views of app.FindRecordsByFilter(Bookings,
// filter, sort, limit, offset, params), event types and hosts found through
// refs: the same views, read without building a PocketBase record per row
// (scanning every column into a map and a record was half of an admin
// list page's CPU, issue 18).
func FindBookingViews(app core.App, filter, sort string, limit, offset int, params dbx.Params, refs ViewRefs) ([]booking.View, error) {
	col, err := app.FindCachedCollectionByNameOrId(Bookings)
	if err != nil {
		return nil, err
	}
	schema := bookingRowSchemaOf(col)
	q := app.RecordQuery(col).Select(schema.selects...)
	resolver := core.NewRecordFieldResolver(app, col, nil, true)
	if filter != "" {
		expr, err := search.FilterData(filter).BuildExpr(resolver, params)
		if err != nil {
			return nil, fmt.Errorf("invalid filter expression: %w", err)
		}
		q.AndWhere(expr)
	}
	for _, field := range search.ParseSortFromString(sort) {
		expr, err := field.BuildExpr(resolver)
		if err != nil {
			return nil, err
		}
		if expr != "" {
			q.AndOrderBy(expr)
		}
	}
	if err := resolver.UpdateQuery(q); err != nil {
		return nil, err
	}
	if offset > 0 {
		q.Offset(int64(offset))
	}
	if limit > 0 {
		q.Limit(int64(limit))
	}
	rows, err := q.Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var found []bookingRow
	raw := make([]sql.NullString, len(schema.fields))
	dest := make([]any, len(raw))
	for i := range raw {
		dest[i] = &raw[i]
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		r, err := schema.load(raw)
		if err != nil {
			return nil, err
		}
		found = append(found, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return bookingViews(found, refs)
}

// bookingRowSchema is where each of bookingViewColumns sits in a row, and
// its field in the bookings collection.
type bookingRowSchema struct {
	selects []string
	index   map[string]int
	fields  []core.Field
}

func bookingRowSchemaOf(col *core.Collection) *bookingRowSchema {
	s := &bookingRowSchema{index: make(map[string]int, len(bookingViewColumns))}
	for _, name := range bookingViewColumns {
		field := col.Fields.GetByName(name)
		if field == nil {
			continue // not in this schema: read as a record reads a missing field
		}
		s.index[name] = len(s.fields)
		s.fields = append(s.fields, field)
		s.selects = append(s.selects, "[["+col.Name+"."+name+"]]")
	}
	return s
}

// bookingRow is one booking of a list page as stored, each column
// normalised by its field's PrepareValue as a record loads it
// (core.newRecordFromNullStringMap); its getters cast as *core.Record's do.
type bookingRow struct {
	schema *bookingRowSchema
	values []any
}

// load prepares a scanned row.
func (s *bookingRowSchema) load(raw []sql.NullString) (bookingRow, error) {
	r := bookingRow{schema: s, values: make([]any, len(raw))}
	for i, field := range s.fields {
		var v any
		if raw[i].Valid {
			v = raw[i].String
		}
		prepared, err := field.PrepareValue(nil, v) // no bookings field reads the record
		if err != nil {
			return bookingRow{}, err
		}
		r.values[i] = prepared
	}
	return r, nil
}

// get is column key's value (nil when it is not read, as a record's Get).
func (r bookingRow) get(key string) any {
	if i, ok := r.schema.index[key]; ok {
		return r.values[i]
	}
	return nil
}

func (r bookingRow) GetString(key string) string { return cast.ToString(r.get(key)) }
func (r bookingRow) GetInt(key string) int       { return cast.ToInt(r.get(key)) }
func (r bookingRow) GetDateTime(key string) types.DateTime {
	d, _ := types.ParseDateTime(r.get(key))
	return d
}
func (r bookingRow) GetStringSlice(key string) []string { return list.ToUniqueStringSlice(r.get(key)) }
func (r bookingRow) UnmarshalJSONField(key string, result any) error {
	return json.Unmarshal([]byte(r.GetString(key)), &result) // as core.Record's (json/v2)
}
