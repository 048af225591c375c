package hooks

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/busyindex"
)

// normalBlockers sorts copies of blockers so two answers compare equal
// (the index's bookings are shared with it: never sort them in place).
func normalBlockers(b busyindex.Blockers) string {
	b.Bookings, b.Busy = slices.Clone(b.Bookings), slices.Clone(b.Busy)
	sort.Slice(b.Bookings, func(i, j int) bool { return b.Bookings[i].ID < b.Bookings[j].ID })
	sort.Slice(b.Busy, func(i, j int) bool {
		if !b.Busy[i].Start.Equal(b.Busy[j].Start) {
			return b.Busy[i].Start.Before(b.Busy[j].Start)
		}
		return b.Busy[i].End.Before(b.Busy[j].End)
	})
	return fmt.Sprintf("%d bookings %v / %d busy %v", len(b.Bookings), b.Bookings, len(b.Busy), b.Busy)
}

// TestAvailIndexMatchesDatabase is the model test on the real app: random
// bookings created, cancelled, rescheduled, reassigned and deleted, busy
// blocks added, moved (also to another host's connection) and removed, a
// batch committed in one transaction, transactions that roll back, and a
// raw SQL bulk change followed by invalidate() — after each step the index
// answers exactly what a fresh database read does, for random hosts and ranges.
func TestAvailIndexMatchesDatabase(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	srv, _ := testServers.Load(core.App(app))
	sc := &srv.(*server).slots
	var hosts, conns []string
	for i := range 4 {
		hosts = append(hosts, mkHost(t, app, fmt.Sprint("Host", i), "Europe/London", weekdays9to5))
		conns = append(conns, save(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: hosts[i],
			c.CalendarConnectionsProvider: "google", c.CalendarConnectionsStatus: c.ConnectionConnected}).Id)
	}
	et := mkEventType(t, app, "call", hosts, map[string]any{c.EventTypesAssignment: c.AssignmentCollective})
	r := rand.New(rand.NewPCG(1, 2))
	at := func() time.Time { return testNow.Add(time.Duration(r.IntN(45*24*4)-5*24*4) * 15 * time.Minute) }
	statuses := []string{c.StatusConfirmed, c.StatusPending, c.StatusCancelled, c.StatusDeclined}
	setBooking := func(b *core.Record) {
		start := at()
		hs := []string{hosts[r.IntN(len(hosts))]}
		if r.IntN(6) == 0 {
			hs = append(hs, hosts[r.IntN(len(hosts))])
		}
		b.Set(c.BookingsEventType, et.Id)
		b.Set(c.BookingsHosts, hs)
		b.Set(c.BookingsStart, start)
		b.Set(c.BookingsEnd, start.Add(time.Duration(1+r.IntN(4))*15*time.Minute))
		b.Set(c.BookingsBufferBefore, 5*r.IntN(3))
		b.Set(c.BookingsBufferAfter, 5*r.IntN(3))
		b.Set(c.BookingsStatus, statuses[r.IntN(len(statuses))])
		b.Set(c.BookingsName, "n")
		b.Set(c.BookingsEmail, "n@example.com")
		b.Set(c.BookingsTimezone, "UTC")
	}
	setBusy := func(b *core.Record) {
		start := at()
		b.Set(c.BusyBlocksConnection, conns[r.IntN(len(conns))])
		b.Set(c.BusyBlocksSourceID, fmt.Sprint("src", r.Int()))
		b.Set(c.BusyBlocksStart, start)
		b.Set(c.BusyBlocksEnd, start.Add(time.Duration(1+r.IntN(3*24))*time.Hour))
	}
	newOf := func(tx core.App, col string) *core.Record {
		rec, err := newRecord(tx, col, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}
	anyOf := func(tx core.App, col string) *core.Record {
		all, err := tx.FindRecordsByFilter(col, "id != ''", "", 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) == 0 {
			return nil
		}
		return all[r.IntN(len(all))]
	}
	// change makes one random change in tx.
	change := func(tx core.App) error {
		switch op := r.IntN(8); {
		case op < 2:
			b := newOf(tx, c.Bookings)
			setBooking(b)
			return tx.Save(b)
		case op < 4: // reschedule, reassign, cancel, confirm
			if b := anyOf(tx, c.Bookings); b != nil {
				setBooking(b)
				return tx.Save(b)
			}
		case op == 4:
			if b := anyOf(tx, c.Bookings); b != nil {
				return tx.Delete(b)
			}
		case op == 5:
			b := newOf(tx, c.BusyBlocks)
			setBusy(b)
			return tx.Save(b)
		case op == 6: // move, maybe to another host's connection
			if b := anyOf(tx, c.BusyBlocks); b != nil {
				setBusy(b)
				return tx.Save(b)
			}
		case op == 7:
			if b := anyOf(tx, c.BusyBlocks); b != nil {
				return tx.Delete(b)
			}
		}
		return nil
	}
	errRollback := errors.New("rolled back")
	for step := range 250 {
		var err error
		switch op := r.IntN(10); {
		case op < 6:
			err = change(app)
		case op == 6: // a batch in one transaction (as a calendar sync writes)
			err = app.RunInTransaction(func(tx core.App) error {
				for range 1 + r.IntN(5) {
					if err := change(tx); err != nil {
						return err
					}
				}
				return nil
			})
		case op == 7: // a transaction that rolls back after its changes
			err = app.RunInTransaction(func(tx core.App) error {
				for range 1 + r.IntN(4) {
					if err := change(tx); err != nil {
						return err
					}
				}
				return errRollback
			})
			if errors.Is(err, errRollback) {
				err = nil
			}
		case op == 8: // raw SQL over many rows, then invalidate
			_, err = app.DB().NewQuery(`UPDATE busy_blocks SET start = strftime('%Y-%m-%d %H:%M:%fZ', start, '+1 hour'),
				end = strftime('%Y-%m-%d %H:%M:%fZ', end, '+1 hour') WHERE connection = {:c}`).
				Bind(dbx.Params{"c": conns[r.IntN(len(conns))]}).Execute()
			sc.invalidate()
		case op == 9: // the raw SQL path cancelling a booking
			if b := anyOf(app, c.Bookings); b != nil {
				_, err = app.DB().NewQuery(`UPDATE bookings SET status = 'cancelled' WHERE id = {:id}`).Bind(dbx.Params{"id": b.Id}).Execute()
				sc.invalidate()
			}
		}
		if err != nil {
			t.Fatalf("step %d: %v", step, err)
		}
		for range 3 {
			ask := slices.Clone(hosts)
			r.Shuffle(len(ask), func(i, j int) { ask[i], ask[j] = ask[j], ask[i] })
			ask = ask[:1+r.IntN(len(ask))]
			lo := testNow.Add(-time.Duration(r.IntN(10*24)) * time.Hour)
			to := lo.Add(time.Duration(1+r.IntN(40*24)) * time.Hour)
			got, ok, err := sc.index.Read(ask, lo, to, testNow)
			if err != nil || !ok {
				t.Fatalf("step %d: index read: ok=%v %v", step, ok, err)
			}
			want, err := c.DBBlockers(app, "")(ask, lo, to)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range ask {
				if g, w := normalBlockers(got[h]), normalBlockers(want[h]); g != w {
					t.Fatalf("step %d: host %s [%s, %s):\nindex    %s\ndatabase %s", step, h, lo, to, g, w)
				}
			}
		}
	}
	if h, b, busy := sc.index.Stats(); h == 0 || b == 0 || busy == 0 {
		t.Fatalf("the index held %d hosts, %d bookings, %d busy blocks: the test did not exercise it", h, b, busy)
	}
}

