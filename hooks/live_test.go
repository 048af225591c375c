package hooks

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

// liveBound bounds every wait for a stream: generous, so a busy machine only
// makes the tests slower. No test asserts how fast an event comes.
const liveBound = time.Minute

// liveEvent is one server-sent event ("ping" for a comment line, "end" when
// the stream closed).
type liveEvent struct {
	name string
	v    uint64
}

// liveStream reads one GET /api/slots/live stream in the background.
type liveStream struct {
	events chan liveEvent
	retry  string // the stream's retry: field
	cancel context.CancelFunc
}

// openLive opens a stream of slug and waits for its "ready".
func openLive(t *testing.T, base, slug string) *liveStream {
	t.Helper()
	res, cancel := getLive(t, base, slug)
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		raw, _ := io.ReadAll(res.Body)
		cancel()
		t.Fatalf("GET /api/slots/live?event_type=%s: %d %s %s", slug, res.StatusCode, res.Header.Get("Content-Type"), raw)
	}
	ls := &liveStream{events: make(chan liveEvent, 1000), cancel: cancel}
	t.Cleanup(cancel)
	retry := make(chan string, 1)
	go func() {
		defer close(ls.events)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		var ev liveEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "retry: "):
				retry <- strings.TrimPrefix(line, "retry: ")
			case strings.HasPrefix(line, ":"):
				ls.events <- liveEvent{name: "ping"}
			case strings.HasPrefix(line, "event: "):
				ev.name = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				var d struct{ V uint64 }
				if err := json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &d); err != nil {
					ev.name = "bad data: " + line
				}
				ev.v = d.V
			case line == "" && ev.name != "":
				ls.events <- ev
				ev = liveEvent{}
			}
		}
		ls.events <- liveEvent{name: "end"}
	}()
	if ev := ls.next(t); ev.name != "ready" {
		t.Fatalf("first event %+v, want ready", ev)
	}
	select {
	case ls.retry = <-retry:
	default:
		t.Fatal("no retry: before ready")
	}
	return ls
}

// getLive sends GET /api/slots/live?event_type=slug.
func getLive(t *testing.T, base, slug string) (*http.Response, context.CancelFunc) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/slots/live?event_type="+slug, nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	return res, cancel
}

// next returns the next event that is not a ping.
func (ls *liveStream) next(t *testing.T) liveEvent {
	t.Helper()
	deadline := time.After(liveBound)
	for {
		select {
		case ev := <-ls.events:
			if ev.name != "ping" {
				return ev
			}
		case <-deadline:
			t.Fatalf("no event within %s", liveBound)
		}
	}
}

// changedUntil returns the "changed" events up to the first one carrying
// version v or later.
func (ls *liveStream) changedUntil(t *testing.T, v uint64) []liveEvent {
	t.Helper()
	var seen []liveEvent
	for {
		ev := ls.next(t)
		if ev.name != "changed" {
			t.Fatalf("event %+v after %+v, want changed up to v %d", ev, seen, v)
		}
		if seen = append(seen, ev); ev.v >= v {
			return seen
		}
	}
}

// liveApp is a seeded app on the fixed clock with two hosts in London,
// Alice (event type "call") and Bob ("bobcall"), served on loopback.
func liveApp(t *testing.T) (app *tests.TestApp, srv *server, url, alice, bob string) {
	t.Helper()
	app, alice = bookingApp(t, nil)
	t.Cleanup(app.Cleanup)
	bob = mkHost(t, app, "Bob", "Europe/London", weekdays9to5)
	mkEventType(t, app, "bobcall", []string{bob}, nil)
	v, _ := testServers.Load(core.App(app))
	return app, v.(*server), serveHTTP(t, app), alice, bob
}

// book books slug at the i-th half hour of the week's office hours.
func book(t *testing.T, url, slug string, i int) {
	t.Helper()
	start := testNow.AddDate(0, 0, i/16).Add(9*time.Hour + time.Duration(i%16)*30*time.Minute)
	body := map[string]any{"event_type": slug, "start": start.Format(time.RFC3339), "name": "Live " + itoa(i),
		"email": fmt.Sprintf("live%d@example.com", i), "timezone": "Europe/London"}
	if code, reply := postJSON(t, &http.Client{Timeout: liveBound}, url+"/api/bookings", body, nil); code != http.StatusCreated {
		t.Fatalf("booking %s at %s: %d %v", slug, start, code, reply)
	}
}

