package hooks

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
	"github.com/slotbase/slotbase/internal/secretbox"
	"github.com/slotbase/slotbase/internal/testenv"
)

// caldavEnv is icsEnv (host Alice in Berlin, weekdays 9–5, event type
// "call", a superuser, a worker driven by hand) plus a real Radicale with
// calendar "work", and the worker running the fan-out and the CalDAV jobs.
type caldavEnv struct {
	*icsEnv
	s   *server
	dav *testenv.Radicale
	cal string
}

func newCalDAVEnv(t *testing.T) *caldavEnv {
	t.Helper()
	dav := testenv.StartRadicale(t)
	x := newICSEnv(t)
	x.w.Policy.MaxAttempts = 20
	secret, err := loadSecret(x.app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NoDemo: true, Now: x.clock.Now, ICSAllowPrivate: true}
	s := &server{app: x.app, cfg: &cfg, worker: x.w, secret: secret, now: x.clock.Now}
	x.w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error { return fanOut(x.app, j) })
	x.w.Handle(KindCalDAVSync, s.handleCalDAVSync)
	x.w.Handle(KindCalDAVWrite, s.handleCalDAVWrite)
	return &caldavEnv{icsEnv: x, s: s, dav: dav, cal: dav.MakeCalendar(t, "work")}
}

// connect connects Alice's CalDAV account through the admin route and runs
// the first sync.
func (d *caldavEnv) connect() map[string]any {
	d.t.Helper()
	code, body := apiCall(d.t, "POST", d.base+"/api/admin/hosts/"+d.host+"/caldav", d.suAuth,
		map[string]any{"url": d.dav.URL, "username": d.dav.User, "password": d.dav.Password})
	if code != http.StatusCreated {
		d.t.Fatalf("connect: %d %v", code, body)
	}
	d.runJobs()
	return body
}

// pending counts the pending jobs of kind.
func (d *caldavEnv) pending(kind string) int {
	d.t.Helper()
	jobs, err := d.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && status = 'pending'", "", 0, 0, map[string]any{"k": kind})
	if err != nil {
		d.t.Fatal(err)
	}
	return len(jobs)
}

func (d *caldavEnv) conn() *connection {
	d.t.Helper()
	cn, err := findProviderConnection(d.app, d.host, c.ProviderCalDAV)
	if err != nil || cn == nil {
		d.t.Fatalf("caldav connection: %v %v", cn, err)
	}
	return cn
}

// event reads the booking's event from the server with plain HTTP.
func (d *caldavEnv) event(id string) (int, string) {
	d.t.Helper()
	code, _, body := d.dav.Do(d.t, "GET", d.cal+id+"@slotbase.ics", "", nil)
	return code, body
}

// objects counts the calendar's objects (PROPFIND, depth 1).
func (d *caldavEnv) objects() int {
	d.t.Helper()
	code, _, body := d.dav.Do(d.t, "PROPFIND", d.cal, `<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/></D:prop></D:propfind>`,
		map[string]string{"Depth": "1", "Content-Type": "application/xml"})
	if code != http.StatusMultiStatus {
		d.t.Fatalf("PROPFIND: %d %s", code, body)
	}
	return strings.Count(body, ".ics</")
}

// weeklyWithExceptions: Tuesdays 10:00–11:00 New York from 10 March 2026
// (after the US DST change: 14:00 UTC), four times; 17 March moved to
// Wednesday 18 March 11:00 (15:00 UTC), 24 March cancelled.
const weeklyWithExceptions = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly-standup\r\nDTSTAMP:20260101T000000Z\r\n" +
	"DTSTART;TZID=America/New_York:20260310T100000\r\nDTEND;TZID=America/New_York:20260310T110000\r\n" +
	"RRULE:FREQ=WEEKLY;COUNT=4\r\nSUMMARY:Standup\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly-standup\r\nDTSTAMP:20260101T000000Z\r\n" +
	"RECURRENCE-ID;TZID=America/New_York:20260317T100000\r\n" +
	"DTSTART;TZID=America/New_York:20260318T110000\r\nDTEND;TZID=America/New_York:20260318T120000\r\n" +
	"SUMMARY:Standup (moved)\r\nEND:VEVENT\r\n" +
	"BEGIN:VEVENT\r\nUID:weekly-standup\r\nDTSTAMP:20260101T000000Z\r\n" +
	"RECURRENCE-ID;TZID=America/New_York:20260324T100000\r\n" +
	"DTSTART;TZID=America/New_York:20260324T100000\r\nDTEND;TZID=America/New_York:20260324T110000\r\n" +
	"STATUS:CANCELLED\r\nSUMMARY:Standup (cancelled)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"

