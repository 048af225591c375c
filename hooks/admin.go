package hooks

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/priority"
	"github.com/slotbase/slotbase/internal/slots"
)

// bookingFilter parses the list filters shared by the list and the CSV
// export into a PocketBase filter and its params.
// A database failure looking up a host or event type is the error.
func bookingFilter(e *core.RequestEvent) (string, dbx.Params, map[string]error, error) {
	q := e.Request.URL.Query()
	parts := []string{"id != ''"}
	params := dbx.Params{}
	errs := map[string]error{}
	for _, f := range []struct{ name, op string }{{"from", "start >= {:from}"}, {"to", "start < {:to}"}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				errs[f.name] = fieldErr("must be an RFC 3339 time with an offset")
				continue
			}
			params[f.name] = c.UTCString(t)
			parts = append(parts, f.op)
		}
	}
	if v := q.Get("status"); v != "" {
		// one status or a comma list: status=pending,confirmed
		var alts []string
		for i, st := range strings.Split(v, ",") {
			if !booking.Status(st).Known() {
				errs["status"] = fieldErr("must be pending, confirmed, awaiting_payment, cancelled or declined, or a comma list of them")
				break
			}
			key := "status" + strconv.Itoa(i)
			params[key] = st
			alts = append(alts, "status = {:"+key+"}")
		}
		parts = append(parts, "("+strings.Join(alts, " || ")+")")
	}
	// Hosts and event types are looked up first, so the filter never joins
	// another table: the count stays a plain COUNT(*) over an index.
	if v := q.Get("host"); v != "" {
		if _, err := e.App.FindRecordById(c.Hosts, v); errors.Is(err, sql.ErrNoRows) {
			errs["host"] = fieldErr("no host with this id")
		} else if err != nil {
			return "", nil, nil, fmt.Errorf("host %s: %w", v, err)
		}
		params["host"] = v
		parts = append(parts, hostFilter("host"))
	}
	if v := q.Get("event_type"); v != "" {
		r, err := e.App.FindRecordById(c.EventTypes, v)
		if errors.Is(err, sql.ErrNoRows) {
			r, err = e.App.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, v)
		}
		if errors.Is(err, sql.ErrNoRows) {
			errs["event_type"] = fieldErr("no event type with this id or slug")
		} else if err != nil {
			return "", nil, nil, fmt.Errorf("event type %s: %w", v, err)
		} else {
			params["et"] = r.Id
			parts = append(parts, "event_type = {:et}")
		}
	}
	if v := strings.TrimSpace(q.Get("q")); v != "" {
		if len(v) > 200 {
			errs["q"] = fieldErr("must be at most 200 characters")
		}
		params["q"] = "%" + likeEscaper.Replace(v) + "%" // a literal search: % and _ match themselves
		parts = append(parts, "(name ~ {:q} || email ~ {:q} || notes ~ {:q})")
	}
	return strings.Join(parts, " && "), params, errs, nil
}

// hostFilter matches the bookings whose hosts include the host id in
// param. `hosts ~ id` is LIKE '%id%' on the JSON list, exact for a real
// id: ids are 15 letters and digits and the pattern has no quote, so it
// can only match a whole id in the list (callers pass a host id that
// exists, never free text).
func hostFilter(param string) string { return "hosts ~ {:" + param + "}" }

// likeEscaper escapes LIKE's wildcards and its escape character (PocketBase
// builds `~` as LIKE … ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// handleAdminBookings answers GET /api/admin/bookings: filtered, paginated.
func (s *server) handleAdminBookings(e *core.RequestEvent) error {
	return s.listBookings(e, "", nil)
}

