package hooks

import (
	"context"
	"database/sql"
	"errors"
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/oauth2"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
)

const (
	// callbackPath is the OAuth redirect URI path (register it at Google).
	callbackPath = "/api/google/callback"
	// stateTTL is how long a connect link stays valid.
	stateTTL = 15 * time.Minute
	// staleAfter marks busy time as stale in the admin view.
	staleAfter = 15 * time.Minute
)

// redirectURL is public_url + callbackPath, or the request's own origin when
// no public URL is set (a laptop run). A database error is returned, not
// taken as "no public URL" (Google would refuse the other redirect).
func (s *server) redirectURL(e *core.RequestEvent) (string, error) {
	origin, err := publicOrigin(e)
	if err != nil {
		return "", err
	}
	return origin + callbackPath, nil
}

// handleGoogleConnect answers GET /api/admin/google/connect?host=ID with the
// Google consent URL for that host (googleConnectURL).
func (s *server) handleGoogleConnect(e *core.RequestEvent) error {
	hostID := e.Request.URL.Query().Get("host")
	if _, err := e.App.FindRecordById(c.Hosts, hostID); errors.Is(err, sql.ErrNoRows) {
		return badRequest(e, map[string]error{"host": fieldErr("no host with this id")})
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	return s.googleConnectURL(e, hostID)
}

// googleConnectURL answers with the Google consent URL for host hostID:
// offline access, PKCE (S256) and a sealed state that expires in 15 minutes.
func (s *server) googleConnectURL(e *core.RequestEvent, hostID string) error {
	cfg := s.googleConfig()
	if !cfg.Configured() {
		return e.BadRequestError(gcal.ErrNotConfigured.Error(), nil)
	}
	verifier := oauth2.GenerateVerifier()
	redirect, err := s.redirectURL(e)
	if err != nil {
		return e.InternalServerError("", err)
	}
	state, err := gcal.SealState(s.secret, gcal.OAuthState{Host: hostID, Verifier: verifier, Expires: s.now().Add(stateTTL), Redirect: redirect})
	if err != nil {
		return e.InternalServerError("", err)
	}
	oc := cfg.OAuth2()
	oc.RedirectURL = redirect
	url := oc.AuthCodeURL(state, oauth2.AccessTypeOffline, oauth2.ApprovalForce, oauth2.S256ChallengeOption(verifier))
	return e.JSON(http.StatusOK, map[string]string{"url": url, "redirect_uri": redirect})
}

// handleGoogleCallback answers GET /api/google/callback: Google sends the
// browser back with a code; the sealed state says for which host. Tokens are
// sealed before they are stored, and jobs waiting for a reconnect resume.
func (s *server) handleGoogleCallback(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	if msg := q.Get("error"); msg != "" {
		return callbackPage(e, http.StatusBadRequest, "Google did not connect the account: "+msg)
	}
	st, err := gcal.OpenState(s.secret, q.Get("state"), s.now())
	if err != nil {
		return callbackPage(e, http.StatusBadRequest, err.Error())
	}
	cfg := s.googleConfig()
	cfg.RedirectURL = st.Redirect
	ctx, cancel := context.WithTimeout(e.Request.Context(), 30*time.Second)
	defer cancel()
	tok, err := cfg.Exchange(ctx, q.Get("code"), st.Verifier)
	if err != nil {
		e.App.Logger().Warn("google: code exchange failed", "host", st.Host, "invalid_grant", gcal.IsInvalidGrant(err))
		return callbackPage(e, http.StatusBadGateway, "Google did not accept the sign-in; start again from the admin page.")
	}
	if tok.RefreshToken == "" {
		return callbackPage(e, http.StatusBadGateway, "Google sent no refresh token; remove slotbase's access in your Google account and connect again.")
	}
	sealed, err := gcal.SealToken(s.secret, tok)
	if err != nil {
		return e.InternalServerError("", err)
	}
	svc, err := cfg.Service(ctx, cfg.TokenSource(tok))
	if err != nil {
		return e.InternalServerError("", err)
	}
	account, err := gcal.PrimaryAccount(ctx, svc)
	if err != nil {
		return callbackPage(e, http.StatusBadGateway, "Connected, but Google Calendar did not answer; try again.")
	}
	var connID string
	err = e.App.RunInTransaction(func(tx core.App) error {
		cn, err := findConnection(tx, st.Host)
		if err != nil {
			return err
		}
		var r *core.Record
		if cn != nil {
			r = cn.Record
			if r.GetString(c.CalendarConnectionsAccount) != account { // another account: start over
				r.Set(c.CalendarConnectionsSyncState, syncState{Calendars: map[string]calendarSync{}})
			}
		} else if r, err = newRecord(tx, c.CalendarConnections, map[string]any{
			c.CalendarConnectionsHost: st.Host, c.CalendarConnectionsProvider: "google",
			c.CalendarConnectionsBusyCalendars: []string{"primary"}, c.CalendarConnectionsWriteCalendar: "primary",
		}); err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsAccount, account)
		r.Set(c.CalendarConnectionsTokens, sealed)
		r.Set(c.CalendarConnectionsStatus, c.ConnectionConnected)
		r.Set(c.CalendarConnectionsLastError, "")
		if err := tx.Save(r); err != nil {
			return err
		}
		connID = r.Id
		return s.resumeGoogleJobs(tx)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.App.Logger().Info("google: account connected", "host", st.Host, "connection", connID, "account", account)
	if err := s.enqueueSync(connID, "connect", "connect:"+s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	return callbackPage(e, http.StatusOK, "Connected "+account+". Busy time syncs in the background; you can close this tab.")
}

// stopChannels asks Google to stop the connection's push channels. Failures
// are logged, not returned: a channel left open expires within a week, and
// its notifications find no connection (404).
func (s *server) stopChannels(cn *connection) {
	log := s.app.Logger().With("component", "google", "connection", cn.Id)
	st, err := cn.syncState()
	if err != nil {
		log.Warn("google: push channels not stopped at disconnect", "error", err)
		return
	}
	if len(st.Channels) == 0 {
		return
	}
	svc, err := s.calendarService(cn)
	if err != nil {
		log.Warn("google: push channels not stopped at disconnect", "error", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, ch := range st.Channels {
		ch.Token = gcal.ChannelToken(s.secret, ch.ID)
		if err := gcal.StopChannel(ctx, svc, ch); err != nil {
			log.Warn("google: push channel not stopped at disconnect", "channel", ch.ID, "error", err)
		}
	}
}

func callbackPage(e *core.RequestEvent, status int, msg string) error {
	return e.HTML(status, `<!doctype html><meta charset="utf-8"><title>Google Calendar</title>
<body style="font-family:system-ui;max-width:40em;margin:3em auto"><h1>Google Calendar</h1><p>`+html.EscapeString(msg)+
		`</p><p><a href="/admin/#/calendars">Back to the calendar connections</a></p></body>`)
}

// connectionView is how the admin API shows a connection (never its tokens).
type connectionView struct {
	ID            string   `json:"id"`
	Kind          string   `json:"kind"` // "google"; ICS feeds are listed as "feeds"
	Host          string   `json:"host"`
	HostName      string   `json:"host_name"`
	Account       string   `json:"account"`
	Status        string   `json:"status"`
	LastError     string   `json:"last_error"`
	LastSynced    string   `json:"last_synced"`
	Stale         bool     `json:"stale"`
	BusyCalendars []string `json:"busy_calendars"`
	WriteCalendar string   `json:"write_calendar"`
	PushChannels  int      `json:"push_channels"`
	WaitingJobs   int      `json:"waiting_jobs"`
}

// handleGoogleConnections answers GET /api/admin/google/connections: every
// host with its connection state, staleness and the jobs waiting on it.
func (s *server) handleGoogleConnections(e *core.RequestEvent) error {
	hosts, err := e.App.FindAllRecords(c.Hosts)
	if err != nil {
		return e.InternalServerError("", err)
	}
	waiting, err := waitingCalendarWrites(e.App)
	if err != nil {
		return e.InternalServerError("", err)
	}
	out := []connectionView{}
	names := map[string]string{}
	for _, h := range hosts {
		v, err := s.connectionViewOf(e.App, c.NewHost(h), waiting)
		if err != nil {
			return e.InternalServerError("", err)
		}
		out = append(out, v)
		names[h.Id] = c.NewHost(h).Name()
	}
	feeds, err := s.allICSFeedViews(e.App, names)
	if err != nil {
		return e.InternalServerError("", err)
	}
	dav, err := allCalDAVViews(e.App, names, c.ProviderCalDAV)
	if err != nil {
		return e.InternalServerError("", err)
	}
	ms, err := allCalDAVViews(e.App, names, c.ProviderMicrosoft)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]any{"configured": s.googleConfig().Configured(), "connections": out, "feeds": feeds, "caldav": dav,
		"microsoft": ms, "microsoft_configured": s.cfg.MicrosoftClientID != ""})
}

// connectionViewOf shows host's Google connection ("not_connected" when it
// has none); waiting is the count of calendar writes waiting for reconnects.
func (s *server) connectionViewOf(app core.App, h *c.Host, waiting int64) (connectionView, error) {
	v := connectionView{Kind: c.ProviderGoogle, Host: h.Id, HostName: h.Name(), Status: "not_connected"}
	cn, err := findConnection(app, h.Id)
	if err != nil || cn == nil {
		return v, err
	}
	v.ID, v.Account, v.Status = cn.Id, cn.GetString(c.CalendarConnectionsAccount), cn.status()
	v.LastError, v.WriteCalendar = cn.GetString(c.CalendarConnectionsLastError), cn.writeCalendar()
	// An unreadable stored value is shown on its connection rather than
	// failing the whole list.
	var unreadable []string
	if v.BusyCalendars, err = cn.busyCalendars(); err != nil {
		unreadable = append(unreadable, err.Error())
	}
	if st, err := cn.syncState(); err != nil {
		unreadable = append(unreadable, err.Error())
	} else {
		v.PushChannels = len(st.Channels)
	}
	if len(unreadable) > 0 {
		v.LastError = strings.TrimSpace(v.LastError + "\nUnreadable stored settings: " + strings.Join(unreadable, "; "))
	}
	if t := cn.GetDateTime(c.CalendarConnectionsLastSynced); !t.IsZero() {
		v.LastSynced = rfc3339(t.Time())
		v.Stale = s.now().Sub(t.Time()) > staleAfter
	} else {
		v.Stale = cn.status() == c.ConnectionConnected
	}
	if cn.status() == c.ConnectionNeedsReconnect {
		v.WaitingJobs = int(waiting)
	}
	return v, nil
}

// waitingCalendarWrites counts the calendar writes waiting in the queue.
func waitingCalendarWrites(app core.App) (int64, error) {
	return app.CountRecords(c.Jobs, dbx.NewExp("status = 'pending' AND kind = {:k}", dbx.Params{"k": KindGcalWrite}))
}

// connectionFromPath loads the connection named by {id}.
func connectionFromPath(e *core.RequestEvent) (*connection, error) {
	r, err := e.App.FindRecordById(c.CalendarConnections, e.Request.PathValue("id"))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, e.NotFoundError("No such calendar connection.", nil)
	}
	if err != nil {
		return nil, e.InternalServerError("", err)
	}
	return &connection{r}, nil
}

// handleGoogleSyncNow answers POST /api/admin/google/connections/{id}/sync.
func (s *server) handleGoogleSyncNow(e *core.RequestEvent) error {
	cn, err := connectionFromPath(e)
	if err != nil {
		return err
	}
	return s.googleSyncNow(e, cn)
}

// googleSyncNow queues a sync of cn: 202.
func (s *server) googleSyncNow(e *core.RequestEvent, cn *connection) error {
	if err := s.enqueueSync(cn.Id, "manual", "manual:"+s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusAccepted, map[string]string{"status": "queued"})
}

// handleGoogleDisconnect answers POST /api/admin/google/connections/{id}/disconnect.
func (s *server) handleGoogleDisconnect(e *core.RequestEvent) error {
	cn, err := connectionFromPath(e)
	if err != nil {
		return err
	}
	return s.googleDisconnect(e, cn)
}

// googleDisconnect disconnects cn: push channels stop, tokens and busy
// time are dropped, the record stays.
func (s *server) googleDisconnect(e *core.RequestEvent, cn *connection) error {
	if cn.status() == c.ConnectionConnected {
		s.stopChannels(cn) // best effort: the disconnect goes ahead regardless
	}
	err := e.App.RunInTransaction(func(tx core.App) error {
		if err := deleteBusyBlocks(tx, cn.Id); err != nil {
			return err
		}
		r, err := tx.FindRecordById(c.CalendarConnections, cn.Id)
		if err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsTokens, "")
		r.Set(c.CalendarConnectionsSyncState, syncState{Calendars: map[string]calendarSync{}})
		r.Set(c.CalendarConnectionsStatus, c.ConnectionDisconnected)
		r.Set(c.CalendarConnectionsLastError, "")
		return tx.Save(r)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]string{"status": c.ConnectionDisconnected})
}
