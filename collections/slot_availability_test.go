package collections_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/busyindex"
	"github.com/slotbase/slotbase/internal/slots"
)

// TestSlotAvailabilityMatchesFullRead: a booking's re-check through
// LoadSlotAvailability (the slot window first, the full look-back only when
// it does not decide) answers every start exactly as the full read does,
// on real rows: hosts open around the clock and on office hours in zones
// with DST, bookings of several event types with buffers, cancelled ones,
// shared (collective) ones, busy blocks short and long, the booking being
// moved left out — and the window decides most starts without the full read.
func TestSlotAvailabilityMatchesFullRead(t *testing.T) {
	app := migratedApp(t)
	rng := rand.New(rand.NewPCG(7, 18))
	always := `{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}`
	office := `{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","12:00"],["13:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}`
	var hosts []string
	for i, sc := range []struct{ zone, weekly string }{{"UTC", always}, {"America/New_York", always}, {"Europe/Berlin", office}} {
		s := saveRecord(t, app, c.Schedules, map[string]any{c.SchedulesName: fmt.Sprint("s", i), c.SchedulesTimezone: sc.zone, c.SchedulesWeekly: sc.weekly})
		name := fmt.Sprint("h", i)
		hosts = append(hosts, saveHost(t, app, s.Id, name, sc.zone))
	}
	eventType := func(slug string, hosts []string, assignment string, extra map[string]any) *core.Record {
		v := map[string]any{c.EventTypesSlug: slug, c.EventTypesTitle: slug, c.EventTypesDuration: 30, c.EventTypesHosts: hosts,
			c.EventTypesAssignment: assignment, c.EventTypesQuestions: `[]`, c.EventTypesHorizonDays: 0}
		for k, x := range extra {
			v[k] = x
		}
		return saveRecord(t, app, c.EventTypes, v)
	}
	ets := []*core.Record{
		eventType("one", hosts[:1], c.AssignmentSingle, map[string]any{c.EventTypesBufferBefore: 10, c.EventTypesBufferAfter: 5}),
		eventType("ny", hosts[1:2], c.AssignmentSingle, map[string]any{c.EventTypesSlotStep: 20}),
		eventType("rr", hosts, c.AssignmentRoundRobin, map[string]any{c.EventTypesDuration: 45, c.EventTypesSlotStep: 15}),
		eventType("all", hosts[:2], c.AssignmentCollective, nil),
	}
	// March 2027: New York and Berlin both change to summer time in it.
	base := time.Date(2027, 3, 12, 0, 0, 0, 0, time.UTC)
	var ids []string
	err := app.RunInTransaction(func(tx core.App) error {
		col, err := tx.FindCollectionByNameOrId(c.Bookings)
		if err != nil {
			return err
		}
		for i := range 260 {
			et := ets[rng.IntN(len(ets))]
			h := []string{hosts[rng.IntN(len(hosts))]}
			if rng.IntN(10) == 0 {
				h = []string{hosts[0], hosts[1]}
			}
			start := base.Add(time.Duration(rng.IntN(20*24*60)) * time.Minute)
			if rng.IntN(2) == 0 {
				start = start.Truncate(15 * time.Minute)
			}
			status := c.StatusConfirmed
			if rng.IntN(8) == 0 {
				status = "cancelled"
			}
			r := core.NewRecord(col)
			for k, v := range map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: h, c.BookingsStart: start,
				c.BookingsEnd: start.Add(time.Duration(10+rng.IntN(110)) * time.Minute), c.BookingsStatus: status,
				c.BookingsName: "n", c.BookingsEmail: "n@example.com", c.BookingsTimezone: "UTC",
				c.BookingsBufferBefore: rng.IntN(3) * 15, c.BookingsBufferAfter: rng.IntN(3) * 10} {
				r.Set(k, v)
			}
			if err := tx.Save(r); err != nil {
				return fmt.Errorf("booking %d: %w", i, err)
			}
			ids = append(ids, r.Id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Busy time on the first host: short blocks and one of three days.
	cn := saveRecord(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: hosts[0], c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionConnected})
	for i := range 40 {
		start := base.Add(time.Duration(rng.IntN(20*24*60)) * time.Minute)
		saveRecord(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: fmt.Sprint("b", i),
			c.BusyBlocksStart: start, c.BusyBlocksEnd: start.Add(time.Duration(5+rng.IntN(180)) * time.Minute)})
	}
	saveRecord(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: "trip",
		c.BusyBlocksStart: base.Add(9 * 24 * time.Hour), c.BusyBlocksEnd: base.Add(12 * 24 * time.Hour)})

	fullReads, checked, slotsFound := 0, 0, 0
	for i := range 1500 {
		etr := ets[rng.IntN(len(ets))]
		et := c.NewEventType(etr)
		s := base.Add(time.Duration(24*60+rng.IntN(18*24*60)) * time.Minute)
		if rng.IntN(2) == 0 { // a start that is a slot, or was one before the booking left out
			wide, err := c.LoadAvailabilityFrom(et, s, s.Add(48*time.Hour), c.DBSetup(app), c.DBBlockers(app, ""))
			if err != nil {
				t.Fatal(err)
			}
			offered, err := slots.Compute(wide.Rules, wide.Hosts, slots.Query{From: s, To: s.Add(48 * time.Hour), Now: base})
			if err != nil {
				t.Fatal(err)
			}
			if len(offered) > 0 {
				s = offered[rng.IntN(len(offered))].Start
			}
		}
		exclude := ""
		if rng.IntN(4) == 0 {
			exclude = ids[rng.IntN(len(ids))]
		}
		want, err := c.LoadAvailabilityFrom(et, s, s.Add(time.Nanosecond), c.DBSetup(app), c.DBBlockers(app, exclude))
		if err != nil {
			t.Fatal(err)
		}
		full := c.DBBlockers(app, exclude)
		counted := func(h []string, lo, to time.Time) (map[string]busyindex.Blockers, error) {
			fullReads++
			return full(h, lo, to)
		}
		got, err := c.LoadSlotAvailability(et, s, c.DBSetup(app), c.DBWindowBlockers(app, exclude), counted)
		if err != nil {
			t.Fatal(err)
		}
		q := slots.Query{From: s, To: s.Add(time.Nanosecond), Now: base}
		a, err := slots.Compute(want.Rules, want.Hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		b, err := slots.Compute(got.Rules, got.Hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Fatalf("check %d (%s at %s, leaving out %q): the full read gives %v, the slot window %v", i, et.Slug(), s, exclude, a, b)
		}
		checked++
		if len(a) > 0 {
			slotsFound++
		}
	}
	if fullReads == 0 || fullReads*2 > checked || slotsFound < checked/4 {
		t.Fatalf("not a test of the window: %d of %d checks needed the full read, %d found a slot", fullReads, checked, slotsFound)
	}
	t.Logf("%d checks, %d found a slot, %d needed the full read", checked, slotsFound, fullReads)
}