// Connecting discovers the calendars (a wrong password is a 400 naming
// password); a weekly event created on the server with one moved and one
// cancelled occurrence blocks exactly those slots; deleting it on the
// server frees them after a (delta) sync; the password is never shown.
func TestCalDAVBusyTimeBlocksSlots(t *testing.T) {
	d := newCalDAVEnv(t)
	if code, _, out := d.dav.Do(t, "PUT", d.cal+"weekly.ics", weeklyWithExceptions, map[string]string{"Content-Type": "text/calendar"}); code != http.StatusCreated {
		t.Fatalf("PUT weekly: %d %s", code, out)
	}
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"url": d.dav.URL, "username": d.dav.User, "password": "wrong-password"}, "password"},
		{map[string]any{"url": d.dav.URL, "username": d.dav.User}, "password"},
		{map[string]any{"url": "ftp://example.com/", "username": "u", "password": "p"}, "url"},
		{map[string]any{"url": d.dav.URL, "username": d.dav.User, "password": d.dav.Password, "write_calendar": "/host/nope/"}, "write_calendar"},
	} {
		code, body := apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/caldav", d.suAuth, bad.body)
		if code != http.StatusBadRequest || !dataHas(body, bad.field) {
			t.Fatalf("connect with %v: %d %v, want 400 naming %s", bad.body["url"], code, body, bad.field)
		}
	}
	d.expectBusy("before connecting", "2026-03-10", nil, []string{"14:00", "14:30"})

	view := d.connect()
	if view["write_calendar"] != d.cal || mustJSON(view["busy_calendars"]) != mustJSON([]string{d.cal}) {
		t.Fatalf("connect view: %v", view)
	}
	d.expectBusy("weekly", "2026-03-10", []string{"14:00", "14:30"}, []string{"13:30", "15:00"})
	d.expectBusy("moved away", "2026-03-17", nil, []string{"14:00", "14:30"})
	d.expectBusy("moved here", "2026-03-18", []string{"15:00", "15:30"}, []string{"14:30"})
	d.expectBusy("cancelled", "2026-03-24", nil, []string{"14:00", "14:30"})
	d.expectBusy("after the UK and EU clocks change", "2026-03-31", []string{"14:00"}, []string{"13:00"})

	_, list := apiCall(t, "GET", d.base+"/api/admin/google/connections", d.suAuth, nil)
	_, hostView := apiCall(t, "GET", d.base+"/api/admin/hosts/"+d.host+"/caldav", d.suAuth, nil)
	for _, shown := range []any{view, list, hostView} {
		if raw, _ := json.Marshal(shown); strings.Contains(string(raw), d.dav.Password) {
			t.Fatalf("a response shows the password: %s", raw)
		}
	}
	if dav, _ := list["caldav"].([]any); len(dav) != 1 || dav[0].(map[string]any)["status"] != c.ConnectionConnected || hostView["status"] != c.ConnectionConnected {
		t.Fatalf("connections list %v, host view %v", list["caldav"], hostView)
	}

	if code, _, _ := d.dav.Do(t, "DELETE", d.cal+"weekly.ics", "", nil); code != http.StatusOK && code != http.StatusNoContent {
		t.Fatalf("DELETE weekly: %d", code)
	}
	d.clock.Add(time.Minute)
	if code, body := apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/caldav/sync", d.suAuth, nil); code != http.StatusAccepted {
		t.Fatalf("sync: %d %v", code, body)
	}
	d.runJobs()
	d.expectBusy("deleted on the server", "2026-03-10", nil, []string{"14:00", "14:30"})
	d.expectBusy("deleted on the server", "2026-03-18", nil, []string{"15:00"})
}

