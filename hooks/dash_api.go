package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// The routes the dashboard (pb_public/admin/) reads beside the bookings
// lists: an overview of what needs attention, the hosts and event types to
// filter by, and a calendar of working hours, busy time and bookings. Each
// has an admin form (/api/admin/…) and a host form (/api/host/…) that sees
// only the signed-in host's own data.

// overview is GET …/overview: who is signed in and what needs attention.
type overview struct {
	Role  string `json:"role"` // admin or host
	Email string `json:"email"`
	Host  string `json:"host"` // the host's id, for a host
	Name  string `json:"name"` // the host's name, for a host
	// Pending counts the upcoming bookings waiting for approval.
	Pending int64 `json:"pending"`
	// Reconnect lists the calendar connections that lost their access.
	Reconnect []reconnectItem `json:"reconnect"`
	// DeadJobs and Replica are for admins only.
	DeadJobs *int64        `json:"dead_jobs,omitempty"`
	Replica  *replicaBrief `json:"replica,omitempty"`
}

// reconnectItem is a calendar connection that needs its owner to sign in again.
type reconnectItem struct {
	Host      string `json:"host"`
	HostName  string `json:"host_name"`
	Provider  string `json:"provider"`
	LastError string `json:"last_error"`
}

// replicaBrief is the replica's health as the overview shows it.
type replicaBrief struct {
	Configured bool    `json:"configured"`
	Connected  *bool   `json:"connected,omitempty"`
	LagSeconds float64 `json:"lag_seconds"`
	LagChanges int64   `json:"lag_changes"`
	LastError  string  `json:"last_error,omitempty"`
}

// handleAdminOverview answers GET /api/admin/overview.
func (s *server) handleAdminOverview(e *core.RequestEvent) error {
	out := overview{Role: "admin", Email: actorOf(e).Label}
	var err error
	if out.Pending, err = countPending(e.App, s.now(), ""); err != nil {
		return e.InternalServerError("", err)
	}
	if out.Reconnect, err = needsReconnect(e.App, ""); err != nil {
		return e.InternalServerError("", err)
	}
	dead, err := e.App.CountRecords(c.Jobs, dbx.HashExp{"status": c.JobDead})
	if err != nil {
		return e.InternalServerError("", err)
	}
	out.DeadJobs = &dead
	st, err := s.capture.Current()
	if err != nil {
		return e.InternalServerError("", err)
	}
	out.Replica = &replicaBrief{Configured: st.Enabled, Connected: st.Connected, LagSeconds: st.LagSeconds, LagChanges: st.LagChanges, LastError: st.LastError}
	return e.JSON(http.StatusOK, out)
}

// handleHostOverview answers GET /api/host/overview.
func (s *server) handleHostOverview(e *core.RequestEvent) error {
	h := hostOf(e)
	out := overview{Role: "host", Email: e.Auth.Email(), Host: h.Id, Name: h.Name()}
	var err error
	if out.Pending, err = countPending(e.App, s.now(), h.Id); err != nil {
		return e.InternalServerError("", err)
	}
	if out.Reconnect, err = needsReconnect(e.App, h.Id); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, out)
}

// countPending counts the bookings waiting for approval that start after
// now, of host hostID ("" for every host).
func countPending(app core.App, now time.Time, hostID string) (int64, error) {
	filter, params := "status = 'pending' && start > {:now}", dbx.Params{"now": c.UTCString(now)}
	if hostID != "" {
		filter += " && " + hostFilter("h")
		params["h"] = hostID
	}
	return countByFilter(app, c.Bookings, filter, params)
}

// needsReconnect lists the connections that lost their access (and ICS
// feeds whose URL fails), of host hostID ("" for every host).
func needsReconnect(app core.App, hostID string) ([]reconnectItem, error) {
	filter, params := "(status = {:s} || status = {:f})", dbx.Params{"s": c.ConnectionNeedsReconnect, "f": c.ConnectionFailing}
	if hostID != "" {
		filter += " && host = {:h}"
		params["h"] = hostID
	}
	records, err := app.FindRecordsByFilter(c.CalendarConnections, filter, "", 0, 0, params)
	if err != nil {
		return nil, fmt.Errorf("calendar connections: %w", err)
	}
	out := []reconnectItem{}
	for _, r := range records {
		item := reconnectItem{Host: r.GetString(c.CalendarConnectionsHost), Provider: r.GetString(c.CalendarConnectionsProvider),
			LastError: r.GetString(c.CalendarConnectionsLastError)}
		if hr, err := app.FindRecordById(c.Hosts, item.Host); err == nil {
			item.HostName = c.NewHost(hr).Name()
		} else if !errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("host of connection %s: %w", r.Id, err)
		}
		out = append(out, item)
	}
	return out, nil
}

