package slots

import (
	"math/bits"
	"slices"
)

// sortSpans sorts s by lo and returns the sorted slice together with the
// spare buffer, which callers keep for reuse. Busy calendars bring thousands
// of spans per host, so this is a radix sort, several times faster than a
// comparison sort: two 11-bit passes on a key of lo scaled to the spans'
// range, then a comparison sort inside each group of equal keys (tiny, as
// keys resolve the range into 4 million steps).
func sortSpans(s, spare []span) (sorted, tmp []span) {
	n := len(s)
	if n < 64 {
		insertionSortSpans(s)
		return s, spare
	}
	minLo, maxLo, isSorted := s[0].lo, s[0].lo, true
	for i := 1; i < n; i++ {
		if s[i].lo < s[i-1].lo {
			isSorted = false
		}
		minLo, maxLo = min(minLo, s[i].lo), max(maxLo, s[i].lo)
	}
	if isSorted {
		return s, spare
	}
	const digit = 11
	shift := max(0, bits.Len64(uint64(maxLo-minLo))-2*digit)
	key := func(sp span) uint64 { return uint64(sp.lo-minLo) >> shift }
	var c0, c1 [1 << digit]int32
	for _, sp := range s {
		k := key(sp)
		c0[k&(1<<digit-1)]++
		c1[k>>digit]++
	}
	var sum0, sum1 int32
	for b := range c0 {
		c0[b], sum0 = sum0, sum0+c0[b]
		c1[b], sum1 = sum1, sum1+c1[b]
	}
	if cap(spare) < n {
		spare = make([]span, n)
	}
	spare = spare[:n]
	for _, sp := range s {
		b := key(sp) & (1<<digit - 1)
		spare[c0[b]] = sp
		c0[b]++
	}
	for _, sp := range spare {
		b := key(sp) >> digit
		s[c1[b]] = sp
		c1[b]++
	}
	if shift > 0 { // order spans that share a key
		for i := 0; i < n; {
			j, k := i+1, key(s[i])
			for j < n && key(s[j]) == k {
				j++
			}
			if j-i > 16 {
				slices.SortStableFunc(s[i:j], func(a, b span) int { return cmpInt64(a.lo, b.lo) })
			} else if j-i > 1 {
				insertionSortSpans(s[i:j])
			}
			i = j
		}
	}
	return s, spare
}

// insertionSortSpans sorts a short s by lo (stable).
func insertionSortSpans(s []span) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].lo < s[j-1].lo; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// unionSpans merges overlapping or touching spans of the sorted s in place.
func unionSpans(s []span) []span {
	n := 0
	for _, sp := range s {
		if n > 0 && sp.lo <= s[n-1].hi {
			s[n-1].hi = max(s[n-1].hi, sp.hi)
			continue
		}
		s[n] = sp
		n++
	}
	return s[:n]
}
