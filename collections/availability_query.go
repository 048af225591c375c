package collections

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/busyindex"
	"github.com/slotbase/slotbase/internal/slots"
)

// Queries that decide availability: what the slot engine needs for one
// event type, read in a handful of indexed queries.

// lookBack is how far before a query the engine may look (its anchor
// look-back plus two days, see internal/slots), plus a day for long meetings.
const lookBack = slots.AnchorLookBack + 3*24*time.Hour

// Availability is everything the slot engine needs for one event type.
type Availability struct {
	Rules slots.Rules
	Hosts []slots.Host
}

// RulesOf turns an event type's fields into the engine's rules.
func RulesOf(et *EventType) slots.Rules {
	return slots.Rules{
		EventType:    et.Id,
		Duration:     et.Duration(),
		Step:         et.SlotStep(),
		BufferBefore: et.BufferBefore(),
		BufferAfter:  et.BufferAfter(),
		MinNotice:    et.MinNotice(),
		Horizon:      time.Duration(et.HorizonDays()) * 24 * time.Hour,
		DailyLimit:   et.DailyLimit(),
		Seats:        et.Seats(),
		Assignment:   slots.Assignment(et.Assignment()),
	}
}

// BlockersFunc reads what blocks hosts' time in [lo, to): their live
// bookings that start in it and their busy blocks that overlap it.
type BlockersFunc func(hosts []string, lo, to time.Time) (map[string]busyindex.Blockers, error)

// LoadAvailabilityWith reads the rules, hosts, schedules and overrides
// (from the database) and the live bookings and busy blocks (by blockers:
// the database, or an index kept from it) that decide the slots of et in
// [from, to).
func LoadAvailabilityWith(app core.App, et *EventType, from, to time.Time, blockers BlockersFunc) (Availability, error) {
	return LoadAvailabilityFrom(et, from, to, DBSetup(app), blockers)
}

// HostSetup is what decides a host's working time besides bookings and
// busy time: whether it is active, its zone and its schedule (weekly hours
// and date overrides).
type HostSetup struct {
	ID       string
	Active   bool
	Location *time.Location
	Schedule slots.Schedule
	// View is what a booking's view shows of the host (name, e-mail, zone).
	View booking.HostView
}

// SetupFunc reads the setup of hosts (by id, in any order; unknown ids
// left out) for a range [from, to): its schedules carry at least the date
// overrides that can touch the range. The result is shared: callers must
// not modify it.
type SetupFunc func(hosts []string, from, to time.Time) ([]HostSetup, error)

// DBSetup reads hosts' setup from the database: the host records, their
// schedules and the overrides that can touch [from, to).
func DBSetup(app core.App) SetupFunc {
	return func(ids []string, from, to time.Time) ([]HostSetup, error) {
		hostRecords, err := app.FindRecordsByIds(Hosts, ids)
		if err != nil {
			return nil, err
		}
		out := make([]HostSetup, 0, len(hostRecords))
		var scheduleIDs []string
		for _, r := range hostRecords {
			h := NewHost(r)
			hs := HostSetup{ID: h.Id, Active: h.Active(), View: HostViewOf(h)}
			if hs.Active {
				loc, err := LoadZone(h.Timezone())
				if err != nil {
					return nil, fmt.Errorf("host %s: timezone: %w", h.Id, err)
				}
				hs.Location = loc
			}
			out = append(out, hs)
			scheduleIDs = append(scheduleIDs, h.ScheduleID())
		}
		schedules, err := LoadSchedules(app, scheduleIDs, from.Add(-lookBack), to)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i].Schedule = schedules[scheduleIDs[i]]
		}
		return out, nil
	}
}

// LoadAvailabilityFrom is LoadAvailabilityWith with the hosts' setup read
// by setup (the booking transaction: kept, checked by the setup version).
func LoadAvailabilityFrom(et *EventType, from, to time.Time, setup SetupFunc, blockers BlockersFunc) (Availability, error) {
	av, ids, err := availabilityHosts(et, from, to, setup)
	if err != nil || len(ids) == 0 {
		return av, err
	}
	// Only bookings and busy time from DataFrom on can change these slots
	// (about two days back on working hours, nine for always-open hosts),
	// up to the end of the hosts' local day that holds the range's last
	// instant (a daily limit counts the whole 23–26-hour day).
	blocked, err := blockers(ids, slots.DataFrom(av.Hosts, from), slots.DataTo(av.Hosts, to))
	if err != nil {
		return av, err
	}
	av.setBlockers(blocked)
	return av, nil
}

// WindowBlockersFunc reads what the slots.SlotWindow w reads of hosts:
// their live bookings that end after w.EndAfter and start in
// [w.StartFrom, w.StartBefore), and their busy blocks that overlap
// [w.EndAfter, w.StartBefore).
type WindowBlockersFunc func(hosts []string, w slots.SlotWindow) (map[string]busyindex.Blockers, error)

// LoadSlotAvailability is LoadAvailabilityFrom for the one start a booking
// re-checks: it reads the small slots.SlotWindow around start through near
// first, and the full range through full only when that window does not
// decide the slot (a free interval longer than the window, a daily limit).
// On a host available around the clock that is about a day and a half of
// bookings instead of eleven.
func LoadSlotAvailability(et *EventType, start time.Time, setup SetupFunc, near WindowBlockersFunc, full BlockersFunc) (Availability, error) {
	to := start.Add(time.Nanosecond)
	av, ids, err := availabilityHosts(et, start, to, setup)
	if err != nil || len(ids) == 0 {
		return av, err
	}
	if w, ok := slots.NewSlotWindow(av.Rules, start); ok {
		blocked, err := near(ids, w)
		if err != nil {
			return av, err
		}
		av.setBlockers(blocked)
		if w.Decided(av.Rules, av.Hosts) {
			return av, nil
		}
	}
	blocked, err := full(ids, slots.DataFrom(av.Hosts, start), slots.DataTo(av.Hosts, to))
	if err != nil {
		return av, err
	}
	av.setBlockers(blocked)
	return av, nil
}

