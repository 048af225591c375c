package hooks

import (
	"sync"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// viewRefCache keeps the event type and host views that booking views
// refer to, by id, until the next change of setupCollections (the slot
// cache's setupVersion): a page of the admin list named the same few event
// types and hosts again and again, and reading them was two queries and a
// third of its CPU (issue 18). Only ids that exist are kept (bounded by the
// tables); dropSetup empties it. Only lists and exports read it: a booking
// transaction reads its view from the database (collections.BookingViewOf).
type viewRefCache struct {
	eventTypes sync.Map // id → viewRefEntry[booking.EventTypeView]
	hosts      sync.Map // id → viewRefEntry[booking.HostView]
}

type viewRefEntry[V any] struct {
	version uint64
	view    V
}

// clear forgets every kept view.
func (vc *viewRefCache) clear() {
	vc.eventTypes.Clear()
	vc.hosts.Clear()
}

// viewRefs finds event types and hosts for booking views from the kept
// ones, reading only those it lacks (collections.ViewRefs).
func (sc *slotCache) viewRefs(app core.App) c.ViewRefs {
	db := c.DBViewRefs(app)
	return c.ViewRefs{
		EventTypes: func(ids []string) (map[string]booking.EventTypeView, error) {
			return keptViews(&sc.views.eventTypes, sc.setupVersion.Load(), ids, db.EventTypes)
		},
		Hosts: func(ids []string) (map[string]booking.HostView, error) {
			return keptViews(&sc.views.hosts, sc.setupVersion.Load(), ids, db.Hosts)
		},
	}
}

// keptViews answers ids from kept, reading the ones it lacks (or holds
// from an older version) with read and keeping them under version, which
// the caller loaded before any read: a change during the read leaves
// entries that no longer match.
func keptViews[V any](kept *sync.Map, version uint64, ids []string, read func([]string) (map[string]V, error)) (map[string]V, error) {
	out := make(map[string]V, len(ids))
	var missing []string
	for _, id := range ids {
		if v, ok := kept.Load(id); ok && v.(viewRefEntry[V]).version == version {
			out[id] = v.(viewRefEntry[V]).view
		} else {
			missing = append(missing, id)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	found, err := read(missing)
	if err != nil {
		return nil, err
	}
	for id, v := range found {
		kept.Store(id, viewRefEntry[V]{version: version, view: v})
		out[id] = v
	}
	return out, nil
}
