package hooks

import (
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/slots"
)

// availability is everything the slot engine needs for one event type
// (collections.LoadAvailabilityFrom reads it).
type availability = c.Availability

// findSlot re-checks, inside the caller's transaction, that start is a free
// slot of et right now (exclude: a booking being moved, so it does not block
// itself). When it is not, the error says why: a *notOfferedError (a 400)
// when the event type never offers that start — too soon, too far ahead,
// outside the hosts' hours or off its grid — and errSlotGone (a 409) when
// it is such a start but taken: booked, busy, or its day at the limit.
// setup reads the hosts' setup (collections.DBSetup(tx), or the kept one
// checked by its version in tx: bookingSetup.in); bookings and busy time
// are read in tx, for the candidate slot's hosts only: the slot window
// around start (near: collections.DBWindowBlockers(tx, exclude), or the
// transaction's kept read, windowcache.go), and the full look-back only
// when that window does not decide the slot (collections.LoadSlotAvailability).
func findSlot(tx core.App, setup c.SetupFunc, near c.WindowBlockersFunc, et *c.EventType, start, now time.Time, exclude string) (slots.Slot, availability, error) {
	to := start.Add(time.Nanosecond)
	av, err := c.LoadSlotAvailability(et, start, setup, near, c.DBBlockers(tx, exclude))
	if err != nil {
		return slots.Slot{}, av, err
	}
	q := slots.Query{From: start, To: to, Now: now}
	found, err := slots.Compute(av.Rules, av.Hosts, q)
	if err != nil {
		return slots.Slot{}, av, err
	}
	if len(found) == 1 && found[0].Start.Equal(start) {
		return found[0], av, nil
	}
	if reason := notOffered(av, start, now, q); reason != "" {
		return slots.Slot{}, av, &notOfferedError{reason}
	}
	return slots.Slot{}, av, errSlotGone
}

// notOfferedError is a start the event type does not offer at all.
type notOfferedError struct{ reason string }

func (e *notOfferedError) Error() string { return e.reason }

// notOffered says why start is not a time of the event type ("" when it is
// one, and only bookings, busy time or the daily limit stand in the way):
// the notice and horizon first, then the hosts' hours and the slot grid with
// every booking and busy block left out.
func notOffered(av availability, start, now time.Time, q slots.Query) string {
	r := av.Rules
	switch {
	case start.Before(now.Add(r.MinNotice)):
		return fmt.Sprintf("is too soon: this event type takes bookings at least %s ahead", humanDuration(r.MinNotice))
	case r.Horizon > 0 && start.After(now.Add(r.Horizon)):
		return fmt.Sprintf("is too far ahead: this event type takes bookings at most %d days ahead", int(r.Horizon/(24*time.Hour)))
	}
	bare := make([]slots.Host, len(av.Hosts))
	for i, h := range av.Hosts {
		h.Bookings, h.Busy = nil, nil
		bare[i] = h
	}
	r.DailyLimit = 0
	if found, err := slots.Compute(r, bare, q); err == nil && len(found) == 1 && found[0].Start.Equal(start) {
		return ""
	}
	return fmt.Sprintf("is not a time this event type offers (outside the hosts' hours, or not on its %d-minute grid): pick one of the times GET /api/slots lists", int(r.Step.Minutes()))
}

// humanDuration writes whole minutes, hours or days the way a person would.
func humanDuration(d time.Duration) string {
	m := int(d.Minutes())
	switch {
	case m%1440 == 0 && m > 0:
		return plural(m/1440, "day")
	case m%60 == 0 && m > 0:
		return plural(m/60, "hour")
	}
	return plural(m, "minute")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
