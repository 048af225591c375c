package slots

import (
	"slices"
	"sync"
	"time"
)

// engine computes one event type's slots host by host. Times are Unix
// nanoseconds; scratch buffers are reused across hosts.
type engine struct {
	r                   Rules
	dur, step           int64
	bufBefore, bufAfter int64
	seats               int   // > 1 in seated mode
	qlo, qhi            int64 // slot starts lie in [qlo, qhi)
	lo, hi              int64 // availability and blocking are computed on [lo, hi)
	lookBack            int64

	// per host
	ref     int64      // reference grid origin (local midnight of referenceDate)
	dayZone zoneCursor // daily-limit zone
	avail   []span
	blocked []span
	spare   []span
	own     []ownBooking // own bookings by start (seats, daily limit)
	ownByLo []ownBooking // own bookings by span start (seated blocking)
	ownMax  int64        // longest own span
	days    []int64      // day numbers of own bookings (sessions), sorted
	out     []hostSlot
}

// ownBooking is a booking of the event type being computed.
type ownBooking struct {
	start int64
	sp    span // what it blocks (buffers included)
}

// hostSlot is one start a host offers, with its seats left.
type hostSlot struct {
	start int64
	seats int32
}

// enginePool recycles engines and their scratch buffers across calls.
var enginePool = sync.Pool{New: func() any { return new(engine) }}

// newEngine derives the nanosecond bounds from validated rules and query.
// Its scratch buffers come from enginePool; hand it back with release.
func newEngine(r Rules, q Query) *engine {
	e := enginePool.Get().(*engine)
	*e = engine{
		r:         r,
		dur:       int64(r.Duration),
		step:      int64(r.step()),
		bufBefore: int64(r.BufferBefore),
		bufAfter:  int64(r.BufferAfter),
		lookBack:  int64(AnchorLookBack),
		avail:     e.avail[:0],
		blocked:   e.blocked[:0],
		spare:     e.spare[:0],
		own:       e.own[:0],
		ownByLo:   e.ownByLo[:0],
		days:      e.days[:0],
		out:       e.out[:0],
	}
	if r.seated() {
		e.seats = r.Seats
	}
	e.qlo = max(toNanos(q.From), toNanos(q.Now.Add(r.MinNotice)))
	e.qhi = toNanos(q.To)
	if r.Horizon > 0 {
		e.qhi = min(e.qhi, toNanos(q.Now.Add(r.Horizon))+1)
	}
	// A slot starting at s needs the free interval around it back to its
	// anchor (at most lookBack earlier) and forward to s+dur; two days of
	// margin cover buffers (≤ 12h) and rounding.
	const margin = int64(48 * time.Hour)
	e.lo = e.qlo - e.lookBack - margin
	e.hi = e.qhi + e.dur + margin
	return e
}

// release returns e to the pool unless its buffers grew very large.
func (e *engine) release() {
	if cap(e.blocked)+cap(e.spare)+cap(e.out) <= 1<<20 {
		e.r = Rules{}
		enginePool.Put(e)
	}
}

// toNanos converts t to Unix nanoseconds, clamped to a safe range.
func toNanos(t time.Time) int64 {
	sec := t.Unix()
	switch {
	case sec < minClampNanos/1e9:
		return minClampNanos
	case sec > maxClampNanos/1e9:
		return maxClampNanos
	}
	return t.UnixNano()
}

// bufferNanos clamps a booking's buffer to [0, maxBufferNanos].
func bufferNanos(d time.Duration) int64 {
	return min(max(int64(d), 0), maxBufferNanos)
}

// blockSpan returns what a booking [start, end) with buffers bb, ba blocks for
// a candidate [s, s+dur): the candidate may not overlap the booking's
// buffered span, nor may the candidate's buffered span overlap the booking.
// For a non-empty booking both conditions combine into one span.
func (e *engine) blockSpan(start, end, bb, ba int64) span {
	if start < end {
		return span{start - max(bb, e.bufAfter), end + max(ba, e.bufBefore)}
	}
	return span{start - bb, end + ba} // empty booking: only its own buffers
}

// host appends the slots host h offers to e.out.
func (e *engine) host(h *Host) {
	z := zoneCursor{loc: h.Schedule.Location}
	e.avail = h.Schedule.appendAvailability(e.avail[:0], &z, e.lo, e.hi)
	if len(e.avail) == 0 {
		return
	}
	e.ref = z.firstAtOrAfter(referenceDate.days()*secondsPerDay) * 1e9
	e.collectBlocked(h)
	if e.r.DailyLimit > 0 {
		loc := h.Location
		if loc == nil {
			loc = h.Schedule.Location
		}
		e.dayZone = zoneCursor{loc: loc}
		e.countDays()
	}
	// Sweep availability against the merged blocked spans: what is left are
	// the free intervals.
	bi := 0
	for _, av := range e.avail {
		for cur := av.lo; cur < av.hi; {
			for bi < len(e.blocked) && e.blocked[bi].hi <= cur {
				bi++
			}
			if bi < len(e.blocked) && e.blocked[bi].lo <= cur {
				cur = e.blocked[bi].hi
				continue
			}
			end := av.hi
			if bi < len(e.blocked) && e.blocked[bi].lo < end {
				end = e.blocked[bi].lo
			}
			if cur >= e.qhi {
				return
			}
			e.grid(cur, end)
			cur = end
		}
	}
}

// collectBlocked gathers the spans that host h's bookings and busy blocks
// block, sorted and merged, and its own bookings.
func (e *engine) collectBlocked(h *Host) {
	e.blocked, e.own, e.ownByLo = e.blocked[:0], e.own[:0], e.ownByLo[:0]
	keepOwn := e.seats > 1 || e.r.DailyLimit > 0
	const day = int64(24 * time.Hour)
	for i := range h.Bookings {
		b := &h.Bookings[i]
		start, end := toNanos(b.Start), toNanos(b.End)
		sp := e.blockSpan(start, end, bufferNanos(b.BufferBefore), bufferNanos(b.BufferAfter))
		own := b.EventType == e.r.EventType
		if own && keepOwn && ((sp.lo < e.hi && sp.hi > e.lo) || (start >= e.lo-2*day && start < e.hi+2*day)) {
			e.own = append(e.own, ownBooking{start: start, sp: sp})
		}
		if own && e.seats > 1 {
			continue // seats: checked per candidate, never subtracted
		}
		e.addBlocked(sp)
	}
	for i := range h.Busy {
		x := &h.Busy[i]
		if start, end := toNanos(x.Start), toNanos(x.End); start < end {
			e.addBlocked(span{start - e.bufAfter, end + e.bufBefore})
		}
	}
	e.blocked, e.spare = sortSpans(e.blocked, e.spare)
	e.blocked = unionSpans(e.blocked)
	if len(e.own) > 0 {
		slices.SortFunc(e.own, func(a, b ownBooking) int { return cmpInt64(a.start, b.start) })
		if e.seats > 1 {
			e.ownByLo = append(e.ownByLo, e.own...)
			slices.SortFunc(e.ownByLo, func(a, b ownBooking) int { return cmpInt64(a.sp.lo, b.sp.lo) })
			e.ownMax = 0
			for _, o := range e.ownByLo {
				e.ownMax = max(e.ownMax, o.sp.hi-o.sp.lo)
			}
		}
	}
}

// addBlocked records a blocked span if it is non-empty and matters.
func (e *engine) addBlocked(sp span) {
	if sp.lo < sp.hi && sp.hi > e.lo && sp.lo < e.hi {
		e.blocked = append(e.blocked, sp)
	}
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
