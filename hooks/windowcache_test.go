package hooks

import (
	"errors"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

// errRollback ends a test transaction without committing it.
var errRollback = errors.New("test: roll back")

// windowCacheFixture starts app's serve hooks (as a start runs them) and
// returns its server, the "call" event type and the UTC time of a clock
// time on Tuesday 2026-03-03 (London is on UTC).
func windowCacheFixture(t *testing.T, app *tests.TestApp) (*server, *c.EventType, func(hhmm string) time.Time) {
	t.Helper()
	testMux(t, app)
	etRecord, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hhmm string) time.Time {
		v, err := time.Parse(time.RFC3339, "2026-03-03T"+hhmm+":00Z")
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	return serverOf(app), c.NewEventType(etRecord), at
}

// TestWindowCacheInOneTransaction: several bookings made in one
// transaction (as group commit makes them) read the host's bookings once
// and then reuse that read with their own bookings added; a write the
// cache was not told of — a booking saved past the door, a cancellation by
// raw SQL, in the same transaction — makes the next re-check read again,
// so it neither offers a taken time nor refuses a freed one.
func TestWindowCacheInOneTransaction(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	s, et, at := windowCacheFixture(t, app)
	tokens := 0
	book := func(tx core.App, hhmm string) (*core.Record, error) {
		tokens++
		return s.openBooking(tx, Actor{Kind: ActorInvitee}, bookingDraft{EventType: et, Start: at(hhmm), Name: "W", Email: "w@example.com",
			Timezone: "Europe/London", Token: "mt_window_" + itoa(tokens)}, testNow)
	}
	counts := func() (int, int) {
		s.windows.mu.Lock()
		defer s.windows.mu.Unlock()
		return s.windows.reads, s.windows.reused
	}
	var ten *core.Record
	err := app.RunInTransaction(func(tx core.App) error {
		for _, hhmm := range []string{"09:00", "10:00", "09:30", "11:30"} {
			r, err := book(tx, hhmm)
			if err != nil {
				t.Fatalf("booking %s: %v", hhmm, err)
			}
			if hhmm == "10:00" {
				ten = r
			}
		}
		if reads, reused := counts(); reads != 1 || reused != 3 {
			t.Fatalf("four bookings in one transaction: %d reads, %d reuses; want 1 and 3", reads, reused)
		}
		// The kept read gained the bookings made: 09:30 again is gone.
		if _, err := book(tx, "09:30"); !errors.Is(err, errSlotGone) {
			t.Fatalf("09:30 a second time in the same transaction: %v, want errSlotGone", err)
		}
		// A booking saved past the door (nobody tells the cache): the
		// version moved by more than the door's own inserts, read again.
		col, err := tx.FindCachedCollectionByNameOrId(c.Bookings)
		if err != nil {
			return err
		}
		other := core.NewRecord(col)
		for k, v := range map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: []string{host}, c.BookingsStart: at("12:00"),
			c.BookingsEnd: at("12:30"), c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "P", c.BookingsEmail: "p@example.com", c.BookingsTimezone: "UTC"} {
			other.Set(k, v)
		}
		if err := tx.SaveNoValidate(other); err != nil {
			return err
		}
		readsBefore, _ := counts()
		if _, err := book(tx, "12:00"); !errors.Is(err, errSlotGone) {
			t.Fatalf("12:00, taken past the door in the same transaction: %v, want errSlotGone", err)
		}
		if reads, _ := counts(); reads != readsBefore+1 {
			t.Fatalf("after a write the cache was not told of: %d reads, want %d (read again)", reads, readsBefore+1)
		}
		// 10:00 cancelled by raw SQL (no PocketBase hook at all): offered again.
		if _, err := tx.DB().NewQuery(`UPDATE bookings SET status = 'cancelled' WHERE id = {:id}`).Bind(map[string]any{"id": ten.Id}).Execute(); err != nil {
			return err
		}
		if _, err := book(tx, "10:00"); err != nil {
			t.Fatalf("10:00 after its booking was cancelled by raw SQL in the same transaction: %v, want it booked", err)
		}
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	// The transaction is over: nothing of it is kept.
	s.windows.mu.Lock()
	left := len(s.windows.txs)
	s.windows.mu.Unlock()
	if left != 0 {
		t.Fatalf("%d transactions' reads still kept after they ended", left)
	}
	// Its rows were rolled back: 09:00 is free in a new transaction.
	if err := app.RunInTransaction(func(tx core.App) error {
		_, err := book(tx, "09:00")
		return err
	}); err != nil {
		t.Fatalf("09:00 after the rolled-back transaction: %v", err)
	}
}

// TestWindowCacheAcrossTransactions: a committed transaction's reads,
// with its own bookings in them, serve the next transaction as long as
// nothing else wrote; a write between them of any kind (here a raw SQL
// cancellation outside any transaction of the cache) makes the next one
// read again, and a rolled-back transaction leaves nothing behind.
func TestWindowCacheAcrossTransactions(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	s, et, at := windowCacheFixture(t, app)
	tokens := 0
	// inTx books the times in one transaction begun as the group
	// committer begins its own (s.windows.begin first); it returns the
	// outcome of each and the cache's reads and adoptions it made.
	inTx := func(rollback bool, times ...string) (outcomes []error, ids []string, reads, adopted int) {
		s.windows.mu.Lock()
		reads0, adopted0 := s.windows.reads, s.windows.adopted
		s.windows.mu.Unlock()
		err := app.RunInTransaction(func(tx core.App) error {
			s.windows.begin(tx)
			for _, hhmm := range times {
				tokens++
				r, err := s.openBooking(tx, Actor{Kind: ActorInvitee}, bookingDraft{EventType: et, Start: at(hhmm), Name: "X", Email: "x@example.com",
					Timezone: "Europe/London", Token: "mt_across_" + itoa(tokens)}, testNow)
				outcomes = append(outcomes, err)
				if err == nil {
					ids = append(ids, r.Id)
				}
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if err != nil && !(rollback && errors.Is(err, errRollback)) {
			t.Fatal(err)
		}
		s.windows.mu.Lock()
		defer s.windows.mu.Unlock()
		return outcomes, ids, s.windows.reads - reads0, s.windows.adopted - adopted0
	}

	out, ids, reads, _ := inTx(false, "09:00", "09:30")
	if out[0] != nil || out[1] != nil || reads != 1 {
		t.Fatalf("first transaction: %v, %d reads; want both booked after 1 read", out, reads)
	}
	// The next transaction takes the read over, 09:00 and 09:30 in it.
	out, _, reads, adopted := inTx(false, "09:00", "10:00")
	if !errors.Is(out[0], errSlotGone) || out[1] != nil {
		t.Fatalf("second transaction: %v; want 09:00 gone, 10:00 booked", out)
	}
	if reads != 0 || adopted != 1 {
		t.Fatalf("second transaction: %d reads, %d adopted; want the committed read adopted and none made", reads, adopted)
	}
	// 09:00 cancelled by raw SQL between transactions: nothing told the
	// cache, the version tells the next transaction to read again.
	if _, err := app.DB().NewQuery(`UPDATE bookings SET status = 'cancelled' WHERE id = {:id}`).Bind(map[string]any{"id": ids[0]}).Execute(); err != nil {
		t.Fatal(err)
	}
	out, _, reads, adopted = inTx(false, "09:00")
	if out[0] != nil || reads != 1 || adopted != 0 {
		t.Fatalf("after a raw cancellation: %v, %d reads, %d adopted; want 09:00 booked after a fresh read", out, reads, adopted)
	}
	// A rolled-back transaction books 11:00 and leaves nothing: the next
	// one adopts the read of the last committed one, where 11:00 is free.
	if out, _, _, _ = inTx(true, "11:00"); out[0] != nil {
		t.Fatalf("11:00 in the transaction rolled back: %v", out[0])
	}
	out, _, reads, adopted = inTx(false, "11:00", "09:30")
	if out[0] != nil || !errors.Is(out[1], errSlotGone) {
		t.Fatalf("after a rollback: %v; want 11:00 booked and 09:30 still gone", out)
	}
	if reads != 0 || adopted != 1 {
		t.Fatalf("after a rollback: %d reads, %d adopted; want the last committed read adopted", reads, adopted)
	}
}

// TestBlockersVersionTriggers: every write of bookings, busy blocks and
// calendar connections — through PocketBase or raw SQL — moves the
// blockers version in the writing transaction, and a start re-creates
// missing triggers.
func TestBlockersVersionTriggers(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	version := func() int64 {
		v, err := c.BlockersVersion(app)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v0 := version()
	cn := save(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionConnected})
	v1 := version()
	save(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: "x",
		c.BusyBlocksStart: testNow.Add(time.Hour), c.BusyBlocksEnd: testNow.Add(2 * time.Hour)})
	v2 := version()
	if _, err := app.DB().NewQuery(`DELETE FROM busy_blocks`).Execute(); err != nil {
		t.Fatal(err)
	}
	v3 := version()
	if !(v0 < v1 && v1 < v2 && v2 < v3) {
		t.Fatalf("blockers version over a connection, a busy block and a raw delete: %d %d %d %d, want it to rise each time", v0, v1, v2, v3)
	}
	if _, err := app.DB().NewQuery(`DROP TRIGGER _sb_blockers_bookings_INSERT`).Execute(); err != nil {
		t.Fatal(err)
	}
	testMux(t, app) // a start: the serve hook ensures the triggers again
	var n int
	if err := app.DB().NewQuery(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger' AND name LIKE '_sb_blockers_%'`).Row(&n); err != nil {
		t.Fatal(err)
	}
	if n != 9 {
		t.Fatalf("%d blockers triggers after a start, want 9", n)
	}
}

// TestWindowCacheHandedOnByGroupCommit: through the public API (the group
// committer's transactions), bookings one after the other re-check their
// times on the read the first one's transaction left, with the first
// booking in it (its time again is refused without a read).
func TestWindowCacheHandedOnByGroupCommit(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	s := serverOf(app)
	counts := func() (int, int) {
		s.windows.mu.Lock()
		defer s.windows.mu.Unlock()
		return s.windows.reads, s.windows.adopted
	}
	first := goodBooking()
	if p := postBooking(t, url, first, nil); p.code != 201 {
		t.Fatalf("first booking: %d %v", p.code, p.body)
	}
	reads, adopted := counts()
	second := goodBooking()
	second["start"], second["email"] = "2026-03-02T11:00:00Z", "second@example.com"
	if p := postBooking(t, url, second, nil); p.code != 201 {
		t.Fatalf("second booking: %d %v", p.code, p.body)
	}
	again := goodBooking()
	again["email"] = "again@example.com"
	if p := postBooking(t, url, again, nil); p.code != 409 {
		t.Fatalf("the first booking's time again: %d %v, want 409", p.code, p.body)
	}
	reads2, adopted2 := counts()
	if reads2 != reads || adopted2 < adopted+2 {
		t.Fatalf("two later bookings: %d more reads, %d more adopted; want none read and both adopted", reads2-reads, adopted2-adopted)
	}
}

// TestWindowCacheModel: random transactions on one host — bookings of a
// 30- and a 60-minute event type over two days, cancellations by raw SQL
// inside and between transactions, and rollbacks — with every booking
// attempt's outcome checked against the database as the transaction sees
// it (taken exactly when a live booking overlaps the time). The kept and
// handed-on reads must never decide otherwise.
func TestWindowCacheModel(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	mkEventType(t, app, "long", []string{host}, map[string]any{c.EventTypesDuration: 60})
	s, call, at := windowCacheFixture(t, app)
	longRecord, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "long")
	if err != nil {
		t.Fatal(err)
	}
	long := c.NewEventType(longRecord)
	rng := rand.New(rand.NewPCG(18, 11))
	// A start on Tuesday or Wednesday 09:00–16:30 (London is on UTC).
	start := func(et *c.EventType) time.Time {
		last := 16
		if et == long {
			last = 15 // a 60-minute meeting ends by 17:00
		}
		day := at("09:00").AddDate(0, 0, rng.IntN(2))
		return day.Add(time.Duration(rng.IntN(last)) * 30 * time.Minute)
	}
	taken := func(tx core.App, from, to time.Time) bool {
		var n int
		err := tx.DB().NewQuery(`SELECT COUNT(*) FROM bookings WHERE status IN ` + c.LiveStatusesSQL +
			` AND start < {:to} AND end > {:from}`).Bind(map[string]any{"from": c.UTCString(from), "to": c.UTCString(to)}).Row(&n)
		if err != nil {
			t.Fatal(err)
		}
		return n > 0
	}
	cancelOne := func(db core.App) {
		var ids []string
		if err := db.DB().NewQuery(`SELECT id FROM bookings WHERE status IN ` + c.LiveStatusesSQL).Column(&ids); err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			return
		}
		if _, err := db.DB().NewQuery(`UPDATE bookings SET status = 'cancelled' WHERE id = {:id}`).
			Bind(map[string]any{"id": ids[rng.IntN(len(ids))]}).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	tokens, attempts, booked := 0, 0, 0
	for step := range 150 {
		rollback := rng.IntN(5) == 0
		err := app.RunInTransaction(func(tx core.App) error {
			s.windows.begin(tx)
			for range 1 + rng.IntN(5) {
				if rng.IntN(10) < 3 {
					cancelOne(tx)
					continue
				}
				et := call
				if rng.IntN(3) == 0 {
					et = long
				}
				from := start(et)
				want := !taken(tx, from, from.Add(et.Duration()))
				tokens++
				_, err := s.openBooking(tx, Actor{Kind: ActorInvitee}, bookingDraft{EventType: et, Start: from, Name: "M",
					Email: "m@example.com", Timezone: "Europe/London", Token: "mt_model_" + itoa(tokens)}, testNow)
				attempts++
				switch {
				case want && err != nil:
					t.Fatalf("step %d: %s at %s is free in the transaction, refused: %v", step, et.Slug(), from, err)
				case !want && !errors.Is(err, errSlotGone):
					t.Fatalf("step %d: %s at %s is taken in the transaction: %v, want errSlotGone", step, et.Slug(), from, err)
				case want:
					booked++
				}
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if err != nil && !(rollback && errors.Is(err, errRollback)) {
			t.Fatal(err)
		}
		if rng.IntN(6) == 0 {
			cancelOne(app) // between transactions, outside any of the cache's
		}
	}
	s.windows.mu.Lock()
	adopted, reused := s.windows.adopted, s.windows.reused
	s.windows.mu.Unlock()
	if booked == 0 || booked == attempts || adopted == 0 || reused == 0 {
		t.Fatalf("%d of %d attempts booked, %d reads adopted, %d reused: the run did not exercise both outcomes and the hand-over", booked, attempts, adopted, reused)
	}
}
