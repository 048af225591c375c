package hooks

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// liveHub tells the open GET /api/slots/live streams (live.go) that
// availability which can change their event type's slots was committed. It
// is keyed by host: a stream joins its event type, the event type is indexed
// under its hosts, and a booking, busy block, calendar connection or host
// record of a host wakes the streams of that host's event types; an event
// type's change wakes its own streams; the rare changes that cannot be told
// apart cheaply (schedules, date overrides) wake every stream. Waking is a
// non-blocking send on a stream's one-slot channel: publishing never waits
// for a stream, and an idle stream costs no work.
type liveHub struct {
	mu      sync.Mutex
	version uint64                            // bumped by every publish
	types   map[string]*liveType              // event type id → its streams (only while it has some)
	byHost  map[string]map[*liveType]struct{} // host id → event types with streams that it serves
	etHosts map[string][]string               // event type id → hosts, as its last committed change said
	conns   map[string]string                 // calendar connection id → host id (busy blocks name only the connection)
	open    int                               // streams open
	perIP   map[string]int                    // streams open per client address
	// limits (streams: --liveStreams) and pacing; 0 means the default
	// (live.go); tests shrink them.
	limits struct{ streams, perIP atomic.Int64 }
	pacing struct{ gap, ping, lifetime atomic.Int64 } // time.Duration
}

// liveType is an event type with open streams.
type liveType struct {
	id    string
	hosts []string
	subs  map[*liveSub]struct{}
}

// liveSub is one open stream.
type liveSub struct {
	ip   string
	typ  *liveType
	wake chan struct{} // one slot: a wake-up pending or not
	v    atomic.Uint64 // the version of the latest change it was told of
}

// liveRefusal says why a stream was not opened.
type liveRefusal int

const (
	liveOK liveRefusal = iota
	liveTooManyFromIP
	liveFull
)

// bookingAvailabilityFields are the booking fields that decide whether it
// blocks time: an update touching none of them (a Google event id, the
// idempotent reply, notes) changes no slot.
var bookingAvailabilityFields = []string{
	c.BookingsStart, c.BookingsEnd, c.BookingsStatus, c.BookingsHosts,
	c.BookingsBufferBefore, c.BookingsBufferAfter, c.BookingsEventType,
}

// bind publishes after every committed change of availabilityCollections
// (the slot cache's list), to the hosts it concerns. A failure in here is
// logged and never reaches the code that committed (callSafe).
func (h *liveHub) bind(app core.App) {
	handlers := map[string]func(app core.App, r *core.Record, op string){
		c.Bookings:            h.onBooking,
		c.BusyBlocks:          h.onBusyBlock,
		c.CalendarConnections: h.onConnection,
		c.Hosts:               func(_ core.App, r *core.Record, _ string) { h.publishHosts(r.Id) },
		c.EventTypes:          h.onEventType,
		c.Schedules:           func(core.App, *core.Record, string) { h.publishAll() },
		c.DateOverrides:       func(core.App, *core.Record, string) { h.publishAll() },
	}
	for _, name := range availabilityCollections {
		handle := handlers[name]
		if handle == nil { // a collection added to the list later: tell everyone
			handle = func(core.App, *core.Record, string) { h.publishAll() }
		}
		on := func(op string) func(e *core.ModelEvent) error {
			return func(e *core.ModelEvent) error {
				_ = callSafe(e.App.Logger(), "live updates", func() {
					if r, ok := e.Model.(*core.Record); ok {
						handle(e.App, r, op)
					} else {
						h.publishAll()
					}
				})
				return e.Next()
			}
		}
		app.OnModelAfterCreateSuccess(name).BindFunc(on("create"))
		app.OnModelAfterUpdateSuccess(name).BindFunc(on("update"))
		app.OnModelAfterDeleteSuccess(name).BindFunc(on("delete"))
	}
}

// onBooking wakes the booking's hosts (before and after a reassignment),
// unless an update left every field that blocks time as it was.
func (h *liveHub) onBooking(_ core.App, r *core.Record, op string) {
	hosts := r.GetStringSlice(c.BookingsHosts)
	if op == "update" {
		old := r.Original()
		if old.Id != "" && !changedAny(r, old, bookingAvailabilityFields) {
			return
		}
		hosts = append(hosts, old.GetStringSlice(c.BookingsHosts)...)
	}
	h.publishHosts(hosts...)
}

// onBusyBlock wakes the host of the block's calendar connection.
func (h *liveHub) onBusyBlock(app core.App, r *core.Record, op string) {
	conns := []string{r.GetString(c.BusyBlocksConnection)}
	if op == "update" {
		conns = append(conns, r.Original().GetString(c.BusyBlocksConnection))
	}
	var hosts []string
	for _, id := range conns {
		host, ok := h.connectionHost(app, id)
		if !ok {
			h.publishAll() // cannot tell whose it is: tell everyone
			return
		}
		hosts = append(hosts, host)
	}
	h.publishHosts(hosts...)
}

