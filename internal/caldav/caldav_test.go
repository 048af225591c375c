package caldav_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/caldav"
	"github.com/slotbase/slotbase/internal/testenv"
)

// nyTZ is America/New_York as a VTIMEZONE (what real clients send).
const nyTZ = `BEGIN:VTIMEZONE
TZID:America/New_York
BEGIN:DAYLIGHT
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
TZNAME:EDT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
TZNAME:EST
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
END:STANDARD
END:VTIMEZONE
`

// vcal wraps components into a VCALENDAR with CRLF line ends.
func vcal(body string) string {
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//slotbase test//EN\n" + body + "END:VCALENDAR\n"
	return strings.ReplaceAll(s, "\n", "\r\n")
}

// weekly: 10:00–11:00 New York, weekly ×10 from 13 Oct 2026 (DST ends
// 1 Nov); 10 Nov moved to 12 Nov 14:30, 24 Nov cancelled (EXDATE).
var weekly = vcal(nyTZ + `BEGIN:VEVENT
UID:weekly-1
DTSTAMP:20261001T000000Z
DTSTART;TZID=America/New_York:20261013T100000
DTEND;TZID=America/New_York:20261013T110000
RRULE:FREQ=WEEKLY;COUNT=10
EXDATE;TZID=America/New_York:20261124T100000
SUMMARY:Weekly
END:VEVENT
BEGIN:VEVENT
UID:weekly-1
DTSTAMP:20261001T000000Z
RECURRENCE-ID;TZID=America/New_York:20261110T100000
DTSTART;TZID=America/New_York:20261112T143000
DTEND;TZID=America/New_York:20261112T153000
SUMMARY:Weekly (moved)
END:VEVENT
`)

var others = map[string]string{
	"allday.ics": vcal(`BEGIN:VEVENT
UID:allday-1
DTSTAMP:20261001T000000Z
DTSTART;VALUE=DATE:20261105
DTEND;VALUE=DATE:20261106
SUMMARY:Conference
END:VEVENT
`),
	"free.ics": vcal(`BEGIN:VEVENT
UID:free-1
DTSTAMP:20261001T000000Z
DTSTART:20261106T150000Z
DTEND:20261106T160000Z
TRANSP:TRANSPARENT
SUMMARY:Shown as free
END:VEVENT
`),
	"cancelled.ics": vcal(`BEGIN:VEVENT
UID:cancelled-1
DTSTAMP:20261001T000000Z
DTSTART:20261107T150000Z
DTEND:20261107T160000Z
STATUS:CANCELLED
SUMMARY:Called off
END:VEVENT
`),
	"dentist.ics": vcal(`BEGIN:VEVENT
UID:dentist-1
DTSTAMP:20261001T000000Z
DTSTART:20261102T080000Z
DURATION:PT45M
SUMMARY:Dentist
END:VEVENT
`),
	"later.ics": vcal(`BEGIN:VEVENT
UID:later-1
DTSTAMP:20261001T000000Z
DTSTART:20270110T080000Z
DTEND:20270110T090000Z
SUMMARY:Outside the window
END:VEVENT
`),
}

var (
	winFrom = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	winTo   = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
)

type span struct{ start, end string }

// expected is written by hand: EDT is UTC−4 until 1 Nov, EST UTC−5 after.
var expected = []span{
	{"2026-10-13T14:00:00Z", "2026-10-13T15:00:00Z"},
	{"2026-10-20T14:00:00Z", "2026-10-20T15:00:00Z"},
	{"2026-10-27T14:00:00Z", "2026-10-27T15:00:00Z"},
	{"2026-11-02T08:00:00Z", "2026-11-02T08:45:00Z"}, // dentist, DURATION
	{"2026-11-03T15:00:00Z", "2026-11-03T16:00:00Z"}, // first occurrence in EST
	{"2026-11-05T05:00:00Z", "2026-11-06T05:00:00Z"}, // all-day, read in New York
	// 10 Nov moved:
	{"2026-11-12T19:30:00Z", "2026-11-12T20:30:00Z"},
	{"2026-11-17T15:00:00Z", "2026-11-17T16:00:00Z"},
	// 24 Nov cancelled (EXDATE)
	{"2026-12-01T15:00:00Z", "2026-12-01T16:00:00Z"},
	{"2026-12-08T15:00:00Z", "2026-12-08T16:00:00Z"},
	{"2026-12-15T15:00:00Z", "2026-12-15T16:00:00Z"},
}

type fixture struct {
	srv *testenv.Radicale
	cal string // calendar path
	c   *caldav.Client
	rec *recorder
}

