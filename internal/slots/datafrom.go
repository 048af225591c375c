package slots

import "time"

// dataMargin covers a blocker that starts before an availability run but
// reaches into it: a meeting (≤ MaxDuration) plus buffers on both sides.
const dataMargin = 48 * time.Hour

// DataFrom returns the earliest instant from which the hosts' bookings and
// busy blocks can change the slots that start at or after from: for each
// host, the earlier of the start of its availability run containing from
// (or from itself when it is unavailable then) and the start of from's
// local day in the host's zone (daily limits count that day), less a margin
// for long meetings and buffers. It never lies before what Compute itself
// looks at (AnchorLookBack plus two days before from). Callers load
// bookings and busy blocks that start at or after DataFrom — for a booking
// re-check on working hours that is about two days instead of nine.
// Hosts with an invalid schedule make it fall back to the full look-back.
func DataFrom(hosts []Host, from time.Time) time.Time {
	floor := from.Add(-AnchorLookBack - dataMargin)
	earliest := from
	for i := range hosts {
		h := &hosts[i]
		if h.Schedule.Validate() != nil {
			return floor
		}
		loc := h.Location
		if loc == nil {
			loc = h.Schedule.Location
		}
		earliest = minTime(earliest, DayStart(DateOf(from, loc), loc))
		z := zoneCursor{loc: h.Schedule.Location}
		at := toNanos(from)
		spans := h.Schedule.appendAvailability(nil, &z, toNanos(floor), at+1)
		for _, sp := range spans {
			if sp.lo <= at && at < sp.hi {
				earliest = minTime(earliest, time.Unix(0, sp.lo).UTC())
				break
			}
		}
	}
	if d := earliest.Add(-dataMargin); d.After(floor) {
		return d
	}
	return floor
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
