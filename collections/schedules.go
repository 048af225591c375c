package collections

import "github.com/pocketbase/pocketbase/core"

// Schedules is the name of the schedules collection: weekly availability.
const Schedules = "schedules"

// SchedulesID is the fixed id of the schedules collection.
const SchedulesID = "sb_schedules"

// Fields of the schedules collection.
const (
	SchedulesName     = "name"
	SchedulesTimezone = "timezone"
	SchedulesWeekly   = "weekly"
)

// Schedule wraps a schedules record.
type Schedule struct {
	core.BaseRecordProxy
}

// NewSchedule wraps r.
func NewSchedule(r *core.Record) *Schedule {
	s := &Schedule{}
	s.SetProxyRecord(r)
	return s
}

// Name is the schedule's label.
func (s *Schedule) Name() string { return s.GetString(SchedulesName) }

// Timezone is the IANA zone the weekly windows are read in.
func (s *Schedule) Timezone() string { return s.GetString(SchedulesTimezone) }

// WeeklyJSON is the raw weekly JSON ({"mon":[["09:00","17:00"]], …}).
func (s *Schedule) WeeklyJSON() []byte { return rawJSON(s.Record, SchedulesWeekly) }