// listBookings answers a paginated, filtered bookings list (bookingFilter),
// narrowed by an extra filter and its params ("" for none), rendered with
// booking.AdminJSON: the admin list, and a host's own list. The page is read
// as rows (collections.FindBookingViews) with the kept event type and host
// views (viewrefs.go), and its total from the count cache.
func (s *server) listBookings(e *core.RequestEvent, extra string, extraParams dbx.Params) error {
	filter, params, errs, err := bookingFilter(e)
	if err != nil {
		return e.InternalServerError("", err)
	}
	page, perPage := intParam(e, "page", 1, 1, 1_000_000, errs), intParam(e, "perPage", 50, 1, 500, errs)
	sort := "start,id"
	switch e.Request.URL.Query().Get("sort") {
	case "", "start":
	case "-start":
		sort = "-start,-id" // past bookings: the latest first
	default:
		errs["sort"] = fieldErr("must be start or -start")
	}
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	if extra != "" {
		filter += " && " + extra
		for k, v := range extraParams {
			params[k] = v
		}
	}
	version := s.slots.current() // before reading: a change meanwhile makes the count stale, not wrong
	views, err := c.FindBookingViews(e.App, filter, sort, perPage, (page-1)*perPage, params, s.slots.viewRefs(e.App))
	if err != nil {
		return e.InternalServerError("", err)
	}
	total, err := s.counts.count(e.App, version, filter, params)
	if err != nil {
		return e.InternalServerError("", err)
	}
	items := make([]booking.Admin, len(views))
	for i, v := range views {
		items[i] = booking.AdminJSON(v)
	}
	return e.JSON(http.StatusOK, bookingsPage{Page: page, PerPage: perPage, TotalItems: total, Items: items})
}

// bookingsPage is a page of a bookings list (a struct, not a map: its keys
// come in one order and encode without sorting or reflection on a map).
type bookingsPage struct {
	Page       int             `json:"page"`
	PerPage    int             `json:"perPage"`
	TotalItems int64           `json:"totalItems"`
	Items      []booking.Admin `json:"items"`
}

// countByFilter counts the records of collection matching a filter: a
// plain COUNT(*) when the filter stays in the collection's own table,
// COUNT(DISTINCT id) when it reaches through a relation (a join repeats rows).
func countByFilter(app core.App, collection, filter string, params dbx.Params) (int64, error) {
	col, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return 0, err
	}
	resolver := core.NewRecordFieldResolver(app, col, nil, true)
	expr, err := search.FilterData(filter).BuildExpr(resolver, params)
	if err != nil {
		return 0, err
	}
	q := app.RecordQuery(col).Select("count(*)").AndWhere(expr)
	if err := resolver.UpdateQuery(q); err != nil {
		return 0, err
	}
	if strings.Contains(q.Build().SQL(), " JOIN ") {
		q.Select("count(DISTINCT [[" + col.Name + ".id]])")
	}
	var n int64
	return n, q.Row(&n)
}

// countCache keeps list totals until the next change of bookings or
// availability (the slot cache's version bumps on every committed change),
// so paging through a long list, or many admins watching it, counts once.
type countCache struct {
	mu      sync.Mutex
	entries map[string]countEntry
}

type countEntry struct {
	version uint64
	n       int64
}

// maxCountEntries bounds the cache; when full it starts over.
const maxCountEntries = 512

// count is countByFilter of the bookings, from the cache when nothing has
// changed since (version is read before counting, so a change during the
// count leaves an entry that no longer matches).
func (cc *countCache) count(app core.App, version uint64, filter string, params dbx.Params) (int64, error) {
	key := filter
	for _, k := range slices.Sorted(maps.Keys(params)) {
		key += "\x00" + k + "=" + fmt.Sprint(params[k])
	}
	cc.mu.Lock()
	e, ok := cc.entries[key]
	cc.mu.Unlock()
	if ok && e.version == version {
		return e.n, nil
	}
	n, err := countByFilter(app, c.Bookings, filter, params)
	if err != nil {
		return 0, err
	}
	cc.mu.Lock()
	if cc.entries == nil || len(cc.entries) >= maxCountEntries {
		cc.entries = map[string]countEntry{}
	}
	cc.entries[key] = countEntry{version, n}
	cc.mu.Unlock()
	return n, nil
}

