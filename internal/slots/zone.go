package slots

import (
	"math"
	"time"
)

// maxZoneOffset bounds the UTC offset of any zone this package handles.
// Real tz data stays within −12h…+14h (historic local mean times a little
// more); 26 hours leaves room and keeps all look-ups exact.
const maxZoneOffset = 26 * 3600

// span is a half-open interval [lo, hi) of Unix nanoseconds.
type span struct{ lo, hi int64 }

// zoneCursor answers "which UTC offset applies at this instant" for one
// location, caching the current zone period so that walking forward through
// time costs one tz look-up per transition, not one per query.
//
// It is the only place that converts wall-clock readings to instants. It
// never uses time.Date for that: for a wall time inside a DST gap time.Date
// returns an instant chosen by its normalisation, which is after the gap in
// some zones and before it (reading earlier than requested) in others.
type zoneCursor struct {
	loc        *time.Location
	start, end int64 // current zone period [start, end) in Unix seconds
	off        int64 // its UTC offset in seconds
	ok         bool
}

// at loads the zone period containing the Unix second sec.
func (z *zoneCursor) at(sec int64) {
	if z.ok && sec >= z.start && sec < z.end {
		return
	}
	t := time.Unix(sec, 0).In(z.loc)
	_, off := t.Zone()
	s, e := t.ZoneBounds()
	z.off = int64(off)
	z.start, z.end = math.MinInt64, math.MaxInt64
	if !s.IsZero() {
		z.start = s.Unix()
	}
	if !e.IsZero() {
		z.end = e.Unix()
	}
	// Defensive: the period must contain sec, or walks could stall.
	if z.start > sec {
		z.start = sec
	}
	if z.end <= sec {
		z.end = sec + 1
	}
	z.ok = true
}

// offset returns the UTC offset in seconds at Unix second sec.
func (z *zoneCursor) offset(sec int64) int64 {
	z.at(sec)
	return z.off
}

// localDay returns the day number (days since 1970-01-01) of the wall-clock
// date at Unix nanosecond ns.
func (z *zoneCursor) localDay(ns int64) int64 {
	sec := floorDiv(ns, 1e9)
	return floorDiv(sec+z.offset(sec), secondsPerDay)
}

// firstAtOrAfter returns the first Unix second whose wall-clock reading is at
// or after wall, given as "naive" seconds (the reading as if it were UTC).
func (z *zoneCursor) firstAtOrAfter(wall int64) int64 {
	t := wall - maxZoneOffset
	for {
		z.at(t)
		lo := max(z.start, wall-z.off, t)
		if lo < z.end {
			return lo
		}
		t = z.end
	}
}

// appendWallRange appends, as nanosecond spans clipped to [clipLo, clipHi),
// exactly the instants whose wall-clock reading lies in [a, b) (naive
// seconds). In each zone period with offset o these are [a−o, b−o); so a range
// inside a DST gap yields nothing, one crossing a gap is shorter, and one
// crossing a fall-back transition is longer or comes in two pieces.
func (z *zoneCursor) appendWallRange(dst []span, a, b, clipLo, clipHi int64) []span {
	for t := a - maxZoneOffset; t < b+maxZoneOffset; {
		z.at(t)
		lo := max(z.start, a-z.off, t)
		hi := min(z.end, b-z.off)
		if lo < hi {
			nlo, nhi := max(lo*1e9, clipLo), min(hi*1e9, clipHi)
			if nlo < nhi {
				if n := len(dst); n > 0 && dst[n-1].hi == nlo {
					dst[n-1].hi = nhi
				} else {
					dst = append(dst, span{nlo, nhi})
				}
			}
		}
		if z.end == math.MaxInt64 {
			break
		}
		t = z.end
	}
	return dst
}
