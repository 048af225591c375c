// Package gcal is slotbase's Google Calendar client: it builds the official
// calendar/v3 client for a connection, turns a calendar's events into busy
// blocks by full and incremental sync, writes one event per booking under an
// id derived from the booking, and classifies Google's errors. It takes plain
// values (the clock included) and knows nothing about PocketBase.
package gcal

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// Google's public endpoints; Config fields override them (tests aim them at
// fakegoogle).
const (
	DefaultAuthURL  = "https://accounts.google.com/o/oauth2/v2/auth"
	DefaultTokenURL = "https://oauth2.googleapis.com/token"
	DefaultAPIBase  = "https://www.googleapis.com"
)

// Scopes slotbase asks for: read events of the chosen calendars (busy time)
// and write the booking events.
var Scopes = []string{calendar.CalendarEventsScope, calendar.CalendarReadonlyScope}

// Errors of the package; hooks/ turns them into connection states.
var (
	// ErrInvalidGrant means the refresh token was revoked or expired: only a
	// reconnect by a person helps.
	ErrInvalidGrant = errors.New("google: the authorisation was revoked or expired (invalid_grant); reconnect the account")
	// ErrNotConfigured means no OAuth client id/secret is set.
	ErrNotConfigured = errors.New("google: SLOTBASE_GOOGLE_CLIENT_ID and SLOTBASE_GOOGLE_CLIENT_SECRET are not set")
)

// Config says which OAuth client and which endpoints to use.
type Config struct {
	ClientID     string
	ClientSecret string
	// RedirectURL is the OAuth callback, e.g. https://book.example.org/api/google/callback.
	RedirectURL string
	AuthURL     string // default DefaultAuthURL
	TokenURL    string // default DefaultTokenURL
	APIBase     string // default DefaultAPIBase (no /calendar/v3 suffix)
	// Timeout bounds each HTTP request to Google (default 20 s).
	Timeout time.Duration
}

// Configured reports whether an OAuth client is set.
func (c Config) Configured() bool { return c.ClientID != "" && c.ClientSecret != "" }

// OAuth2 is the oauth2 configuration of the client.
func (c Config) OAuth2() *oauth2.Config {
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURL,
		Scopes:       Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   or(c.AuthURL, DefaultAuthURL),
			TokenURL:  or(c.TokenURL, DefaultTokenURL),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// HTTPClient is the plain client used for token requests (with the timeout).
func (c Config) HTTPClient() *http.Client {
	t := c.Timeout
	if t <= 0 {
		t = 20 * time.Second
	}
	return &http.Client{Timeout: t}
}

// Service builds the official calendar client on ts. The token source must
// have been built on a long-lived context (see TokenSource), never a request's.
func (c Config) Service(ctx context.Context, ts oauth2.TokenSource) (*calendar.Service, error) {
	hc := c.HTTPClient()
	hc.Transport = &oauth2.Transport{Source: ts, Base: http.DefaultTransport}
	return calendar.NewService(ctx,
		option.WithHTTPClient(hc),
		option.WithEndpoint(strings.TrimRight(or(c.APIBase, DefaultAPIBase), "/")+"/calendar/v3/"),
	)
}

// TokenSource refreshes tok when it expires; refreshes go through the
// configured token URL with the request timeout. It keeps a background
// context for every later refresh.
func (c Config) TokenSource(tok *oauth2.Token) oauth2.TokenSource {
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, c.HTTPClient())
	return c.OAuth2().TokenSource(ctx, tok)
}

// Exchange trades an authorisation code (with its PKCE verifier) for tokens.
func (c Config) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.HTTPClient())
	tok, err := c.OAuth2().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	return tok, classify(err)
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

// classify maps an OAuth invalid_grant, wherever it is wrapped, to ErrInvalidGrant.
func classify(err error) error {
	if err == nil {
		return nil
	}
	if IsInvalidGrant(err) && !errors.Is(err, ErrInvalidGrant) {
		return errors.Join(ErrInvalidGrant, err)
	}
	return err
}

// IsInvalidGrant reports whether err is (or wraps) an OAuth invalid_grant.
func IsInvalidGrant(err error) bool {
	if errors.Is(err, ErrInvalidGrant) {
		return true
	}
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}

// StatusCode is the HTTP status of a Google API error, or 0.
func StatusCode(err error) int {
	var ge *googleapi.Error
	if errors.As(err, &ge) {
		return ge.Code
	}
	return 0
}

// IsUnauthorized reports a 401: the access token is no longer accepted.
func IsUnauthorized(err error) bool { return StatusCode(err) == http.StatusUnauthorized }

// IsGone reports a 410 (a stale sync token, or an event already deleted).
func IsGone(err error) bool { return StatusCode(err) == http.StatusGone }

// IsTimeout reports a request that ran out of time.
func IsTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
