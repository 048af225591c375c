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
// the versions differ and the window is read again.
//
// A transaction that commits leaves its reads to the next (committed):
// each carries the version the database then has if nothing but the
// counted inserts wrote since its read, so the next transaction adopts it
// only when the version it reads is exactly that: no write of any door or
// job, nor a raw one, came in between. A transaction that rolls back
// leaves nothing (its inserts and its version bumps are gone with it).
// The version of the committed database never goes back, so a read that
// no longer matches is dropped for good. Without this each transaction of
// a busy host read its window again (1.3 to 2.5 reads in a group commit of
// eight bookings; issue 18, eleventh step).
type windowCache struct {
	mu  sync.Mutex
	txs map[*core.TxAppInfo]*txWindows
	// committed are the reads of the last transaction that committed
	// having used the cache, each under the version it is valid at.
	committed map[string]*keptWindow

	// reads, reused and adopted count database reads, reuses and reads
	// taken over from a committed transaction (tests).
	reads, reused, adopted int
}

// maxCommittedWindows bounds the reads a transaction leaves to the next
// (one per set of hosts an event type books: a few dozen in a large
// organisation).
const maxCommittedWindows = 256

// txWindows are one transaction's kept reads.
type txWindows struct {
	inserts int                    // bookings inserted through inserted() since the first read
	entries map[string]*keptWindow // nil until the first read
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
// the next bookings of the same transaction and of the ones after it
// (other starts on the same host, in whatever order their requests came:
// sixteen clients booking a host's next free times spread a batch over
// eight hours) fall inside it. Wider reads cost more rows per read and per
// re-check; at 24 h and 12 h an office-hours host was read once per ~12
// bookings instead of once per ~5.5, and a 24/7 host's throughput did not
// move (issue 18, eleventh step).
const (
	windowSpare     = 24 * time.Hour
	windowSpareBack = 12 * time.Hour
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
		if txw == nil {
			txw = wc.open(info)
		}
		if txw.entries == nil {
			wc.adopt(txw, version)
		}
		kept := txw.entries[key]
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
		if txw = wc.txs[info]; txw != nil { // nil: the transaction ended meanwhile (a closure outliving it)
			txw.entries[key] = &keptWindow{hosts: slices.Clone(hosts), w: wide, version: version, inserts: txw.inserts, data: data}
		}
		return copyBlockers(data), nil
	}
}

// begin makes tx's kept reads before anything else registers for its
// end: their end (dropped, or left as the committed reads) then comes
// before the group committer hands the writer to the next batch, which
// can thus adopt them.
func (wc *windowCache) begin(tx core.App) {
	if info := tx.TxInfo(); info != nil {
		wc.mu.Lock()
		wc.open(info)
		wc.mu.Unlock()
	}
}

// open makes info's kept reads (wc.mu held), empty until the first read
// adopts the committed ones. At the transaction's end they are dropped,
// and if it committed they become the committed reads.
func (wc *windowCache) open(info *core.TxAppInfo) *txWindows {
	if wc.txs == nil {
		wc.txs = map[*core.TxAppInfo]*txWindows{}
	}
	txw := &txWindows{}
	wc.txs[info] = txw
	info.OnComplete(func(txErr error) error {
		wc.mu.Lock()
		defer wc.mu.Unlock()
		delete(wc.txs, info)
		if txErr == nil && txw.entries != nil {
			wc.commit(txw)
		}
		return nil
	})
	return txw
}

// adopt starts a transaction's kept reads (wc.mu held) with the committed
// reads valid at version, as its first read finds it: copied, since the
// transaction adds its bookings to its own. A booking it inserted before
// (uncounted: nothing was kept yet) moved the version, and nothing is
// adopted.
func (wc *windowCache) adopt(txw *txWindows, version int64) {
	txw.entries = map[string]*keptWindow{}
	for key, kept := range wc.committed {
		if kept.version == version {
			txw.entries[key] = &keptWindow{hosts: kept.hosts, w: kept.w, version: version, data: copyBlockers(kept.data)}
			wc.adopted++
		}
	}
}

// commit makes a committed transaction's reads the committed ones (wc.mu
// held), each under the version it holds if only the transaction's
// counted inserts wrote after its read. Reads that excluded a booking
// being moved are not left (they hold all but that booking).
func (wc *windowCache) commit(txw *txWindows) {
	committed := make(map[string]*keptWindow, len(txw.entries))
	for key, kept := range txw.entries {
		if !strings.HasPrefix(key, "|") || len(committed) == maxCommittedWindows {
			continue
		}
		kept.version += int64(txw.inserts - kept.inserts)
		kept.inserts = 0
		committed[key] = kept
	}
	wc.committed = committed
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
	if txw == nil || txw.entries == nil {
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
