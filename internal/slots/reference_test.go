package slots

import (
	"slices"
	"strings"
	"time"
)

// This file is a deliberately simple, slow model of the package doc's
// semantics, written without the engine's code: it walks UTC minute by
// minute, asks time.Time for each minute's wall reading, and builds free
// runs, grid, seats, limits and filters from per-minute booleans. Inputs must
// be minute-granular (times, windows, durations, zone offsets) for the walk
// to be exact.

// refSlot is one slot of the model, in Unix minutes.
type refSlot struct {
	start int64
	seats int
	hosts []string
}

func unixMin(t time.Time) int64 { return t.Unix() / 60 }

func durMin(d time.Duration) int64 { return int64(d / time.Minute) }

// refWindows returns the windows of a civil date y-m-d.
func refWindows(s Schedule, y int, m time.Month, d int) []Window {
	if ws, ok := s.Overrides[Date{y, m, d}]; ok {
		return ws
	}
	return s.Weekly[time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()]
}

// refDay caches the windows of the last wall date seen by a walk.
type refDay struct {
	y         int
	m         time.Month
	d         int
	own, prev []Window
}

// refAvailable reports whether the minute starting at Unix minute m is
// inside a window: its own date's (same-day part) or the previous date's
// midnight-spanning one.
func refAvailable(s Schedule, m int64) bool {
	var c refDay
	return c.available(s, m)
}

func (c *refDay) available(s Schedule, m int64) bool {
	w := time.Unix(m*60, 0).In(s.Location)
	y, mo, d := w.Date()
	hh, mm, _ := w.Clock()
	md := hh*60 + mm
	if y != c.y || mo != c.m || d != c.d || c.y == 0 {
		py, pm, pd := time.Date(y, mo, d-1, 12, 0, 0, 0, time.UTC).Date()
		*c = refDay{y, mo, d, refWindows(s, y, mo, d), refWindows(s, py, pm, pd)}
	}
	for _, win := range c.own {
		if win.End > win.Start && win.Start <= md && md < win.End {
			return true
		}
		if win.End <= win.Start && md >= win.Start {
			return true
		}
	}
	for _, win := range c.prev {
		if win.End <= win.Start && md < win.End {
			return true
		}
	}
	return false
}

// overlaps reports whether the non-empty half-open intervals [a1,b1) and
// [a2,b2) share a point.
func overlaps(a1, b1, a2, b2 int64) bool {
	return a1 < b1 && a2 < b2 && a1 < b2 && a2 < b1
}

// refBookingBlocks is the literal blocking rule for a candidate [s, e).
func refBookingBlocks(r Rules, b Booking, s, e int64) bool {
	bs, be := unixMin(b.Start), unixMin(b.End)
	bb, ba := max(durMin(b.BufferBefore), 0), max(durMin(b.BufferAfter), 0)
	return overlaps(s, e, bs-bb, be+ba) ||
		overlaps(s-durMin(r.BufferBefore), e+durMin(r.BufferAfter), bs, be)
}

// refBusyBlocks is the literal busy rule for a candidate [s, e).
func refBusyBlocks(r Rules, x BusyBlock, s, e int64) bool {
	return overlaps(s-durMin(r.BufferBefore), e+durMin(r.BufferAfter), unixMin(x.Start), unixMin(x.End))
}