// TestLiveChangedForItsHostsOnly: a stream of "call" hears of a booking and
// of a busy block of its host, and not of a booking of another host's event
// type. The negative is proven without waiting for silence: the unrelated
// booking is made first and seen on "bobcall"'s stream (by then a wrongly
// woken "call" stream has sent its own event), then the related one; the
// first event "call" gets must carry the related booking's version.
func TestLiveChangedForItsHostsOnly(t *testing.T) {
	app, srv, url, alice, _ := liveApp(t)
	conn := save(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: alice,
		c.CalendarConnectionsProvider: "google", c.CalendarConnectionsStatus: c.ConnectionConnected})
	call, bobcall := openLive(t, url, "call"), openLive(t, url, "bobcall")

	book(t, url, "bobcall", 0)
	unrelated := srv.live.current()
	if got := bobcall.changedUntil(t, unrelated); got[len(got)-1].v != unrelated {
		t.Fatalf("bobcall's stream after Bob's booking: %+v, want v %d", got, unrelated)
	}
	book(t, url, "call", 1)
	related := srv.live.current()
	if ev := call.next(t); ev.name != "changed" || ev.v != related {
		t.Fatalf("call's first event %+v, want changed with v %d (the related booking; %d was Bob's)", ev, related, unrelated)
	}

	save(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: conn.Id, c.BusyBlocksSourceID: "ev1",
		c.BusyBlocksStart: "2026-03-03 14:00:00.000Z", c.BusyBlocksEnd: "2026-03-03 15:30:00.000Z"})
	busy := srv.live.current()
	if got := call.changedUntil(t, busy); got[len(got)-1].v != busy {
		t.Fatalf("call's stream after Alice's busy block: %+v, want v %d", got, busy)
	}

	// A booking update that blocks no other time (the Google event id) wakes nobody:
	// the next event "call" sees is the one of the busy block that follows.
	r, err := app.FindFirstRecordByFilter(c.Bookings, "email = 'live1@example.com'")
	if err != nil {
		t.Fatal(err)
	}
	r.Set(c.BookingsGoogleEventID, "sbabc")
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	bookkeeping := srv.live.current()
	save(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: conn.Id, c.BusyBlocksSourceID: "ev2",
		c.BusyBlocksStart: "2026-03-04 14:00:00.000Z", c.BusyBlocksEnd: "2026-03-04 15:30:00.000Z"})
	busy2 := srv.live.current()
	if bookkeeping != busy || busy2 != busy+1 {
		t.Fatalf("versions: busy %d, after the bookkeeping update %d, second busy block %d", busy, bookkeeping, busy2)
	}
	if got := call.changedUntil(t, busy2); len(got) != 1 || got[0].v != busy2 {
		t.Fatalf("call's events after the second busy block: %+v, want one with v %d", got, busy2)
	}
}

// TestLiveFollowsEventTypeHosts: a host added to an event type while its
// stream is open counts from the commit on.
func TestLiveFollowsEventTypeHosts(t *testing.T) {
	app, srv, url, alice, bob := liveApp(t)
	call := openLive(t, url, "call")
	et, err := app.FindFirstRecordByFilter(c.EventTypes, "slug = 'call'")
	if err != nil {
		t.Fatal(err)
	}
	et.Set(c.EventTypesHosts, []string{alice, bob})
	et.Set(c.EventTypesAssignment, c.AssignmentRoundRobin)
	if err := app.Save(et); err != nil {
		t.Fatal(err)
	}
	call.changedUntil(t, srv.live.current()) // the event type's own change
	book(t, url, "bobcall", 0)
	if v := srv.live.current(); call.next(t).v != v {
		t.Fatalf("call's stream did not hear of its new host's booking (v %d)", v)
	}
}

// TestLiveCoalescesBursts: 40 bookings in a row make a few events, the last
// carrying the last booking's version. A stream sends at most one event per
// gap, plus the trailing one: over a burst that took `took`, at most
// took/gap + 2 events, however slow the machine (the bound is computed from
// the burst's own duration; no duration is asserted).
func TestLiveCoalescesBursts(t *testing.T) {
	_, srv, url, _, _ := liveApp(t)
	const gap = 2 * time.Second
	srv.live.pacing.gap.Store(int64(gap))
	call := openLive(t, url, "call")
	const n = 40
	before := srv.live.current()
	start := time.Now()
	for i := range n {
		book(t, url, "call", i)
	}
	took := time.Since(start)
	last := srv.live.current()
	got := call.changedUntil(t, last)
	most := int(took/gap) + 2
	if len(got) < 1 || len(got) > most || len(got) >= n || got[len(got)-1].v != last {
		t.Fatalf("%d bookings in %s (versions %d..%d) gave %d events %+v, want 1 to %d (fewer than %d), the last with v %d",
			n, took, before+1, last, len(got), got, most, n, last)
	}
	t.Logf("%d bookings in %s → %d events", n, took.Round(time.Millisecond), len(got))
}

