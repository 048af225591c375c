package msgraph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// Client talks to Graph for one connected account. It refreshes the access
// token when it expires (or Graph answers 401) and hands every new token to
// OnToken, so the caller can seal and store it. It is safe for concurrent use.
type Client struct {
	cfg     Config
	base    *url.URL
	http    *http.Client
	onToken func(*oauth2.Token) error

	mu  sync.Mutex
	tok *oauth2.Token
}

// NewClient validates cfg and returns a client on tok (from Exchange or
// storage). onToken (may be nil) is called with each refreshed token before
// it is used; an error from it fails the call, so a rotated refresh token is
// never used unsaved.
func NewClient(cfg Config, tok *oauth2.Token, onToken func(*oauth2.Token) error) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if tok == nil || (tok.AccessToken == "" && tok.RefreshToken == "") {
		return nil, fmt.Errorf("token: must hold an access or refresh token")
	}
	base, _ := url.Parse(strings.TrimRight(or(cfg.BaseURL, DefaultBaseURL), "/"))
	if cfg.MaxTries <= 0 {
		cfg.MaxTries = 3
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = 30 * time.Second
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	t := *tok
	return &Client{cfg: cfg, base: base, http: cfg.httpClient(), onToken: onToken, tok: &t}, nil
}

// Token is the client's current token (after any refresh).
func (c *Client) Token() *oauth2.Token {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := *c.tok
	return &t
}

// accessToken returns a valid access token, refreshing when it expired or
// when force is set (Graph answered 401 to the current one).
func (c *Client) accessToken(ctx context.Context, force bool) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !force && c.tok.Valid() {
		return c.tok.AccessToken, nil
	}
	if c.tok.RefreshToken == "" {
		return "", fmt.Errorf("refresh: no refresh token: %w", ErrUnauthorized)
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.http)
	// A token without an access token makes the source refresh at once.
	src := c.cfg.OAuth2().TokenSource(ctx, &oauth2.Token{RefreshToken: c.tok.RefreshToken})
	nt, err := src.Token()
	if err != nil {
		return "", tokenError("token refresh", err)
	}
	if c.onToken != nil {
		if err := c.onToken(nt); err != nil {
			return "", fmt.Errorf("saving the refreshed token: %w", err)
		}
	}
	c.tok = nt
	return nt.AccessToken, nil
}

// request is one Graph call; body is re-sent on every try.
type request struct {
	op     string
	method string
	url    string // absolute, on the Graph host
	body   any
	prefer []string
}

// do sends r with a bearer token and decodes a 2xx JSON answer into out
// (nil: discard). 401 refreshes once; 429/5xx/network errors retry within
// MaxTries and MaxWait, honouring Retry-After, then surface as
// *RetryableError. Other statuses become ErrNotFound, ErrSyncState or
// *StatusError.
func (c *Client) do(ctx context.Context, r request, out any) error {
	if err := c.sameHost(r.url); err != nil {
		return err
	}
	var payload []byte
	if r.body != nil {
		var err error
		if payload, err = json.Marshal(r.body); err != nil {
			return err
		}
	}
	refreshed := false
	for try := 1; ; try++ {
		err := c.once(ctx, r, payload, refreshed, out)
		if errors.Is(err, errStale) && !refreshed {
			refreshed = true // a new token does not count as a try
			try--
			continue
		}
		if errors.Is(err, errStale) {
			return fmt.Errorf("%s: Graph refused a fresh token: %w", r.op, ErrUnauthorized)
		}
		var re *RetryableError
		if !errors.As(err, &re) || try >= c.cfg.MaxTries || ctx.Err() != nil {
			return err
		}
		wait := re.RetryAfter
		if wait == 0 {
			wait = time.Duration(1<<(try-1)) * time.Second // 1 s, 2 s, 4 s …
		}
		if wait > c.cfg.MaxWait {
			return err // Graph asks for longer than one call may wait
		}
		if serr := c.cfg.Sleep(ctx, wait); serr != nil {
			return err
		}
	}
}

// errStale marks a 401 on a request: the access token is refused.
var errStale = errors.New("microsoft: access token refused")

// once sends one try.
func (c *Client) once(ctx context.Context, r request, payload []byte, force bool, out any) error {
	at, err := c.accessToken(ctx, force)
	if err != nil {
		return err
	}
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+at)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, p := range r.prefer {
		req.Header.Add("Prefer", p)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return &RetryableError{Op: r.op, Err: ctxErr}
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may hold a delta token: keep it out of errors
		}
		return &RetryableError{Op: r.op, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		if out == nil || resp.StatusCode == http.StatusNoContent {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			return nil
		}
		if err := json.NewDecoder(io.LimitReader(resp.Body, 32<<20)).Decode(out); err != nil {
			return fmt.Errorf("%s: decoding Graph's answer: %w", r.op, err)
		}
		return nil
	}
	var ge graphError
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	_ = json.Unmarshal(raw, &ge)
	code := ge.Error.Code
	switch st := resp.StatusCode; {
	case st == http.StatusUnauthorized:
		return errStale
	case st == http.StatusTooManyRequests || st >= 500:
		return &RetryableError{Op: r.op, Status: st, RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())}
	case st == http.StatusGone || strings.EqualFold(code, "syncStateNotFound") || strings.EqualFold(code, "resyncRequired"):
		return fmt.Errorf("%s: %w", r.op, ErrSyncState)
	case st == http.StatusNotFound:
		return fmt.Errorf("%s: %w", r.op, ErrNotFound)
	}
	return &StatusError{Op: r.op, Status: resp.StatusCode, Code: code, Msg: ge.Error.Message}
}

// sameHost refuses to send the bearer token anywhere but Graph: next and
// delta links come from answers and storage, so they are checked.
func (c *Client) sameHost(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != c.base.Scheme || u.Host != c.base.Host {
		return fmt.Errorf("microsoft: refusing a link outside %s://%s", c.base.Scheme, c.base.Host)
	}
	return nil
}

// endpoint is base + path (path begins with "/").
func (c *Client) endpoint(path string, q url.Values) string {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + path
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
