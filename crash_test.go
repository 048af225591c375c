package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks"
	"github.com/slotbase/slotbase/internal/testenv"
)

// prepareDataDir makes a pb_data with the schema, settings and an event type
// "open" bookable around the clock (UTC, 30-minute slots, no notice).
func prepareDataDir(t *testing.T, dir string) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.SeedFirstRun(app, "UTC", true); err != nil {
		t.Fatal(err)
	}
	rec := func(collection string, values map[string]any) *core.Record {
		col, err := app.FindCollectionByNameOrId(collection)
		if err != nil {
			t.Fatal(err)
		}
		r := core.NewRecord(col)
		for k, v := range values {
			r.Set(k, v)
		}
		if err := app.Save(r); err != nil {
			t.Fatalf("%s: %v", collection, err)
		}
		return r
	}
	day := `[["00:00","24:00"]]`
	s := rec(c.Schedules, map[string]any{c.SchedulesName: "always", c.SchedulesTimezone: "UTC",
		c.SchedulesWeekly: `{"mon":` + day + `,"tue":` + day + `,"wed":` + day + `,"thu":` + day + `,"fri":` + day + `,"sat":` + day + `,"sun":` + day + `}`})
	h := rec(c.Hosts, map[string]any{c.HostsName: "Crash Host", c.HostsEmail: "crash@example.com", c.HostsTimezone: "UTC", c.HostsSchedule: s.Id, c.HostsActive: true})
	rec(c.EventTypes, map[string]any{c.EventTypesSlug: "open", c.EventTypesTitle: "Open", c.EventTypesDuration: 30, c.EventTypesSlotStep: 30,
		c.EventTypesHorizonDays: 365, c.EventTypesSeats: 1, c.EventTypesHosts: []string{h.Id}, c.EventTypesAssignment: c.AssignmentSingle, c.EventTypesActive: true})
}

// TestCrashDuringBookingLoad kills a real `slotbase serve` with SIGKILL in
// the middle of a booking load: after a restart every booking that got a 201
// is there, every booking has its job, and no job is lost.
func TestCrashDuringBookingLoad(t *testing.T) {
	dir := t.TempDir()
	prepareDataDir(t, dir)
	srv := testenv.StartServer(t, dir, "--rateLimits=false")

	base := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	var mu sync.Mutex
	confirmed := map[string]string{} // id → start
	var next atomic.Int64
	var ok201 atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute} // generous: a writer that gives up stops writing
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				k := next.Add(1)
				start := base.Add(time.Duration(k) * 30 * time.Minute).Format(time.RFC3339)
				body, _ := json.Marshal(map[string]any{"event_type": "open", "start": start, "name": fmt.Sprint("Load ", k), "email": fmt.Sprintf("load%d@example.com", k), "timezone": "UTC"})
				res, err := client.Post(srv.URL+"/api/bookings", "application/json", bytes.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				var out struct{ ID, Start string }
				_ = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if res.StatusCode == http.StatusCreated {
					mu.Lock()
					confirmed[out.ID] = out.Start
					mu.Unlock()
					ok201.Add(1)
				} else if res.StatusCode != http.StatusConflict {
					t.Errorf("booking %s: status %d", start, res.StatusCode)
				}
			}
		}()
	}
	for waitUntil := time.Now().Add(60 * time.Second); ok201.Load() < 150; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(waitUntil) {
			t.Fatalf("only %d bookings confirmed in 60 s", ok201.Load())
		}
	}
	srv.Kill() // mid-load: requests are in flight
	close(stop)
	wg.Wait()
	t.Logf("%d bookings confirmed before the crash (%d attempted)", len(confirmed), next.Load())

	// Restart: the process recovers the database and its worker drains the outbox.
	srv = testenv.StartServer(t, dir, "--rateLimits=false")
	pollUntil(t, "the restarted worker to finish every due job", func() bool {
		return countWhere(t, dir, c.Jobs, "status != 'done' && run_after <= @now") == 0 // reminders wait for their time
	})
	srv.Stop()

	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	for id, start := range confirmed {
		r, err := app.FindRecordById(c.Bookings, id)
		if err != nil {
			t.Fatalf("booking %s (%s) answered 201 but is gone after the crash", id, start)
		}
		if got := c.NewBooking(r).Start().Format(time.RFC3339); got != start {
			t.Fatalf("booking %s start %s, answered %s", id, got, start)
		}
	}
	bookings, _ := app.FindAllRecords(c.Bookings)
	jobs, _ := app.FindAllRecords(c.Jobs)
	byBooking := map[string]int{}
	events := 0
	for _, j := range jobs {
		if _, err := app.FindRecordById(c.Bookings, j.GetString(c.JobsBooking)); j.GetString(c.JobsBooking) != "" && err != nil {
			t.Fatalf("job %s (%s) without its booking", j.Id, j.GetString(c.JobsKind))
		}
		if j.GetString(c.JobsKind) == hooks.KindBookingEvent { // follow-ups (e-mails, reminders) derive from it
			byBooking[j.GetString(c.JobsBooking)]++
			events++
		}
	}
	for _, b := range bookings {
		if byBooking[b.Id] != 1 {
			t.Fatalf("booking %s has %d event jobs, want its one created-event job", b.Id, byBooking[b.Id])
		}
	}
	if events != len(bookings) {
		t.Fatalf("%d event jobs for %d bookings", events, len(bookings))
	}
	if len(bookings) < len(confirmed) {
		t.Fatalf("%d bookings stored, %d confirmed", len(bookings), len(confirmed))
	}
}

// pollBound is how long a test waits for a condition: generous, so that a
// busy machine only makes the suite slower, never red.
const pollBound = 2 * time.Minute

// pollUntil checks cond every 100 ms until it holds, and fails the test
// if it still does not after pollBound.
func pollUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(pollBound); !cond(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s after %s", what, pollBound)
		}
	}
}

// countWhere counts records of collection matching filter in a data dir
// that a running server also uses (SQLite WAL allows the concurrent read).
func countWhere(t *testing.T, dir, collection, filter string) int {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	records, err := app.FindRecordsByFilter(collection, filter, "", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return len(records)
}
