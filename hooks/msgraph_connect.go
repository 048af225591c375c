package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"golang.org/x/oauth2"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/msgraph"
	"github.com/slotbase/slotbase/internal/secretbox"
)

const (
	// msgraphCallbackPath is the redirect URI path to register with the
	// Microsoft app (MICROSOFT.md).
	msgraphCallbackPath = "/api/microsoft/callback"
	// PurposeMicrosoftToken and PurposeMicrosoftState are the secretbox
	// purposes of a sealed Microsoft token and of a sealed connect state
	// (distinct from Google's, so one never opens as the other).
	PurposeMicrosoftToken = "slotbase microsoft token"
	PurposeMicrosoftState = "slotbase microsoft oauth state"
	// msgraphAccount is what account shows: the granted scopes do not
	// include reading the address before the first Graph call.
	msgraphAccount = "Microsoft 365 / Outlook.com"
)

// errMicrosoftNotConfigured answers a connect while no app is configured.
var errMicrosoftNotConfigured = errors.New("Microsoft 365 is not configured: set SLOTBASE_MICROSOFT_CLIENT_ID and SLOTBASE_MICROSOFT_CLIENT_SECRET (see MICROSOFT.md)")

// msgraphConfig is the msgraph configuration of this server for redirect
// (the callback URL) and loc (the host's zone, for all-day events). Each
// call is one try: a throttled call returns to the job, which the queue
// defers by Graph's Retry-After, so no worker sleeps.
func (s *server) msgraphConfig(redirect string, loc *time.Location) msgraph.Config {
	return msgraph.Config{
		ClientID: s.cfg.MicrosoftClientID, ClientSecret: s.cfg.MicrosoftClientSecret, Tenant: s.cfg.MicrosoftTenant,
		AuthURL: s.cfg.MicrosoftAuthURL, TokenURL: s.cfg.MicrosoftTokenURL, BaseURL: s.cfg.MicrosoftAPIBase,
		RedirectURL: redirect, Location: loc, MaxTries: 1, Now: s.now,
	}
}

// handleMicrosoftConnect answers GET /api/admin/microsoft/connect?host=ID
// with the Microsoft sign-in URL for that host, like Google's connect:
// {"url", "redirect_uri"}. The state is sealed and carries the host and the
// PKCE verifier; it expires in stateTTL.
func (s *server) handleMicrosoftConnect(e *core.RequestEvent) error {
	if s.cfg.MicrosoftClientID == "" { // say so before asking for a host
		return e.BadRequestError(errMicrosoftNotConfigured.Error(), nil)
	}
	hostID := e.Request.URL.Query().Get("host")
	if _, err := e.App.FindRecordById(c.Hosts, hostID); errors.Is(err, sql.ErrNoRows) {
		return badRequest(e, map[string]error{"host": fieldErr("no host with this id")})
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	return s.microsoftConnectURL(e, hostID)
}

// handleHostMicrosoftConnect answers GET /api/host/microsoft/connect: the
// signed-in host connects its own account.
func (s *server) handleHostMicrosoftConnect(e *core.RequestEvent) error {
	return s.microsoftConnectURL(e, hostOf(e).Id)
}

func (s *server) microsoftConnectURL(e *core.RequestEvent, hostID string) error {
	if s.cfg.MicrosoftClientID == "" {
		return e.BadRequestError(errMicrosoftNotConfigured.Error(), nil)
	}
	origin, err := publicOrigin(e)
	if err != nil {
		return e.InternalServerError("", err)
	}
	redirect := origin + msgraphCallbackPath
	cfg := s.msgraphConfig(redirect, nil)
	if err := cfg.Validate(); err != nil {
		return e.BadRequestError("Microsoft 365 configuration: "+err.Error(), nil)
	}
	verifier := oauth2.GenerateVerifier()
	raw, err := json.Marshal(gcal.OAuthState{Host: hostID, Verifier: verifier, Expires: s.now().Add(stateTTL), Redirect: redirect})
	if err != nil {
		return e.InternalServerError("", err)
	}
	state, err := secretbox.Seal(s.secret, PurposeMicrosoftState, raw)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, map[string]string{"url": cfg.AuthCodeURL(state, verifier), "redirect_uri": redirect})
}

// openMicrosoftState verifies a sealed connect state and its expiry.
func (s *server) openMicrosoftState(sealed string) (gcal.OAuthState, error) {
	var st gcal.OAuthState
	raw, err := secretbox.Open(s.secret, PurposeMicrosoftState, sealed)
	if err != nil || json.Unmarshal(raw, &st) != nil || st.Host == "" || st.Verifier == "" {
		return st, errors.New("the connect link is invalid; start again")
	}
	if !s.now().Before(st.Expires) {
		return st, errors.New("the connect link expired; start again")
	}
	return st, nil
}