// TestRaceOneSeatThroughIndex: with the index warm (the page showed the
// slot), 50 racers for it still give one 201 and 49 × 409 — the booking
// transaction re-checks the database — and the page then stops showing it.
func TestRaceOneSeatThroughIndex(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	srv, _ := testServers.Load(core.App(app))
	sc := &srv.(*server).slots
	shows := func() bool {
		var res slotsResponse
		if code := getJSON(t, url+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=UTC", &res); code != http.StatusOK {
			t.Fatalf("slots: %d", code)
		}
		for _, d := range res.Days {
			for _, s := range d.Slots {
				if s.Start == "2026-03-02T10:00:00Z" {
					return true
				}
			}
		}
		return false
	}
	if !shows() {
		t.Fatal("the page does not offer 10:00 before the race")
	}
	if h, _, _ := sc.index.Stats(); h != 1 {
		t.Fatalf("index holds %d hosts after the page's query, want 1 (the slots did not come from it)", h)
	}
	counts := race(t, url, 50, distinctInvitee)
	if counts[201] != 1 || counts[409] != 49 {
		t.Fatalf("50 racers for one seat: %v, want exactly one 201 and 49 × 409", counts)
	}
	if n := countBookings(t, app, "status = 'confirmed'"); n != 1 {
		t.Fatalf("%d bookings stored", n)
	}
	if shows() {
		t.Fatal("the page still offers the taken 10:00 (the index missed the booking)")
	}
	if _, b, _ := sc.index.Stats(); b != 1 {
		t.Fatalf("index holds %d bookings, want 1", b)
	}
}

