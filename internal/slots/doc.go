// Package slots is slotbase's availability engine: it turns hosts' weekly
// windows and date overrides (in each schedule's zone), minus their bookings
// and external busy time, into the bookable slots of an event type. It is
// pure: plain values in, plain values out, standard library only, no clock.
//
// # Availability
//
// For each local date d of a schedule's zone the windows are Overrides[d] if
// that key is present (an empty slice closes the date), else Weekly[d's
// weekday]. A window [a, b) of date d covers exactly the instants whose
// wall-clock reading in the zone lies in [d a, d b); b <= a puts b on d+1 and
// 1440 ("24:00") is the next midnight. So on a spring-forward day a window is
// shorter in real time, on a fall-back day longer (the repeated hour counts
// twice; a window inside the repeated hour covers both occurrences), and a
// window wholly inside a DST gap is empty. Nothing assumes local midnight
// exists (America/Havana, America/Santiago, Asia/Beirut …). Wall times are
// converted per zone period (time.Time.ZoneBounds), never with time.Date,
// whose choice of instant for a wall time inside a gap lands before the gap
// in some zones and after it in others. The covered instants of all windows
// (a date's own and the previous date's midnight-spanning ones) are unioned;
// overlapping and touching spans merge. ParseWindows (what every save in the
// admin UI goes through) refuses a zero-length window ("09:00"–"09:00" would
// otherwise mean 24 hours) and windows of one day that overlap each other;
// touching windows are fine and merge.
//
// # Blocking
//
// Intervals are half-open; touching is not overlapping. A candidate slot
// [s, e=s+Duration) is blocked by a booking B (with the buffers B was made
// with) iff [s, e) overlaps [B.Start−B.BufferBefore, B.End+B.BufferAfter) or
// [s−BufferBefore, e+BufferAfter) overlaps [B.Start, B.End); that is, the
// span [B.Start − max(B.BufferBefore, BufferAfter), B.End +
// max(B.BufferAfter, BufferBefore)) is subtracted from the availability
// (for an empty booking only its own buffered span). A busy block X blocks
// iff [s−BufferBefore, e+BufferAfter) overlaps [X.Start, X.End). Buffers may
// lie outside availability; only [s, e) must lie inside it. Negative booking
// buffers count as zero.
//
// # Slot grid
//
// Per host, the free intervals are the availability minus the blocked spans.
// Slots start at the beginning a of each free interval and step by Step of
// real time while start+Duration fits in the interval. The UTC slot instants
// depend only on the host side, never on the query range or the viewer's
// zone: a narrow query returns exactly the wide answer filtered to its range.
// To keep that true while bounding the look-back, a start s is anchored at a
// only while s < a+AnchorLookBack (7 days); later starts of the same free
// interval — possible only when availability runs for a week without a
// break — lie on the zone's reference grid: local midnight of 2001-01-01
// plus multiples of Step. Compute therefore looks back AnchorLookBack plus
// two days before the query and no further.
//
// # Seats, limits and filters
//
// With Seats > 1, own bookings (EventType == Rules.EventType) that start
// exactly at a slot start are seats of that session: they do not block it
// and SeatsLeft = Seats − their count (the slot is gone at 0). Own bookings
// are never subtracted from the free intervals in that mode (so the grid
// does not depend on them); each blocks every other candidate it overlaps,
// as above. With Seats <= 1 every booking blocks and SeatsLeft is 1.
//
// DailyLimit counts, per host and per event type, the own bookings (those
// of Rules.EventType; other event types' bookings block time but never use
// up this limit) whose Start falls on the candidate's local date in
// Host.Location — the whole local date, 23, 24, 25 or 26 hours long
// (Antarctica/Troll). It counts sessions, i.e. distinct starts, with seats.
// A host at its limit takes no new session that day, while joining an
// existing session with seats left is always allowed. Callers load the data
// the limit needs with DataFrom and DataTo, which reach the whole local day
// at both ends of a query.
//
// Buffers belong to the booking: a booking keeps the buffers its event type
// had when it was made (a later change of the event type's buffers moves
// no existing meeting's protection), while a candidate uses today's.
//
// No slot starts before Now+MinNotice or after Now+Horizon (Horizon 0: no
// limit; horizon_days 0 in an event type means the same); these filter
// slots and never move the grid. The query [From, To) filters by start.
// Slot.End is Start+Duration; all times are in UTC.
//
// A booking request for a start that Compute does not return is refused
// for one of two reasons, which callers report differently: the start is
// not a time of the event type at all — before the notice, past the
// horizon, outside the hosts' hours or off the grid, found by computing
// again without bookings and busy time (a client's mistake, HTTP 400) — or
// it is one, and bookings, busy time or the daily limit took it (HTTP 409).
//
// # Several hosts
//
// Single and RoundRobin offer a start if any host offers it; Slot.Hosts lists
// those hosts sorted by ID and SeatsLeft is the sum of theirs. Collective
// offers a start only if every host offers that very instant; Hosts lists
// all of them and SeatsLeft is the smallest.
package slots
