package icsfeed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Limits of Fetch.
const (
	// DefaultMaxBytes bounds a feed's body.
	DefaultMaxBytes = 5 << 20
	// DefaultTimeout bounds one whole fetch, redirects included.
	DefaultTimeout = 30 * time.Second
	maxRedirects   = 5
)

var (
	// ErrURL is wrapped by errors for a URL Fetch refuses to ask.
	ErrURL = errors.New("icsfeed: URL refused")
	// ErrTooLarge is returned for a body over FetchOptions.MaxBytes.
	ErrTooLarge = errors.New("icsfeed: feed too large")
)

// HTTPError is a feed server's answer other than 200 or 304.
type HTTPError struct{ Status int }

func (e *HTTPError) Error() string {
	return fmt.Sprintf("the feed's server answered %d %s", e.Status, http.StatusText(e.Status))
}

// Gone reports whether the answer means the URL no longer works as given
// (401, 403, 404, 410): an admin must fix or replace it.
func (e *HTTPError) Gone() bool {
	switch e.Status {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// FetchOptions bound a fetch.
type FetchOptions struct {
	// ETag and LastModified are the validators of the last good answer;
	// the server may then answer 304 (Fetched.NotModified).
	ETag, LastModified string
	MaxBytes           int64         // DefaultMaxBytes when 0
	Timeout            time.Duration // DefaultTimeout when 0
	// AllowPrivate lets the fetch reach loopback, private, link-local and
	// other non-public addresses (tests, or an intranet calendar server).
	AllowPrivate bool
}

// Fetched is a feed server's good answer.
type Fetched struct {
	NotModified        bool
	Body               []byte
	ETag, LastModified string
}

// CheckURL validates a feed URL as an admin gives it: absolute http or
// https with a host, no user info, and (unless allowPrivate) not a literal
// private address or localhost. webcal:// is read as https://.
func CheckURL(raw string, allowPrivate bool) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if strings.HasPrefix(strings.ToLower(raw), "webcal://") {
		raw = "https://" + raw[len("webcal://"):]
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("%w: not an absolute URL", ErrURL)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%w: only http and https", ErrURL)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: user and password in the URL are not supported", ErrURL)
	}
	if !allowPrivate {
		h := strings.ToLower(u.Hostname())
		if h == "localhost" || strings.HasSuffix(h, ".localhost") {
			return nil, fmt.Errorf("%w: a local address", ErrURL)
		}
		if ip := net.ParseIP(h); ip != nil && !public(ip) {
			return nil, fmt.Errorf("%w: a private or local address", ErrURL)
		}
	}
	return u, nil
}

// public reports whether ip is a public unicast address.
func public(ip net.IP) bool {
	return !(ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() ||
		ip.IsLinkLocalMulticast() || ip.IsInterfaceLocalMulticast() || ip.IsMulticast() ||
		ip.Equal(net.IPv4bcast) || isCGNAT(ip))
}

func isCGNAT(ip net.IP) bool {
	v4 := ip.To4()
	return v4 != nil && v4[0] == 100 && v4[1]&0xc0 == 64
}

// Fetch downloads the feed at raw. Every connection (redirects included)
// is checked where it is dialled, so a name that resolves to a private
// address is refused too. Errors never contain the URL (it is a secret).
func Fetch(ctx context.Context, raw string, opt FetchOptions) (Fetched, error) {
	u, err := CheckURL(raw, opt.AllowPrivate)
	if err != nil {
		return Fetched{}, err
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxBytes
	}
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, opt.Timeout)
	defer cancel()
	dialer := &net.Dialer{Timeout: 10 * time.Second, Control: func(_, address string, _ syscall.RawConn) error {
		return checkDial(address, opt.AllowPrivate)
	}}
	client := &http.Client{
		Transport: &http.Transport{DialContext: dialer.DialContext, TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: opt.Timeout},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrURL, maxRedirects)
			}
			if _, err := CheckURL(req.URL.String(), opt.AllowPrivate); err != nil {
				return err
			}
			return nil
		},
	}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Fetched{}, fmt.Errorf("%w: %v", ErrURL, err)
	}
	req.Header.Set("Accept", "text/calendar, */*;q=0.5")
	req.Header.Set("User-Agent", "slotbase-ics/1")
	if opt.ETag != "" {
		req.Header.Set("If-None-Match", opt.ETag)
	}
	if opt.LastModified != "" {
		req.Header.Set("If-Modified-Since", opt.LastModified)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Fetched{}, withoutURL(err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return Fetched{NotModified: true, ETag: opt.ETag, LastModified: opt.LastModified}, nil
	case resp.StatusCode != http.StatusOK:
		return Fetched{}, &HTTPError{Status: resp.StatusCode}
	case resp.ContentLength > opt.MaxBytes:
		return Fetched{}, fmt.Errorf("%w: %d bytes (at most %d)", ErrTooLarge, resp.ContentLength, opt.MaxBytes)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, opt.MaxBytes+1))
	if err != nil {
		return Fetched{}, withoutURL(err)
	}
	if int64(len(body)) > opt.MaxBytes {
		return Fetched{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, opt.MaxBytes)
	}
	return Fetched{Body: body, ETag: resp.Header.Get("ETag"), LastModified: resp.Header.Get("Last-Modified")}, nil
}

// checkDial refuses to connect to a non-public address (after DNS: a name
// that resolves to one is caught here) unless allowPrivate.
func checkDial(address string, allowPrivate bool) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || (!allowPrivate && !public(ip)) {
		return fmt.Errorf("%w: a private or local address", ErrURL)
	}
	return nil
}

// withoutURL drops the URL net/http puts into its errors.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if errors.Is(ue.Err, context.DeadlineExceeded) || ue.Timeout() {
			return fmt.Errorf("fetching the feed: timed out")
		}
		return fmt.Errorf("fetching the feed: %w", ue.Err)
	}
	return fmt.Errorf("fetching the feed: %w", err)
}
