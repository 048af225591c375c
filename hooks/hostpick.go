package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/slots"
)

// pickHosts chooses who takes a booking at slot: collective takes every
// host; a seated slot joins a host's session that already runs at that
// start; otherwise round robin: the free host with the fewest bookings of
// this event type in that week (the host's own week), ties to the least
// recently booked. It runs inside the booking transaction.
func pickHosts(tx core.App, et *c.EventType, slot slots.Slot, av availability) ([]string, error) {
	if av.Rules.Assignment == slots.Collective || len(slot.Hosts) == 1 {
		return slot.Hosts, nil
	}
	if et.Seats() > 1 {
		host, err := c.SessionHostAt(tx, et.Id, slot.Start, slot.Hosts)
		if err != nil {
			return nil, err
		}
		if host != "" {
			return []string{host}, nil
		}
	}
	locs := map[string]*time.Location{}
	for _, h := range av.Hosts {
		locs[h.ID] = h.Location
	}
	loads := make([]booking.HostLoad, 0, len(slot.Hosts))
	for _, id := range slot.Hosts {
		week := booking.WeekStart(slot.Start, locs[id])
		next := booking.WeekStart(week.Add(7*24*time.Hour+12*time.Hour), locs[id])
		n, last, err := c.HostLoad(tx, id, et.Id, week, next)
		if err != nil {
			return nil, err
		}
		load := booking.HostLoad{ID: id, BookingsThisWeek: n, LastBookedAt: last}
		loads = append(loads, load)
	}
	id, _ := booking.PickRoundRobin(loads)
	return []string{id}, nil
}
