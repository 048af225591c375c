package hooks

import (
	"context"
	"net/http"
	"testing"

	"github.com/pocketbase/dbx"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
)

// bookCallAt posts a booking of the "call" event type at start (RFC 3339).
func bookCallAt(t *testing.T, url, start, email string) posted {
	t.Helper()
	return postBooking(t, url, map[string]any{"event_type": "call", "start": start, "name": "Setup", "email": email, "timezone": "Europe/London"}, nil)
}

// setupReads is how often the booking transaction read hosts' setup from
// the database (not from bookingSetup).
func setupReads(t *testing.T, s *server) int {
	t.Helper()
	s.bookSetup.mu.Lock()
	defer s.bookSetup.mu.Unlock()
	return s.bookSetup.reads
}

// TestBookingSeesSetupChanges: the booking transaction keeps hosts' setup
// between bookings (one database read for several bookings), and every
// committed change of it is honoured by the next booking — through the
// records API hooks, and through raw SQL that fires no PocketBase hook at
// all (as a change whose after-commit hooks have not run yet): the version
// read inside the transaction decides.
func TestBookingSeesSetupChanges(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url, s := serveHTTP(t, app), serverOf(app)

	for i, start := range []string{"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z"} {
		p := bookCallAt(t, url, start, "a"+itoa(i)+"@example.com")
		if p.code != http.StatusCreated {
			t.Fatalf("booking %s: %d %v", start, p.code, p.body)
		}
		// The reply is built from the setup in hand: the host's name, the event type's title.
		if hosts, _ := p.body["hosts"].([]any); len(hosts) != 1 || hosts[0] != "Alice" || p.body["event_type"].(map[string]any)["title"] != "Meeting call" {
			t.Fatalf("reply of %s: hosts %v, event type %v", start, p.body["hosts"], p.body["event_type"])
		}
	}
	if n := setupReads(t, s); n != 1 {
		t.Fatalf("hosts' setup read %d times for three bookings, want 1 (kept)", n)
	}

	h, err := app.FindRecordById(c.Hosts, host)
	if err != nil {
		t.Fatal(err)
	}
	scheduleID := h.GetString(c.HostsSchedule)
	// Raw SQL: no record hook runs, only the trigger moves the version.
	if _, err := app.DB().NewQuery(`UPDATE schedules SET weekly = '{"mon":[["13:00","14:00"]]}' WHERE id = {:id}`).
		Bind(map[string]any{"id": scheduleID}).Execute(); err != nil {
		t.Fatal(err)
	}
	if p := bookCallAt(t, url, "2026-03-02T11:00:00Z", "b@example.com"); p.code != http.StatusBadRequest {
		t.Fatalf("11:00 after the hours became 13:00–14:00: %d %v, want 400", p.code, p.body)
	}
	if p := bookCallAt(t, url, "2026-03-02T13:00:00Z", "c@example.com"); p.code != http.StatusCreated {
		t.Fatalf("13:00 in the new hours: %d %v, want 201", p.code, p.body)
	}

	// Through PocketBase: an override closing the day.
	save(t, app, c.DateOverrides, map[string]any{c.DateOverridesSchedule: scheduleID, c.DateOverridesDate: "2026-03-02", c.DateOverridesIntervals: `[]`})
	if p := bookCallAt(t, url, "2026-03-02T13:30:00Z", "d@example.com"); p.code != http.StatusBadRequest {
		t.Fatalf("13:30 on a day closed by an override: %d %v, want 400", p.code, p.body)
	}
	// The host deactivated by raw SQL: nobody to book.
	if _, err := app.DB().NewQuery(`DELETE FROM date_overrides`).Execute(); err != nil {
		t.Fatal(err)
	}
	if _, err := app.DB().NewQuery(`UPDATE hosts SET active = 0 WHERE id = {:id}`).Bind(map[string]any{"id": host}).Execute(); err != nil {
		t.Fatal(err)
	}
	if p := bookCallAt(t, url, "2026-03-02T13:30:00Z", "e@example.com"); p.code == http.StatusCreated {
		t.Fatalf("booked a deactivated host: %d %v", p.code, p.body)
	}
}

