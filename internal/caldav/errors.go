package caldav

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
)

// Sentinel errors of the package; callers test them with errors.Is.
var (
	// ErrUnauthorized means the server refused the user name or app
	// password (401): the connection needs the host to reconnect.
	ErrUnauthorized = errors.New("caldav: the server refused the user name or app password")
	// ErrConflict means the event changed on the server between our read
	// and our write, twice in a row (412 after one reread and retry).
	ErrConflict = errors.New("caldav: the event changed on the server (precondition failed)")
	// ErrNotFound means the server has no such resource (404).
	ErrNotFound = errors.New("caldav: not found")
	// ErrNoCalendar means discovery found no calendar that holds events.
	ErrNoCalendar = errors.New("caldav: the account has no calendar for events")
	// ErrSyncToken means the server no longer accepts a sync token: the
	// caller's sync state is stale and a full sync is due.
	ErrSyncToken = errors.New("caldav: the sync token is no longer valid")

	errPrecondition = errors.New("caldav: precondition failed")
)

// RetryableError is a failure that may pass: the server is unreachable,
// times out, is overloaded (429) or fails (5xx). Retry later with backoff.
type RetryableError struct {
	Op     string // what was tried, e.g. "PUT event"
	Status int    // the HTTP status, 0 for a network error
	Err    error
}

// Error says what failed without credentials (requests never carry them in the URL).
func (e *RetryableError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("caldav: %s: server answered %d (retryable)", e.Op, e.Status)
	}
	return fmt.Sprintf("caldav: %s: %v (retryable)", e.Op, e.Err)
}

// Unwrap returns the underlying error.
func (e *RetryableError) Unwrap() error { return e.Err }

// IsRetryable reports whether err is worth retrying later.
func IsRetryable(err error) bool {
	var r *RetryableError
	return errors.As(err, &r)
}

// StatusError is an unexpected HTTP status that retrying will not fix.
type StatusError struct {
	Op     string
	Status int
	Body   string // the first bytes of the answer, for the log
}

// Error says which operation got which status.
func (e *StatusError) Error() string {
	return fmt.Sprintf("caldav: %s: server answered %d %s", e.Op, e.Status, e.Body)
}

// authClient adds Basic credentials to every request and turns failed
// answers into the package's typed errors, so that go-webdav's calls and
// ours fail the same way. The Authorization header is set on the request
// only, never logged and never part of an error.
type authClient struct {
	http     *http.Client
	username string
	password string
}

// Do sends req with credentials; a non-2xx answer (other than 207, which
// go-webdav reads) becomes an error and its body is closed.
func (a *authClient) Do(req *http.Request) (*http.Response, error) {
	req.SetBasicAuth(a.username, a.password)
	op := req.Method + " " + req.URL.Path
	resp, err := a.http.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, &RetryableError{Op: op, Err: ctxErr}
		}
		return nil, &RetryableError{Op: op, Err: stripURL(err)}
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch {
	case resp.StatusCode == http.StatusUnauthorized:
		return nil, fmt.Errorf("%s: %w", op, ErrUnauthorized)
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", op, ErrNotFound)
	case resp.StatusCode == http.StatusPreconditionFailed:
		return nil, fmt.Errorf("%s: %w", op, errPrecondition)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return nil, &RetryableError{Op: op, Status: resp.StatusCode}
	}
	return nil, &StatusError{Op: op, Status: resp.StatusCode, Body: string(body)}
}

// stripURL keeps the cause of a transport error without its URL wrapper
// (the URL holds no secret, but the cause reads better alone).
func stripURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}
