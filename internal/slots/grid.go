package slots

import "slices"

// grid offers the slots of the free interval [a, b): starts a, a+step, …
// while start+dur <= b. Starts at least AnchorLookBack after a follow the
// reference grid ref + k·step instead, so that the grid of a free interval
// that began long ago (or never: availability around the clock) does not
// depend on how far back anyone looked. Only starts in [qlo, qhi) are
// generated; each is then checked by candidate.
func (e *engine) grid(a, b int64) {
	last := min(b-e.dur, e.qhi-1) // the latest possible start
	if last < e.qlo || last < a {
		return
	}
	cut := a + e.lookBack // starts before cut are anchored at a
	s := a
	if s < e.qlo {
		s = a + ceilDiv(e.qlo-a, e.step)*e.step
	}
	for ; s < cut && s <= last; s += e.step {
		e.candidate(s)
	}
	from := max(cut, e.qlo)
	for s = e.ref + ceilDiv(from-e.ref, e.step)*e.step; s <= last; s += e.step {
		e.candidate(s)
	}
}

// candidate applies the per-start rules (seats, seated blocking, daily limit)
// to the start s of a free interval and records it when it passes.
func (e *engine) candidate(s int64) {
	seats := 1
	taken := 0
	if e.seats > 1 {
		taken = e.ownAt(s)
		if taken >= e.seats || e.ownBlocks(s) {
			return
		}
		seats = e.seats - taken
	}
	// A host at its daily limit takes no new session that day; joining an
	// existing session (taken > 0) is always allowed.
	if e.r.DailyLimit > 0 && taken == 0 && e.sessionsOn(e.dayZone.localDay(s)) >= e.r.DailyLimit {
		return
	}
	e.out = append(e.out, hostSlot{start: s, seats: int32(seats)})
}

// ownAt counts the own bookings starting exactly at s (the seats taken).
func (e *engine) ownAt(s int64) int {
	i, _ := slices.BinarySearchFunc(e.own, s, func(o ownBooking, t int64) int { return cmpInt64(o.start, t) })
	n := 0
	for ; i < len(e.own) && e.own[i].start == s; i++ {
		n++
	}
	return n
}

// ownBlocks reports whether an own booking that does not start at s blocks
// the candidate [s, s+dur) (seated mode, where own bookings are not
// subtracted from the free intervals).
func (e *engine) ownBlocks(s int64) bool {
	end := s + e.dur
	// A span overlapping [s, end) has lo > s-ownMax.
	i, _ := slices.BinarySearchFunc(e.ownByLo, s-e.ownMax, func(o ownBooking, t int64) int { return cmpInt64(o.sp.lo, t) })
	for ; i < len(e.ownByLo) && e.ownByLo[i].sp.lo < end; i++ {
		o := e.ownByLo[i]
		if o.sp.hi > s && o.sp.lo < o.sp.hi && o.start != s {
			return true
		}
	}
	return false
}

// countDays fills e.days with the local day of every own booking; in seated
// mode one entry per session (distinct start).
func (e *engine) countDays() {
	e.days = e.days[:0]
	for i, o := range e.own {
		if e.seats > 1 && i > 0 && e.own[i-1].start == o.start {
			continue
		}
		e.days = append(e.days, e.dayZone.localDay(o.start))
	}
	slices.Sort(e.days)
}

// sessionsOn returns how many own bookings (sessions) start on local day.
func (e *engine) sessionsOn(day int64) int {
	i, _ := slices.BinarySearch(e.days, day)
	j := i
	for j < len(e.days) && e.days[j] == day {
		j++
	}
	return j - i
}

// ceilDiv returns ⌈a/b⌉ for b > 0.
func ceilDiv(a, b int64) int64 {
	return -floorDiv(-a, b)
}
