// Package busyindex keeps, per host and in memory, what blocks the host's
// time: live bookings (with buffers and event type, as the slot engine needs
// them) and external busy blocks, sorted by start, so a slot query for H hosts
// costs O(H·log n + answers) instead of a database read.
//
// The database stays the truth: a host is loaded through a Loader at first
// use, and the caller reports every committed change (BookingChanged,
// BusyChanged, DropHosts, DropAll). A load that a change overtook is used for
// its own answer but never installed, so a stale snapshot cannot stay.
package busyindex

import (
	"sort"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/slotbase/slotbase/internal/slots"
)

// Blockers is what blocks one host's time in a range.
type Blockers struct {
	Bookings []slots.Booking
	Busy     []slots.BusyBlock
}

// Busy is one external busy block and its id.
type Busy struct {
	ID string
	slots.BusyBlock
}

// Loaded is what a Loader read for one host.
type Loaded struct {
	Bookings []slots.Booking
	Busy     []Busy
}

// Loader reads one host's live bookings that start at or after floor and its
// busy blocks that end after it, in any order.
type Loader func(host string, floor time.Time) (Loaded, error)

// Config tunes an Index.
type Config struct {
	// KeepPast is how far before the load time a snapshot holds data; a
	// query reaching further back answers ok=false (ask the database).
	KeepPast time.Duration
	// MaxAge is how long a snapshot serves before it is reloaded (which
	// moves its floor forward and lets old entries go).
	MaxAge time.Duration
}

// DefaultConfig holds 31 days of past (a slot query looks at most ~9 days
// before its first day) and reloads each host monthly.
var DefaultConfig = Config{KeepPast: 31 * 24 * time.Hour, MaxAge: 31 * 24 * time.Hour}

// Index is the per-host index. The zero value is not usable: use New.
type Index struct {
	load Loader
	conf Config

	mu    sync.Mutex // guards hosts and gen
	gen   uint64     // bumped by DropAll
	hosts map[string]*host

	// applyMu serialises the re-read + apply of the changes of one booking
	// or busy block (striped by id: different rows apply in parallel).
	applyMu [64]sync.Mutex
	flight  singleflight.Group
}

// host is one host's entry: its snapshot (nil until loaded) and the epoch
// every change touching it bumps.
type host struct {
	mu    sync.RWMutex
	epoch uint64
	snap  *snapshot
}

// snapshot is one host's blockers from floor on, sorted by start. It is
// never modified once built: a change installs an edited copy, so readers
// share its slices without copying them (and must not write to them).
type snapshot struct {
	floor, loaded time.Time
	bookings      []slots.Booking // by Start, then ID
	busy          []Busy          // by Start, then ID
	maxBusy       time.Duration   // longest block held (never shrinks)
}

// New returns an empty index that loads hosts with load.
func New(load Loader, conf Config) *Index {
	return &Index{load: load, conf: conf, hosts: map[string]*host{}}
}

// entry returns the host's entry, creating it when create is set (nil
// otherwise when it does not exist), and the current generation.
func (x *Index) entry(id string, create bool) (*host, uint64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	h := x.hosts[id]
	if h == nil && create {
		h = &host{}
		x.hosts[id] = h
	}
	return h, x.gen
}

// Read returns, per host, the live bookings starting in [lo, to) and the
// busy blocks overlapping [lo, to), each sorted by start. The bookings are
// the index's own: read them, never write or sort them in place. ok is false when
// a host's snapshot does not reach back to lo: the caller reads the database.
// Hosts not yet held are loaded (once for all concurrent readers).
func (x *Index) Read(hosts []string, lo, to, now time.Time) (out map[string]Blockers, ok bool, err error) {
	out = make(map[string]Blockers, len(hosts))
	for _, id := range hosts {
		b, ok, err := x.readHost(id, lo, to, now)
		if err != nil || !ok {
			return nil, ok, err
		}
		out[id] = b
	}
	return out, true, nil
}

