package hooks

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/sync/singleflight"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/busyindex"
)

// slotCache keeps encoded GET /api/slots answers. An entry is served only
// while (1) no record that decides availability changed since it was
// computed — every committed create, update or delete in those collections
// bumps version — and (2) the clock has not reached the first instant at
// which the min-notice filter would drop one of its slots (capped at
// maxSlotCacheAge, which bounds how late a slot entering the horizon shows).
// A miss is computed once however many requests ask for it at the same
// time (single flight), and the cache holds at most maxSlotCacheBytes of
// answers, each stored once (gzipped). The booking transaction never reads
// this cache: it re-checks the database.
type slotCache struct {
	version atomic.Uint64
	mu      sync.Mutex
	entries map[string]slotCacheEntry
	bytes   int // held by the entries (entrySize)
	flight  singleflight.Group
	// misses and computed count cache misses and the answers computed for
	// them; hold, when set (tests only), runs before each computation.
	misses, computed atomic.Int64
	hold             func()

	// hits counts answers served from the cache (metrics.go reads it).
	hits atomic.Int64
	// index holds the hosts' bookings and busy time (availindex.go); nil
	// until bind.
	index *busyindex.Index
	// eventTypes keeps the active event types found by slug, each with the
	// version it was read under (only existing slugs: bounded by the table).
	eventTypes sync.Map // slug → eventTypeEntry
	// setups keeps hosts' setup by sorted host ids (hostSetup), emptied at
	// every change of setupCollections, which also bumps setupVersion.
	setups       sync.Map // "id,id,…" → setupEntry
	setupVersion atomic.Uint64
	// views keeps the event type and host views of booking lists
	// (viewrefs.go), under setupVersion too.
	views viewRefCache
}

type eventTypeEntry struct {
	version uint64
	et      *c.EventType
}

// eventType finds the active event type slug, read again only after a
// change of setupCollections (event_types among them: bookings do not move
// it). Callers must not modify it.
func (sc *slotCache) eventType(app core.App, slug string) (*c.EventType, error) {
	version := sc.setupVersion.Load() // before reading: a change during the read makes the entry stale at once
	if v, ok := sc.eventTypes.Load(slug); ok && v.(eventTypeEntry).version == version {
		return v.(eventTypeEntry).et, nil
	}
	et, err := c.FindActiveEventType(app, slug)
	if err != nil {
		return nil, err
	}
	sc.eventTypes.Store(slug, eventTypeEntry{version: version, et: et})
	return et, nil
}

// setupCollections change hosts' setup (activity, zone, weekly hours, date
// overrides) or event types: what the slots need besides bookings and busy
// time, which change far more often and do not move setupVersion.
var setupCollections = map[string]bool{c.Schedules: true, c.DateOverrides: true, c.Hosts: true, c.EventTypes: true}

// The setup read of every date (a schedule holds its overrides of all
// dates: a few hundred at most a year, far fewer in practice).
var (
	setupFrom = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	setupTo   = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

type setupEntry struct {
	version uint64
	hosts   []c.HostSetup
}

// hostSetup is collections.DBSetup kept per set of hosts until the next
// change of setupCollections: the host records, their schedules and all
// their overrides (a quarter of an uncached slots answer was reading them
// again). Shared: callers must not modify what it returns.
func (sc *slotCache) hostSetup(app core.App) c.SetupFunc {
	db := c.DBSetup(app)
	return func(ids []string, _, _ time.Time) ([]c.HostSetup, error) {
		version := sc.setupVersion.Load() // before reading, as in eventType
		key := strings.Join(slices.Sorted(slices.Values(ids)), ",")
		if v, ok := sc.setups.Load(key); ok && v.(setupEntry).version == version {
			return v.(setupEntry).hosts, nil
		}
		hosts, err := db(ids, setupFrom, setupTo)
		if err != nil {
			return nil, err
		}
		sc.setups.Store(key, setupEntry{version: version, hosts: hosts})
		return hosts, nil
	}
}

type slotCacheEntry struct {
	version uint64
	until   time.Time
	body    slotBody
}

// slotBody is an encoded answer, stored once: gzipped (a month of slots is
// ~90 KB of JSON and ~8 KB gzipped), or plain if gzip failed.
type slotBody struct {
	data    []byte
	gzipped bool
}

// slotGzips reuses gzip writers: each holds ~1 MB of compressor state,
// which a fresh writer per uncached answer allocated (a tenth of its CPU).
var slotGzips = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(io.Discard, gzip.BestSpeed)
	return zw
}}

// newSlotBody gzips plain once, at the speed level: it is served many times.
func newSlotBody(plain []byte) slotBody {
	var buf bytes.Buffer
	buf.Grow(len(plain)/8 + 512)
	zw := slotGzips.Get().(*gzip.Writer)
	defer slotGzips.Put(zw)
	zw.Reset(&buf)
	_, _ = zw.Write(plain)
	if zw.Close() != nil {
		return slotBody{data: plain}
	}
	data := buf.Bytes()
	if cap(data)-len(data) > len(data)/8 {
		data = bytes.Clone(data) // the buffer grew by doubling: keep only the answer
	}
	return slotBody{data: data, gzipped: true}
}

