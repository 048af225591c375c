package collections

import "github.com/pocketbase/pocketbase/core"

// DateOverrides is the name of the collection of per-date availability overrides.
const DateOverrides = "date_overrides"

// DateOverridesID is the fixed id of the date_overrides collection.
const DateOverridesID = "sb_date_overrides"

// Fields of the date_overrides collection.
const (
	DateOverridesSchedule  = "schedule"
	DateOverridesDate      = "date"
	DateOverridesIntervals = "intervals"
	DateOverridesReason    = "reason"
)

// DateOverride wraps a date_overrides record.
type DateOverride struct {
	core.BaseRecordProxy
}

// NewDateOverride wraps r.
func NewDateOverride(r *core.Record) *DateOverride {
	o := &DateOverride{}
	o.SetProxyRecord(r)
	return o
}

// ScheduleID is the schedule the override belongs to.
func (o *DateOverride) ScheduleID() string { return o.GetString(DateOverridesSchedule) }

// Date is the local date (YYYY-MM-DD in the schedule's zone).
func (o *DateOverride) Date() string { return o.GetString(DateOverridesDate) }

// IntervalsJSON is the raw intervals JSON ([["HH:MM","HH:MM"], …]; [] = closed).
func (o *DateOverride) IntervalsJSON() []byte { return rawJSON(o.Record, DateOverridesIntervals) }

// rawJSON returns a JSON field's raw bytes ("null" when unset).
func rawJSON(r *core.Record, field string) []byte {
	raw, ok := r.GetRaw(field).(interface{ String() string })
	if !ok || raw.String() == "" {
		return []byte("null")
	}
	return []byte(raw.String())
}