// hostItem is a host as GET /api/admin/hosts lists it.
type hostItem struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Email          string `json:"email"`
	Timezone       string `json:"timezone"`
	Active         bool   `json:"active"`
	Schedule       string `json:"schedule"`
	ScheduleShared bool   `json:"schedule_shared"`
	// Account is none (never invited), invited (no password set yet) or
	// active (signed up through the invitation).
	Account string `json:"account"`
}

// handleAdminHosts answers GET /api/admin/hosts: every host by name, with
// the state of their sign-in account.
func (s *server) handleAdminHosts(e *core.RequestEvent) error {
	records, err := e.App.FindRecordsByFilter(c.Hosts, "id != ''", "name,id", 0, 0)
	if err != nil {
		return e.InternalServerError("", err)
	}
	accounts, err := e.App.FindAllRecords(c.HostUsers)
	if err != nil {
		return e.InternalServerError("", err)
	}
	state := map[string]string{}
	for _, a := range accounts {
		st := "invited"
		if a.Verified() { // PocketBase verifies an account when its password is set from the mailed link
			st = "active"
		}
		state[c.NewHostUser(a).HostID()] = st
	}
	perSchedule := map[string]int{}
	for _, r := range records {
		perSchedule[c.NewHost(r).ScheduleID()]++
	}
	items := make([]hostItem, len(records))
	for i, r := range records {
		h := c.NewHost(r)
		account := state[h.Id]
		if account == "" {
			account = "none"
		}
		items[i] = hostItem{ID: h.Id, Name: h.Name(), Email: h.Email(), Timezone: h.Timezone(), Active: h.Active(),
			Schedule: h.ScheduleID(), ScheduleShared: perSchedule[h.ScheduleID()] > 1, Account: account}
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// eventTypeItem is an event type as GET …/event-types lists it.
type eventTypeItem struct {
	ID                   string   `json:"id"`
	Slug                 string   `json:"slug"`
	Title                string   `json:"title"`
	Duration             int      `json:"duration"` // minutes
	Active               bool     `json:"active"`
	Hosts                []string `json:"hosts"`
	Assignment           string   `json:"assignment"`
	RequiresConfirmation bool     `json:"requires_confirmation"`
}

// handleAdminEventTypes answers GET /api/admin/event-types: all of them.
func (s *server) handleAdminEventTypes(e *core.RequestEvent) error {
	return listEventTypes(e, "id != ''", nil)
}

// handleHostEventTypes answers GET /api/host/event-types: those the host hosts.
func (s *server) handleHostEventTypes(e *core.RequestEvent) error {
	return listEventTypes(e, "hosts.id ?= {:h}", dbx.Params{"h": hostOf(e).Id})
}

func listEventTypes(e *core.RequestEvent, filter string, params dbx.Params) error {
	records, err := e.App.FindRecordsByFilter(c.EventTypes, filter, "title,id", 0, 0, params)
	if err != nil {
		return e.InternalServerError("", err)
	}
	items := make([]eventTypeItem, len(records))
	for i, r := range records {
		et := c.NewEventType(r)
		items[i] = eventTypeItem{ID: et.Id, Slug: et.Slug(), Title: et.Title(), Duration: int(et.Duration() / time.Minute),
			Active: et.Active(), Hosts: et.HostIDs(), Assignment: et.Assignment(), RequiresConfirmation: et.RequiresConfirmation()}
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// handleAdminBooking answers GET /api/admin/bookings/{id}.
func (s *server) handleAdminBooking(e *core.RequestEvent) error {
	r, err := e.App.FindRecordById(c.Bookings, e.Request.PathValue("id"))
	if errors.Is(err, sql.ErrNoRows) {
		return e.NotFoundError("No such booking.", nil)
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	v, err := c.BookingViewOf(e.App, r)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, booking.AdminJSON(v))
}

// handleHostReschedule answers POST /api/host/bookings/{id}/reschedule
// ({"start"}): a host moves their booking to a time the engine offers; only
// admins may override availability.
func (s *server) handleHostReschedule(e *core.RequestEvent) error {
	var req adminRescheduleRequest
	if err := decodeSmall(e.Request.Body, &req); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	if req.Force {
		return badRequest(e, map[string]error{"force": fieldErr("only an admin can book outside availability")})
	}
	start, err := booking.ParseStart(req.Start, s.now())
	if err != nil {
		return badRequest(e, map[string]error{"start": err})
	}
	return s.hostChange(e, bookingEdit{Action: booking.Reschedule, Start: start})
}

// handleHostAvailability answers GET /api/host/availability (the admin
// route's query without host): the signed-in host's free slots.
func (s *server) handleHostAvailability(e *core.RequestEvent) error {
	return s.availabilityOf(e, hostOf(e).Record)
}

// maxCalendarRange bounds one calendar request (six weeks: a month view
// with its leading and trailing days).
const maxCalendarRange = 42 * 24 * time.Hour

// maxCalendarBookings bounds the bookings one calendar answer carries.
const maxCalendarBookings = 5000

// calendarHost is one host's lane of the calendar.
type calendarHost struct {
	ID       string         `json:"id"`
	Name     string         `json:"name"`
	Timezone string         `json:"timezone"`
	Working  []timeInterval `json:"working"`
	Busy     []timeInterval `json:"busy"`
}

// timeInterval is [start, end) in RFC 3339 UTC.
type timeInterval struct {
	Start string `json:"start"`
	End   string `json:"end"`
}

// handleAdminCalendar answers GET /api/admin/calendar?from&to[&host]:
// one host, or every active host (the team).
func (s *server) handleAdminCalendar(e *core.RequestEvent) error {
	var hosts []*core.Record
	var err error
	if id := e.Request.URL.Query().Get("host"); id != "" {
		r, err := e.App.FindRecordById(c.Hosts, id)
		if errors.Is(err, sql.ErrNoRows) {
			return badRequest(e, map[string]error{"host": fieldErr("no host with this id")})
		} else if err != nil {
			return e.InternalServerError("", err)
		}
		hosts = []*core.Record{r}
	} else if hosts, err = e.App.FindRecordsByFilter(c.Hosts, "active = true", "name,id", 0, 0); err != nil {
		return e.InternalServerError("", err)
	}
	return s.calendar(e, hosts)
}

// handleHostCalendar answers GET /api/host/calendar?from&to: the host's own.
func (s *server) handleHostCalendar(e *core.RequestEvent) error {
	return s.calendar(e, []*core.Record{hostOf(e).Record})
}

// calendar answers with hosts' working hours, external busy time and live
// bookings overlapping ?from&to (RFC 3339, at most six weeks apart).
func (s *server) calendar(e *core.RequestEvent, hostRecords []*core.Record) error {
	from, to, errs := timeRange(e, maxCalendarRange)
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	ids := make([]string, len(hostRecords))
	scheduleIDs := make([]string, len(hostRecords))
	for i, r := range hostRecords {
		ids[i], scheduleIDs[i] = r.Id, c.NewHost(r).ScheduleID()
	}
	schedules, err := c.LoadSchedules(e.App, scheduleIDs, from, to)
	if err != nil {
		return e.InternalServerError("", err)
	}
	busy, err := s.slots.busyOf(e.App, ids, from, to, s.now())
	if err != nil {
		return e.InternalServerError("", err)
	}
	lanes := make([]calendarHost, len(hostRecords))
	for i, r := range hostRecords {
		h := c.NewHost(r)
		lane := calendarHost{ID: h.Id, Name: h.Name(), Timezone: h.Timezone(), Working: []timeInterval{}, Busy: []timeInterval{}}
		if sched, ok := schedules[h.ScheduleID()]; ok {
			for _, iv := range sched.Open(from, to) {
				lane.Working = append(lane.Working, timeInterval{rfc3339(iv.Start), rfc3339(iv.End)})
			}
		}
		for _, b := range busy[h.Id] {
			lane.Busy = append(lane.Busy, timeInterval{rfc3339(b.Start), rfc3339(b.End)})
		}
		lanes[i] = lane
	}
	items, err := calendarBookings(e.App, ids, from, to)
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, map[string]any{"from": rfc3339(from), "to": rfc3339(to), "hosts": lanes, "bookings": items})
}

// calendarBookings are the live bookings of hosts (ids) overlapping
// [from, to), by start.
func calendarBookings(app core.App, hostIDs []string, from, to time.Time) ([]booking.Admin, error) {
	items := []booking.Admin{}
	if len(hostIDs) == 0 {
		return items, nil
	}
	params := dbx.Params{"from": c.UTCString(from), "to": c.UTCString(to)}
	var anyHost []string
	for i, id := range hostIDs {
		key := fmt.Sprintf("h%d", i)
		params[key] = id
		anyHost = append(anyHost, "hosts.id ?= {:"+key+"}")
	}
	filter := "start < {:to} && end > {:from} && " + c.LiveStatusFilter + " && (" + strings.Join(anyHost, " || ") + ")"
	records, err := app.FindRecordsByFilter(c.Bookings, filter, "start,id", maxCalendarBookings, 0, params)
	if err != nil {
		return nil, fmt.Errorf("calendar bookings: %w", err)
	}
	views, err := c.BookingViewsOf(app, records)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		items = append(items, booking.AdminJSON(v))
	}
	return items, nil
}

// timeRange parses ?from&to (RFC 3339 with an offset): from before to, at
// most limit apart.
func timeRange(e *core.RequestEvent, limit time.Duration) (time.Time, time.Time, map[string]error) {
	errs := map[string]error{}
	q := e.Request.URL.Query()
	parse := func(name string) time.Time {
		t, err := time.Parse(time.RFC3339, q.Get(name))
		if err != nil {
			errs[name] = fieldErr("must be an RFC 3339 time with an offset, e.g. 2026-12-01T00:00:00Z")
		}
		return t.UTC()
	}
	from, to := parse("from"), parse("to")
	if len(errs) == 0 {
		switch {
		case !from.Before(to):
			errs["to"] = fieldErr("must be after from")
		case to.Sub(from) > limit:
			errs["to"] = fieldErr(fmt.Sprintf("must be at most %s after from", humanDuration(limit)))
		}
	}
	return from, to, errs
}

// hostChange runs a host's change of the path's booking through the
// booking door, in one transaction that first checks the booking is the
// host's, and answers with the booking as it is now.
func (s *server) hostChange(e *core.RequestEvent, ed bookingEdit) error {
	hostID, id := hostOf(e).Id, e.Request.PathValue("id")
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		if _, err := hostBooking(tx, hostID, id); err != nil {
			return err
		}
		var err error
		out, err = s.changeBooking(tx, actorOf(e), id, ed, s.now())
		return err
	})
	if err != nil {
		return s.hostError(e, err)
	}
	s.worker.Wake()
	v, err := c.BookingViewOf(e.App, out)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, booking.AdminJSON(v))
}

