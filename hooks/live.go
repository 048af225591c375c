package hooks

import (
	"database/sql"
	"errors"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// Live updates for the booking page (issue 18): GET /api/slots/live?event_type=SLUG
// is a server-sent event stream. It sends "ready" at once, then "changed"
// whenever a committed change can alter that event type's slots (a booking
// or busy time of one of its hosts, its hosts' hours, the event type
// itself). An event carries only {"v": N}, the number of availability
// changes so far; the page then asks GET /api/slots again.

// DefaultLiveStreams bounds the open streams of the process unless
// --liveStreams says otherwise: each costs a connection, two parked
// goroutines and ~50 KB of RSS (BENCHMARKS.md), so 2,000 take ~100 MB of the
// 512 MB Fly Machine. fly.toml's hard_limit must leave room for them.
const DefaultLiveStreams = 2000

const (
	// maxLiveStreamsPerIP bounds the open streams per client address.
	maxLiveStreamsPerIP = 20
	// liveGap is the least time between two "changed" of a stream: a burst of
	// bookings becomes a few events, the last one after the last booking.
	liveGap = 300 * time.Millisecond
	// livePing is how often an idle stream sends a comment line, so proxies
	// do not close it.
	livePing = 25 * time.Second
	// liveLifetime is how long a stream lasts (less up to a sixth, so streams
	// opened together do not end together); the page's EventSource then
	// reconnects after the retry the stream gave (2–5 s, random).
	liveLifetime = 30 * time.Minute
	// liveWriteTimeout bounds one write to a client that stopped reading.
	liveWriteTimeout = 30 * time.Second
)

// handleSlotsLive answers GET /api/slots/live: 400 for a missing, unknown or
// inactive event type, 429 or 503 past the limits on open streams, else the
// stream.
func (s *server) handleSlotsLive(e *core.RequestEvent) error {
	slug := e.Request.URL.Query().Get("event_type")
	if slug == "" {
		return badRequest(e, map[string]error{"event_type": fieldErr("is required (an event type slug)")})
	}
	et, err := c.FindActiveEventType(e.App, slug)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return badRequest(e, map[string]error{"event_type": fieldErr("no active event type " + quote(slug))})
	case err != nil:
		return e.InternalServerError("", err)
	}
	sub, refused := s.live.subscribe(et.Id, et.HostIDs(), e.RealIP())
	switch refused {
	case liveTooManyFromIP:
		return e.Error(http.StatusTooManyRequests, "Too many live connections from your address (at most "+
			strconv.Itoa(limitOr(s.live.limits.perIP.Load(), maxLiveStreamsPerIP))+").", nil)
	case liveFull:
		e.Response.Header().Set("Retry-After", "60")
		return e.Error(http.StatusServiceUnavailable, "Too many live connections; try again later.", nil)
	}
	defer s.live.unsubscribe(sub)
	// PocketBase's panic recovery cannot answer once the stream has started:
	// a panic here is logged with its stack and ends this stream only.
	_ = callSafe(e.App.Logger(), "live slots stream", func() { s.live.stream(e, sub) })
	return nil
}

// stream writes sub's events to e until the client leaves, the server
// stops, a write fails or the stream's lifetime ends. It blocks on channels
// and timers only: no polling.
func (h *liveHub) stream(e *core.RequestEvent, sub *liveSub) {
	gap := time.Duration(limitOr(h.pacing.gap.Load(), int(liveGap)))
	ping := time.Duration(limitOr(h.pacing.ping.Load(), int(livePing)))
	life := time.Duration(limitOr(h.pacing.lifetime.Load(), int(liveLifetime)))
	life -= rand.N(life/6 + 1)

	rc := http.NewResponseController(e.Response)
	// The server's write timeout (5 minutes in PocketBase) would cut a
	// 30-minute stream: each write gets its own deadline instead (writers
	// without deadlines answer ErrNotSupported: fine). Its read timeout does
	// not matter: net/http lifts it once the request has been read.
	header := e.Response.Header()
	header.Set("Content-Type", "text/event-stream")
	header.Set("Cache-Control", "no-store")
	header.Set("X-Accel-Buffering", "no") // nginx and alike: do not buffer
	e.Response.WriteHeader(http.StatusOK)
	send := func(chunk string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(liveWriteTimeout))
		if _, err := io.WriteString(e.Response, chunk); err != nil {
			return false
		}
		return rc.Flush() == nil // through PocketBase's response wrapper to the connection
	}
	text := func(name string) string {
		return "event: " + name + "\ndata: {\"v\":" + strconv.FormatUint(sub.v.Load(), 10) + "}\n\n"
	}
	event := func(name string) bool { return send(text(name)) }
	if !send("retry: " + strconv.Itoa(2000+rand.IntN(3000)) + "\n" + text("ready")) {
		return
	}

	end := time.NewTimer(life)
	defer end.Stop()
	pinger := time.NewTicker(ping)
	defer pinger.Stop()
	hold := time.NewTimer(gap)
	hold.Stop()
	var held <-chan time.Time // non-nil while a trailing "changed" waits for the gap
	var last time.Time        // when the last "changed" went out
	for {
		select {
		case <-e.Request.Context().Done(): // the client left or the server stops
			return
		case <-end.C:
			return
		case <-sub.wake:
			if held != nil {
				continue // the trailing event will carry this change
			}
			if wait := gap - time.Since(last); wait > 0 {
				hold.Reset(wait)
				held = hold.C
				continue
			}
			if !event("changed") {
				return
			}
			last = time.Now()
		case <-held:
			held = nil
			if !event("changed") {
				return
			}
			last = time.Now()
		case <-pinger.C:
			if !send(": ping\n\n") {
				return
			}
		}
	}
}