// wantWrites checks the conditional headers of the writes since the last call.
func (f fixture) wantWrites(t *testing.T, want ...string) {
	t.Helper()
	got := f.rec.take()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("writes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// recorder notes each write's method and precondition headers.
type recorder struct {
	mu     sync.Mutex
	writes []string
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Method == http.MethodPut || req.Method == http.MethodDelete {
		r.mu.Lock()
		r.writes = append(r.writes, req.Method+" If-None-Match="+req.Header.Get("If-None-Match")+" If-Match="+req.Header.Get("If-Match"))
		r.mu.Unlock()
	}
	return http.DefaultTransport.RoundTrip(req)
}

func (r *recorder) take() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	w := r.writes
	r.writes = nil
	return w
}

func setup(t *testing.T) fixture {
	t.Helper()
	srv := testenv.StartRadicale(t)
	cal := srv.MakeCalendar(t, "work")
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	c, err := caldav.NewClient(caldav.Config{URL: srv.URL, Username: srv.User, Password: srv.Password, Location: ny,
		HTTPClient: &http.Client{Transport: rec, Timeout: time.Minute}})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{srv: srv, cal: cal, c: c, rec: rec}
}

// putRaw stores an event on the server with plain HTTP (not the client).
func (f fixture) putRaw(t *testing.T, name, data string) {
	t.Helper()
	code, _, body := f.srv.Do(t, http.MethodPut, f.cal+name, data, map[string]string{"Content-Type": "text/calendar"})
	if code != http.StatusCreated && code != http.StatusNoContent {
		t.Fatalf("PUT %s: %d %s", name, code, body)
	}
}

func spans(bs []caldav.BusyBlock) []span {
	out := make([]span, len(bs))
	for i, b := range bs {
		out[i] = span{b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339)}
	}
	return out
}

func sortSpans(s []span) []span {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].start < s[j-1].start; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

func equalSpans(t *testing.T, got, want []span) {
	t.Helper()
	got = sortSpans(append([]span(nil), got...))
	if len(got) != len(want) {
		t.Fatalf("got %d busy intervals, want %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("interval %d = %v, want %v\n got %v\nwant %v", i, got[i], want[i], got, want)
		}
	}
}

func TestCaldavConnectDiscovers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	_, cals, err := caldav.Connect(ctx, caldav.Config{URL: f.srv.URL, Username: f.srv.User, Password: f.srv.Password})
	if err != nil {
		t.Fatal(err)
	}
	if len(cals) != 1 || cals[0].Path != f.cal || cals[0].Name != "work" || !cals[0].HoldsEvents() {
		t.Fatalf("calendars = %+v, want the one calendar %s named work", cals, f.cal)
	}
	if cals[0].SyncToken == "" || cals[0].CTag == "" {
		t.Fatalf("radicale offers a sync token and a ctag, got %+v", cals[0])
	}

	_, _, err = caldav.Connect(ctx, caldav.Config{URL: f.srv.URL, Username: f.srv.User, Password: "wrong-" + f.srv.Password})
	if !errors.Is(err, caldav.ErrUnauthorized) {
		t.Fatalf("wrong password: err = %v, want ErrUnauthorized", err)
	}
	if err != nil && strings.Contains(err.Error(), f.srv.Password) {
		t.Fatalf("the error shows the password: %v", err)
	}
	if caldav.IsRetryable(err) {
		t.Fatal("a wrong password must not be retryable")
	}
}

func TestCaldavBusyExpandsRecurringEvents(t *testing.T) {
	f := setup(t)
	f.putRaw(t, "weekly.ics", weekly)
	for name, data := range others {
		f.putRaw(t, name, data)
	}
	got, err := f.c.Busy(context.Background(), f.cal, winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	equalSpans(t, spans(got), expected)
	seen := map[string]bool{}
	for _, b := range got {
		if seen[b.SourceID] {
			t.Fatalf("source id %s twice", b.SourceID)
		}
		seen[b.SourceID] = true
	}
}

// booking renders a booking event as the caller would (internal/ics).
func booking(uid, start, end, summary string) []byte {
	return []byte(vcal("BEGIN:VEVENT\nUID:" + uid + "\nDTSTAMP:20261001T000000Z\nDTSTART:" + start + "\nDTEND:" + end + "\nSUMMARY:" + summary + "\nEND:VEVENT\n"))
}

// countUID counts the events with uid in the whole calendar (radicale
// answers a GET of a calendar with all its events).
func (f fixture) countUID(t *testing.T, uid string) int {
	t.Helper()
	code, _, body := f.srv.Do(t, http.MethodGet, f.cal, "", nil)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d", f.cal, code)
	}
	return strings.Count(body, "UID:"+uid+"\r\n")
}