func (x *Index) readHost(id string, lo, to, now time.Time) (Blockers, bool, error) {
	if lo.Before(now.Add(-x.conf.KeepPast)) {
		return Blockers{}, false, nil // no snapshot reaches that far back
	}
	h, gen := x.entry(id, true)
	h.mu.RLock()
	snap, epoch := h.snap, h.epoch
	h.mu.RUnlock()
	if snap != nil && !lo.Before(snap.floor) && now.Sub(snap.loaded) < x.conf.MaxAge {
		return snap.read(lo, to), true, nil
	}

	// Load, once per host and epoch: a reader that arrives after a change
	// must not be handed a load that started before it.
	key := id + "|" + strconv.FormatUint(gen, 10) + "|" + strconv.FormatUint(epoch, 10)
	v, err, _ := x.flight.Do(key, func() (any, error) {
		floor := now.Add(-x.conf.KeepPast)
		data, err := x.load(id, floor)
		if err != nil {
			return nil, err
		}
		s := newSnapshot(data, floor, now)
		x.mu.Lock()
		current := x.gen == gen && x.hosts[id] == h
		x.mu.Unlock()
		h.mu.Lock()
		if current && h.epoch == epoch {
			h.snap = s // no change overtook the load
		}
		h.mu.Unlock()
		return s, nil
	})
	if err != nil {
		return Blockers{}, false, err
	}
	// Answer from this load even when it was not installed: it is a read
	// of the database like any other.
	s := v.(*snapshot)
	if lo.Before(s.floor) {
		return Blockers{}, false, nil // loaded for an earlier clock
	}
	return s.read(lo, to), true, nil
}

// applyLock is the mutex that serialises the changes of row id.
func (x *Index) applyLock(id string) *sync.Mutex {
	h := uint32(2166136261) // FNV-1a
	for i := 0; i < len(id); i++ {
		h = (h ^ uint32(id[i])) * 16777619
	}
	return &x.applyMu[h%uint32(len(x.applyMu))]
}

func newSnapshot(data Loaded, floor, now time.Time) *snapshot {
	s := &snapshot{floor: floor, loaded: now}
	for _, b := range data.Bookings {
		if !b.Start.Before(floor) {
			s.bookings = append(s.bookings, b)
		}
	}
	sort.Slice(s.bookings, func(i, j int) bool { return bookingLess(s.bookings[i], s.bookings[j]) })
	for _, b := range data.Busy {
		if b.End.After(floor) {
			s.busy = append(s.busy, b)
			s.maxBusy = max(s.maxBusy, b.End.Sub(b.Start))
		}
	}
	sort.Slice(s.busy, func(i, j int) bool { return busyLess(s.busy[i], s.busy[j]) })
	return s
}

func busyLess(a, b Busy) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.Before(b.Start)
	}
	return a.ID < b.ID
}

func bookingLess(a, b slots.Booking) bool {
	if !a.Start.Equal(b.Start) {
		return a.Start.Before(b.Start)
	}
	return a.ID < b.ID
}

// read returns the blockers in [lo, to): the bookings share the
// snapshot's array (capped, so an append copies), the busy blocks are copied.
func (s *snapshot) read(lo, to time.Time) Blockers {
	var out Blockers
	i := sort.Search(len(s.bookings), func(i int) bool { return !s.bookings[i].Start.Before(lo) })
	j := sort.Search(len(s.bookings), func(i int) bool { return !s.bookings[i].Start.Before(to) })
	if j > i {
		out.Bookings = s.bookings[i:j:j]
	}
	// A block overlaps [lo, to) when it ends after lo and starts before to;
	// none starting before lo - maxBusy can reach lo.
	k := sort.Search(len(s.busy), func(i int) bool { return !s.busy[i].Start.Before(lo.Add(-s.maxBusy)) })
	l := k + sort.Search(len(s.busy)-k, func(i int) bool { return !s.busy[k+i].Start.Before(to) })
	if l > k {
		out.Busy = make([]slots.BusyBlock, 0, l-k)
	}
	for ; k < l; k++ {
		if s.busy[k].End.After(lo) {
			out.Busy = append(out.Busy, s.busy[k].BusyBlock)
		}
	}
	return out
}
