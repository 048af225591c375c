// Package msgraph is slotbase's Microsoft 365 / Outlook.com calendar client
// over Microsoft Graph: OAuth with PKCE on the Microsoft identity platform,
// busy time by calendarView delta sync, and booking events written once
// (transactionId) with an optional Teams link. It takes plain values and
// knows nothing of PocketBase.
package msgraph

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Microsoft's public endpoints; Config fields override them (tests aim them
// at fakegraph).
const (
	DefaultTenant  = "common"
	DefaultBaseURL = "https://graph.microsoft.com/v1.0"
	loginBase      = "https://login.microsoftonline.com/"
)

// Scopes slotbase asks for: a refresh token (offline_access), read and
// write the user's calendars, and the account's address (User.Read).
var Scopes = []string{"offline_access", "Calendars.ReadWrite", "User.Read"}

// Config says which app registration and which endpoints to use.
type Config struct {
	// ClientID is the app registration's Application (client) ID.
	ClientID string
	// ClientSecret is optional: empty for a public client (PKCE only).
	ClientSecret string
	// RedirectURL is the OAuth callback registered with the app, e.g.
	// https://book.example.org/api/microsoft/callback.
	RedirectURL string
	// Tenant is "common" (work and personal accounts, the default),
	// "organizations", "consumers" or a tenant id.
	Tenant string
	// BaseURL is Graph's root including the version (DefaultBaseURL).
	BaseURL string
	// AuthURL and TokenURL override the identity platform endpoints.
	AuthURL, TokenURL string
	// HTTPClient sends every request (nil: a client with a 30 s timeout).
	HTTPClient *http.Client
	// Location reads all-day events whose own zone is unknown (nil: UTC).
	Location *time.Location
	// MaxTries bounds the tries of one call on 429/5xx/network errors
	// (default 3); MaxWait is the longest single wait it accepts (default
	// 30 s): a longer Retry-After is returned to the caller at once.
	MaxTries int
	MaxWait  time.Duration
	// Sleep waits d or until ctx ends (default: a timer). Tests inject one.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock for HTTP-date Retry-After values (default time.Now).
	Now func() time.Time
}

// Validate checks what every flow needs; errors name the field.
func (c Config) Validate() error {
	if strings.TrimSpace(c.ClientID) == "" {
		return fmt.Errorf("client_id: must not be empty")
	}
	u, err := url.Parse(c.RedirectURL)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return fmt.Errorf("redirect_url: must be an absolute http(s) URL")
	}
	if strings.ContainsAny(c.Tenant, "/?#") {
		return fmt.Errorf("tenant: must be a tenant id or common, organizations, consumers")
	}
	if c.BaseURL != "" {
		if b, err := url.Parse(c.BaseURL); err != nil || b.Host == "" {
			return fmt.Errorf("base_url: must be an absolute URL")
		}
	}
	return nil
}

// OAuth2 is the oauth2 configuration for the identity platform.
func (c Config) OAuth2() *oauth2.Config {
	tenant := or(c.Tenant, DefaultTenant)
	return &oauth2.Config{
		ClientID:     c.ClientID,
		ClientSecret: c.ClientSecret,
		RedirectURL:  c.RedirectURL,
		Scopes:       Scopes,
		Endpoint: oauth2.Endpoint{
			AuthURL:   or(c.AuthURL, loginBase+tenant+"/oauth2/v2.0/authorize"),
			TokenURL:  or(c.TokenURL, loginBase+tenant+"/oauth2/v2.0/token"),
			AuthStyle: oauth2.AuthStyleInParams,
		},
	}
}

// AuthCodeURL is the sign-in URL for a connect flow: state is the caller's
// sealed state, verifier a fresh oauth2.GenerateVerifier() kept secret in
// it; the URL carries only its S256 challenge.
func (c Config) AuthCodeURL(state, verifier string) string {
	return c.OAuth2().AuthCodeURL(state, oauth2.S256ChallengeOption(verifier),
		oauth2.SetAuthURLParam("prompt", "select_account"))
}

// Exchange trades an authorisation code and its PKCE verifier for tokens.
// A refused code answers ErrUnauthorized.
func (c Config) Exchange(ctx context.Context, code, verifier string) (*oauth2.Token, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.httpClient())
	tok, err := c.OAuth2().Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, tokenError("token exchange", err)
	}
	return tok, nil
}

func (c Config) httpClient() *http.Client {
	if c.HTTPClient != nil {
		return c.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func or(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
