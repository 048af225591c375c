package hooks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
	"github.com/slotbase/slotbase/internal/queue"
)

// feedServer serves one ICS body with an ETag, answering If-None-Match
// with 304, or a forced status, or a huge body.
type feedServer struct {
	*httptest.Server
	mu          sync.Mutex
	body        string
	status      int // 0: 200/304
	huge        bool
	notModified int
}

func newFeedServer(t testing.TB, body string) *feedServer {
	f := &feedServer{body: body}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.status != 0 {
			w.WriteHeader(f.status)
			return
		}
		if f.huge {
			w.Header().Set("Content-Type", "text/calendar")
			chunk := []byte(strings.Repeat("X-FILLER:"+strings.Repeat("x", 1000)+"\r\n", 1000))
			w.Write([]byte("BEGIN:VCALENDAR\r\n"))
			for range 6 { // 6 MB, no Content-Length: the limit is found while reading
				w.Write(chunk)
			}
			return
		}
		sum := sha256.Sum256([]byte(f.body))
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		if r.Header.Get("If-None-Match") == etag {
			f.notModified++
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Content-Type", "text/calendar")
		w.Write([]byte(f.body))
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *feedServer) set(fn func(f *feedServer)) { f.mu.Lock(); fn(f); f.mu.Unlock() }

// weeklyNewYork is a feed with a one-hour meeting every Tuesday at hh:00
// New York time from 3 March 2026 (US DST starts Sunday 8 March).
func weeklyNewYork(hh int) string {
	return strings.Join([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN",
		"BEGIN:VEVENT", "UID:standup@example.com", "DTSTAMP:20260101T000000Z",
		fmt.Sprintf("DTSTART;TZID=America/New_York:20260303T%02d0000", hh),
		fmt.Sprintf("DTEND;TZID=America/New_York:20260303T%02d0000", hh+1),
		"RRULE:FREQ=WEEKLY;BYDAY=TU", "SUMMARY:Standup", "END:VEVENT", "END:VCALENDAR", ""}, "\r\n")
}

// icsEnv is a slotbase app with host Alice (Berlin, weekdays 9–5), event
// type "call", a superuser, and a job worker the test drives by hand.
type icsEnv struct {
	t      testing.TB
	app    *tests.TestApp
	clock  *queueClock
	w      *queue.Worker
	base   string
	host   string
	suAuth string
}

func newICSEnv(t testing.TB) *icsEnv { t.Helper(); return newICSEnvWith(t, nil) }

// newICSEnvWith is newICSEnv whose server configuration configure may
// change first (e.g. to aim Microsoft at fakegraph).
func newICSEnvWith(t testing.TB, configure func(*Config)) *icsEnv {
	t.Helper()
	clock := &queueClock{now: testNow}
	cfg := Config{NoDemo: true, Now: clock.Now, ICSAllowPrivate: true} // the feed server is on 127.0.0.1
	if configure != nil {
		configure(&cfg)
	}
	app := seeded(t, cfg)
	t.Cleanup(app.Cleanup)
	host := mkHost(t, app, "Alice", "Europe/Berlin", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, nil)
	base := serveHTTP(t, app)
	secret, err := loadSecret(app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	w := newQueueWorker(app, clock)
	s := &server{app: app, cfg: &cfg, worker: w, secret: secret, now: clock.Now}
	w.Handle(KindICSSync, s.handleICSSync)
	w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error { return nil })
	_, tok := mkSuperuser(t, app, "admin@example.com")
	return &icsEnv{t: t, app: app, clock: clock, w: w, base: base, host: host, suAuth: tok}
}

func (x *icsEnv) runJobs() {
	x.t.Helper()
	for range 50 {
		n, err := x.w.RunOnce(context.Background())
		if err != nil {
			x.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	x.t.Fatal("jobs keep coming")
}

// starts lists the free slot starts (UTC "15:04") of date.
func (x *icsEnv) starts(date string) []string {
	x.t.Helper()
	var out struct {
		Days []struct {
			Slots []struct{ Start string } `json:"slots"`
		} `json:"days"`
	}
	if code := getJSON(x.t, x.base+"/api/slots?event_type=call&from="+date+"&to="+date+"&tz=UTC", &out); code != 200 {
		x.t.Fatalf("slots: %d", code)
	}
	var starts []string
	for _, d := range out.Days {
		for _, s := range d.Slots {
			starts = append(starts, s.Start[11:16])
		}
	}
	return starts
}

// expectBusy checks that busy starts are gone from date's slots and free
// ones offered.
func (x *icsEnv) expectBusy(step, date string, busy, free []string) {
	x.t.Helper()
	got := x.starts(date)
	for _, b := range busy {
		if contains(got, b) {
			x.t.Fatalf("%s: %s %s is offered, want it busy (slots %v)", step, date, b, got)
		}
	}
	for _, f := range free {
		if !contains(got, f) {
			x.t.Fatalf("%s: %s %s is not offered, want it free (slots %v)", step, date, f, got)
		}
	}
}

// syncNow asks for a manual refresh a minute later and runs it.
func (x *icsEnv) syncNow(feedID string) {
	x.t.Helper()
	x.clock.Add(time.Minute)
	if code, b := apiCall(x.t, "POST", x.base+"/api/admin/hosts/"+x.host+"/ics-feeds/"+feedID+"/sync", x.suAuth, nil); code != http.StatusAccepted {
		x.t.Fatalf("sync: %d %v", code, b)
	}
	x.runJobs()
}

func (x *icsEnv) feed(id string) *connection {
	x.t.Helper()
	r, err := x.app.FindRecordById(c.CalendarConnections, id)
	if err != nil {
		x.t.Fatal(err)
	}
	return &connection{r}
}

func (x *icsEnv) blocks(id string) int {
	x.t.Helper()
	n, err := x.app.CountRecords(c.BusyBlocks)
	if err != nil {
		x.t.Fatal(err)
	}
	return int(n)
}

// A subscription's busy time (a weekly New York meeting crossing the US DST
// change, the host in Berlin) blocks slots; 304 keeps it; an edit moves it;
// 404 marks the feed failing and keeps the old blocks; a huge body is
// refused; removing the feed frees the time.
func TestICSSubscriptionBlocksSlots(t *testing.T) {
	x := newICSEnv(t)
	srv := newFeedServer(t, weeklyNewYork(9))
	url := srv.URL + "/calendars/secret-cal-path/basic.ics"

	if code, b := apiCall(t, "POST", x.base+"/api/admin/hosts/"+x.host+"/ics-feeds", x.suAuth, map[string]any{"url": "ftp://example.com/x.ics"}); code != 400 || !dataHas(b, "url") {
		t.Fatalf("ftp URL: %d %v, want 400 naming url", code, b)
	}
	code, b := apiCall(t, "POST", x.base+"/api/admin/hosts/"+x.host+"/ics-feeds", x.suAuth, map[string]any{"url": url})
	if code != http.StatusCreated || strings.Contains(mustJSON(b), "secret-cal-path") || b["kind"] != "ics" {
		t.Fatalf("add: %d %v (want 201, kind ics, URL masked)", code, b)
	}
	id := b["id"].(string)
	if stored := x.feed(id).GetString(c.CalendarConnectionsTokens); strings.Contains(stored, "secret-cal-path") || stored == "" {
		t.Fatalf("the URL is not stored sealed: %q", stored)
	}
	x.runJobs()
	// 09:00 New York: 14:00Z on Tuesday 3 March (EST), 13:00Z on 10 March (EDT).
	x.expectBusy("first sync", "2026-03-03", []string{"14:00", "14:30"}, []string{"13:30", "15:00"})
	x.expectBusy("first sync", "2026-03-10", []string{"13:00", "13:30"}, []string{"12:30", "14:00"})
	n := x.blocks(id)
	if n == 0 {
		t.Fatal("no busy blocks stored")
	}

	x.syncNow(id)
	if srv.notModified != 1 || x.blocks(id) != n {
		t.Fatalf("second sync: %d answers 304 (want 1), %d blocks (want %d)", srv.notModified, x.blocks(id), n)
	}
	x.expectBusy("after 304", "2026-03-03", []string{"14:00"}, []string{"15:00"})

	srv.set(func(f *feedServer) { f.body = weeklyNewYork(10) })
	x.syncNow(id)
	x.expectBusy("edited feed", "2026-03-03", []string{"15:00", "15:30"}, []string{"14:00", "14:30"})

	srv.set(func(f *feedServer) { f.status = http.StatusNotFound })
	x.syncNow(id)
	if cn := x.feed(id); cn.status() != c.ConnectionFailing || !strings.Contains(cn.GetString(c.CalendarConnectionsLastError), "404") {
		t.Fatalf("after 404: status %q, last_error %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}
	x.expectBusy("after 404 (old blocks kept)", "2026-03-03", []string{"15:00"}, []string{"14:00"})
	var list struct {
		Feeds []icsFeedView `json:"feeds"`
	}
	req, _ := http.NewRequest("GET", x.base+"/api/admin/google/connections", nil)
	req.Header.Set("Authorization", x.suAuth)
	if code := do(t, req, &list); code != 200 || len(list.Feeds) != 1 || list.Feeds[0].Kind != "ics" || list.Feeds[0].Status != c.ConnectionFailing ||
		list.Feeds[0].LastError == "" || list.Feeds[0].LastSynced == "" || list.Feeds[0].HostName != "Alice" {
		t.Fatalf("admin connections list: %d %+v", code, list.Feeds)
	}

	srv.set(func(f *feedServer) { f.status, f.huge = 0, true })
	x.syncNow(id)
	if msg := x.feed(id).GetString(c.CalendarConnectionsLastError); !strings.Contains(msg, "too large") {
		t.Fatalf("huge body: last_error %q", msg)
	}
	x.expectBusy("after a huge body (old blocks kept)", "2026-03-03", []string{"15:00"}, []string{"14:00"})

	srv.set(func(f *feedServer) { f.huge = false })
	x.syncNow(id)
	if cn := x.feed(id); cn.status() != c.ConnectionConnected || cn.GetString(c.CalendarConnectionsLastError) != "" {
		t.Fatalf("recovered: status %q, last_error %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}

	if code, b := apiCall(t, "DELETE", x.base+"/api/admin/hosts/"+x.host+"/ics-feeds/"+id, x.suAuth, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d %v", code, b)
	}
	if x.blocks(id) != 0 {
		t.Fatalf("%d busy blocks left after removing the feed", x.blocks(id))
	}
	x.expectBusy("removed", "2026-03-03", nil, []string{"14:00", "15:00"})
}

// The subscription routes take a superuser or an API key with the
// availability scopes; a host's private feed route is the admin's too.
func TestICSFeedRoutesNeedScopes(t *testing.T) {
	x := newICSEnv(t)
	read := "Bearer " + mkKey(t, x.app, []string{apikey.ScopeAvailabilityRead}, time.Time{})
	write := "Bearer " + mkKey(t, x.app, []string{apikey.ScopeAvailabilityWrite}, time.Time{})
	feeds := x.base + "/api/admin/hosts/" + x.host + "/ics-feeds"
	body := map[string]any{"url": "https://calendar.example.com/secret.ics"}
	for _, step := range []struct {
		method, url, auth string
		body              any
		want              int
	}{
		{"GET", feeds, "", nil, 401},
		{"GET", feeds, read, nil, 200},
		{"POST", feeds, read, body, 403},
		{"POST", feeds, write, map[string]any{"url": "https://user:pw@calendar.example.com/cal.ics"}, 400},
		{"POST", feeds, write, map[string]any{}, 400},
		{"POST", x.base + "/api/admin/hosts/nohost/ics-feeds", write, body, 404},
		{"POST", feeds, write, body, 201},
		{"POST", x.base + "/api/admin/hosts/" + x.host + "/ics-feed", read, nil, 403},
		{"POST", x.base + "/api/admin/hosts/" + x.host + "/ics-feed", write, nil, 201},
		{"DELETE", x.base + "/api/admin/hosts/" + x.host + "/ics-feed", write, nil, 204},
		{"POST", x.base + "/api/host/ics-feed", write, nil, 401}, // hosts only
	} {
		if code, b := apiCall(t, step.method, step.url, step.auth, step.body); code != step.want {
			t.Fatalf("%s %s (%q): %d %v, want %d", step.method, step.url, step.auth, code, b, step.want)
		}
	}
}

// book books the call at start (201) and returns the id and manage token.
func (x *icsEnv) book(start time.Time) (string, string) {
	x.t.Helper()
	code, body := postJSON(x.t, http.DefaultClient, x.base+"/api/bookings", map[string]any{
		"event_type": "call", "start": start.Format(time.RFC3339), "name": "Ann Invitee",
		"email": "ann@example.com", "timezone": "Europe/London"}, nil)
	if code != http.StatusCreated {
		x.t.Fatalf("booking at %s: %d %v", start, code, body)
	}
	return body["id"].(string), body["manage_token"].(string)
}
