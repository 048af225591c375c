// Package caldav is slotbase's CalDAV calendar client (iCloud, Fastmail,
// Nextcloud, Radicale): discovery of a user's calendars, busy time with
// recurring events expanded, incremental sync with sync tokens (ctag where
// tokens are not offered), and booking events written under a stable UID.
// It takes plain values and knows nothing of PocketBase.
package caldav

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/emersion/go-webdav/caldav"
)

// Config is what a host gives to connect a CalDAV account.
type Config struct {
	// URL is the server's CalDAV entry point, for instance
	// https://caldav.icloud.com, https://caldav.fastmail.com/dav/ or
	// https://host/remote.php/dav (Nextcloud).
	URL string
	// Username is the account's user name (often the e-mail address).
	Username string
	// Password is the account's app password. The caller stores it
	// encrypted; this package never logs it nor puts it into a URL.
	Password string
	// HTTPClient is used for every request (nil: a client with a 30 s timeout).
	HTTPClient *http.Client
	// Location reads all-day and floating times (nil: UTC).
	Location *time.Location
}

// Client talks to one CalDAV account. It is safe for concurrent use once
// built; Discover records the calendars it finds.
type Client struct {
	base     *url.URL
	http     *authClient
	dav      *caldav.Client
	loc      *time.Location
	username string
}

// NewClient validates cfg and returns a client; it sends nothing yet
// (see Connect and Discover).
func NewClient(cfg Config) (*Client, error) {
	raw := strings.TrimSpace(cfg.URL)
	if raw == "" {
		return nil, fmt.Errorf("url: must not be empty")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("url: must be an absolute http(s) URL")
	}
	if u.User != nil {
		return nil, fmt.Errorf("url: must not contain credentials (give user name and password apart)")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("url: must not have a query or fragment")
	}
	if strings.TrimSpace(cfg.Username) == "" {
		return nil, fmt.Errorf("username: must not be empty")
	}
	if cfg.Password == "" {
		return nil, fmt.Errorf("password: must not be empty")
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	ac := &authClient{http: hc, username: cfg.Username, password: cfg.Password}
	dav, err := caldav.NewClient(ac, u.String())
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	return &Client{base: u, http: ac, dav: dav, loc: loc, username: cfg.Username}, nil
}

// Connect builds a client and discovers the account's calendars: the
// caller's whole "connect" step. A wrong user name or password answers
// ErrUnauthorized; an unreachable server a *RetryableError.
func Connect(ctx context.Context, cfg Config) (*Client, []Calendar, error) {
	c, err := NewClient(cfg)
	if err != nil {
		return nil, nil, err
	}
	cals, err := c.Discover(ctx)
	if err != nil {
		return nil, nil, err
	}
	return c, cals, nil
}

// resolve turns a server path into an absolute URL on the client's host.
func (c *Client) resolve(p string) string {
	ref := &url.URL{Path: p}
	return c.base.ResolveReference(ref).String()
}
