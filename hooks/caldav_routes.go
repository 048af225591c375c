package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// caldavView is how the APIs show a CalDAV connection: never its password.
type caldavView struct {
	ID            string               `json:"id"`
	Kind          string               `json:"kind"` // "caldav"
	Host          string               `json:"host"`
	HostName      string               `json:"host_name,omitempty"`
	Account       string               `json:"account"` // user @ server host
	Status        string               `json:"status"`
	BusyCalendars []string             `json:"busy_calendars"`
	WriteCalendar string               `json:"write_calendar"`
	LastSynced    string               `json:"last_synced"`
	LastError     string               `json:"last_error"`
	Calendars     []caldavCalendarView `json:"calendars,omitempty"` // only right after connecting
}

// caldavViewOf shows connection cn (hostName for the admin list).
func caldavViewOf(cn *connection, hostName string) caldavView {
	v := caldavView{ID: cn.Id, Kind: cn.GetString(c.CalendarConnectionsProvider), Host: cn.host(), HostName: hostName,
		Account: cn.GetString(c.CalendarConnectionsAccount), Status: cn.status(),
		WriteCalendar: cn.GetString(c.CalendarConnectionsWriteCalendar), LastError: cn.GetString(c.CalendarConnectionsLastError)}
	if err := cn.decodeJSON(c.CalendarConnectionsBusyCalendars, &v.BusyCalendars); err != nil {
		v.LastError = err.Error()
	}
	if t := cn.GetDateTime(c.CalendarConnectionsLastSynced); !t.IsZero() {
		v.LastSynced = rfc3339(t.Time())
	}
	return v
}

// allCalDAVViews lists every connection of provider (CalDAV, Microsoft)
// with its host's name, for the admin connections list (GET
// /api/admin/google/connections "caldav", "microsoft").
func allCalDAVViews(app core.App, names map[string]string, provider string) ([]caldavView, error) {
	records, err := app.FindRecordsByFilter(c.CalendarConnections, "provider = {:p}", "created", 0, 0, map[string]any{"p": provider})
	if err != nil {
		return nil, fmt.Errorf("%s connections: %w", provider, err)
	}
	out := make([]caldavView, len(records))
	for i, r := range records {
		out[i] = caldavViewOf(&connection{r}, names[r.GetString(c.CalendarConnectionsHost)])
	}
	return out, nil
}

// caldavRoutes are the get, sync and disconnect handlers of one kind of
// connection (provider, whose sync job is syncJob: CalDAV, Microsoft) for
// one scope: the admin's (the host from {id}) or the signed-in host's.
type caldavRoutes struct {
	s        *server
	hostID   func(e *core.RequestEvent) (string, error)
	provider string
	syncJob  string
}

// connection loads the route's host's connection of provider (404 when none).
func (rt caldavRoutes) connection(e *core.RequestEvent) (*connection, error) {
	hostID, err := rt.hostID(e)
	if err != nil {
		return nil, err
	}
	cn, err := findProviderConnection(e.App, hostID, rt.provider)
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	if cn == nil {
		return nil, e.NotFoundError("This host has no "+rt.provider+" connection.", nil)
	}
	return cn, nil
}

// get answers GET …/caldav (…/microsoft): the connection, or {"status":"not_connected"}.
func (rt caldavRoutes) get(e *core.RequestEvent) error {
	hostID, err := rt.hostID(e)
	if err != nil {
		return err
	}
	cn, err := findProviderConnection(e.App, hostID, rt.provider)
	if err != nil {
		return e.InternalServerError("", err)
	}
	if cn == nil {
		return e.JSON(http.StatusOK, map[string]string{"kind": rt.provider, "host": hostID, "status": "not_connected"})
	}
	return e.JSON(http.StatusOK, caldavViewOf(cn, ""))
}

// sync answers POST …/caldav/sync: a sync now (202).
func (rt caldavRoutes) sync(e *core.RequestEvent) error {
	cn, err := rt.connection(e)
	if err != nil {
		return err
	}
	if err := rt.s.enqueueConnectionSync(rt.syncJob, cn.Id, "manual", "manual:"+rt.s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusAccepted, map[string]string{"status": "queued"})
}

// disconnect answers DELETE …/caldav: the connection, its busy time and its
// event rows go in one transaction (events already on the server stay).
func (rt caldavRoutes) disconnect(e *core.RequestEvent) error {
	cn, err := rt.connection(e)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := deleteBusyBlocks(tx, cn.Id); err != nil {
			return err
		}
		return auditedDelete(tx, actorOf(e), cn.Record)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// caldavEventRow is the caldav_events row of (connection, booking), or nil.
func caldavEventRow(app core.App, connID, bookingID string) (*core.Record, error) {
	r, err := app.FindFirstRecordByFilter(c.CalDAVEvents, "connection = {:c} && booking = {:b}", map[string]any{"c": connID, "b": bookingID})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("caldav event of booking %s: %w", bookingID, err)
	}
	return r, nil
}