func intParam(e *core.RequestEvent, name string, def, lo, hi int, errs map[string]error) int {
	v := e.Request.URL.Query().Get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		errs[name] = fieldErr("must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi))
		return def
	}
	return n
}

// csvBatch is how many rows the CSV export reads at a time: each batch is
// held as PocketBase records and booking views (a few KiB a row) while it
// is written, so two exports at once keep about a megabyte each (issue 18).
const csvBatch = 250

// csvAfter is the keyset condition of the next batch. PocketBase turns
// `start = {:ls}` into a COALESCE that no index serves, and inside an OR it
// made the planner scan and sort the whole table for every batch (a
// 100,000-booking export took 30 s); the leading `start >= {:ls}` is a
// range on idx_bookings_start, so each batch reads only its own rows.
const csvAfter = " && start >= {:ls} && (start > {:ls} || id > {:li})"

// exportGate lets one CSV export run at a time (others wait for it, or
// give up when their client goes away): an export is an admin's
// background work, bounded to one batch in memory and one core's share of
// the CPU however many admins export at once. The zero value is ready.
type exportGate struct {
	once sync.Once
	ch   chan struct{}
}

// acquire waits for the gate or ctx's end.
func (g *exportGate) acquire(ctx context.Context) error {
	g.once.Do(func() { g.ch = make(chan struct{}, 1) })
	select {
	case g.ch <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// release lets the next export run.
func (g *exportGate) release() { <-g.ch }

// handleAdminBookingsCSV answers GET /api/admin/bookings.csv: the filtered
// bookings streamed in batches (keyset pagination), in constant memory.
func (s *server) handleAdminBookingsCSV(e *core.RequestEvent) error {
	filter, params, errs, err := bookingFilter(e)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	ctx := e.Request.Context()
	unit := priority.TicketFrom(ctx) // this request's place at the priority gate (priority.go)
	unit.Leave()                     // waiting for another export takes no place
	if err := s.exports.acquire(ctx); err != nil {
		return nil // the client went away while another export ran
	}
	defer s.exports.release()
	if err := unit.Enter(ctx); err != nil {
		return nil // the client went away while public work ran
	}
	h := e.Response.Header()
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="bookings.csv"`)
	h.Set("Cache-Control", "no-store")
	w := csv.NewWriter(e.Response)
	if err := w.Write(booking.CSVHeader); err != nil {
		return err
	}
	rc := http.NewResponseController(e.Response)
	lastStart, lastID := "", ""
	for {
		p := dbx.Params{"ls": lastStart, "li": lastID}
		for k, v := range params {
			p[k] = v
		}
		records, err := e.App.FindRecordsByFilter(c.Bookings, filter+csvAfter, "start,id", csvBatch, 0, p)
		if err != nil {
			return err // headers are out: the client sees a truncated file
		}
		views, err := c.BookingViewsOf(e.App, records)
		if err != nil {
			return err // headers are out: the client sees a truncated file
		}
		for _, v := range views {
			if err := w.Write(booking.CSVRow(v)); err != nil {
				return err // the client went away
			}
		}
		w.Flush()
		_ = rc.Flush()
		if len(records) < csvBatch {
			return w.Error()
		}
		last := records[len(records)-1]
		lastStart, lastID = last.GetString(c.BookingsStart), last.Id
		if err := unit.Yield(ctx); err != nil { // each batch is one unit: public requests go first
			return nil // the client went away: the file stays truncated
		}
	}
}

// handleAdminBookingAction answers POST /api/admin/bookings/{id}/{confirm,decline,cancel}.
func (s *server) handleAdminBookingAction(action booking.Action) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		var req cancelRequest
		if err := decodeSmall(e.Request.Body, &req); err != nil {
			return badRequest(e, map[string]error{"body": err})
		}
		return s.adminChange(e, bookingEdit{Action: action, Reason: strings.TrimSpace(req.Reason)})
	}
}

// adminRescheduleRequest is the body of the admin reschedule route.
type adminRescheduleRequest struct {
	Start string `json:"start"`
	Force bool   `json:"force"` // book even where availability says no
}

// handleAdminReschedule answers POST /api/admin/bookings/{id}/reschedule;
// with force the new time skips the availability check (never the state
// machine), and the audit entry says so.
func (s *server) handleAdminReschedule(e *core.RequestEvent) error {
	var req adminRescheduleRequest
	if err := decodeSmall(e.Request.Body, &req); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	start, err := booking.ParseStart(req.Start, s.now())
	if err != nil {
		return badRequest(e, map[string]error{"start": err})
	}
	return s.adminChange(e, bookingEdit{Action: booking.Reschedule, Start: start, Override: req.Force})
}

// adminChange runs an admin's change of the path's booking through the
// booking door and answers with the booking as it is now.
func (s *server) adminChange(e *core.RequestEvent, ed bookingEdit) error {
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		out, err = s.changeBooking(tx, actorOf(e), e.Request.PathValue("id"), ed, s.now())
		return err
	})
	if err != nil {
		return s.adminError(e, err)
	}
	s.worker.Wake()
	v, err := c.BookingViewOf(e.App, out)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, booking.AdminJSON(v))
}

// adminError maps an admin transaction's error to a status.
func (s *server) adminError(e *core.RequestEvent, err error) error {
	if errors.Is(err, errNoBooking) {
		return e.NotFoundError("No such booking.", nil)
	}
	return s.manageError(e, err)
}

// handleAdminAvailability answers GET /api/admin/availability?host=ID&from&to&tz
// [&event_type=SLUG]: the host's free slots (availabilityOf).
func (s *server) handleAdminAvailability(e *core.RequestEvent) error {
	hostRecord, err := e.App.FindRecordById(c.Hosts, e.Request.URL.Query().Get("host"))
	if errors.Is(err, sql.ErrNoRows) {
		return badRequest(e, map[string]error{"host": fieldErr("no host with this id")})
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	return s.availabilityOf(e, hostRecord)
}

// availabilityOf answers with the free slots of hostRecord in ?from&to&tz:
// 30-minute ones, or those of ?event_type's rules, as GET /api/slots shows
// them (the availability editor's preview).
func (s *server) availabilityOf(e *core.RequestEvent, hostRecord *core.Record) error {
	q, errs := parseSlotsQuery(e.Request)
	delete(errs, "event_type")
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	var et *c.EventType
	if q.slug != "" {
		r, err := e.App.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, q.slug)
		if errors.Is(err, sql.ErrNoRows) {
			return badRequest(e, map[string]error{"event_type": fieldErr("no event type " + quote(q.slug))})
		} else if err != nil {
			return e.InternalServerError("", err)
		}
		et = c.NewEventType(r)
	} else {
		col, _ := e.App.FindCachedCollectionByNameOrId(c.EventTypes)
		r := core.NewRecord(col)
		r.Set(c.EventTypesDuration, 30)
		r.Set(c.EventTypesSlotStep, 30)
		r.Set(c.EventTypesSeats, 1)
		et = c.NewEventType(r)
	}
	et.Set(c.EventTypesHosts, []string{hostRecord.Id})
	et.Set(c.EventTypesAssignment, c.AssignmentSingle)
	from, to := slots.DayStart(q.from, q.loc), slots.DayStart(q.to.AddDays(1), q.loc)
	av, err := c.LoadAvailabilityWith(e.App, et, from, to, s.slots.blockers(e.App, s.now()))
	if err != nil {
		return e.InternalServerError("", err)
	}
	found, err := slots.Compute(av.Rules, av.Hosts, slots.Query{From: from, To: to, Now: s.now()})
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, newSlotsResponse(found, q))
}