// write sends the body, gzipped when the client accepts it (every browser
// does); otherwise it is unpacked for this one answer.
func (b slotBody) write(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Add("Vary", "Accept-Encoding")
	if !b.gzipped {
		return sendJSONBlob(e, b.data)
	}
	if strings.Contains(e.Request.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		return sendJSONBlob(e, b.data)
	}
	zr, err := gzip.NewReader(bytes.NewReader(b.data))
	if err != nil {
		return e.InternalServerError("", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return sendJSONBlob(e, plain)
}

// sendJSONBlob answers 200 with an encoded JSON body and its
// Content-Length. Without the length net/http sends a body larger than its
// 2 KiB buffer chunked: one more write to the socket for the last chunk,
// a third of a cached answer's system calls (issue 18).
func sendJSONBlob(e *core.RequestEvent, body []byte) error {
	e.Response.Header().Set("Content-Length", strconv.Itoa(len(body)))
	return e.Blob(http.StatusOK, "application/json", body)
}

const (
	maxSlotCacheAge = 10 * time.Second
	// maxSlotCacheBytes bounds the memory the stored answers hold, keys
	// and bookkeeping included (~2,000 month-long answers of ~8 KB): an
	// entry lives at most maxSlotCacheAge, so filling it takes 200 distinct
	// uncomputed answers a second.
	maxSlotCacheBytes = 16 << 20
	// slotCacheEntryOverhead is an entry's bookkeeping besides its key and
	// body: the map slot, the entry and the slice header.
	slotCacheEntryOverhead = 128
)

// entrySize is what an entry holds in memory: the body's whole backing
// array (its capacity, not its length), the key and the bookkeeping.
func entrySize(key string, body slotBody) int {
	return cap(body.data) + len(key) + slotCacheEntryOverhead
}

// availabilityCollections are the collections whose changes change slots.
var availabilityCollections = []string{
	c.Bookings, c.BusyBlocks, c.Schedules, c.DateOverrides, c.Hosts, c.EventTypes, c.CalendarConnections,
}

// bind creates the availability index and, after every committed change of
// availabilityCollections, brings the index up to date and then bumps the
// version (in that order: an answer computed under the new version must
// not read the index as it was before the change).
func (sc *slotCache) bind(app core.App) {
	sc.index = newAvailIndex(app)
	indexChange := map[string]func(*core.ModelEvent){
		c.Bookings: sc.bookingChanged, c.BusyBlocks: sc.busyChanged, c.CalendarConnections: sc.connectionChanged,
	}
	for _, name := range availabilityCollections {
		toIndex, setup := indexChange[name], setupCollections[name]
		bump := func(e *core.ModelEvent) error {
			if toIndex != nil {
				toIndex(e)
			}
			if setup {
				sc.dropSetup()
			}
			sc.version.Add(1)
			return e.Next()
		}
		app.OnModelAfterCreateSuccess(name).BindFunc(bump)
		app.OnModelAfterUpdateSuccess(name).BindFunc(bump)
		app.OnModelAfterDeleteSuccess(name).BindFunc(bump)
	}
}

// invalidate drops every entry (lazily: they no longer match the version)
// and the whole availability index (reloaded host by host at next use).
// Code that changes availability with raw SQL must call it after commit.
func (sc *slotCache) invalidate() {
	if sc.index != nil {
		sc.index.DropAll()
	}
	sc.dropSetup()
	sc.version.Add(1)
}

// dropSetup forgets the kept event types and hosts' setup.
func (sc *slotCache) dropSetup() {
	sc.setupVersion.Add(1)
	sc.setups.Clear()
	sc.views.clear()
}

// current is the version to compute under; read it before reading data.
func (sc *slotCache) current() uint64 { return sc.version.Load() }

// get returns a fresh body for key.
func (sc *slotCache) get(key string, now time.Time) (slotBody, bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	e, ok := sc.entries[key]
	if !ok || e.version != sc.version.Load() || !now.Before(e.until) {
		return slotBody{}, false
	}
	sc.hits.Add(1)
	return e.body, true
}

// put stores body computed under version, valid until until. Past the byte
// bound it first drops stale entries, then others (in map order, i.e. at
// random), until the new one fits.
func (sc *slotCache) put(key string, version uint64, until time.Time, body slotBody, now time.Time) {
	size := entrySize(key, body)
	if size > maxSlotCacheBytes/4 {
		return // an answer that large is not worth keeping
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.entries == nil {
		sc.entries = make(map[string]slotCacheEntry)
	}
	if old, ok := sc.entries[key]; ok {
		sc.bytes -= entrySize(key, old.body)
		delete(sc.entries, key)
	}
	if sc.bytes+size > maxSlotCacheBytes {
		current := sc.version.Load()
		for k, e := range sc.entries {
			if e.version != current || !now.Before(e.until) {
				sc.bytes -= entrySize(k, e.body)
				delete(sc.entries, k)
			}
		}
		for k, e := range sc.entries {
			if sc.bytes+size <= maxSlotCacheBytes {
				break
			}
			sc.bytes -= entrySize(k, e.body)
			delete(sc.entries, k)
		}
	}
	sc.entries[key] = slotCacheEntry{version: version, until: until, body: body}
	sc.bytes += size
}

// slotAnswer is what one computation of a slots answer yields.
type slotAnswer struct {
	body     slotBody
	notFound bool // no active event type of that slug
}

// compute runs fn once per key and version for all concurrent callers.
func (sc *slotCache) compute(key string, version uint64, fn func() (slotAnswer, error)) (slotAnswer, error) {
	sc.misses.Add(1)
	v, err, _ := sc.flight.Do(key+"|"+strconv.FormatUint(version, 10), func() (any, error) {
		sc.computed.Add(1)
		if sc.hold != nil {
			sc.hold()
		}
		return fn()
	})
	if err != nil {
		return slotAnswer{}, err
	}
	return v.(slotAnswer), nil
}
