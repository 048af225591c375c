package slots

import "time"

// slotWindowBack is how far before a re-checked start SlotWindow reads: a
// free interval that began within it is decided by what was read.
const slotWindowBack = 12 * time.Hour

// SlotWindow bounds the data a booking's re-check of the one start Start
// reads first, before the full look-back of DataFrom (nine days for hosts
// available around the clock, where every booking of those days used to be
// read to decide one slot). What can change whether Start is a slot is the
// free interval around it: the blockers inside it and the one it begins
// after. The window reads every booking and busy block whose blocked span
// reaches past Since and begins before Start's meeting ends; Decided then
// tells whether the free interval around Start begins after Since — then
// nothing earlier can move its anchor, and Compute on the window's data
// answers exactly as on all of it. When it is not decided (a free interval
// longer than the window, or a daily limit, which counts the whole local
// day), the caller reads the full range (DataFrom, DataTo).
//
// Like DataFrom, it assumes what validation ensures of stored data:
// buffers of at most MaxDuration and a booking, with its buffers, no
// longer than the two-day data margin.
type SlotWindow struct {
	Start time.Time
	// Since: Decided holds when every host's free interval around Start
	// begins after it.
	Since time.Time
	// Read the bookings that end after EndAfter and start in [StartFrom,
	// StartBefore), and the busy blocks that overlap [EndAfter,
	// StartBefore).
	EndAfter, StartFrom, StartBefore time.Time
}

// NewSlotWindow returns the window that decides most re-checks of start
// under r; false when none can (a daily limit counts the whole local day:
// read the full range).
func NewSlotWindow(r Rules, start time.Time) (SlotWindow, bool) {
	if r.DailyLimit > 0 || r.Validate() != nil {
		return SlotWindow{}, false
	}
	since := start.Add(-slotWindowBack)
	return SlotWindow{
		Start:    start,
		Since:    since,
		EndAfter: since.Add(-MaxDuration), // a booking's buffer after, or the candidate's before, reaches this far forward
		// A booking that ends after EndAfter began at most the data margin
		// before Since (see dataMargin).
		StartFrom: since.Add(-dataMargin),
		// A blocker starting later stays clear of the meeting and its
		// buffers (each at most MaxDuration).
		StartBefore: start.Add(r.Duration + MaxDuration),
	}, true
}

// Decided reports whether Compute, given hosts with the window's data (at
// least), decides the slot at w.Start as it would with all the data: for
// every host, Start is unavailable, blocked, or in a free interval that
// begins after w.Since.
func (w SlotWindow) Decided(r Rules, hosts []Host) bool {
	if r.DailyLimit > 0 || r.Validate() != nil || w.Start.IsZero() {
		return false
	}
	e := newEngine(r, Query{From: w.Start, To: w.Start.Add(time.Nanosecond), Now: w.Start.Add(-r.MinNotice)})
	defer e.release()
	at, since := toNanos(w.Start), toNanos(w.Since)
	for i := range hosts {
		h := &hosts[i]
		if h.Schedule.Validate() != nil {
			return false
		}
		if a, free := e.freeSince(h, at); free && a <= since {
			return false
		}
	}
	return true
}

// freeSince returns the start of host h's free interval that holds the
// instant at, as host computes it, and false when at is not free
// (unavailable or blocked).
func (e *engine) freeSince(h *Host, at int64) (int64, bool) {
	z := zoneCursor{loc: h.Schedule.Location}
	e.avail = h.Schedule.appendAvailability(e.avail[:0], &z, e.lo, e.hi)
	e.collectBlocked(h)
	for _, av := range e.avail {
		if at < av.lo || at >= av.hi {
			continue
		}
		a := av.lo
		for _, b := range e.blocked { // sorted and merged
			if b.lo > at {
				break
			}
			if b.hi > at {
				return 0, false
			}
			a = max(a, b.hi)
		}
		return a, true
	}
	return 0, false
}
