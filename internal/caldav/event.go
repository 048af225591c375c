package caldav

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"

	"github.com/emersion/go-ical"
)

// uidPattern is what a booking UID may hold: it becomes a path segment.
var uidPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9@._-]{0,254}$`)

// EventPath is where the event with uid lives: <calendar>/<uid>.ics.
func EventPath(calPath, uid string) string {
	return dirPath(calPath) + uid + ".ics" // uidPattern keeps uid path-safe
}

// PutEvent writes the booking event uid (data: a VCALENDAR whose VEVENTs
// all carry that UID) to calendar calPath and returns its new ETag.
// etag "" creates it (If-None-Match: *); otherwise it updates the version
// with that ETag (If-Match). When the server's version differs (412: a
// retried create that had landed, or an edit on the server) it rereads the
// current ETag and writes once more: the booking is the truth. A second
// 412 is ErrConflict. PutEvent marks the event with BookingProperty.
func (c *Client) PutEvent(ctx context.Context, calPath, uid string, data []byte, etag string) (string, error) {
	body, err := bookingBody(uid, data)
	if err != nil {
		return "", err
	}
	p := EventPath(calPath, uid)
	newTag, err := c.put(ctx, p, body, etag)
	if !errors.Is(err, errPrecondition) {
		return newTag, err
	}
	current, err := c.currentETag(ctx, p)
	switch {
	case errors.Is(err, ErrNotFound):
		current = "" // deleted meanwhile: create it again
	case err != nil:
		return "", err
	}
	newTag, err = c.put(ctx, p, body, current)
	if errors.Is(err, errPrecondition) {
		return "", fmt.Errorf("PUT %s: %w", p, ErrConflict)
	}
	return newTag, err
}

// DeleteEvent deletes the booking event uid from calendar calPath (If-Match
// etag when given). An event already gone is success. A 412 rereads the
// ETag and deletes once more; a second 412 is ErrConflict.
func (c *Client) DeleteEvent(ctx context.Context, calPath, uid, etag string) error {
	if !uidPattern.MatchString(uid) {
		return fmt.Errorf("uid: must be 1-255 letters, digits or @._- and start with a letter or digit")
	}
	p := EventPath(calPath, uid)
	err := c.del(ctx, p, etag)
	if errors.Is(err, errPrecondition) {
		current, gerr := c.currentETag(ctx, p)
		if errors.Is(gerr, ErrNotFound) {
			return nil
		}
		if gerr != nil {
			return gerr
		}
		err = c.del(ctx, p, current)
		if errors.Is(err, errPrecondition) {
			return fmt.Errorf("DELETE %s: %w", p, ErrConflict)
		}
	}
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// GetEvent reads the booking event uid of calendar calPath: its raw
// iCalendar data and ETag (ErrNotFound when there is none).
func (c *Client) GetEvent(ctx context.Context, calPath, uid string) ([]byte, string, error) {
	resp, err := c.send(ctx, http.MethodGet, EventPath(calPath, uid), nil, nil)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, "", &RetryableError{Op: "GET event", Err: err}
	}
	return data, resp.Header.Get("ETag"), nil
}

// bookingBody validates data for uid and returns it marked as a booking.
func bookingBody(uid string, data []byte) ([]byte, error) {
	if !uidPattern.MatchString(uid) {
		return nil, fmt.Errorf("uid: must be 1-255 letters, digits or @._- and start with a letter or digit")
	}
	cal, err := decodeCalendar(data)
	if err != nil {
		return nil, fmt.Errorf("data: not an iCalendar object: %w", err)
	}
	n := 0
	for _, comp := range cal.Children {
		if comp.Name != ical.CompEvent {
			continue
		}
		if got := propText(comp, ical.PropUID); got != uid {
			return nil, fmt.Errorf("data: VEVENT UID %q must be %q", got, uid)
		}
		if comp.Props.Get(BookingProperty) == nil {
			mark := ical.NewProp(BookingProperty)
			mark.Value = uid
			comp.Props.Set(mark)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("data: must hold a VEVENT")
	}
	var buf bytes.Buffer
	if err := ical.NewEncoder(&buf).Encode(cal); err != nil {
		return nil, fmt.Errorf("data: %w", err)
	}
	return buf.Bytes(), nil
}

// put sends one conditional PUT and returns the new ETag (read back with
// a HEAD when the server does not send it, as RFC 4791 allows).
func (c *Client) put(ctx context.Context, p string, body []byte, etag string) (string, error) {
	h := http.Header{"Content-Type": {ical.MIMEType + "; charset=utf-8"}}
	if etag == "" {
		h.Set("If-None-Match", "*")
	} else {
		h.Set("If-Match", etag)
	}
	resp, err := c.send(ctx, http.MethodPut, p, body, h)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	if tag := resp.Header.Get("ETag"); tag != "" {
		return tag, nil
	}
	return c.currentETag(ctx, p)
}

// del sends one (conditional) DELETE.
func (c *Client) del(ctx context.Context, p, etag string) error {
	h := http.Header{}
	if etag != "" {
		h.Set("If-Match", etag)
	}
	resp, err := c.send(ctx, http.MethodDelete, p, nil, h)
	if err != nil {
		return err
	}
	resp.Body.Close()
	return nil
}

// currentETag reads the ETag the server holds for p.
func (c *Client) currentETag(ctx context.Context, p string) (string, error) {
	resp, err := c.send(ctx, http.MethodHead, p, nil, nil)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	return resp.Header.Get("ETag"), nil
}

// send does one request through the authenticating client (typed errors).
func (c *Client) send(ctx context.Context, method, p string, body []byte, h http.Header) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.resolve(p), r)
	if err != nil {
		return nil, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	return c.http.Do(req)
}