// refHost returns the starts (Unix minutes) host h offers, with seats left.
func refHost(r Rules, h Host, q Query) map[int64]int {
	dur, step := durMin(r.Duration), durMin(r.Step)
	if step == 0 {
		step = dur
	}
	seated := r.Seats > 1
	lookBack := durMin(AnchorLookBack)
	lo := unixMin(q.From) - lookBack - 2*1440
	hi := unixMin(q.To) + dur + 2*1440

	free := make([]bool, hi-lo)
	var day refDay
	for i := range free {
		m := lo + int64(i)
		if !day.available(h.Schedule, m) {
			continue
		}
		free[i] = true
		for _, b := range h.Bookings {
			if seated && b.EventType == r.EventType {
				continue
			}
			bs, be := unixMin(b.Start), unixMin(b.End)
			bb, ba := max(durMin(b.BufferBefore), 0), max(durMin(b.BufferAfter), 0)
			if bs < be {
				bb, ba = max(bb, durMin(r.BufferAfter)), max(ba, durMin(r.BufferBefore))
			}
			if bs-bb <= m && m < be+ba {
				free[i] = false
			}
		}
		for _, x := range h.Busy {
			xs, xe := unixMin(x.Start), unixMin(x.End)
			if xs < xe && xs-durMin(r.BufferAfter) <= m && m < xe+durMin(r.BufferBefore) {
				free[i] = false
			}
		}
	}

	ref := unixMin(time.Date(2001, 1, 1, 0, 0, 0, 0, h.Schedule.Location))
	dayLoc := h.Location
	if dayLoc == nil {
		dayLoc = h.Schedule.Location
	}
	out := map[int64]int{}
	offer := func(s int64) {
		t := time.Unix(s*60, 0)
		if t.Before(q.From) || !t.Before(q.To) || t.Before(q.Now.Add(r.MinNotice)) ||
			(r.Horizon > 0 && t.After(q.Now.Add(r.Horizon))) {
			return
		}
		taken := 0
		seats := 1
		if seated {
			for _, b := range h.Bookings {
				if b.EventType != r.EventType {
					continue
				}
				if unixMin(b.Start) == s {
					taken++
				} else if refBookingBlocks(r, b, s, s+dur) {
					return
				}
			}
			if taken >= r.Seats {
				return
			}
			seats = r.Seats - taken
		}
		if r.DailyLimit > 0 && taken == 0 {
			day := DateOf(t, dayLoc)
			sessions := map[int64]bool{}
			n := 0
			for _, b := range h.Bookings {
				if b.EventType == r.EventType && DateOf(b.Start, dayLoc) == day {
					if !seated || !sessions[unixMin(b.Start)] {
						n++
					}
					sessions[unixMin(b.Start)] = true
				}
			}
			if n >= r.DailyLimit {
				return
			}
		}
		out[s] = seats
	}
	for i := 0; i < len(free); {
		if !free[i] {
			i++
			continue
		}
		j := i
		for j < len(free) && free[j] {
			j++
		}
		a, b := lo+int64(i), lo+int64(j)
		for s := a; s < a+lookBack && s+dur <= b; s += step {
			offer(s)
		}
		s := a + lookBack
		s += ((ref-s)%step + step) % step // first grid point at or after a+lookBack
		for ; s+dur <= b; s += step {
			offer(s)
		}
		i = j
	}
	return out
}

// refCompute combines the hosts like Compute does.
func refCompute(r Rules, hosts []Host, q Query) []refSlot {
	hs := slices.Clone(hosts)
	slices.SortFunc(hs, func(a, b Host) int { return strings.Compare(a.ID, b.ID) })
	per := make([]map[int64]int, len(hs))
	starts := map[int64]bool{}
	for i, h := range hs {
		per[i] = refHost(r, h, q)
		for s := range per[i] {
			starts[s] = true
		}
	}
	var out []refSlot
	for s := range starts {
		slot := refSlot{start: s}
		for i, h := range hs {
			seats, ok := per[i][s]
			switch {
			case ok && r.Assignment == Collective:
				if len(slot.hosts) == 0 || seats < slot.seats {
					slot.seats = seats
				}
				slot.hosts = append(slot.hosts, h.ID)
			case ok:
				slot.seats += seats
				slot.hosts = append(slot.hosts, h.ID)
			}
		}
		if r.Assignment != Collective || len(slot.hosts) == len(hs) {
			out = append(out, slot)
		}
	}
	slices.SortFunc(out, func(a, b refSlot) int { return cmpInt64(a.start, b.start) })
	return out
}
