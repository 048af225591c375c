package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// Job kinds of the Google Calendar integration.
const (
	// KindGcalWrite makes a host's calendar show one booking as it is now
	// (insert or patch under the booking's event id, or delete).
	KindGcalWrite = "gcal.write"
	// KindGcalSync brings one connection's busy_blocks up to date.
	KindGcalSync = "gcal.sync"
)

// reconnectWait is how long jobs of a connection that needs a reconnect
// sleep before they look again; a reconnect wakes them at once.
const reconnectWait = 6 * time.Hour

// startGoogleRefresh schedules the periodic sync when Google is configured.
func (s *server) startGoogleRefresh() {
	if !s.googleConfig().Configured() {
		return
	}
	// The periodic refresh: the fallback when push channels are off or lost,
	// and the time channels are renewed.
	s.app.Cron().MustAdd("slotbase_gcal_sync", "*/5 * * * *", func() {
		if err := s.enqueueSyncAll(); err != nil {
			s.app.Logger().Error("google: scheduling the periodic sync", "error", err)
		}
	})
}

// googleConfig is the OAuth client and endpoints from the server config.
func (s *server) googleConfig() gcal.Config {
	return gcal.Config{
		ClientID: s.cfg.GoogleClientID, ClientSecret: s.cfg.GoogleClientSecret,
		AuthURL: s.cfg.GoogleAuthURL, TokenURL: s.cfg.GoogleTokenURL, APIBase: s.cfg.GoogleAPIBase,
		Timeout: s.cfg.GoogleTimeout,
	}
}

// connection wraps a calendar_connections record.
type connection struct{ *core.Record }

func (cn connection) status() string { return cn.GetString(c.CalendarConnectionsStatus) }
func (cn connection) host() string   { return cn.GetString(c.CalendarConnectionsHost) }

// busyCalendars are the calendar ids whose events count as busy ("primary"
// by default). An unreadable value is an error, not "primary": syncing the
// wrong calendars would silently drop busy time.
func (cn connection) busyCalendars() ([]string, error) {
	var ids []string
	if err := cn.decodeJSON(c.CalendarConnectionsBusyCalendars, &ids); err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return []string{"primary"}, nil
	}
	return ids, nil
}

// writeCalendar is the calendar bookings go to ("primary" by default).
func (cn connection) writeCalendar() string {
	if id := cn.GetString(c.CalendarConnectionsWriteCalendar); id != "" {
		return id
	}
	return "primary"
}

// syncState is the hidden sync_state JSON of a connection.
type syncState struct {
	Calendars map[string]calendarSync `json:"calendars"`
	Channels  []gcal.Channel          `json:"channels,omitempty"`
}

// calendarSync is the sync position of one busy calendar.
type calendarSync struct {
	SyncToken string    `json:"sync_token"`
	FullSync  time.Time `json:"full_sync"`
}

// syncState reads the connection's sync_state; an unreadable value is an
// error (taking it as empty would forget the push channels it lists).
func (cn connection) syncState() (syncState, error) {
	var st syncState
	if err := cn.decodeJSON(c.CalendarConnectionsSyncState, &st); err != nil {
		return syncState{}, err
	}
	if st.Calendars == nil {
		st.Calendars = map[string]calendarSync{}
	}
	for i := range st.Channels {
		st.Channels[i].Token = "" // derived from the secret, never kept
	}
	return st, nil
}

// decodeJSON decodes the connection's JSON field key into v; an empty or
// null field leaves v as it is.
func (cn connection) decodeJSON(key string, v any) error {
	raw := strings.TrimSpace(cn.GetString(key))
	if raw == "" || raw == "null" {
		return nil
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return fmt.Errorf("%s of calendar connection %s: %w", key, cn.Id, err)
	}
	return nil
}

// findConnection returns host's Google connection, or nil, nil when the host
// has none. Any other error is returned: a job must fail (and retry) on it,
// never take it as "no connection" and complete.
func findConnection(app core.App, hostID string) (*connection, error) {
	return findProviderConnection(app, hostID, c.ProviderGoogle)
}

// findProviderConnection returns host's connection of kind provider (one per
// host for the kinds that write events), or nil, nil when there is none;
// any other error is returned.
func findProviderConnection(app core.App, hostID, provider string) (*connection, error) {
	r, err := app.FindFirstRecordByFilter(c.CalendarConnections, "host = {:h} && provider = {:p}", map[string]any{"h": hostID, "p": provider})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("%s calendar connection of host %s: %w", provider, hostID, err)
	}
	return &connection{r}, nil
}

// calendarService builds the official client for a connection: its tokens
// are opened with the server key, and a refreshed token is sealed and saved
// again before it is used.
func (s *server) calendarService(cn *connection) (*calendar.Service, error) {
	cfg := s.googleConfig()
	if !cfg.Configured() {
		return nil, gcal.ErrNotConfigured
	}
	tok, err := gcal.OpenToken(s.secret, cn.GetString(c.CalendarConnectionsTokens))
	if err != nil {
		return nil, err
	}
	id := cn.Id
	ts := gcal.NewPersistingTokenSource(cfg.TokenSource(tok), tok, func(t *oauth2.Token) error { return s.saveTokens(id, t) })
	return cfg.Service(context.Background(), ts)
}

