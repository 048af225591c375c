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

// DataTo returns the instant before which the hosts' bookings and busy
// blocks must be loaded to decide every slot that starts before to: the
// end of the local day, in each host's zone, that holds the last instant
// before to (daily limits count the whole day, which may run 23, 24, 25 or
// 26 hours past its start), and never less than to plus a margin for
// meetings and buffers that reach back into the range.
func DataTo(hosts []Host, to time.Time) time.Time {
	latest := to.Add(dataMargin)
	last := to.Add(-time.Nanosecond)
	for i := range hosts {
		loc := hosts[i].Location
		if loc == nil {
			loc = hosts[i].Schedule.Location
		}
		if loc == nil {
			continue
		}
		if end := DayStart(DateOf(last, loc).AddDays(1), loc); end.After(latest) {
			latest = end
		}
	}
	return latest
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
