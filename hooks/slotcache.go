package hooks

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// slotCache keeps encoded GET /api/slots answers. An entry is served only
// while (1) no record that decides availability changed since it was
// computed — every committed create, update or delete in those collections
// bumps version — and (2) the clock has not reached the first instant at
// which the min-notice filter would drop one of its slots (capped at
// maxSlotCacheAge, which bounds how late a slot entering the horizon shows).
// The booking transaction never reads this cache: it re-checks the database.
type slotCache struct {
	version atomic.Uint64
	mu      sync.Mutex
	entries map[string]slotCacheEntry
}

type slotCacheEntry struct {
	version uint64
	until   time.Time
	body    slotBody
}

// slotBody is an encoded answer, plain and gzipped (a month of slots is
// ~90 KB of JSON and ~8 KB gzipped).
type slotBody struct {
	plain, gzipped []byte
}

// newSlotBody gzips plain once, at the speed level: it is served many times.
func newSlotBody(plain []byte) slotBody {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	_, _ = zw.Write(plain)
	if zw.Close() != nil {
		return slotBody{plain: plain}
	}
	return slotBody{plain: plain, gzipped: buf.Bytes()}
}

// write sends the body, gzipped when the client accepts it.
func (b slotBody) write(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Add("Vary", "Accept-Encoding")
	if b.gzipped != nil && strings.Contains(e.Request.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		return e.Blob(http.StatusOK, "application/json", b.gzipped)
	}
	return e.Blob(http.StatusOK, "application/json", b.plain)
}

const (
	maxSlotCacheAge     = 10 * time.Second
	maxSlotCacheEntries = 2000
)

// availabilityCollections are the collections whose changes change slots.
var availabilityCollections = []string{
	c.Bookings, c.BusyBlocks, c.Schedules, c.DateOverrides, c.Hosts, c.EventTypes, c.CalendarConnections,
}

// bind bumps the version after every committed change of availabilityCollections.
func (sc *slotCache) bind(app core.App) {
	bump := func(e *core.ModelEvent) error {
		sc.invalidate()
		return e.Next()
	}
	for _, name := range availabilityCollections {
		app.OnModelAfterCreateSuccess(name).BindFunc(bump)
		app.OnModelAfterUpdateSuccess(name).BindFunc(bump)
		app.OnModelAfterDeleteSuccess(name).BindFunc(bump)
	}
}

// invalidate drops every entry (lazily: they no longer match the version).
// Code that changes availability with raw SQL must call it after commit.
func (sc *slotCache) invalidate() { sc.version.Add(1) }

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
	return e.body, true
}

// put stores body computed under version, valid until until.
func (sc *slotCache) put(key string, version uint64, until time.Time, body slotBody) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.entries == nil || len(sc.entries) >= maxSlotCacheEntries {
		sc.entries = make(map[string]slotCacheEntry)
	}
	sc.entries[key] = slotCacheEntry{version: version, until: until, body: body}
}