// connectionHost finds the host of calendar connection id, cached (a sync
// writes many blocks of one connection).
func (h *liveHub) connectionHost(app core.App, id string) (string, bool) {
	h.mu.Lock()
	host, ok := h.conns[id]
	h.mu.Unlock()
	if ok {
		return host, true
	}
	r, err := app.FindRecordById(c.CalendarConnections, id)
	if err != nil {
		return "", false
	}
	host = r.GetString(c.CalendarConnectionsHost)
	h.mu.Lock()
	if h.conns == nil {
		h.conns = map[string]string{}
	}
	h.conns[id] = host
	h.mu.Unlock()
	return host, true
}

// onConnection wakes the host of a calendar connection made, removed or
// moved to another host. Busy time counts through the connection's host
// only, so the sync's own bookkeeping (sync state, last synced, status),
// written every few minutes, wakes nobody.
func (h *liveHub) onConnection(_ core.App, r *core.Record, op string) {
	host := r.GetString(c.CalendarConnectionsHost)
	old := r.Original().GetString(c.CalendarConnectionsHost)
	h.mu.Lock()
	if op == "delete" {
		delete(h.conns, r.Id)
	} else if h.conns != nil {
		h.conns[r.Id] = host
	}
	h.mu.Unlock()
	if op == "update" && host == old {
		return
	}
	h.publishHosts(host, old)
}

// onEventType re-indexes the event type under its hosts as committed and
// wakes its streams (its settings decide only its own slots).
func (h *liveHub) onEventType(_ core.App, r *core.Record, op string) {
	hosts := r.GetStringSlice(c.EventTypesHosts)
	h.mu.Lock()
	defer h.mu.Unlock()
	if op == "delete" {
		delete(h.etHosts, r.Id)
	} else {
		if h.etHosts == nil {
			h.etHosts = map[string][]string{}
		}
		h.etHosts[r.Id] = hosts
	}
	t := h.types[r.Id]
	if t == nil {
		return
	}
	h.index(t, false)
	t.hosts = hosts
	h.index(t, true)
	h.version++
	for s := range t.subs {
		s.tell(h.version)
	}
}

// changedAny reports whether any of fields differs between r and old.
func changedAny(r, old *core.Record, fields []string) bool {
	for _, f := range fields {
		if f == c.BookingsHosts {
			if !slices.Equal(r.GetStringSlice(f), old.GetStringSlice(f)) {
				return true
			}
		} else if r.GetString(f) != old.GetString(f) {
			return true
		}
	}
	return false
}

// publishHosts wakes the streams of every event type one of hosts serves.
func (h *liveHub) publishHosts(hosts ...string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for _, host := range hosts {
		for t := range h.byHost[host] {
			for s := range t.subs {
				s.tell(h.version)
			}
		}
	}
}

// publishAll wakes every stream.
func (h *liveHub) publishAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.version++
	for _, t := range h.types {
		for s := range t.subs {
			s.tell(h.version)
		}
	}
}

// current is the version of the latest change.
func (h *liveHub) current() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.version
}

// tell records version v and wakes the stream unless a wake-up is pending.
func (s *liveSub) tell(v uint64) {
	s.v.Store(v)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// subscribe opens a stream of event type id (served by hosts, as read just
// now) for a client at ip, within the limits on open streams.
func (h *liveHub) subscribe(id string, hosts []string, ip string) (*liveSub, liveRefusal) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open >= limitOr(h.limits.streams.Load(), DefaultLiveStreams) {
		return nil, liveFull
	}
	if h.perIP[ip] >= limitOr(h.limits.perIP.Load(), maxLiveStreamsPerIP) {
		return nil, liveTooManyFromIP
	}
	t := h.types[id]
	if t == nil {
		if known, ok := h.etHosts[id]; ok {
			hosts = known // committed after the caller read the event type
		}
		t = &liveType{id: id, hosts: hosts, subs: map[*liveSub]struct{}{}}
		if h.types == nil {
			h.types, h.perIP = map[string]*liveType{}, map[string]int{}
		}
		h.types[id] = t
		h.index(t, true)
	}
	s := &liveSub{ip: ip, typ: t, wake: make(chan struct{}, 1)}
	s.v.Store(h.version)
	t.subs[s] = struct{}{}
	h.open++
	h.perIP[ip]++
	return s, liveOK
}

// unsubscribe closes stream s.
func (h *liveHub) unsubscribe(s *liveSub) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := s.typ
	delete(t.subs, s)
	if len(t.subs) == 0 {
		h.index(t, false)
		delete(h.types, t.id)
	}
	h.open--
	if h.perIP[s.ip]--; h.perIP[s.ip] <= 0 {
		delete(h.perIP, s.ip)
	}
}

// index adds (or removes) t under each of its hosts; h.mu is held.
func (h *liveHub) index(t *liveType, add bool) {
	for _, host := range t.hosts {
		set := h.byHost[host]
		if add {
			if set == nil {
				if h.byHost == nil {
					h.byHost = map[string]map[*liveType]struct{}{}
				}
				set = map[*liveType]struct{}{}
				h.byHost[host] = set
			}
			set[t] = struct{}{}
			continue
		}
		delete(set, t)
		if len(set) == 0 {
			delete(h.byHost, host)
		}
	}
}

// openStreams counts the open streams.
func (h *liveHub) openStreams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}

func limitOr(set int64, def int) int {
	if set > 0 {
		return int(set)
	}
	return def
}
