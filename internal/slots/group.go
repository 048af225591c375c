package slots

import "time"

// Day groups the slots starting on one date of the viewer's zone.
type Day struct {
	Date  Date
	Slots []Slot
}

// GroupByDay returns one Day per date from from to to inclusive (none when to
// is before from), days without slots included with an empty, non-nil Slots.
// Each slot lands on the date of its start in loc (UTC when nil); slots
// outside the dates are dropped; order within a day is kept. The viewer's
// zone only labels slots: the UTC instants are Compute's. The Days' Slots
// share one backing array. Callers bound the number of days.
func GroupByDay(slots []Slot, loc *time.Location, from, to Date) []Day {
	if loc == nil {
		loc = time.UTC
	}
	first, n := from.days(), to.days()-from.days()+1
	if n <= 0 {
		return []Day{}
	}
	// Counting sort by day index: one pass to count, one to place.
	z := zoneCursor{loc: loc}
	idx := make([]int64, len(slots))
	counts := make([]int, n+1)
	for i := range slots {
		t := slots[i].Start
		var d int64
		if t.Before(minQueryTime) || t.After(maxQueryTime) {
			d = DateOf(t, loc).days() - first // outside the fast path's range
		} else {
			d = z.localDay(t.UnixNano()) - first
		}
		if d < 0 || d >= n {
			idx[i] = -1
			continue
		}
		idx[i] = d
		counts[d+1]++
	}
	for d := int64(1); d <= n; d++ {
		counts[d] += counts[d-1]
	}
	backing := make([]Slot, counts[n])
	days := make([]Day, n)
	for d := range days {
		days[d] = Day{Date: dateFromDays(first + int64(d)), Slots: backing[counts[d]:counts[d]:counts[d+1]]}
	}
	for i, d := range idx {
		if d >= 0 {
			days[d].Slots = append(days[d].Slots, slots[i])
		}
	}
	return days
}