// handleHostGoogle answers GET /api/host/google: the host's own connection.
func (s *server) handleHostGoogle(e *core.RequestEvent) error {
	waiting, err := waitingCalendarWrites(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	v, err := s.connectionViewOf(e.App, hostOf(e), waiting)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"configured": s.googleConfig().Configured(), "connection": v})
}

// handleHostGoogleConnect answers GET /api/host/google/connect: the consent
// URL that connects the host's own Google Calendar.
func (s *server) handleHostGoogleConnect(e *core.RequestEvent) error {
	return s.googleConnectURL(e, hostOf(e).Id)
}

// ownConnection is the host's Google connection; a missing one has been
// answered (404).
func ownConnection(e *core.RequestEvent) (*connection, error) {
	cn, err := findConnection(e.App, hostOf(e).Id)
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	if cn == nil {
		return nil, e.NotFoundError("Your Google Calendar is not connected.", nil)
	}
	return cn, nil
}

// handleHostGoogleSync answers POST /api/host/google/sync.
func (s *server) handleHostGoogleSync(e *core.RequestEvent) error {
	cn, err := ownConnection(e)
	if err != nil {
		return err
	}
	return s.googleSyncNow(e, cn)
}

// handleHostGoogleDisconnect answers POST /api/host/google/disconnect.
func (s *server) handleHostGoogleDisconnect(e *core.RequestEvent) error {
	cn, err := ownConnection(e)
	if err != nil {
		return err
	}
	return s.googleDisconnect(e, cn)
}