func TestCaldavPutEventLifecycle(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	uid := "sb-booking-1"
	path := f.cal + uid + ".ics"

	etag, err := f.c.PutEvent(ctx, f.cal, uid, booking(uid, "20261103T150000Z", "20261103T153000Z", "Intro call"), "")
	if err != nil || etag == "" {
		t.Fatalf("create: etag %q, err %v", etag, err)
	}
	f.wantWrites(t, "PUT If-None-Match=* If-Match=")
	code, _, body := f.srv.Do(t, http.MethodGet, path, "", nil)
	if code != http.StatusOK || !strings.Contains(body, "UID:"+uid) || !strings.Contains(body, "DTSTART:20261103T150000Z") {
		t.Fatalf("GET %s after create: %d\n%s", path, code, body)
	}
	// slotbase's own event does not count as busy time (the booking blocks).
	if bs, err := f.c.Busy(ctx, f.cal, winFrom, winTo); err != nil || len(bs) != 0 {
		t.Fatalf("busy with only our booking: %v, %v", bs, err)
	}

	// A retried create (the first PUT landed) overwrites, never duplicates.
	etag2, err := f.c.PutEvent(ctx, f.cal, uid, booking(uid, "20261103T150000Z", "20261103T153000Z", "Intro call"), "")
	if err != nil {
		t.Fatalf("second create: %v", err)
	}
	f.wantWrites(t, "PUT If-None-Match=* If-Match=", "PUT If-None-Match= If-Match="+etag)
	if n := f.countUID(t, uid); n != 1 {
		t.Fatalf("%d events with UID %s after two creates, want 1", n, uid)
	}

	// Reschedule with the current etag.
	etag3, err := f.c.PutEvent(ctx, f.cal, uid, booking(uid, "20261104T160000Z", "20261104T163000Z", "Intro call"), etag2)
	if err != nil || etag3 == etag2 {
		t.Fatalf("update: etag %q (was %q), err %v", etag3, etag2, err)
	}
	f.wantWrites(t, "PUT If-None-Match= If-Match="+etag2)
	_, _, body = f.srv.Do(t, http.MethodGet, path, "", nil)
	if !strings.Contains(body, "DTSTART:20261104T160000Z") || strings.Contains(body, "DTSTART:20261103T150000Z") {
		t.Fatalf("after reschedule:\n%s", body)
	}

	// An update with a stale etag (the event was edited on the server)
	// rereads and writes: the booking is the truth.
	etag4, err := f.c.PutEvent(ctx, f.cal, uid, booking(uid, "20261105T160000Z", "20261105T163000Z", "Intro call"), etag)
	if err != nil || etag4 == etag3 {
		t.Fatalf("stale update: etag %q, err %v", etag4, err)
	}
	f.wantWrites(t, "PUT If-None-Match= If-Match="+etag, "PUT If-None-Match= If-Match="+etag3)
	_, _, body = f.srv.Do(t, http.MethodGet, path, "", nil)
	if !strings.Contains(body, "DTSTART:20261105T160000Z") {
		t.Fatalf("after stale update:\n%s", body)
	}

	// Cancel deletes; deleting again is success (already gone).
	if err := f.c.DeleteEvent(ctx, f.cal, uid, etag4); err != nil {
		t.Fatalf("delete: %v", err)
	}
	f.wantWrites(t, "DELETE If-None-Match= If-Match="+etag4)
	if code, _, _ := f.srv.Do(t, http.MethodGet, path, "", nil); code != http.StatusNotFound {
		t.Fatalf("GET after delete: %d, want 404", code)
	}
	if err := f.c.DeleteEvent(ctx, f.cal, uid, etag4); err != nil {
		t.Fatalf("second delete: %v, want nil", err)
	}
}

