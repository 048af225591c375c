package hooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/caldav"
	"github.com/slotbase/slotbase/internal/icsfeed"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// PurposeCalDAV is the secretbox purpose of sealed CalDAV credentials.
const PurposeCalDAV = "slotbase caldav credentials"

// caldavConnectTimeout bounds discovery while the admin or host waits.
const caldavConnectTimeout = 30 * time.Second

// caldavCredentials is what tokens_encrypted of a CalDAV connection holds,
// sealed with the server key: never logged, never returned.
type caldavCredentials struct {
	URL      string `json:"url"`
	Username string `json:"username"`
	Password string `json:"password"`
}

// caldavConnectBody is the body of POST …/caldav.
type caldavConnectBody struct {
	URL           string   `json:"url"`
	Username      string   `json:"username"`
	Password      string   `json:"password"`
	BusyCalendars []string `json:"busy_calendars"` // paths; default: every event calendar
	WriteCalendar string   `json:"write_calendar"` // path; default: the first event calendar
}

// caldavCalendarView is one discovered calendar.
type caldavCalendarView struct {
	Path string `json:"path"`
	Name string `json:"name"`
}

// handleAdminCalDAVConnect answers POST /api/admin/hosts/{id}/caldav.
func (s *server) handleAdminCalDAVConnect(e *core.RequestEvent) error {
	hostID, err := pathHostID(e)
	if err != nil {
		return err
	}
	return s.connectCalDAV(e, hostID)
}

// handleHostCalDAVConnect answers POST /api/host/caldav.
func (s *server) handleHostCalDAVConnect(e *core.RequestEvent) error {
	return s.connectCalDAV(e, hostOf(e).Id)
}

