package hooks

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// hideTable renames table so that every query on it fails with "no such
// table" (a database error, not sql.ErrNoRows); the returned func, also
// run at cleanup, puts it back.
func hideTable(t *testing.T, app core.App, table string) (restore func()) {
	t.Helper()
	rename := func(from, to string) error {
		_, err := app.DB().NewQuery("ALTER TABLE {{" + from + "}} RENAME TO {{" + to + "}}").Execute()
		return err
	}
	if err := rename(table, table+"_hidden"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	restore = func() {
		once.Do(func() {
			if err := rename(table+"_hidden", table); err != nil {
				t.Fatal(err)
			}
		})
	}
	t.Cleanup(restore)
	return restore
}

// A calendar write whose booking cannot be read must fail and retry, never
// take the database error for "the booking is gone" and delete the event.
func TestGcalWriteKeepsEventWhenBookingUnreadable(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	id, _ := g.book(tue10)
	g.runJobs()
	if evs := g.fake.LiveEvents("primary"); len(evs) != 1 || evs[0].Id != gcal.EventID(id) {
		t.Fatalf("event after booking: %+v", evs)
	}
	key := "test:rewrite:" + id
	if err := enqueueOnce(g.app, key, KindGcalWrite, calendarWritePayload{Booking: id, Host: g.host}, id, g.clock.Now()); err != nil {
		t.Fatal(err)
	}
	jobID := derivedID(key)
	deletes := g.fake.Calls("delete")

	restore := hideTable(t, g.app, c.Bookings)
	g.runJobs()
	j := c.NewJob(mustFind(t, g.app, jobID))
	if j.Status() != c.JobPending || j.Attempts() != 1 || !strings.Contains(j.GetString(c.JobsLastError), "no such table") {
		t.Fatalf("job after a database error: status %s, attempts %d, last_error %q; want pending, 1, the error",
			j.Status(), j.Attempts(), j.GetString(c.JobsLastError))
	}
	if evs := g.fake.LiveEvents("primary"); len(evs) != 1 || g.fake.Calls("delete") != deletes {
		t.Fatalf("a database error changed the calendar: %d events, %d deletes", len(evs), g.fake.Calls("delete")-deletes)
	}

	// The same job once the booking really is gone removes the event.
	restore()
	if _, err := g.app.DB().NewQuery("DELETE FROM bookings WHERE id = {:id}").Bind(dbx.Params{"id": id}).Execute(); err != nil {
		t.Fatal(err)
	}
	g.clock.Add(time.Hour) // past the retry's backoff
	g.runJobs()
	if j := c.NewJob(mustFind(t, g.app, jobID)); j.Status() != c.JobDone {
		t.Fatalf("job after the booking was deleted: %s (%s)", j.Status(), j.GetString(c.JobsLastError))
	}
	if ev, ok := g.fake.Event("primary", gcal.EventID(id)); !ok || ev.Status != "cancelled" {
		t.Fatalf("the deleted booking's event must be deleted: %+v", ev)
	}
}

// Database errors in the calendar glue are errors (the job retries); only
// a missing row means "nothing there".
func TestGcalDatabaseErrorsAreNotAnswers(t *testing.T) {
	g := newGcalEnv(t)
	cn := g.connect()
	id, _ := g.book(tue10)
	g.runJobs()
	subscribe := func(booking string) error {
		return calendarSubscriber(g.app, bookingEvent{Booking: booking, Event: "cancelled", At: g.clock.Now()}, "test-event-job")
	}
	sync := func(connID string) error {
		raw := `{"connection":"` + connID + `","reason":"manual"}`
		return g.s.handleGcalSync(context.Background(), queue.Job{ID: "test-sync", Kind: KindGcalSync, Payload: []byte(raw)})
	}
	find := func(host string) error {
		_, err := findConnection(g.app, host)
		return err
	}
	scenarios := []struct {
		name  string
		table string // hidden during the call ("" = none)
		call  func() error
		fails bool
	}{
		{"subscriber, booking gone", "", func() error { return subscribe("nosuchbooking00") }, false},
		{"subscriber, bookings unreadable", c.Bookings, func() error { return subscribe(id) }, true},
		{"subscriber, event types unreadable", c.EventTypes, func() error { return subscribe(id) }, true},
		{"subscriber, connections unreadable", c.CalendarConnections, func() error { return subscribe(id) }, true},
		{"findConnection, no connection", "", func() error { return find("nosuchhost0000") }, false},
		{"findConnection, connections unreadable", c.CalendarConnections, func() error { return find(g.host) }, true},
		{"sync, connection gone", "", func() error { return sync("nosuchconn0000") }, false},
		{"sync, connections unreadable", c.CalendarConnections, func() error { return sync(cn.Id) }, true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			if sc.table != "" {
				defer hideTable(t, g.app, sc.table)()
			}
			err := sc.call()
			if sc.fails && (err == nil || !strings.Contains(err.Error(), "no such table")) {
				t.Fatalf("want the database error, got %v", err)
			}
			if !sc.fails && err != nil {
				t.Fatalf("a missing row is not an error: %v", err)
			}
		})
	}
}