func TestCaldavPutEventRejectsBadInput(t *testing.T) {
	c, err := caldav.NewClient(caldav.Config{URL: "http://127.0.0.1:1/", Username: "u", Password: "p"})
	if err != nil {
		t.Fatal(err)
	}
	scenarios := []struct {
		name, uid string
		data      []byte
		field     string
	}{
		{"uid with a slash", "../x", booking("../x", "20261103T150000Z", "20261103T153000Z", "x"), "uid:"},
		{"empty uid", "", booking("", "20261103T150000Z", "20261103T153000Z", "x"), "uid:"},
		{"uid mismatch", "a1", booking("b2", "20261103T150000Z", "20261103T153000Z", "x"), "data:"},
		{"not ical", "a1", []byte("hello"), "data:"},
		{"no event", "a1", []byte(vcal("")), "data:"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			_, err := c.PutEvent(context.Background(), "/cal/", s.uid, s.data, "")
			if err == nil || !strings.HasPrefix(err.Error(), s.field) || caldav.IsRetryable(err) {
				t.Fatalf("err = %v, want a %s error before any request", err, s.field)
			}
		})
	}
}

func TestCaldavSyncDelta(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.putRaw(t, "weekly.ics", weekly)
	f.putRaw(t, "dentist.ics", others["dentist.ics"])

	full, err := f.c.Sync(ctx, f.cal, caldav.SyncState{}, winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	if !full.Full || full.State.SyncToken == "" || len(full.Objects) != 2 || len(full.Blocks()) != 10 {
		t.Fatalf("full sync: full=%v token=%q objects=%d blocks=%d", full.Full, full.State.SyncToken, len(full.Objects), len(full.Blocks()))
	}

	// Nothing changed: an empty delta.
	same, err := f.c.Sync(ctx, f.cal, full.State, winFrom, winTo)
	if err != nil || same.Full || len(same.Objects) != 0 || len(same.Removed) != 0 {
		t.Fatalf("unchanged: %+v, %v", same, err)
	}

	// One event added, one deleted on the server: only that comes back.
	f.putRaw(t, "allday.ics", others["allday.ics"])
	if code, _, _ := f.srv.Do(t, http.MethodDelete, f.cal+"dentist.ics", "", nil); code/100 != 2 {
		t.Fatalf("DELETE dentist: %d", code)
	}
	delta, err := f.c.Sync(ctx, f.cal, same.State, winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	if delta.Full || len(delta.Objects) != 1 || delta.Objects[0].Key != caldav.ObjectKey(f.cal+"allday.ics") {
		t.Fatalf("delta: full=%v objects=%+v", delta.Full, delta.Objects)
	}
	equalSpans(t, spans(delta.Objects[0].Blocks), []span{{"2026-11-05T05:00:00Z", "2026-11-06T05:00:00Z"}})
	if len(delta.Removed) != 1 || delta.Removed[0] != caldav.ObjectKey(f.cal+"dentist.ics") {
		t.Fatalf("removed = %v, want the dentist's key", delta.Removed)
	}
	if delta.State.SyncToken == same.State.SyncToken {
		t.Fatal("the sync token did not move")
	}
	bs, err := f.c.Busy(ctx, f.cal, winFrom, winTo)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.Start.Equal(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)) {
			t.Fatal("the deleted dentist event is still busy time")
		}
	}

	// A token the server does not know starts a clean full sync.
	stale, err := f.c.Sync(ctx, f.cal, caldav.SyncState{SyncToken: "http://radicale.org/ns/sync/0000"}, winFrom, winTo)
	if err != nil || !stale.Full || len(stale.Objects) != 2 {
		t.Fatalf("stale token: full=%v objects=%d err=%v", stale.Full, len(stale.Objects), err)
	}
}

func TestCaldavServerDownIsRetryable(t *testing.T) {
	f := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	uid := "sb-outage-1"
	data := booking(uid, "20261103T150000Z", "20261103T153000Z", "Booked during the outage")

	f.srv.Stop(t)
	_, err := f.c.PutEvent(ctx, f.cal, uid, data, "")
	if !caldav.IsRetryable(err) || errors.Is(err, caldav.ErrUnauthorized) {
		t.Fatalf("PUT with the server down: %v, want a retryable error", err)
	}
	if _, err := f.c.Busy(ctx, f.cal, winFrom, winTo); !caldav.IsRetryable(err) {
		t.Fatalf("busy with the server down: %v, want a retryable error", err)
	}
	if _, err := f.c.Sync(ctx, f.cal, caldav.SyncState{}, winFrom, winTo); !caldav.IsRetryable(err) {
		t.Fatalf("sync with the server down: %v, want a retryable error", err)
	}

	f.srv.Start(t)
	if _, err := f.c.PutEvent(ctx, f.cal, uid, data, ""); err != nil {
		t.Fatalf("PUT after the restart: %v", err)
	}
	if n := f.countUID(t, uid); n != 1 {
		t.Fatalf("%d events with UID %s after the outage, want exactly 1", n, uid)
	}
}