// TestLiveRefusals: a missing, unknown or inactive event type is a 400 on
// event_type; past the limits a stream is refused with JSON (429 per
// address, 503 in all), and a closed stream frees its place.
func TestLiveRefusals(t *testing.T) {
	app, srv, url, alice, _ := liveApp(t)
	mkEventType(t, app, "old", []string{alice}, map[string]any{c.EventTypesActive: false})
	refused := func(slug string, want int, field string) {
		t.Helper()
		res, err := (&http.Client{Timeout: liveBound}).Get(url + "/api/slots/live?event_type=" + slug)
		if err != nil {
			t.Fatalf("slug %q: %v, want a JSON %d", slug, err, want)
		}
		defer res.Body.Close()
		var body struct {
			Status int
			Data   map[string]struct{ Message string }
		}
		raw, _ := io.ReadAll(res.Body)
		if err := json.Unmarshal(raw, &body); err != nil || res.StatusCode != want || body.Status != want ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
			t.Fatalf("slug %q: %d %s %s, want JSON %d", slug, res.StatusCode, res.Header.Get("Content-Type"), raw, want)
		}
		if field != "" && body.Data[field].Message == "" {
			t.Fatalf("slug %q: no message on %s: %s", slug, field, raw)
		}
	}
	refused("", http.StatusBadRequest, "event_type")
	refused("nope", http.StatusBadRequest, "event_type")
	refused("old", http.StatusBadRequest, "event_type")

	srv.live.limits.perIP.Store(2)
	first := openLive(t, url, "call")
	openLive(t, url, "bobcall")
	refused("call", http.StatusTooManyRequests, "")
	first.cancel()
	waitUntil(t, "the closed stream to be counted out", func() bool { return srv.live.openStreams() == 1 })
	openLive(t, url, "call")
	srv.live.limits.perIP.Store(0)
	srv.live.limits.streams.Store(2)
	refused("call", http.StatusServiceUnavailable, "")
}

// TestLiveOutlivesServerTimeouts: a stream lasts past the server's read and
// write timeouts (PocketBase's are 5 minutes; 1 s here; the write timeout is
// the one that would cut it), still delivers, and ends after its lifetime,
// leaving the page to reconnect.
func TestLiveOutlivesServerTimeouts(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	v, _ := testServers.Load(core.App(app))
	srv := v.(*server)
	ts := httptest.NewUnstartedServer(testMux(t, app))
	ts.Config.ReadTimeout, ts.Config.WriteTimeout = time.Second, time.Second
	ts.Start()
	t.Cleanup(ts.Close) // after the streams' own cleanups have closed them
	srv.live.pacing.ping.Store(int64(200 * time.Millisecond))

	call := openLive(t, ts.URL, "call")
	// The ping ticker fires every 200 ms and drops ticks it cannot deliver,
	// so the 15th ping leaves at least 3 s after the stream began: older
	// than both 1 s timeouts on any machine. Counted, not timed.
	const pings = 15
	for i := 0; i < pings; i++ {
		select {
		case ev := <-call.events:
			if ev.name != "ping" {
				t.Fatalf("event %+v while idle", ev)
			}
		case <-time.After(liveBound):
			t.Fatalf("no ping %d", i+1)
		}
	}
	book(t, ts.URL, "call", 0)
	if ev := call.next(t); ev.name != "changed" {
		t.Fatalf("after %d pings the stream gave %+v, want changed", pings, ev)
	}
	if call.retry == "" {
		t.Fatal("no retry field")
	}

	srv.live.pacing.lifetime.Store(int64(500 * time.Millisecond))
	short := openLive(t, ts.URL, "call")
	if ev := short.next(t); ev.name != "end" {
		t.Fatalf("a stream past its lifetime gave %+v, want its end", ev)
	}
	waitUntil(t, "the ended stream to be counted out", func() bool { return srv.live.openStreams() == 1 })
}

// waitUntil polls cond within liveBound.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(liveBound); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestLiveStreamIsAQuietRead: like GET /api/slots, a stranger's stream
// leaves no request-log row; a signed-in one does.
func TestLiveStreamIsAQuietRead(t *testing.T) {
	e := &core.RequestEvent{}
	e.Request = httptest.NewRequest(http.MethodGet, "/api/slots/live?event_type=call", nil)
	e.Response = httptest.NewRecorder()
	if !quietRead(e) {
		t.Fatal("an anonymous live stream is logged")
	}
	e.Request.Header.Set("Authorization", "x")
	if quietRead(e) {
		t.Fatal("a signed-in live stream is not logged")
	}
}