// handleMicrosoftCallback answers GET /api/microsoft/callback: Microsoft
// sends the browser back with a code; the sealed state names the host and
// holds the PKCE verifier. The token is sealed on the host's Microsoft
// connection (created or reconnected), waiting jobs resume and a first
// sync is queued.
func (s *server) handleMicrosoftCallback(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	if msg := q.Get("error"); msg != "" {
		return msgraphPage(e, http.StatusBadRequest, "Microsoft did not connect the account: "+msg)
	}
	st, err := s.openMicrosoftState(q.Get("state"))
	if err != nil {
		return msgraphPage(e, http.StatusBadRequest, err.Error())
	}
	if _, err := e.App.FindRecordById(c.Hosts, st.Host); errors.Is(err, sql.ErrNoRows) {
		return msgraphPage(e, http.StatusBadRequest, "The host of this connect link no longer exists.")
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	ctx, cancel := context.WithTimeout(e.Request.Context(), 30*time.Second)
	defer cancel()
	tok, err := s.msgraphConfig(st.Redirect, nil).Exchange(ctx, q.Get("code"), st.Verifier)
	if err != nil {
		e.App.Logger().Warn("microsoft: code exchange failed", "host", st.Host, "unauthorized", errors.Is(err, msgraph.ErrUnauthorized))
		return msgraphPage(e, http.StatusBadGateway, "Microsoft did not accept the sign-in; start again from the admin page.")
	}
	if tok.RefreshToken == "" {
		return msgraphPage(e, http.StatusBadGateway, "Microsoft sent no refresh token (offline_access was not granted); connect again.")
	}
	sealed, err := s.sealMicrosoftToken(tok)
	if err != nil {
		return e.InternalServerError("", err)
	}
	var connID string
	err = e.App.RunInTransaction(func(tx core.App) error {
		existing, err := findProviderConnection(tx, st.Host, c.ProviderMicrosoft)
		if err != nil {
			return err
		}
		action, r := ActionRecordUpdated, (*core.Record)(nil)
		if existing != nil {
			r = existing.Record
		} else if r, err = newRecord(tx, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: st.Host, c.CalendarConnectionsProvider: c.ProviderMicrosoft}); err != nil {
			return err
		} else {
			action = ActionRecordCreated
		}
		r.Set(c.CalendarConnectionsAccount, msgraphAccount)
		r.Set(c.CalendarConnectionsTokens, sealed)
		r.Set(c.CalendarConnectionsSyncState, msgraphSyncState{}) // the account may be another: a full sync
		r.Set(c.CalendarConnectionsStatus, c.ConnectionConnected)
		r.Set(c.CalendarConnectionsLastError, "")
		if err := auditedSave(tx, actorOf(e), action, r); err != nil {
			return err
		}
		connID = r.Id
		return resumeJobs(tx, s.now(), KindMSGraphSync, KindMSGraphWrite)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.App.Logger().Info("microsoft: account connected", "host", st.Host, "connection", connID)
	if err := s.enqueueConnectionSync(KindMSGraphSync, connID, "connect", "connect:"+s.now().Format(time.RFC3339Nano)); err != nil {
		return e.InternalServerError("", err)
	}
	return msgraphPage(e, http.StatusOK, "Connected your Microsoft calendar. Busy time syncs in the background; you can close this tab.")
}

func (s *server) sealMicrosoftToken(tok *oauth2.Token) (string, error) {
	raw, err := json.Marshal(tok)
	if err != nil {
		return "", err
	}
	return secretbox.Seal(s.secret, PurposeMicrosoftToken, raw)
}

// msgraphClient opens a connection's sealed token and builds its client;
// every refreshed (rotated) token is sealed onto the row before use.
func (s *server) msgraphClient(cn *connection) (*msgraph.Client, error) {
	raw, err := secretbox.Open(s.secret, PurposeMicrosoftToken, cn.GetString(c.CalendarConnectionsTokens))
	tok := &oauth2.Token{}
	if err != nil || json.Unmarshal(raw, tok) != nil {
		return nil, fmt.Errorf("%w: the stored token cannot be opened with this server's key (connect again)", msgraph.ErrUnauthorized)
	}
	loc, err := hostZone(s.app, cn.host())
	if err != nil {
		return nil, err
	}
	// A refresh sends no redirect URI; Validate only wants a well-formed one.
	return msgraph.NewClient(s.msgraphConfig("https://refresh.invalid"+msgraphCallbackPath, loc), tok, func(t *oauth2.Token) error {
		sealed, err := s.sealMicrosoftToken(t)
		if err != nil {
			return err
		}
		return s.updateConnection(cn.Id, func(r *core.Record) { r.Set(c.CalendarConnectionsTokens, sealed) })
	})
}

func msgraphPage(e *core.RequestEvent, status int, msg string) error {
	return e.HTML(status, `<!doctype html><meta charset="utf-8"><title>Microsoft 365 calendar</title>
<body style="font-family:system-ui;max-width:40em;margin:3em auto"><h1>Microsoft 365 calendar</h1><p>`+html.EscapeString(msg)+
		`</p><p><a href="/admin/#/calendars">Back to the calendar connections</a></p></body>`)
}