// availabilityHosts starts et's availability for [from, to): its rules and
// its active hosts' setup (ids: theirs; none when a collective meeting
// lacks one).
func availabilityHosts(et *EventType, from, to time.Time, setup SetupFunc) (Availability, []string, error) {
	rules := RulesOf(et)
	av := Availability{Rules: rules}
	found, err := setup(et.HostIDs(), from, to)
	if err != nil {
		return av, nil, err
	}
	var ids []string
	for _, h := range found {
		if !h.Active {
			if rules.Assignment == slots.Collective {
				return av, nil, nil // a collective meeting needs every host
			}
			continue
		}
		av.Hosts = append(av.Hosts, slots.Host{ID: h.ID, Location: h.Location, Schedule: h.Schedule})
		ids = append(ids, h.ID)
	}
	if len(ids) == 0 {
		av.Hosts = nil
	}
	return av, ids, nil
}

// setBlockers gives each host its bookings and busy time from blocked.
func (av *Availability) setBlockers(blocked map[string]busyindex.Blockers) {
	for i := range av.Hosts {
		b := blocked[av.Hosts[i].ID]
		av.Hosts[i].Bookings, av.Hosts[i].Busy = b.Bookings, b.Busy
	}
}

// LoadSchedules reads the schedules (by id) and their overrides for the local dates
// that can touch [from, to).
func LoadSchedules(app core.App, ids []string, from, to time.Time) (map[string]slots.Schedule, error) {
	records, err := app.FindRecordsByIds(Schedules, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]slots.Schedule, len(records))
	for _, r := range records {
		s := NewSchedule(r)
		loc, err := LoadZone(s.Timezone())
		if err != nil {
			return nil, fmt.Errorf("schedule %s: timezone: %w", s.Id, err)
		}
		weekly, err := slots.ParseWeekly(s.WeeklyJSON())
		if err != nil {
			return nil, fmt.Errorf("schedule %s: weekly: %w", s.Id, err)
		}
		out[s.Id] = slots.Schedule{Location: loc, Weekly: weekly, Overrides: map[slots.Date][]slots.Window{}}
	}
	// Read plainly through idx_date_overrides_schedule_date (the record
	// filter machinery cost a quarter of an uncached slots answer).
	in, params := InList("s", ids)
	params["d0"] = slots.DateOf(from, time.UTC).AddDays(-2).String()
	params["d1"] = slots.DateOf(to, time.UTC).AddDays(2).String()
	var overrides []struct {
		ID        string `db:"id"`
		Schedule  string `db:"schedule"`
		Date      string `db:"date"`
		Intervals string `db:"intervals"`
	}
	err = app.DB().NewQuery(`SELECT id, schedule, date, intervals FROM ` + DateOverrides + `
		WHERE schedule IN (` + in + `) AND date >= {:d0} AND date <= {:d1}`).Bind(params).All(&overrides)
	if err != nil {
		return nil, fmt.Errorf("date overrides: %w", err)
	}
	for _, o := range overrides {
		s, ok := out[o.Schedule]
		if !ok {
			continue
		}
		d, err := slots.ParseDate(o.Date)
		if err != nil {
			return nil, fmt.Errorf("date override %s: %w", o.ID, err)
		}
		raw := o.Intervals
		if raw == "" {
			raw = "null"
		}
		windows, err := slots.ParseWindowsJSON([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("date override %s: intervals: %w", o.ID, err)
		}
		if windows == nil {
			windows = []slots.Window{}
		}
		s.Overrides[d] = windows
	}
	return out, nil
}

// InList returns "{:p0},{:p1},…" and its params for an SQL IN list.
func InList(prefix string, values []string) (string, dbx.Params) {
	params := dbx.Params{}
	parts := make([]string, len(values))
	for i, v := range values {
		name := prefix + strconv.Itoa(i)
		params[name] = v
		parts[i] = "{:" + name + "}"
	}
	if len(parts) == 0 {
		return "''", params
	}
	return strings.Join(parts, ","), params
}

// ParseStoredTime reads PocketBase's stored datetime form.
func ParseStoredTime(s string) time.Time {
	if t, ok := parseStoredUTC(s); ok {
		return t
	}
	t, err := time.Parse("2006-01-02 15:04:05.000Z", s)
	if err != nil {
		t, _ = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC()
}

// parseStoredUTC reads exactly "YYYY-MM-DD HH:MM:SS.mmmZ" without the
// general parser (hot: thousands of rows per slot query).
func parseStoredUTC(s string) (time.Time, bool) {
	if len(s) != 24 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != '.' || s[23] != 'Z' {
		return time.Time{}, false
	}
	num := func(i, n int) (int, bool) {
		v := 0
		for _, ch := range []byte(s[i : i+n]) {
			if ch < '0' || ch > '9' {
				return 0, false
			}
			v = v*10 + int(ch-'0')
		}
		return v, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 2)
	d, ok3 := num(8, 2)
	h, ok4 := num(11, 2)
	mi, ok5 := num(14, 2)
	sec, ok6 := num(17, 2)
	ms, ok7 := num(20, 3)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, ms*int(time.Millisecond), time.UTC)
	if t.Day() != d { // 31 February and the like
		return time.Time{}, false
	}
	return t, true
}