// TestSlotsHonourDateOverrides: an override replaces its date's weekly
// hours ([] closes the day), read straight from date_overrides.
func TestSlotsHonourDateOverrides(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	h, err := app.FindRecordById(c.Hosts, host)
	if err != nil {
		t.Fatal(err)
	}
	schedule := h.GetString(c.HostsSchedule)
	save(t, app, c.DateOverrides, map[string]any{c.DateOverridesSchedule: schedule, c.DateOverridesDate: "2026-03-03", c.DateOverridesIntervals: `[]`})
	save(t, app, c.DateOverrides, map[string]any{c.DateOverridesSchedule: schedule, c.DateOverridesDate: "2026-03-04", c.DateOverridesIntervals: `[["13:00","14:00"]]`})
	var res slotsResponse
	if code := getJSON(t, serveHTTP(t, app)+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-04&tz=UTC", &res); code != http.StatusOK {
		t.Fatalf("slots: %d", code)
	}
	got := map[string][]string{}
	for _, d := range res.Days {
		for _, s := range d.Slots {
			got[d.Date] = append(got[d.Date], s.Start)
		}
	}
	if len(got["2026-03-02"]) != 16 || len(got["2026-03-03"]) != 0 || !slices.Equal(got["2026-03-04"], []string{"2026-03-04T13:00:00Z", "2026-03-04T13:30:00Z"}) {
		t.Fatalf("slots by day %v: want 16 on the 2nd (weekly), none on the 3rd (closed), 13:00 and 13:30 on the 4th", got)
	}
}

// TestSlotsSeeEventTypeChanges: the event type kept by slug is read again
// after a change — deactivated it answers 404, a new duration shows at once.
func TestSlotsSeeEventTypeChanges(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app) + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=UTC"
	first := func() (int, string) {
		var res slotsResponse
		code := getJSON(t, url, &res)
		if code != http.StatusOK || len(res.Days) == 0 || len(res.Days[0].Slots) == 0 {
			return code, ""
		}
		return code, res.Days[0].Slots[0].End
	}
	if code, end := first(); code != http.StatusOK || end != "2026-03-02T09:30:00Z" {
		t.Fatalf("before: %d, first slot ends %q", code, end)
	}
	et, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	et.Set(c.EventTypesDuration, 60)
	if err := app.Save(et); err != nil {
		t.Fatal(err)
	}
	if code, end := first(); code != http.StatusOK || end != "2026-03-02T10:00:00Z" {
		t.Fatalf("after a 60-minute duration: %d, first slot ends %q", code, end)
	}
	et.Set(c.EventTypesActive, false)
	if err := app.Save(et); err != nil {
		t.Fatal(err)
	}
	if code, _ := first(); code != http.StatusNotFound {
		t.Fatalf("deactivated: %d, want 404", code)
	}
}

// TestSlotsSeeHostSetupChanges: hosts' setup is kept between answers
// (slotCache.hostSetup) and read again after every change of it — a date
// override added and removed, new weekly hours, the schedule's zone, the
// host deactivated — each seen by the very next answer.
func TestSlotsSeeHostSetupChanges(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app) + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=UTC"
	starts := func() []string {
		t.Helper()
		var res slotsResponse
		if code := getJSON(t, url, &res); code != http.StatusOK {
			t.Fatalf("slots: %d", code)
		}
		var out []string
		for _, d := range res.Days {
			for _, s := range d.Slots {
				out = append(out, s.Start)
			}
		}
		return out
	}
	if got := starts(); len(got) != 16 || got[0] != "2026-03-02T09:00:00Z" {
		t.Fatalf("before: %v, want 16 from 09:00 (London is UTC in March)", got)
	}
	h, err := app.FindRecordById(c.Hosts, host)
	if err != nil {
		t.Fatal(err)
	}
	schedule, err := app.FindRecordById(c.Schedules, h.GetString(c.HostsSchedule))
	if err != nil {
		t.Fatal(err)
	}

	closed := save(t, app, c.DateOverrides, map[string]any{c.DateOverridesSchedule: schedule.Id, c.DateOverridesDate: "2026-03-02", c.DateOverridesIntervals: `[]`})
	if got := starts(); len(got) != 0 {
		t.Fatalf("the day closed by an override still offers %v", got)
	}
	if err := app.Delete(closed); err != nil {
		t.Fatal(err)
	}
	if got := starts(); len(got) != 16 {
		t.Fatalf("override removed: %d times, want 16 again", len(got))
	}

	schedule.Set(c.SchedulesWeekly, `{"mon":[["13:00","14:00"]]}`)
	if err := app.Save(schedule); err != nil {
		t.Fatal(err)
	}
	if got := starts(); !slices.Equal(got, []string{"2026-03-02T13:00:00Z", "2026-03-02T13:30:00Z"}) {
		t.Fatalf("new weekly hours 13:00–14:00: %v", got)
	}
	schedule.Set(c.SchedulesTimezone, "Europe/Berlin")
	if err := app.Save(schedule); err != nil {
		t.Fatal(err)
	}
	if got := starts(); !slices.Equal(got, []string{"2026-03-02T12:00:00Z", "2026-03-02T12:30:00Z"}) {
		t.Fatalf("the schedule moved to Berlin (UTC+1): %v, want 12:00Z and 12:30Z", got)
	}
	h.Set(c.HostsActive, false)
	if err := app.Save(h); err != nil {
		t.Fatal(err)
	}
	if got := starts(); len(got) != 0 {
		t.Fatalf("the only host deactivated, still offered %v", got)
	}
}
