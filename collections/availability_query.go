package collections

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

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

// LoadAvailability reads, in a handful of indexed queries, the rules, hosts,
// schedules, overrides, live bookings and busy blocks that decide the slots
// of et in [from, to). excludeBooking (may be "") is left out of the
// bookings, so a booking being rescheduled does not block itself.
func LoadAvailability(app core.App, et *EventType, from, to time.Time, excludeBooking string) (Availability, error) {
	rules := RulesOf(et)
	av := Availability{Rules: rules}

	hostRecords, err := app.FindRecordsByIds(Hosts, et.HostIDs())
	if err != nil {
		return av, err
	}
	byHost := map[string]int{}
	var scheduleIDs []string
	for _, r := range hostRecords {
		h := NewHost(r)
		if !h.Active() {
			if rules.Assignment == slots.Collective {
				return av, nil // a collective meeting needs every host
			}
			continue
		}
		loc, err := LoadZone(h.Timezone())
		if err != nil {
			return av, fmt.Errorf("host %s: timezone: %w", h.Id, err)
		}
		byHost[h.Id] = len(av.Hosts)
		av.Hosts = append(av.Hosts, slots.Host{ID: h.Id, Location: loc})
		scheduleIDs = append(scheduleIDs, h.ScheduleID())
	}
	if len(av.Hosts) == 0 {
		return av, nil
	}

	schedules, err := LoadSchedules(app, scheduleIDs, from.Add(-lookBack), to)
	if err != nil {
		return av, err
	}
	for i := range av.Hosts {
		av.Hosts[i].Schedule = schedules[scheduleIDs[i]]
	}

	// Only bookings and busy time from DataFrom on can change these slots
	// (about two days back on working hours, nine for always-open hosts).
	lo := slots.DataFrom(av.Hosts, from)
	query, params := HostBookingsSQL("b.id, b.event_type, b.start, b.end, b.buffer_before, b.buffer_after", keys(byHost),
		"b.start >= {:lo} AND b.start < {:to} AND b.status IN ('pending', 'confirmed') AND b.id != {:exclude}")
	params["lo"] = UTCString(lo)
	// … and up to the end of the hosts' local day that holds the range's
	// last instant (a daily limit counts the whole 23–26-hour day).
	params["to"] = UTCString(slots.DataTo(av.Hosts, to))
	params["exclude"] = excludeBooking

	// Rows are scanned by hand (as BusyOf does): this query returns thousands of rows
	// on a busy calendar, and reflection-based scanning doubled their cost.
	rows, err := app.DB().NewQuery(query).Bind(params).Rows()
	if err != nil {
		return av, fmt.Errorf("bookings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, eventType, start, end, host string
		var before, after int
		if err := rows.Scan(&id, &eventType, &start, &end, &before, &after, &host); err != nil {
			return av, fmt.Errorf("bookings: %w", err)
		}
		if i, ok := byHost[host]; ok {
			av.Hosts[i].Bookings = append(av.Hosts[i].Bookings, slots.Booking{
				ID: id, EventType: eventType, Start: ParseStoredTime(start), End: ParseStoredTime(end),
				BufferBefore: time.Duration(before) * time.Minute,
				BufferAfter:  time.Duration(after) * time.Minute,
			})
		}
	}
	if err := rows.Err(); err != nil {
		return av, fmt.Errorf("bookings: %w", err)
	}

	busy, err := BusyOf(app, keys(byHost), lo, slots.DataTo(av.Hosts, to))
	if err != nil {
		return av, err
	}
	for host, blocks := range busy {
		if i, ok := byHost[host]; ok {
			av.Hosts[i].Busy = blocks
		}
	}
	return av, nil
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
	in, params := InList("s", ids)
	scheduleIn := "schedule = " + strings.ReplaceAll(in, ",", " || schedule = ")
	params["d0"] = slots.DateOf(from, time.UTC).AddDays(-2).String()
	params["d1"] = slots.DateOf(to, time.UTC).AddDays(2).String()
	overrides, err := app.FindRecordsByFilter(DateOverrides, "date >= {:d0} && date <= {:d1} && ("+scheduleIn+")", "", 0, 0, params)
	if err != nil {
		return nil, fmt.Errorf("date overrides: %w", err)
	}
	for _, r := range overrides {
		o := NewDateOverride(r)
		s, ok := out[o.ScheduleID()]
		if !ok {
			continue
		}
		d, err := slots.ParseDate(o.Date())
		if err != nil {
			return nil, fmt.Errorf("date override %s: %w", o.Id, err)
		}
		windows, err := slots.ParseWindowsJSON(o.IntervalsJSON())
		if err != nil {
			return nil, fmt.Errorf("date override %s: intervals: %w", o.Id, err)
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

func keys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
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
