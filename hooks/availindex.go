package hooks

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/busyindex"
	"github.com/slotbase/slotbase/internal/slots"
)

// The availability index (internal/busyindex) glued to the app: it is
// loaded from the database host by host at first use and kept exact by the
// after-commit model hooks that slotCache.bind binds — they fire only once
// the change's transaction committed (PocketBase defers them with
// TxAppInfo.OnComplete and skips them on rollback). Readers of slots and
// calendars use it; the booking transaction never does: it re-checks the
// database (findSlot), so a stale index can only offer a time that then
// answers 409.

// newAvailIndex returns an index that loads hosts from app.
func newAvailIndex(app core.App) *busyindex.Index {
	return busyindex.New(func(host string, floor time.Time) (busyindex.Loaded, error) {
		return c.LoadHostBlockers(app, host, floor)
	}, busyindex.DefaultConfig)
}

// blockers reads bookings and busy time through the index, or from the
// database when the index does not reach back far enough (or is not bound).
func (sc *slotCache) blockers(app core.App, now time.Time) c.BlockersFunc {
	db := c.DBBlockers(app, "")
	if sc.index == nil {
		return db
	}
	return func(hosts []string, lo, to time.Time) (map[string]busyindex.Blockers, error) {
		out, ok, err := sc.index.Read(hosts, lo, to, now)
		if err != nil || ok {
			return out, err
		}
		return db(hosts, lo, to)
	}
}

// busyOf is collections.BusyOf through the index: hosts' busy blocks
// overlapping [from, to), by host (the calendar's lanes).
func (sc *slotCache) busyOf(app core.App, hosts []string, from, to, now time.Time) (map[string][]slots.BusyBlock, error) {
	if sc.index == nil {
		return c.BusyOf(app, hosts, from, to)
	}
	found, ok, err := sc.index.Read(hosts, from, to, now)
	if err != nil {
		return nil, err
	}
	if !ok {
		return c.BusyOf(app, hosts, from, to)
	}
	out := make(map[string][]slots.BusyBlock, len(found))
	for h, b := range found {
		out[h] = b.Busy
	}
	return out, nil
}

// bookingChanged reports a committed change of a booking record to the index.
func (sc *slotCache) bookingChanged(e *core.ModelEvent) {
	r := recordOf(e.Model)
	if r == nil {
		sc.index.DropAll()
		return
	}
	hosts := append(r.GetStringSlice(c.BookingsHosts), r.Original().GetStringSlice(c.BookingsHosts)...)
	sc.index.BookingChanged(r.Id, hosts, func() (busyindex.BookingState, error) {
		return c.ReadBookingState(e.App, r.Id)
	})
}

// busyChanged reports a committed change of a busy block record to the
// index. The hosts come from its connections (before and after); a
// connection already gone (deleted with its blocks) makes the whole index
// reload, as the host it belonged to is no longer known.
func (sc *slotCache) busyChanged(e *core.ModelEvent) {
	r := recordOf(e.Model)
	if r == nil {
		sc.index.DropAll()
		return
	}
	conns := []string{r.GetString(c.BusyBlocksConnection)}
	if old := r.Original().GetString(c.BusyBlocksConnection); old != "" && old != conns[0] {
		conns = append(conns, old)
	}
	byConn, err := c.ConnectionHosts(e.App, conns)
	if err != nil || len(byConn) < len(conns) {
		sc.index.DropAll()
		return
	}
	hosts := make([]string, 0, len(byConn))
	for _, h := range byConn {
		hosts = append(hosts, h)
	}
	sc.index.BusyChanged(r.Id, hosts, func() (busyindex.BusyState, error) {
		return c.ReadBusyState(e.App, r.Id)
	})
}

// connectionChanged drops the hosts of a changed calendar connection (its
// blocks follow its host).
func (sc *slotCache) connectionChanged(e *core.ModelEvent) {
	r := recordOf(e.Model)
	if r == nil {
		sc.index.DropAll()
		return
	}
	sc.index.DropHosts(r.GetString(c.CalendarConnectionsHost), r.Original().GetString(c.CalendarConnectionsHost))
}

// recordOf is the record a model event is about (nil if it is none).
func recordOf(m core.Model) *core.Record {
	switch v := m.(type) {
	case *core.Record:
		return v
	case core.RecordProxy:
		return v.ProxyRecord()
	}
	return nil
}
