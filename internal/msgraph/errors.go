package msgraph

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Sentinel errors of the package; callers test them with errors.Is and turn
// them into connection states in hooks/.
var (
	// ErrUnauthorized means Microsoft no longer accepts the connection: the
	// refresh token was revoked or expired (invalid_grant: consent withdrawn,
	// password changed, account disabled) or Graph still answers 401 after a
	// fresh token. Only a reconnect by a person helps (needs_reconnect).
	ErrUnauthorized = errors.New("microsoft: the authorisation was revoked or expired; reconnect the account")
	// ErrNotFound means Graph has no such event (404 on a read or update).
	ErrNotFound = errors.New("microsoft: not found")
	// ErrSyncState means Graph no longer knows a delta link (410 Gone or
	// syncStateNotFound); Sync answers it by a full resync, never to callers.
	ErrSyncState = errors.New("microsoft: the delta link is no longer valid")
)

// RetryableError is a failure that may pass: Graph throttles (429), is
// unavailable (503, other 5xx) or cannot be reached. RetryAfter is Graph's
// stated wait (zero when it gave none); the call already retried within its
// bounds (Config.MaxTries, Config.MaxWait) before returning this.
type RetryableError struct {
	Op         string // what was tried, e.g. "POST events"
	Status     int    // the HTTP status, 0 for a network error
	RetryAfter time.Duration
	Err        error
}

// Error says what failed; it never holds a token or a delta link.
func (e *RetryableError) Error() string {
	wait := ""
	if e.RetryAfter > 0 {
		wait = fmt.Sprintf(", retry after %s", e.RetryAfter)
	}
	if e.Status != 0 {
		return fmt.Sprintf("microsoft: %s: Graph answered %d (retryable%s)", e.Op, e.Status, wait)
	}
	return fmt.Sprintf("microsoft: %s: %v (retryable%s)", e.Op, e.Err, wait)
}

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth retrying later.
func IsRetryable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r)
}

// RetryAfter is the wait a retryable err asks for (zero when none).
func RetryAfter(err error) time.Duration {
	var r *RetryableError
	if errors.As(err, &r) {
		return r.RetryAfter
	}
	return 0
}

// StatusError is an unexpected Graph answer that retrying will not fix.
type StatusError struct {
	Op     string
	Status int
	Code   string // Graph's error.code, e.g. "ErrorAccessDenied"
	Msg    string // Graph's error.message
}

// Error says which operation got which status and code.
func (e *StatusError) Error() string {
	return fmt.Sprintf("microsoft: %s: Graph answered %d %s: %s", e.Op, e.Status, e.Code, e.Msg)
}

// graphError is Graph's error body: {"error":{"code","message"}}.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP
// date (RFC 9110 §10.2.3), relative to now. Unreadable or past → 0.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil {
		if s < 0 {
			return 0
		}
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// isInvalidGrant reports an OAuth invalid_grant (or interaction_required,
// which Microsoft answers when consent must be given again).
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return false
	}
	switch re.ErrorCode {
	case "invalid_grant", "interaction_required", "consent_required":
		return true
	}
	return false
}

// tokenError classifies a failed token request: a refused grant is
// ErrUnauthorized; a token endpoint that is down or throttles is retryable.
func tokenError(op string, err error) error {
	if isInvalidGrant(err) {
		var re *oauth2.RetrieveError
		errors.As(err, &re)
		return fmt.Errorf("%s: %w (%s)", op, ErrUnauthorized, re.ErrorCode)
	}
	var re *oauth2.RetrieveError
	if errors.As(err, &re) && re.Response != nil {
		st := re.Response.StatusCode
		if st == http.StatusTooManyRequests || st >= 500 {
			return &RetryableError{Op: op, Status: st}
		}
		return &StatusError{Op: op, Status: st, Code: re.ErrorCode, Msg: re.ErrorDescription}
	}
	return &RetryableError{Op: op, Err: err}
}
