package hooks

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/busyindex"
	"github.com/slotbase/slotbase/internal/slots"
)

// windowCache keeps a booking transaction's reads of hosts' bookings and
// busy time (the slot windows of findSlot) for the later bookings of the
// same transaction: with group commit one transaction makes up to 64
// bookings, and on one busy host each re-check read nearly the same rows,
// inside the one writer's serial section (issue 18, tenth step).
//
// A kept read is used only while it is still the database's, as the
// transaction sees it: the blockers version (collections.BlockersVersion,
// bumped by triggers on every write of bookings, busy blocks and calendar
// connections, in the writing transaction) must equal the version it was
// read under plus the bookings openBooking inserted since — which are
// added to the kept read as they are made (inserted). Any other write in
// between (a cancellation by a job sharing the transaction, raw SQL) makes
// the versions differ and the window is read again. Reads are kept per
// transaction only and dropped when it ends, committed or not.
type windowCache struct {
	mu  sync.Mutex
	txs map[*core.TxAppInfo]*txWindows

	// reads and reused count database reads and reuses (tests).
	reads, reused int
}

// txWindows are one transaction's kept reads.
type txWindows struct {
	inserts int // bookings inserted through inserted() so far
	entries map[string]*keptWindow
}

// keptWindow is one read: what w reads of hosts (except a booking being
// moved), under version after inserts of the transaction's own bookings.
type keptWindow struct {
	hosts   []string
	w       slots.SlotWindow
	version int64
	inserts int
	data    map[string]busyindex.Blockers
}

// windowSpare widens a read forward, and windowSpareBack backward, so that
// the next bookings of the same transaction (other starts on the same host,
// in whatever order their requests came) fall inside it.
const (
	windowSpare     = 12 * time.Hour
	windowSpareBack = 3 * time.Hour
)

// near is a collections.WindowBlockersFunc for tx: a kept read of this
// transaction when it covers w and nothing but the transaction's own
// bookings changed since, else a read of the database (kept).
func (wc *windowCache) near(tx core.App, exclude string) c.WindowBlockersFunc {
	db := c.DBWindowBlockers(tx, exclude)
	info := tx.TxInfo()
	if info == nil {
		return db
	}
	return func(hosts []string, w slots.SlotWindow) (map[string]busyindex.Blockers, error) {
		version, err := c.BlockersVersion(tx)
		if err != nil {
			return nil, err
		}
		key := exclude + "|" + strings.Join(slices.Sorted(slices.Values(hosts)), ",")
		wc.mu.Lock()
		txw := wc.txs[info]
		var kept *keptWindow
		if txw != nil {
			kept = txw.entries[key]
		}
		if kept != nil && kept.version+int64(txw.inserts-kept.inserts) == version && covers(kept.w, w) {
			out := copyBlockers(kept.data)
			wc.reused++
			wc.mu.Unlock()
			return out, nil
		}
		wc.mu.Unlock()

		wide := w
		wide.StartBefore = w.StartBefore.Add(windowSpare)
		wide.StartFrom, wide.EndAfter = w.StartFrom.Add(-windowSpareBack), w.EndAfter.Add(-windowSpareBack)
		data, err := db(hosts, wide)
		if err != nil {
			return nil, err
		}
		wc.mu.Lock()
		defer wc.mu.Unlock()
		wc.reads++
		if txw = wc.tx(info); txw != nil {
			txw.entries[key] = &keptWindow{hosts: slices.Clone(hosts), w: wide, version: version, inserts: txw.inserts, data: data}
		}
		return copyBlockers(data), nil
	}
}

// tx returns info's kept reads, made (and dropped at its end) on first use.
func (wc *windowCache) tx(info *core.TxAppInfo) *txWindows {
	if txw := wc.txs[info]; txw != nil {
		return txw
	}
	if wc.txs == nil {
		wc.txs = map[*core.TxAppInfo]*txWindows{}
	}
	txw := &txWindows{entries: map[string]*keptWindow{}}
	wc.txs[info] = txw
	info.OnComplete(func(error) error {
		wc.mu.Lock()
		delete(wc.txs, info)
		wc.mu.Unlock()
		return nil
	})
	return txw
}

// inserted tells the cache that openBooking saved booking r (live, new) in
// tx: the trigger bumped the blockers version once, and the kept reads of
// its hosts that its times fall in gain it.
func (wc *windowCache) inserted(tx core.App, r *core.Record) {
	info := tx.TxInfo()
	if info == nil {
		return
	}
	wc.mu.Lock()
	defer wc.mu.Unlock()
	txw := wc.txs[info]
	if txw == nil {
		return // nothing kept in this transaction
	}
	txw.inserts++
	b := c.NewBooking(r)
	booked := slots.Booking{ID: r.Id, EventType: b.EventTypeID(), Start: b.Start(), End: b.End(),
		BufferBefore: time.Duration(r.GetInt(c.BookingsBufferBefore)) * time.Minute,
		BufferAfter:  time.Duration(r.GetInt(c.BookingsBufferAfter)) * time.Minute}
	if !booked.End.After(booked.Start) {
		txw.entries = map[string]*keptWindow{} // not what the reads' filters assume: read again
		return
	}
	for _, kept := range txw.entries {
		w := kept.w
		if !booked.End.After(w.EndAfter) || booked.Start.Before(w.StartFrom) || !booked.Start.Before(w.StartBefore) {
			continue // outside what the read holds
		}
		for _, h := range b.HostIDs() {
			if slices.Contains(kept.hosts, h) {
				x := kept.data[h]
				x.Bookings = append(x.Bookings, booked) // callers hold clipped copies
				if kept.data == nil {
					kept.data = map[string]busyindex.Blockers{}
				}
				kept.data[h] = x
			}
		}
	}
}

// covers reports whether a read of kept holds everything w reads.
func covers(kept, w slots.SlotWindow) bool {
	return !kept.StartFrom.After(w.StartFrom) && !kept.EndAfter.After(w.EndAfter) && !kept.StartBefore.Before(w.StartBefore)
}

// copyBlockers copies the map and clips the slices: callers may keep what
// they get while the kept read grows.
func copyBlockers(in map[string]busyindex.Blockers) map[string]busyindex.Blockers {
	out := make(map[string]busyindex.Blockers, len(in))
	for h, b := range in {
		out[h] = busyindex.Blockers{Bookings: slices.Clip(b.Bookings), Busy: slices.Clip(b.Busy)}
	}
	return out
}