// connectCalDAV checks the body, discovers the account's calendars (a wrong
// password is a 400 naming password), stores the sealed credentials on the
// host's one CalDAV connection (a reconnect updates it and wakes its
// waiting jobs) and queues the first sync.
func (s *server) connectCalDAV(e *core.RequestEvent, hostID string) error {
	var body caldavConnectBody
	if err := e.BindBody(&body); err != nil {
		return badRequest(e, map[string]error{"url": fieldErr(`the body must be JSON: {"url": "https://…", "username": "…", "password": "…"}`)})
	}
	if errs := checkCalDAVBody(body); len(errs) > 0 {
		return badRequest(e, errs)
	}
	u, err := icsfeed.CheckURL(body.URL, s.cfg.ICSAllowPrivate)
	if err != nil {
		return badRequest(e, map[string]error{"url": fieldErr(strings.TrimPrefix(err.Error(), icsfeed.ErrURL.Error()+": "))})
	}
	loc, err := hostZone(e.App, hostID)
	if err != nil {
		return e.InternalServerError("", err)
	}
	ctx, cancel := context.WithTimeout(e.Request.Context(), caldavConnectTimeout)
	defer cancel()
	_, cals, err := caldav.Connect(ctx, caldav.Config{URL: u.String(), Username: body.Username, Password: body.Password, Location: loc,
		HTTPClient: caldavHTTPClient(s.cfg.ICSAllowPrivate)})
	if err != nil {
		return badRequest(e, connectErrors(err))
	}
	var events []caldavCalendarView
	for _, cal := range cals {
		if cal.HoldsEvents() {
			events = append(events, caldavCalendarView{Path: cal.Path, Name: cal.Name})
		}
	}
	busy, write, errs := pickCalendars(events, body)
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	raw, err := json.Marshal(caldavCredentials{URL: u.String(), Username: body.Username, Password: body.Password})
	if err != nil {
		return e.InternalServerError("", err)
	}
	sealed, err := secretbox.Seal(s.secret, PurposeCalDAV, raw)
	if err != nil {
		return e.InternalServerError("", err)
	}
	var cn *connection
	err = e.App.RunInTransaction(func(tx core.App) error {
		existing, err := findProviderConnection(tx, hostID, c.ProviderCalDAV)
		if err != nil {
			return err
		}
		action, r := ActionRecordUpdated, (*core.Record)(nil)
		if existing != nil {
			r = existing.Record
		} else if r, err = newRecord(tx, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: hostID, c.CalendarConnectionsProvider: c.ProviderCalDAV}); err != nil {
			return err
		} else {
			action = ActionRecordCreated
		}
		r.Set(c.CalendarConnectionsAccount, truncate(body.Username+" @ "+u.Host, 320))
		r.Set(c.CalendarConnectionsTokens, sealed)
		r.Set(c.CalendarConnectionsBusyCalendars, busy)
		r.Set(c.CalendarConnectionsWriteCalendar, write)
		r.Set(c.CalendarConnectionsSyncState, caldavSyncState{}) // a full sync replaces every calendar's blocks
		r.Set(c.CalendarConnectionsStatus, c.ConnectionConnected)
		r.Set(c.CalendarConnectionsLastError, "")
		if err := auditedSave(tx, actorOf(e), action, r); err != nil {
			return err
		}
		cn = &connection{r}
		return resumeJobs(tx, s.now(), KindCalDAVSync, KindCalDAVWrite)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	if err := s.enqueueCalDAVSync(cn.Id, "connect", "connect:"+s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	v := caldavViewOf(cn, "")
	v.Calendars = events
	return e.JSON(http.StatusCreated, v)
}

// checkCalDAVBody checks presence and sizes of the connect body's fields.
func checkCalDAVBody(b caldavConnectBody) map[string]error {
	errs := map[string]error{}
	for _, f := range []struct {
		name, value string
		max         int
	}{{"url", b.URL, 2000}, {"username", b.Username, 320}, {"password", b.Password, 1000}} {
		switch {
		case strings.TrimSpace(f.value) == "":
			errs[f.name] = fieldErr("required")
		case len(f.value) > f.max:
			errs[f.name] = fieldErr(fmt.Sprintf("at most %d characters", f.max))
		}
	}
	if len(b.BusyCalendars) > 50 {
		errs["busy_calendars"] = fieldErr("at most 50 calendars")
	}
	return errs
}

// connectErrors names the field a failed discovery points at.
func connectErrors(err error) map[string]error {
	var status *caldav.StatusError
	switch {
	case errors.Is(err, caldav.ErrUnauthorized):
		return map[string]error{"password": fieldErr("the server refused the user name or app password")}
	case errors.Is(err, caldav.ErrNoCalendar):
		return map[string]error{"url": fieldErr("the account has no calendar for events")}
	case caldav.IsRetryable(err):
		return map[string]error{"url": fieldErr("the server could not be reached or is failing; check the address and try again")}
	case errors.As(err, &status):
		return map[string]error{"url": fieldErr(fmt.Sprintf("the server answered %d: is this its CalDAV address?", status.Status))}
	}
	for _, field := range []string{"url", "username", "password"} {
		if rest, ok := strings.CutPrefix(err.Error(), field+": "); ok {
			return map[string]error{field: fieldErr(rest)}
		}
	}
	return map[string]error{"url": fieldErr("not a CalDAV server this client understands")}
}

// pickCalendars chooses the busy calendars (every event calendar unless
// the body names some) and the write calendar (the first unless named)
// among the discovered event calendars.
func pickCalendars(events []caldavCalendarView, b caldavConnectBody) ([]string, string, map[string]error) {
	if len(events) == 0 {
		return nil, "", map[string]error{"url": fieldErr("the account has no calendar for events")}
	}
	paths := make([]string, len(events))
	for i, cal := range events {
		paths[i] = cal.Path
	}
	busy, write := paths, paths[0]
	if len(b.BusyCalendars) > 0 {
		busy = nil
		for _, p := range b.BusyCalendars {
			if !slices.Contains(paths, p) {
				return nil, "", map[string]error{"busy_calendars": fieldErr(fmt.Sprintf("%q is not one of the account's event calendars %v", p, paths))}
			}
			if !slices.Contains(busy, p) {
				busy = append(busy, p)
			}
		}
	}
	if b.WriteCalendar != "" {
		if !slices.Contains(paths, b.WriteCalendar) {
			return nil, "", map[string]error{"write_calendar": fieldErr(fmt.Sprintf("%q is not one of the account's event calendars %v", b.WriteCalendar, paths))}
		}
		write = b.WriteCalendar
	}
	return busy, write, nil
}

// caldavClient opens a connection's sealed credentials and builds its
// client (all-day and floating times in the host's zone).
func (s *server) caldavClient(cn *connection) (*caldav.Client, error) {
	raw, err := secretbox.Open(s.secret, PurposeCalDAV, cn.GetString(c.CalendarConnectionsTokens))
	if err != nil {
		return nil, fmt.Errorf("%w: the stored credentials cannot be opened with this server's key (connect again)", caldav.ErrUnauthorized)
	}
	var cred caldavCredentials
	if err := json.Unmarshal(raw, &cred); err != nil {
		return nil, fmt.Errorf("%w: the stored credentials are unreadable (connect again)", caldav.ErrUnauthorized)
	}
	loc, err := hostZone(s.app, cn.host())
	if err != nil {
		return nil, err
	}
	return caldav.NewClient(caldav.Config{URL: cred.URL, Username: cred.Username, Password: cred.Password, Location: loc,
		HTTPClient: caldavHTTPClient(s.cfg.ICSAllowPrivate)})
}

// caldavHTTPClient is the client of CalDAV requests: 30 s per request, and
// (unless allowPrivate, SLOTBASE_ICS_ALLOW_PRIVATE) every connection,
// redirects included, refused when the name resolved to a loopback,
// private, link-local or CGNAT address (the ICS feeds' rule).
func caldavHTTPClient(allowPrivate bool) *http.Client {
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		host, _, err := net.SplitHostPort(address)
		if err != nil {
			return err
		}
		_, err = icsfeed.CheckURL("http://"+net.JoinHostPort(host, "80")+"/", allowPrivate)
		return err
	}}
	return &http.Client{Timeout: 30 * time.Second,
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second}}
}