// A booking appears on the server under its invite UID; a reschedule
// updates the same event; a cancel deletes it.
func TestCalDAVBookingEventFollowsTheBooking(t *testing.T) {
	d := newCalDAVEnv(t)
	d.connect()
	id, token := d.book(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	d.runJobs()
	code, ev := d.event(id)
	if code != http.StatusOK || !strings.Contains(ev, "UID:"+id+"@slotbase") || !strings.Contains(ev, "DTSTART:20260304T100000Z") || strings.Contains(ev, "METHOD:") {
		t.Fatalf("event after booking: %d\n%s", code, ev)
	}
	if n := d.objects(); n != 1 {
		t.Fatalf("%d objects after booking, want 1", n)
	}
	d.clock.Add(time.Minute)
	if code, body := apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/caldav/sync", d.suAuth, nil); code != http.StatusAccepted {
		t.Fatalf("sync: %d %v", code, body)
	}
	d.runJobs()
	if n := d.blocks(""); n != 0 { // slotbase's own event is not busy time
		t.Fatalf("%d busy blocks after syncing the booking's own event, want 0", n)
	}

	code, body := postJSON(t, http.DefaultClient, d.base+"/api/bookings/manage/"+token+"/reschedule", map[string]any{"start": "2026-03-05T11:00:00Z"}, nil)
	if code != http.StatusOK {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	d.runJobs()
	code, ev = d.event(id)
	if code != http.StatusOK || !strings.Contains(ev, "DTSTART:20260305T110000Z") || d.objects() != 1 {
		t.Fatalf("event after reschedule: %d, %d objects\n%s", code, d.objects(), ev)
	}
	row, err := caldavEventRow(d.app, d.conn().Id, id)
	if err != nil || row == nil || row.GetString(c.CalDAVEventsETag) == "" {
		t.Fatalf("event row: %v %v", row, err)
	}

	code, body = postJSON(t, http.DefaultClient, d.base+"/api/bookings/manage/"+token+"/cancel", map[string]any{"reason": "sorry"}, nil)
	if code != http.StatusOK {
		t.Fatalf("cancel: %d %v", code, body)
	}
	d.runJobs()
	if code, _ := d.event(id); code != http.StatusNotFound || d.objects() != 0 {
		t.Fatalf("event after cancel: %d, %d objects", code, d.objects())
	}
	if row, err := caldavEventRow(d.app, d.conn().Id, id); err != nil || row != nil {
		t.Fatalf("event row after cancel: %v %v", row, err)
	}
}

// With the server down a booking still succeeds and its event arrives once
// after the server is back (the write job retried); a password the server
// refuses marks the connection needs_reconnect (shown in /api/admin/status),
// and connecting again resumes it.
func TestCalDAVOutageAndWrongPassword(t *testing.T) {
	d := newCalDAVEnv(t)
	d.connect()
	d.dav.Stop(t)
	id, _ := d.book(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	d.runJobs()
	jobs, err := d.app.FindRecordsByFilter(c.Jobs, "kind = {:k}", "", 0, 0, map[string]any{"k": KindCalDAVWrite})
	if err != nil || len(jobs) != 1 || c.NewJob(jobs[0]).Status() != "pending" || c.NewJob(jobs[0]).Attempts() < 1 {
		t.Fatalf("write job while the server is down: %v %v", jobs, err)
	}
	if cn := d.conn(); cn.status() != c.ConnectionConnected || !strings.Contains(cn.GetString(c.CalendarConnectionsLastError), "retrying") {
		t.Fatalf("connection while the server is down: %s %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}
	d.dav.Start(t)
	d.clock.Add(2 * time.Hour) // past the queue's backoff
	d.runJobs()
	if code, ev := d.event(id); code != http.StatusOK || !strings.Contains(ev, "UID:"+id+"@slotbase") || d.objects() != 1 {
		t.Fatalf("event after the server is back: %d, %d objects", code, d.objects())
	}

	// The app password is revoked: the stored one no longer works.
	cn := d.conn()
	sealed, err := secretbox.Seal(mustSecret(t, d), PurposeCalDAV, []byte(mustJSON(caldavCredentials{URL: d.dav.URL, Username: d.dav.User, Password: "revoked"})))
	if err != nil {
		t.Fatal(err)
	}
	cn.Set(c.CalendarConnectionsTokens, sealed)
	if err := d.app.Save(cn.Record); err != nil {
		t.Fatal(err)
	}
	d.clock.Add(time.Minute)
	apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/caldav/sync", d.suAuth, nil)
	d.runJobs()
	if cn := d.conn(); cn.status() != c.ConnectionNeedsReconnect || !strings.Contains(cn.GetString(c.CalendarConnectionsLastError), "app password") {
		t.Fatalf("after a refused password: %s %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}
	_, status := apiCall(t, "GET", d.base+"/api/admin/status", d.suAuth, nil)
	if !strings.Contains(mustJSON(status), "Alice's caldav calendar needs a reconnect") {
		t.Fatalf("status: %v", status)
	}
	// The periodic sync skips it; its deferred sync waits.
	if err := d.s.enqueueCalDAVSyncAll(); err != nil || d.pending(KindCalDAVSync) != 1 {
		t.Fatalf("periodic sync while needs_reconnect: %v, %d pending", err, d.pending(KindCalDAVSync))
	}
	d.connect() // wakes the deferred job, which runs now
	if cn := d.conn(); cn.status() != c.ConnectionConnected || cn.GetString(c.CalendarConnectionsLastError) != "" || d.pending(KindCalDAVSync) != 0 {
		t.Fatalf("after connecting again: %s %q, %d pending syncs", cn.status(), cn.GetString(c.CalendarConnectionsLastError), d.pending(KindCalDAVSync))
	}
	d.clock.Add(15 * time.Minute)
	if err := d.s.enqueueCalDAVSyncAll(); err != nil || d.pending(KindCalDAVSync) != 1 {
		t.Fatalf("periodic sync once connected: %v, %d pending", err, d.pending(KindCalDAVSync))
	}
}

func mustSecret(t *testing.T, d *caldavEnv) []byte {
	t.Helper()
	secret, err := loadSecret(d.app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// Unless private addresses are allowed, the CalDAV client refuses to
// connect to a name that resolves to loopback (checked at dial time, so a
// DNS name or a redirect cannot slip past the check of the URL).
func TestCalDAVClientRefusesPrivateAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	byName := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, u := range []string{srv.URL, byName} {
		if res, err := caldavHTTPClient(false).Get(u); err == nil || !strings.Contains(err.Error(), "private or local") {
			t.Fatalf("GET %s with private addresses refused: %v %v", u, res, err)
		}
		res, err := caldavHTTPClient(true).Get(u)
		if err != nil {
			t.Fatalf("GET %s with private addresses allowed: %v", u, err)
		}
		res.Body.Close()
	}
}
