package hooks

import (
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// bookingSetup keeps hosts' setup (host records, schedules, all their date
// overrides) for the booking transaction, which read them from SQLite for
// every booking (a third of findSlot). Each kept setup carries the setup
// version (collections.SetupVersion) it was read under, and is used only
// when the version that the booking's own transaction reads is the same:
// SQLite triggers bump that version in the transaction of every change of
// hosts, schedules, date overrides or event types, so a change committed
// before the booking's transaction is always seen, even when its
// after-commit hooks have not run yet, and even when it was raw SQL. A
// setup read inside a transaction is kept only once that transaction
// commits (a rolled-back transaction's version may be reused).
type bookingSetup struct {
	mu      sync.Mutex
	version int64                    // the version the kept entries were read under
	hosts   map[string][]c.HostSetup // by sorted host ids
	// pending are setups read in transactions still open, kept for their
	// later reads until they end.
	pending map[pendingSetup][]c.HostSetup
	// eventTypes are active event types by slug, each with the version it
	// was read under (eventType, checkedEventType).
	eventTypes map[string]keptEventType

	// reads counts setups read from the database (tests).
	reads int
}

// in is a SetupFunc that reads hosts' setup for tx: from memory when the
// version tx reads matches, else from tx itself (kept once tx commits).
// Shared: callers must not modify what it returns.
func (bs *bookingSetup) in(tx core.App) c.SetupFunc {
	return func(ids []string, from, to time.Time) ([]c.HostSetup, error) {
		version, err := c.SetupVersion(tx)
		if err != nil {
			return nil, err
		}
		return bs.at(tx, version)(ids, from, to)
	}
}

// at is in for a caller that has read tx's setup version itself and
// writes no setup in tx after that read (the booking request's closure:
// one read of the version serves its event type, its slot and its reply).
func (bs *bookingSetup) at(tx core.App, version int64) c.SetupFunc {
	return func(ids []string, _, _ time.Time) ([]c.HostSetup, error) {
		key := strings.Join(slices.Sorted(slices.Values(ids)), ",")
		info := tx.TxInfo()
		pending := pendingSetup{info, key, version}
		bs.mu.Lock()
		kept, ok := bs.hosts[key]
		ok = ok && bs.version == version
		if !ok {
			kept, ok = bs.pending[pending] // read earlier in this transaction
		}
		bs.mu.Unlock()
		if ok {
			return kept, nil
		}
		hosts, err := c.DBSetup(tx)(ids, setupFrom, setupTo)
		if err != nil {
			return nil, err
		}
		bs.mu.Lock()
		defer bs.mu.Unlock()
		bs.reads++
		if info == nil {
			return hosts, nil // not a transaction: nothing decides when it would be safe to keep
		}
		if bs.pending == nil {
			bs.pending = map[pendingSetup][]c.HostSetup{}
		}
		bs.pending[pending] = hosts
		info.OnComplete(func(txErr error) error {
			bs.mu.Lock()
			defer bs.mu.Unlock()
			delete(bs.pending, pending)
			if txErr != nil {
				return nil
			}
			if bs.version != version || bs.hosts == nil {
				bs.version, bs.hosts = version, map[string][]c.HostSetup{}
			}
			bs.hosts[key] = hosts
			return nil
		})
		return hosts, nil
	}
}

// pendingSetup is a setup read in a transaction that has not ended yet.
type pendingSetup struct {
	tx      *core.TxAppInfo
	key     string
	version int64
}

// keptEventType is an event type read under a setup version.
type keptEventType struct {
	version int64
	et      *c.EventType
}

// eventType finds the active event type slug for a booking request, kept
// from an earlier request or read from app (sql.ErrNoRows: none), and the
// setup version it was read under: the booking's transaction checks it
// with checkedEventType. Shared: callers must not modify it.
func (bs *bookingSetup) eventType(app core.App, slug string) (*c.EventType, int64, error) {
	bs.mu.Lock()
	kept, ok := bs.eventTypes[slug]
	bs.mu.Unlock()
	if ok {
		return kept.et, kept.version, nil
	}
	version, err := c.SetupVersion(app) // before the read: a change in between makes the entry stale at once
	if err != nil {
		return nil, 0, err
	}
	et, err := c.FindActiveEventType(app, slug)
	if err != nil {
		return nil, 0, err
	}
	bs.mu.Lock()
	defer bs.mu.Unlock()
	if bs.eventTypes == nil {
		bs.eventTypes = map[string]keptEventType{}
	}
	bs.eventTypes[slug] = keptEventType{version, et}
	return et, version, nil
}

// checkedEventType is et (found by slug under version) as tx sees it: et
// itself when no hosts, schedules, overrides or event types changed since
// (the setup version in tx is the same), else the active event type of
// that slug read again in tx (errEventTypeGone: none any more), and the
// kept one is forgotten. It also returns the version tx reads (for at).
func (bs *bookingSetup) checkedEventType(tx core.App, et *c.EventType, slug string, version int64) (*c.EventType, int64, error) {
	now, err := c.SetupVersion(tx)
	if err != nil || now == version {
		return et, now, err
	}
	bs.mu.Lock()
	if kept, ok := bs.eventTypes[slug]; ok && kept.version == version {
		delete(bs.eventTypes, slug)
	}
	bs.mu.Unlock()
	fresh, err := c.FindActiveEventType(tx, slug)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, now, errEventTypeGone
	}
	return fresh, now, err
}

// bindSetupVersion keeps the setup and blockers versions' triggers in place: at start-up
// (a data dir from before them, or restored) and whenever a collection of
// the setup is created again (an import that replaced it drops its triggers).
func bindSetupVersion(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		if err := c.EnsureSetupVersion(se.App); err != nil {
			return err
		}
		if err := c.EnsureBlockersVersion(se.App); err != nil {
			return err
		}
		return se.Next()
	})
	app.OnCollectionAfterCreateSuccess().BindFunc(func(e *core.CollectionEvent) error {
		if c.IsSetupTable(e.Collection.Name) {
			if err := c.EnsureSetupVersion(e.App); err != nil {
				e.App.Logger().Error("setup version: triggers", "collection", e.Collection.Name, "error", err)
			}
		}
		if c.IsBlockersTable(e.Collection.Name) {
			if err := c.EnsureBlockersVersion(e.App); err != nil {
				e.App.Logger().Error("blockers version: triggers", "collection", e.Collection.Name, "error", err)
			}
		}
		return e.Next()
	})
}

// bookedReply is the invitee's reply for booking r just made in tx: built
// from the event type in hand and the hosts' views of the setup that the
// booking's slot was checked against (kept, checked by its version in tx),
// not read back (a booking of a host outside the event type's hosts, which
// only an admin makes, is read back as before).
func (s *server) bookedReply(tx core.App, setup c.SetupFunc, et *c.EventType, r *core.Record) (booking.Reply, error) {
	setups, err := setup(et.HostIDs(), setupFrom, setupTo)
	if err != nil {
		return booking.Reply{}, err
	}
	hosts := make(map[string]booking.HostView, len(setups))
	for _, h := range setups {
		hosts[h.ID] = h.View
	}
	for _, id := range r.GetStringSlice(c.BookingsHosts) {
		if _, ok := hosts[id]; !ok {
			return inviteeReply(tx, r)
		}
	}
	v, err := c.BookingViewWith(r, et, hosts)
	if err != nil {
		return booking.Reply{}, err
	}
	return booking.InviteeReply(v), nil
}
