package slots

import (
	"slices"
	"strings"
	"time"
)

// Limits of Compute's inputs.
const (
	// MaxQueryRange is the longest [From, To) Compute accepts.
	MaxQueryRange = 400 * 24 * time.Hour
	// AnchorLookBack bounds how far back a free interval's start anchors the
	// slot grid: a slot more than this after the start of its free interval
	// (only possible with availability that runs for days without a break)
	// is placed on the zone's reference grid instead; see the package doc.
	AnchorLookBack = 7 * 24 * time.Hour
)

var (
	// minQueryTime and maxQueryTime bound Query.From and Query.To.
	minQueryTime = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	maxQueryTime = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	// Booking and busy times are clamped to this range (well inside int64
	// nanoseconds), which contains every computation range.
	minClampNanos = time.Date(1800, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	maxClampNanos = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	// referenceDate anchors the reference grid: local midnight of this date.
	referenceDate = Date{Year: 2001, Month: time.January, Day: 1}
)

// maxBufferNanos clamps a booking's buffers (negative ones count as zero).
const maxBufferNanos = int64(10 * 366 * 24 * time.Hour)

// Booking is an existing live (pending or confirmed) booking of a host, of
// any event type, with the buffers it was made with.
type Booking struct {
	ID, EventType             string
	Start, End                time.Time
	BufferBefore, BufferAfter time.Duration
}

// BusyBlock is external busy time (e.g. from Google Calendar).
type BusyBlock struct{ Start, End time.Time }

// Host is one host of an event type with everything that makes it busy.
type Host struct {
	// ID identifies the host; Slot.Hosts lists these.
	ID string
	// Location is the zone of the host's daily-limit days; nil means
	// Schedule.Location.
	Location *time.Location
	// Schedule is the host's availability.
	Schedule Schedule
	// Bookings are the host's live bookings of all event types, any order.
	Bookings []Booking
	// Busy is external busy time, any order, possibly overlapping.
	Busy []BusyBlock
}

// Query asks for the slots whose start lies in [From, To), as seen at Now.
type Query struct{ From, To, Now time.Time }

// Slot is one bookable start.
type Slot struct {
	// Start and End (Start+Duration) are in UTC.
	Start, End time.Time
	// SeatsLeft is how many invitees can still book this slot.
	SeatsLeft int
	// Hosts are the IDs of the hosts offering the slot, sorted. The slice may
	// share its backing array with other slots: treat it as read-only.
	Hosts []string
}

// Compute returns the free slots of an event type with rules r and hosts
// whose start lies in q's [From, To), sorted by Start, following the
// semantics in the package doc. It returns an error (wrapping
// ErrInvalidRules or ErrInvalidInput) only for invalid rules or inputs: a
// host without a schedule location or with malformed windows, duplicate host
// IDs, To before From, a range longer than MaxQueryRange or outside the
// years 1900-2199. It never panics. No hosts means no slots.
func Compute(r Rules, hosts []Host, q Query) ([]Slot, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if err := checkQuery(q); err != nil {
		return nil, err
	}
	order, err := checkHosts(hosts)
	if err != nil {
		return nil, err
	}
	e := newEngine(r, q)
	defer e.release()
	if e.qlo >= e.qhi || len(hosts) == 0 {
		return []Slot{}, nil
	}
	bounds := make([]int, 1, len(hosts)+1)
	for _, i := range order {
		e.host(&hosts[i])
		bounds = append(bounds, len(e.out))
	}
	ids := make([]string, len(order))
	for k, i := range order {
		ids[k] = hosts[i].ID
	}
	if r.Assignment == Collective {
		return e.collective(ids, bounds), nil
	}
	return e.anyHost(ids, bounds), nil
}

// checkQuery validates the query range.
func checkQuery(q Query) error {
	switch {
	case q.From.Before(minQueryTime) || q.From.After(maxQueryTime):
		return newError(ErrInvalidInput, "query: from must be between years 1900 and 2199")
	case q.To.Before(minQueryTime) || q.To.After(maxQueryTime):
		return newError(ErrInvalidInput, "query: to must be between years 1900 and 2199")
	case q.To.Before(q.From):
		return newError(ErrInvalidInput, "query: to must not be before from")
	case q.To.Sub(q.From) > MaxQueryRange:
		return newError(ErrInvalidInput, "query: range must be at most %d days", MaxQueryRange/(24*time.Hour))
	}
	return nil
}

// checkHosts validates every host and returns their indices sorted by ID.
func checkHosts(hosts []Host) ([]int, error) {
	order := make([]int, len(hosts))
	for i := range hosts {
		order[i] = i
		if err := hosts[i].Schedule.Validate(); err != nil {
			return nil, newError(ErrInvalidInput, "host %q: %s", hosts[i].ID, err.Error())
		}
		for _, loc := range []*time.Location{hosts[i].Schedule.Location, hosts[i].Location} {
			if loc == nil {
				continue
			}
			if _, off := time.Unix(0, 0).In(loc).Zone(); off > maxZoneOffset || off < -maxZoneOffset {
				return nil, newError(ErrInvalidInput, "host %q: zone %s: UTC offset beyond 26 hours", hosts[i].ID, loc)
			}
		}
	}
	slices.SortFunc(order, func(a, b int) int { return strings.Compare(hosts[a].ID, hosts[b].ID) })
	for k := 1; k < len(order); k++ {
		if hosts[order[k]].ID == hosts[order[k-1]].ID {
			return nil, newError(ErrInvalidInput, "hosts: duplicate id %q", hosts[order[k]].ID)
		}
	}
	return order, nil
}

// anyHost merges the hosts' slot lists for Single and RoundRobin: a start
// offered by any host, with those hosts and the sum of their seats.
func (e *engine) anyHost(ids []string, bounds []int) []Slot {
	k := len(ids)
	if k == 1 {
		slots := make([]Slot, 0, bounds[1])
		for _, hs := range e.out {
			slots = append(slots, e.slot(hs.start, int(hs.seats), ids))
		}
		return slots
	}
	pos := slices.Clone(bounds[:k])
	slots := make([]Slot, 0, len(e.out))
	arena := make([]string, 0, len(e.out))
	for {
		next, found := int64(0), false
		for h := range k {
			if pos[h] < bounds[h+1] && (!found || e.out[pos[h]].start < next) {
				next, found = e.out[pos[h]].start, true
			}
		}
		if !found {
			return slots
		}
		seats, from := 0, len(arena)
		for h := range k {
			if pos[h] < bounds[h+1] && e.out[pos[h]].start == next {
				seats += int(e.out[pos[h]].seats)
				arena = append(arena, ids[h])
				pos[h]++
			}
		}
		slots = append(slots, e.slot(next, seats, arena[from:len(arena):len(arena)]))
	}
}

// collective keeps the starts every host offers, with the fewest seats left.
func (e *engine) collective(ids []string, bounds []int) []Slot {
	k := len(ids)
	pos := slices.Clone(bounds[:k])
	slots := make([]Slot, 0, bounds[1])
	for _, hs := range e.out[:bounds[1]] {
		seats, all := int(hs.seats), true
		for h := 1; h < k && all; h++ {
			for pos[h] < bounds[h+1] && e.out[pos[h]].start < hs.start {
				pos[h]++
			}
			if pos[h] == bounds[h+1] || e.out[pos[h]].start != hs.start {
				all = false
			} else {
				seats = min(seats, int(e.out[pos[h]].seats))
			}
		}
		if all {
			slots = append(slots, e.slot(hs.start, seats, ids))
		}
	}
	return slots
}

// slot builds a Slot starting at the Unix nanosecond start.
func (e *engine) slot(start int64, seats int, hosts []string) Slot {
	return Slot{
		Start:     time.Unix(0, start).UTC(),
		End:       time.Unix(0, start+e.dur).UTC(),
		SeatsLeft: seats,
		Hosts:     hosts,
	}
}
