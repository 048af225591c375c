package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/icsfeed"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// icsFeedView is how the admin API shows an ICS subscription: never its
// URL, only the scheme and host (the path is often the secret).
type icsFeedView struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"` // "ics"
	Host       string `json:"host"`
	HostName   string `json:"host_name,omitempty"`
	URL        string `json:"url"` // masked: https://calendar.example.com/…
	Status     string `json:"status"`
	LastSynced string `json:"last_synced"`
	Stale      bool   `json:"stale"`
	LastError  string `json:"last_error"`
	Blocks     int    `json:"blocks"`
}

// maskFeedURL keeps the scheme and host of a feed URL.
func maskFeedURL(u *url.URL) string { return u.Scheme + "://" + u.Host + "/…" }

func (s *server) icsFeedViewOf(r *core.Record, hostName string) icsFeedView {
	cn := connection{r}
	v := icsFeedView{ID: r.Id, Kind: c.ProviderICS, Host: cn.host(), HostName: hostName, URL: r.GetString(c.CalendarConnectionsAccount),
		Status: cn.status(), LastError: r.GetString(c.CalendarConnectionsLastError)}
	var st icsSyncState
	if err := cn.decodeJSON(c.CalendarConnectionsSyncState, &st); err == nil {
		v.Blocks = st.Blocks
	}
	if t := r.GetDateTime(c.CalendarConnectionsLastSynced); !t.IsZero() {
		v.LastSynced = rfc3339(t.Time())
		v.Stale = s.now().Sub(t.Time()) > 2*icsRefreshEvery
	} else {
		v.Stale = true
	}
	return v
}

// icsFeedsOf reads the ICS subscriptions of host hostID ("" for all).
func icsFeedsOf(app core.App, hostID string) ([]*core.Record, error) {
	filter, params := "provider = {:p}", map[string]any{"p": c.ProviderICS}
	if hostID != "" {
		filter += " && host = {:h}"
		params["h"] = hostID
	}
	records, err := app.FindRecordsByFilter(c.CalendarConnections, filter, "created", 0, 0, params)
	if err != nil {
		return nil, fmt.Errorf("ics feeds: %w", err)
	}
	return records, nil
}

// allICSFeedViews lists every subscription with its host's name, for the
// admin connections list (GET /api/admin/google/connections "feeds").
func (s *server) allICSFeedViews(app core.App, names map[string]string) ([]icsFeedView, error) {
	records, err := icsFeedsOf(app, "")
	if err != nil {
		return nil, err
	}
	out := make([]icsFeedView, len(records))
	for i, r := range records {
		out[i] = s.icsFeedViewOf(r, names[r.GetString(c.CalendarConnectionsHost)])
	}
	return out, nil
}

// handleListICSFeeds answers GET /api/admin/hosts/{id}/ics-feeds.
func (s *server) handleListICSFeeds(e *core.RequestEvent) error {
	hostID, err := pathHostID(e)
	if err != nil {
		return err
	}
	records, err := icsFeedsOf(e.App, hostID)
	if err != nil {
		return e.InternalServerError("", err)
	}
	out := make([]icsFeedView, len(records))
	for i, r := range records {
		out[i] = s.icsFeedViewOf(r, "")
	}
	return e.JSON(http.StatusOK, map[string]any{"feeds": out})
}

// handleAddICSFeed answers POST /api/admin/hosts/{id}/ics-feeds {url}: the
// URL is sealed with the server key, shown masked, and fetched at once.
func (s *server) handleAddICSFeed(e *core.RequestEvent) error {
	hostID, err := pathHostID(e)
	if err != nil {
		return err
	}
	var body struct {
		URL string `json:"url"`
	}
	if err := e.BindBody(&body); err != nil {
		return badRequest(e, map[string]error{"url": fieldErr("the body must be JSON: {\"url\": \"https://…\"}")})
	}
	if body.URL == "" {
		return badRequest(e, map[string]error{"url": fieldErr("required")})
	}
	if len(body.URL) > 4000 {
		return badRequest(e, map[string]error{"url": fieldErr("at most 4000 characters")})
	}
	u, err := icsfeed.CheckURL(body.URL, s.cfg.ICSAllowPrivate)
	if err != nil {
		return badRequest(e, map[string]error{"url": fieldErr(err.Error())})
	}
	sealed, err := secretbox.Seal(s.secret, PurposeICSURL, []byte(u.String()))
	if err != nil {
		return e.InternalServerError("", err)
	}
	r, err := newRecord(e.App, c.CalendarConnections, map[string]any{
		c.CalendarConnectionsHost: hostID, c.CalendarConnectionsProvider: c.ProviderICS,
		c.CalendarConnectionsAccount: maskFeedURL(u), c.CalendarConnectionsTokens: sealed,
		c.CalendarConnectionsSyncState: icsSyncState{}, c.CalendarConnectionsStatus: c.ConnectionConnected,
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	if err := auditedSave(e.App, actorOf(e), ActionRecordCreated, r); err != nil {
		return e.InternalServerError("", err)
	}
	if err := s.enqueueICSSync(r.Id, "added", "added"); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusCreated, s.icsFeedViewOf(r, ""))
}

// icsFeedFromPath loads the subscription {feed} of host {id} (else 404).
func icsFeedFromPath(e *core.RequestEvent) (*core.Record, error) {
	r, err := e.App.FindFirstRecordByFilter(c.CalendarConnections, "id = {:id} && host = {:h} && provider = {:p}",
		map[string]any{"id": e.Request.PathValue("feed"), "h": e.Request.PathValue("id"), "p": c.ProviderICS})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, e.NotFoundError("No such ICS feed of this host.", nil)
	}
	if err != nil {
		return nil, e.InternalServerError("", fmt.Errorf("ics feed: %w", err))
	}
	return r, nil
}

// handleSyncICSFeed answers POST /api/admin/hosts/{id}/ics-feeds/{feed}/sync.
func (s *server) handleSyncICSFeed(e *core.RequestEvent) error {
	r, err := icsFeedFromPath(e)
	if err != nil {
		return err
	}
	if err := s.enqueueICSSync(r.Id, "manual", "manual:"+s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusAccepted, map[string]string{"status": "queued"})
}

// handleDeleteICSFeed answers DELETE /api/admin/hosts/{id}/ics-feeds/{feed}:
// the subscription and its busy time go in one transaction.
func (s *server) handleDeleteICSFeed(e *core.RequestEvent) error {
	r, err := icsFeedFromPath(e)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		if err := deleteBusyBlocks(tx, r.Id); err != nil {
			return err
		}
		return auditedDelete(tx, actorOf(e), r)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.NoContent(http.StatusNoContent)
}

// deleteBusyBlocks deletes every busy block of connection connID in tx
// (through records, so the slot cache and the replica see each one).
func deleteBusyBlocks(tx core.App, connID string) error {
	blocks, err := tx.FindRecordsByFilter(c.BusyBlocks, "connection = {:c}", "", 0, 0, map[string]any{"c": connID})
	if err != nil {
		return err
	}
	for _, b := range blocks {
		if err := tx.Delete(b); err != nil {
			return err
		}
	}
	return nil
}
