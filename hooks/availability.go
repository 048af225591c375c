package hooks

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/slots"
)

// lookBack is how far before a query the engine may look (its anchor
// look-back plus two days, see internal/slots), plus a day for long meetings.
const lookBack = slots.AnchorLookBack + 3*24*time.Hour

// availability is everything the slot engine needs for one event type.
type availability struct {
	Rules slots.Rules
	Hosts []slots.Host
}

// rulesOf turns an event type's fields into the engine's rules.
func rulesOf(et *c.EventType) slots.Rules {
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

// loadAvailability reads, in a handful of indexed queries, the rules, hosts,
// schedules, overrides, live bookings and busy blocks that decide the slots
// of et in [from, to). excludeBooking (may be "") is left out of the
// bookings, so a booking being rescheduled does not block itself.
func loadAvailability(app core.App, et *c.EventType, from, to time.Time, excludeBooking string) (availability, error) {
	rules := rulesOf(et)
	av := availability{Rules: rules}

	hostRecords, err := app.FindRecordsByIds(c.Hosts, et.HostIDs())
	if err != nil {
		return av, err
	}
	byHost := map[string]int{}
	var scheduleIDs []string
	for _, r := range hostRecords {
		h := c.NewHost(r)
		if !h.Active() {
			if rules.Assignment == slots.Collective {
				return av, nil // a collective meeting needs every host
			}
			continue
		}
		loc, err := loadZone(h.Timezone())
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

	schedules, err := loadSchedules(app, scheduleIDs, from.Add(-lookBack), to)
	if err != nil {
		return av, err
	}
	for i := range av.Hosts {
		av.Hosts[i].Schedule = schedules[scheduleIDs[i]]
	}

	// Only bookings and busy time from DataFrom on can change these slots
	// (about two days back on working hours, nine for always-open hosts).
	lo := slots.DataFrom(av.Hosts, from)
	hostIn, params := inList("h", keys(byHost))
	params["lo"] = c.UTCString(lo)
	// … and up to the end of the hosts' local day that holds the range's
	// last instant (a daily limit counts the whole 23–26-hour day).
	params["to"] = c.UTCString(slots.DataTo(av.Hosts, to))
	params["from"] = c.UTCString(lo)
	params["exclude"] = excludeBooking

	// Rows are scanned by hand: these two queries return thousands of rows
	// on a busy calendar, and reflection-based scanning doubled their cost.
	rows, err := app.DB().NewQuery(`SELECT b.id, b.event_type, b.start, b.end, b.buffer_before, b.buffer_after, j.value AS host
		FROM bookings b, json_each(b.hosts) j
		WHERE b.start >= {:lo} AND b.start < {:to} AND b.status IN ('pending', 'confirmed')
		AND b.id != {:exclude} AND j.value IN (` + hostIn + `)`).Bind(params).Rows()
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
				ID: id, EventType: eventType, Start: parseUTC(start), End: parseUTC(end),
				BufferBefore: time.Duration(before) * time.Minute,
				BufferAfter:  time.Duration(after) * time.Minute,
			})
		}
	}
	if err := rows.Err(); err != nil {
		return av, fmt.Errorf("bookings: %w", err)
	}

	busy, err := app.DB().NewQuery(`SELECT bb.start, bb.end, cc.host FROM busy_blocks bb
		JOIN calendar_connections cc ON cc.id = bb.connection
		WHERE cc.host IN (` + hostIn + `) AND bb.end > {:from} AND bb.start < {:to}`).Bind(params).Rows()
	if err != nil {
		return av, fmt.Errorf("busy blocks: %w", err)
	}
	defer busy.Close()
	for busy.Next() {
		var start, end, host string
		if err := busy.Scan(&start, &end, &host); err != nil {
			return av, fmt.Errorf("busy blocks: %w", err)
		}
		if i, ok := byHost[host]; ok {
			av.Hosts[i].Busy = append(av.Hosts[i].Busy, slots.BusyBlock{Start: parseUTC(start), End: parseUTC(end)})
		}
	}
	if err := busy.Err(); err != nil {
		return av, fmt.Errorf("busy blocks: %w", err)
	}
	return av, nil
}

