package booking

import "time"

// HostLoad is what round robin needs to know about one free candidate host.
type HostLoad struct {
	ID               string
	BookingsThisWeek int       // live bookings in the week of the slot (see WeekStart)
	LastBookedAt     time.Time // when the host last got a booking; zero = never
}

// PickRoundRobin returns the ID of the host that should get the next booking:
// the fewest bookings this week, ties going to the least recently booked
// (never booked first), then to the smallest ID so the choice is
// deterministic. It reports false for no candidates. The input is not modified.
func PickRoundRobin(candidates []HostLoad) (string, bool) {
	if len(candidates) == 0 {
		return "", false
	}
	best := candidates[0]
	for _, c := range candidates[1:] {
		if fairerThan(c, best) {
			best = c
		}
	}
	return best.ID, true
}

// fairerThan reports whether host a should be picked before host b.
func fairerThan(a, b HostLoad) bool {
	if a.BookingsThisWeek != b.BookingsThisWeek {
		return a.BookingsThisWeek < b.BookingsThisWeek
	}
	if !a.LastBookedAt.Equal(b.LastBookedAt) {
		switch {
		case a.LastBookedAt.IsZero():
			return true
		case b.LastBookedAt.IsZero():
			return false
		}
		return a.LastBookedAt.Before(b.LastBookedAt)
	}
	return a.ID < b.ID
}

// WeekStart returns the instant the week containing t begins in loc: Monday
// 00:00 local time. When that midnight does not exist (a DST gap at 00:00)
// it is the first instant of that Monday; when it exists twice (clocks set
// back to 00:00) it is the earlier one. A nil loc means UTC.
func WeekStart(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	sinceMonday := (int(local.Weekday()) + 6) % 7
	y, m, d := local.Date()
	return dayStart(y, m, d-sinceMonday, loc)
}

// dayStart returns the first instant whose wall clock in loc reads the given
// date (normalised like time.Date) at 00:00 or later. It walks the zone
// periods around the date: within one period the offset is fixed, so the
// first such instant of the period is either the period's start or local
// midnight at that offset. time.Date alone is not enough because it may pick
// either side of a gap or fold.
func dayStart(y int, m time.Month, d int, loc *time.Location) time.Time {
	guess := time.Date(y, m, d, 0, 0, 0, 0, loc)
	at := guess.Add(-48 * time.Hour)
	for range 64 { // zones change offset at most a few times in four days
		start, end := at.ZoneBounds()
		_, offset := at.Zone()
		c := time.Date(y, m, d, 0, 0, 0, 0, time.FixedZone("", offset))
		if !start.IsZero() && c.Before(start) {
			c = start
		}
		if end.IsZero() || c.Before(end) {
			return c.In(loc)
		}
		at = end.In(loc)
	}
	return guess
}