// saveTokens seals t into the connection's tokens_encrypted.
func (s *server) saveTokens(connID string, t *oauth2.Token) error {
	sealed, err := gcal.SealToken(s.secret, t)
	if err != nil {
		return err
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(c.CalendarConnections, connID)
		if err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsTokens, sealed)
		return tx.Save(r)
	})
}

// expireAccessToken makes the next use of the connection refresh its token
// (after a 401, so that a revoked grant shows up as invalid_grant).
func (s *server) expireAccessToken(cn *connection) error {
	tok, err := gcal.OpenToken(s.secret, cn.GetString(c.CalendarConnectionsTokens))
	if err != nil {
		return err
	}
	tok.AccessToken, tok.Expiry = "", time.Unix(1, 0)
	return s.saveTokens(cn.Id, tok)
}

// updateConnection loads the connection afresh, lets set change it and saves.
func (s *server) updateConnection(connID string, set func(r *core.Record)) error {
	return s.app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(c.CalendarConnections, connID)
		if err != nil {
			return err
		}
		set(r)
		return auditedSave(tx, systemActor, ActionRecordUpdated, r)
	})
}

// googleFailure records what err means for the connection and returns the
// error the job should end with: invalid_grant marks the connection
// needs_reconnect (the reason in last_error and the log) and defers the job
// without spending an attempt; a 401 forces a refresh next time; anything
// else (429, 5xx, timeouts) is retried with backoff.
func (s *server) googleFailure(cn *connection, err error) error {
	log := s.app.Logger().With("component", "google", "connection", cn.Id, "host", cn.host())
	switch {
	case gcal.IsInvalidGrant(err) || errors.Is(err, gcal.ErrNotConfigured):
		reason := fmt.Sprintf("Google refused the saved authorisation at %s (invalid_grant: revoked, expired or password changed). Reconnect the account.", s.now().Format(time.RFC3339))
		if errors.Is(err, gcal.ErrNotConfigured) {
			reason = err.Error()
		}
		if uerr := s.updateConnection(cn.Id, func(r *core.Record) {
			r.Set(c.CalendarConnectionsStatus, c.ConnectionNeedsReconnect)
			r.Set(c.CalendarConnectionsLastError, truncate(reason, 2000))
		}); uerr != nil {
			// Not deferred for hours while the admin view still says
			// "connected": retried soon, and marked on the next attempt.
			log.Error("google: marking the connection needs_reconnect", "error", uerr)
			return fmt.Errorf("google: %w (marking the connection needs_reconnect: %w)", err, uerr)
		}
		log.Warn("google: connection needs a reconnect", "reason", reason)
		return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	case gcal.IsUnauthorized(err):
		if xerr := s.expireAccessToken(cn); xerr != nil {
			log.Error("google: expiring the access token", "error", xerr)
		}
		return fmt.Errorf("google: access token refused (will refresh): %w", err)
	default:
		return fmt.Errorf("google: %w", err)
	}
}

// resumeGoogleJobs makes the waiting Google jobs due now (after a reconnect).
func (s *server) resumeGoogleJobs(tx core.App) error {
	return resumeJobs(tx, s.now(), KindGcalWrite, KindGcalSync)
}

// resumeJobs makes the pending jobs of kinds that wait past now due now
// (after a reconnect wakes a connection's deferred jobs).
func resumeJobs(tx core.App, now time.Time, kinds ...string) error {
	params := map[string]any{"now": c.UTCString(now)}
	records, err := tx.FindRecordsByFilter(c.Jobs, "status = 'pending' && "+anyOf("kind", kinds, params)+" && run_after > {:now}", "", 0, 0, params)
	if err != nil {
		return err
	}
	for _, r := range records {
		r.Set(c.JobsRunAfter, now)
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	return nil
}

// gcalSyncPayload is the payload of a KindGcalSync job.
type gcalSyncPayload struct {
	Connection string `json:"connection"`
	Reason     string `json:"reason"` // periodic, push, connect, manual
}

// enqueueSync asks for a sync of one connection, at most once per key.
func (s *server) enqueueSync(connID, reason, key string) error {
	err := s.app.RunInTransaction(func(tx core.App) error {
		return enqueueOnce(tx, "gcal.sync:"+connID+":"+key, KindGcalSync, gcalSyncPayload{Connection: connID, Reason: reason}, "", s.now())
	})
	if err == nil {
		s.worker.Wake()
	}
	return err
}

// enqueueSyncAll schedules the periodic sync of every connected connection.
func (s *server) enqueueSyncAll() error {
	records, err := s.app.FindRecordsByFilter(c.CalendarConnections, "provider = {:p} && status = {:s}", "", 0, 0, map[string]any{"p": c.ProviderGoogle, "s": c.ConnectionConnected})
	if err != nil {
		return err
	}
	bucket := s.now().Truncate(5 * time.Minute).Format("200601021504")
	for _, r := range records {
		if err := s.enqueueSync(r.Id, "periodic", "periodic:"+bucket); err != nil {
			return err
		}
	}
	return nil
}

func decodePayload(j queue.Job, v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	return nil
}