// TestSetupVersionTriggers: every insert, update and delete of the setup's
// tables moves the version, bookings do not, and the triggers come back
// when EnsureSetupVersion runs again (an import that replaced a table).
func TestSetupVersionTriggers(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	version := func() int64 {
		t.Helper()
		v, err := c.SetupVersion(app)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	moved := func(what, q string, want bool) {
		t.Helper()
		before := version()
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if got := version() != before; got != want {
			t.Fatalf("%s: version moved %v, want %v", what, got, want)
		}
	}
	moved("host update", `UPDATE hosts SET name = 'Bob' WHERE id = '`+host+`'`, true)
	moved("schedule update", `UPDATE schedules SET name = 'x'`, true)
	moved("override insert", `INSERT INTO date_overrides (id, schedule, date, intervals) SELECT 'ov1', id, '2026-04-01', '[]' FROM schedules LIMIT 1`, true)
	moved("override delete", `DELETE FROM date_overrides WHERE id = 'ov1'`, true)
	moved("event type update", `UPDATE event_types SET title = 'Call'`, true)
	moved("booking insert", `INSERT INTO bookings (id, hosts, start, end, status) VALUES ('bk1', '["`+host+`"]', '2026-03-02 09:00:00.000Z', '2026-03-02 09:30:00.000Z', 'confirmed')`, false)

	moved("drop a trigger", `DROP TRIGGER _sb_setup_hosts_UPDATE`, false)
	moved("host update without its trigger", `UPDATE hosts SET name = 'Carol'`, false)
	if err := c.EnsureSetupVersion(app); err != nil {
		t.Fatal(err)
	}
	moved("host update, trigger restored", `UPDATE hosts SET name = 'Dave'`, true)
}

// TestEmailLogAndJobEndCommitTogether: an e-mail job's handler records its
// email_log entry and marks its job done in one write, so the worker's own
// Complete has nothing left to write (run here without the worker: the job
// is done by the handler alone), and a second run sends nothing.
func TestEmailLogAndJobEndCommitTogether(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url, s := serveHTTP(t, app), serverOf(app)
	if p := bookCallAt(t, url, "2026-03-02T09:00:00Z", "mail@example.com"); p.code != http.StatusCreated {
		t.Fatalf("booking: %d %v", p.code, p.body)
	}
	if _, err := s.worker.RunOnce(context.Background()); err != nil { // the fan-out
		t.Fatal(err)
	}
	mails, err := app.FindAllRecords(c.Jobs, dbx.HashExp{c.JobsKind: KindEmailSend})
	if err != nil || len(mails) < 2 {
		t.Fatalf("e-mail jobs after the fan-out: %d (%v), want invitee, host (and reminders)", len(mails), err)
	}
	for _, r := range mails {
		j := queue.Job{ID: r.Id, Kind: KindEmailSend, Payload: c.NewJob(r).PayloadJSON(), Attempts: 1}
		for run := range 2 {
			j.Attempts = run + 1 // the second run is a re-run: it finds the log and sends nothing
			if err := s.handleEmailSend(context.Background(), j); err != nil {
				t.Fatalf("run %d of %s: %v", run, r.Id, err)
			}
		}
		status, err := c.JobStatus(app, r.Id)
		if err != nil || status != c.JobDone {
			t.Fatalf("job %s after its handler: %q (%v), want done", r.Id, status, err)
		}
		if logged, err := c.EmailLogged(app, r.Id); err != nil || !logged {
			t.Fatalf("email_log of %s: %v (%v)", r.Id, logged, err)
		}
		if !s.jobsDone.take(r.Id) {
			t.Fatalf("job %s: its handler's end not remembered for the worker's Complete", r.Id)
		}
	}
	if n, err := app.CountRecords(c.EmailLog); err != nil || n != int64(len(mails)) {
		t.Fatalf("email_log rows: %d (%v), want %d (the second runs sent nothing)", n, err, len(mails))
	}
}

// TestBookingSeesEventTypeChanges: the event type a booking request keeps
// between requests is checked in the transaction by the setup version: a
// change by raw SQL (no hook runs) is honoured by the next booking — a
// longer duration, then the event type deactivated (400 on event_type).
func TestBookingSeesEventTypeChanges(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	if p := bookCallAt(t, url, "2026-03-02T09:00:00Z", "a@example.com"); p.code != http.StatusCreated || p.body["end"] != "2026-03-02T09:30:00Z" {
		t.Fatalf("booking of 30 minutes: %d %v", p.code, p.body)
	}
	if _, err := app.DB().NewQuery(`UPDATE event_types SET duration = 60 WHERE slug = 'call'`).Execute(); err != nil {
		t.Fatal(err)
	}
	if p := bookCallAt(t, url, "2026-03-02T10:00:00Z", "b@example.com"); p.code != http.StatusCreated || p.body["end"] != "2026-03-02T11:00:00Z" {
		t.Fatalf("booking after the duration became 60 minutes: %d %v, want the end at 11:00", p.code, p.body)
	}
	if _, err := app.DB().NewQuery(`UPDATE event_types SET active = 0 WHERE slug = 'call'`).Execute(); err != nil {
		t.Fatal(err)
	}
	p := bookCallAt(t, url, "2026-03-02T13:00:00Z", "c@example.com")
	if errs, _ := p.body["data"].(map[string]any); p.code != http.StatusBadRequest || errs["event_type"] == nil {
		t.Fatalf("booking a deactivated event type: %d %v, want 400 on event_type", p.code, p.body)
	}
}
