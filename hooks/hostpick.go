package hooks

import (
	"time"

	"github.com/pocketbase/dbx"
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
		in, params := inList("h", slot.Hosts)
		params["et"], params["start"] = et.Id, c.UTCString(slot.Start)
		var joined []struct {
			Host string `db:"host"`
		}
		err := tx.DB().NewQuery(`SELECT j.value AS host FROM bookings b, json_each(b.hosts) j
			WHERE b.event_type = {:et} AND b.start = {:start} AND b.status IN ('pending', 'confirmed')
			AND j.value IN (` + in + `) ORDER BY j.value LIMIT 1`).Bind(params).All(&joined)
		if err != nil {
			return nil, err
		}
		if len(joined) > 0 {
			return []string{joined[0].Host}, nil
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
		var row struct {
			N    int    `db:"n"`
			Last string `db:"last"`
		}
		err := tx.DB().NewQuery(`SELECT COUNT(*) AS n, COALESCE(MAX(b.created), '') AS last
			FROM bookings b, json_each(b.hosts) j
			WHERE j.value = {:host} AND b.event_type = {:et} AND b.status IN ('pending', 'confirmed')
			AND b.start >= {:ws} AND b.start < {:we}`).Bind(dbx.Params{
			"host": id, "et": et.Id,
			"ws": c.UTCString(week), "we": c.UTCString(next),
		}).One(&row)
		if err != nil {
			return nil, err
		}
		load := booking.HostLoad{ID: id, BookingsThisWeek: row.N}
		if row.Last != "" {
			load.LastBookedAt = parseUTC(row.Last)
		}
		loads = append(loads, load)
	}
	id, _ := booking.PickRoundRobin(loads)
	return []string{id}, nil
}