// loadSchedules reads the schedules and their overrides for the local dates
// that can touch [from, to).
func loadSchedules(app core.App, ids []string, from, to time.Time) (map[string]slots.Schedule, error) {
	records, err := app.FindRecordsByIds(c.Schedules, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[string]slots.Schedule, len(records))
	for _, r := range records {
		s := c.NewSchedule(r)
		loc, err := loadZone(s.Timezone())
		if err != nil {
			return nil, fmt.Errorf("schedule %s: timezone: %w", s.Id, err)
		}
		weekly, err := slots.ParseWeekly(s.WeeklyJSON())
		if err != nil {
			return nil, fmt.Errorf("schedule %s: weekly: %w", s.Id, err)
		}
		out[s.Id] = slots.Schedule{Location: loc, Weekly: weekly, Overrides: map[slots.Date][]slots.Window{}}
	}
	in, params := inList("s", ids)
	scheduleIn := "schedule = " + strings.ReplaceAll(in, ",", " || schedule = ")
	params["d0"] = slots.DateOf(from, time.UTC).AddDays(-2).String()
	params["d1"] = slots.DateOf(to, time.UTC).AddDays(2).String()
	overrides, err := app.FindRecordsByFilter(c.DateOverrides, "date >= {:d0} && date <= {:d1} && ("+scheduleIn+")", "", 0, 0, params)
	if err != nil {
		return nil, fmt.Errorf("date overrides: %w", err)
	}
	for _, r := range overrides {
		o := c.NewDateOverride(r)
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

// inList returns "{:p0},{:p1},…" and its params for an SQL IN list.
func inList(prefix string, values []string) (string, dbx.Params) {
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

// parseUTC reads PocketBase's stored datetime form.
func parseUTC(s string) time.Time {
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

// findSlot re-checks, inside the caller's transaction, that start is a free
// slot of et right now (exclude: a booking being moved, so it does not block
// itself). When it is not, the error says why: a *notOfferedError (a 400)
// when the event type never offers that start — too soon, too far ahead,
// outside the hosts' hours or off its grid — and errSlotGone (a 409) when
// it is such a start but taken: booked, busy, or its day at the limit.
func findSlot(tx core.App, et *c.EventType, start, now time.Time, exclude string) (slots.Slot, availability, error) {
	av, err := loadAvailability(tx, et, start, start.Add(time.Nanosecond), exclude)
	if err != nil {
		return slots.Slot{}, av, err
	}
	q := slots.Query{From: start, To: start.Add(time.Nanosecond), Now: now}
	found, err := slots.Compute(av.Rules, av.Hosts, q)
	if err != nil {
		return slots.Slot{}, av, err
	}
	if len(found) == 1 && found[0].Start.Equal(start) {
		return found[0], av, nil
	}
	if reason := notOffered(av, start, now, q); reason != "" {
		return slots.Slot{}, av, &notOfferedError{reason}
	}
	return slots.Slot{}, av, errSlotGone
}

// notOfferedError is a start the event type does not offer at all.
type notOfferedError struct{ reason string }

func (e *notOfferedError) Error() string { return e.reason }

// notOffered says why start is not a time of the event type ("" when it is
// one, and only bookings, busy time or the daily limit stand in the way):
// the notice and horizon first, then the hosts' hours and the slot grid with
// every booking and busy block left out.
func notOffered(av availability, start, now time.Time, q slots.Query) string {
	r := av.Rules
	switch {
	case start.Before(now.Add(r.MinNotice)):
		return fmt.Sprintf("is too soon: this event type takes bookings at least %s ahead", humanDuration(r.MinNotice))
	case r.Horizon > 0 && start.After(now.Add(r.Horizon)):
		return fmt.Sprintf("is too far ahead: this event type takes bookings at most %d days ahead", int(r.Horizon/(24*time.Hour)))
	}
	bare := make([]slots.Host, len(av.Hosts))
	for i, h := range av.Hosts {
		h.Bookings, h.Busy = nil, nil
		bare[i] = h
	}
	r.DailyLimit = 0
	if found, err := slots.Compute(r, bare, q); err == nil && len(found) == 1 && found[0].Start.Equal(start) {
		return ""
	}
	return fmt.Sprintf("is not a time this event type offers (outside the hosts' hours, or not on its %d-minute grid): pick one of the times GET /api/slots lists", int(r.Step.Minutes()))
}

// humanDuration writes whole minutes, hours or days the way a person would.
func humanDuration(d time.Duration) string {
	m := int(d.Minutes())
	switch {
	case m%1440 == 0 && m > 0:
		return plural(m/1440, "day")
	case m%60 == 0 && m > 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