// panickyApp is the test app whose DB() panics (storing live busy time, the
// first thing after Google answers, calls it) and whose log goes to a buffer.
type panickyApp struct {
	core.App
	log *slog.Logger
}

func (a panickyApp) DB() dbx.Builder      { panic("test: DB() panics") }
func (a panickyApp) Logger() *slog.Logger { return a.log }

// A panic in a host's live free/busy goroutine is logged and the check
// returns like after any other error, so the booking (bookings.go calls
// liveBusyCheck and goes on) proceeds on the cached busy time.
func TestGcalLiveCheckSurvivesPanic(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	g.fake.AddBusy("primary", "latecomer", tue10, tue10.Add(time.Hour)) // so the answer is stored
	var logged bytes.Buffer
	s := &server{app: panickyApp{App: g.app, log: slog.New(slog.NewTextHandler(&syncWriter{w: &logged}, nil))},
		cfg: g.s.cfg, worker: g.w, secret: g.s.secret, now: g.s.now}
	et, err := c.FindActiveEventType(g.app, "call")
	if err != nil {
		t.Fatal(err)
	}
	asked := g.fake.Calls("freebusy")
	s.liveBusyCheck(context.Background(), et, tue10)
	if g.fake.Calls("freebusy") == asked {
		t.Fatal("the check did not reach Google, so nothing panicked")
	}
	out := logged.String()
	if !strings.Contains(out, "goroutine panicked") || !strings.Contains(out, "test: DB() panics") || !strings.Contains(out, "runtime/debug.Stack") {
		t.Fatalf("the panic is not in the log with its stack:\n%s", out)
	}
	if n, _ := g.app.CountRecords(c.BusyBlocks, dbx.NewExp("source_id LIKE 'freebusy/%'")); n != 0 {
		t.Errorf("%d live busy blocks from a check that panicked", n)
	}
}

// The job worker's loop is restarted after a panic, and stops with its context.
func TestRunSupervisedRestartsAfterPanic(t *testing.T) {
	scenarios := []struct {
		name      string
		run       func(ctx context.Context, call int, cancel func())
		wantCalls int32
		wantPanic bool // in the log, with its stack
	}{
		{"panics once, then runs until stopped", func(ctx context.Context, call int, cancel func()) {
			if call == 1 {
				panic("test: worker loop panics")
			}
			cancel()
			<-ctx.Done()
		}, 2, true},
		{"returns normally: not restarted", func(context.Context, int, func()) {}, 1, false},
		{"panics as it is stopped: not restarted", func(ctx context.Context, call int, cancel func()) {
			cancel()
			panic("test: worker loop panics")
		}, 1, true},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var logged bytes.Buffer
			log := slog.New(slog.NewTextHandler(&syncWriter{w: &logged}, nil))
			var calls atomic.Int32
			runSupervised(ctx, log, "test loop", func(ctx context.Context) {
				sc.run(ctx, int(calls.Add(1)), cancel)
			})
			if got := calls.Load(); got != sc.wantCalls {
				t.Fatalf("run called %d times, want %d", got, sc.wantCalls)
			}
			out := logged.String()
			if logged := strings.Contains(out, "test: worker loop panics") && strings.Contains(out, "runtime/debug.Stack"); logged != sc.wantPanic {
				t.Fatalf("panic logged with its stack: %v, want %v; log:\n%s", logged, sc.wantPanic, out)
			}
		})
	}
}

// syncWriter serialises writes of concurrent loggers.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
