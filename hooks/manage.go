package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/ics"
)

// inviteeReply loads booking r's view and renders it for its invitee.
func inviteeReply(app core.App, r *core.Record) (booking.Reply, error) {
	v, err := c.BookingViewOf(app, r)
	if err != nil {
		return booking.Reply{}, err
	}
	return booking.InviteeReply(v), nil
}

// findByToken returns the booking whose manage token is token (the path
// value), or nil, nil for none. Junk never reaches the database; a
// well-formed unknown token costs one indexed lookup by hash. A database
// failure is an error, never "no booking".
func findByToken(app core.App, token string) (*c.Booking, error) {
	if !booking.WellFormedToken(token) {
		return nil, nil
	}
	r, err := app.FindFirstRecordByData(c.Bookings, c.BookingsManageTokenHash, booking.HashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("manage token lookup: %w", err)
	}
	if !booking.TokenMatches(token, r.GetString(c.BookingsManageTokenHash)) {
		return nil, nil
	}
	return c.NewBooking(r), nil
}

// bookingByToken finds the path's booking for a manage route: a nil
// booking means the route has answered already (404, or 500 on a failure).
func bookingByToken(e *core.RequestEvent) (*c.Booking, error) {
	b, err := findByToken(e.App, e.Request.PathValue("token"))
	switch {
	case err != nil:
		return nil, e.InternalServerError("", err)
	case b == nil:
		return nil, notFound(e)
	}
	return b, nil
}

// notFound is the one answer to every unknown, malformed or foreign token.
func notFound(e *core.RequestEvent) error {
	return e.NotFoundError("No booking for this link.", nil)
}

// handleManageGet answers GET /api/bookings/manage/{token}.
func (s *server) handleManageGet(e *core.RequestEvent) error {
	b, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	reply, err := inviteeReply(e.App, b.Record)
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusOK, reply)
}

// cancelRequest is the body of the cancel route.
type cancelRequest struct {
	Reason string `json:"reason"`
}

// rescheduleRequest is the body of the reschedule route.
type rescheduleRequest struct {
	Start string `json:"start"`
}

// handleManageCancel answers POST /api/bookings/manage/{token}/cancel: the
// seat is free again the moment this commits.
func (s *server) handleManageCancel(e *core.RequestEvent) error {
	b, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	var req cancelRequest
	if err := decodeSmall(e.Request.Body, &req); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	reason := strings.TrimSpace(strings.ReplaceAll(req.Reason, "\r\n", "\n"))
	if len([]rune(reason)) > 2000 || strings.IndexFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }) >= 0 {
		return badRequest(e, map[string]error{"reason": fieldErr("must be at most 2000 characters without control characters")})
	}
	return s.inviteeChange(e, b, bookingEdit{Action: booking.Cancel, Reason: reason})
}

// handleManageReschedule answers POST /api/bookings/manage/{token}/reschedule:
// the booking keeps its identity and moves to another free slot, checked in
// the same transaction that moves it.
func (s *server) handleManageReschedule(e *core.RequestEvent) error {
	b, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	var req rescheduleRequest
	if err := decodeSmall(e.Request.Body, &req); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	start, err := booking.ParseStart(req.Start, s.now())
	if err != nil {
		return badRequest(e, map[string]error{"start": err})
	}
	if start.Equal(b.Start()) {
		return badRequest(e, map[string]error{"start": fieldErr("is the booking's current time; pick another")})
	}
	return s.inviteeChange(e, b, bookingEdit{Action: booking.Reschedule, Start: start})
}

// inviteeChange runs an invitee's change of booking b through the booking
// door (before the meeting starts only), then answers with the booking as
// it is now.
func (s *server) inviteeChange(e *core.RequestEvent, b *c.Booking, ed bookingEdit) error {
	ed.BeforeStart = true
	err := e.App.RunInTransaction(func(tx core.App) error {
		_, err := s.changeBooking(tx, inviteeActor(b.Record), b.Id, ed, s.now())
		return err
	})
	if err != nil {
		return s.manageError(e, err)
	}
	s.worker.Wake()
	return s.handleManageGet(e)
}

// manageError maps a manage transaction's error to a status.
func (s *server) manageError(e *core.RequestEvent, err error) error {
	var notOffered *notOfferedError
	switch {
	case errors.Is(err, errSlotGone):
		return e.Error(http.StatusConflict, msgSlotGone, nil)
	case errors.As(err, &notOffered):
		return badRequest(e, map[string]error{"start": fieldErr(notOffered.reason)})
	case errors.Is(err, booking.ErrTransition):
		return e.Error(http.StatusConflict, "This booking can no longer be changed: "+err.Error()+".", nil)
	case errors.Is(err, errStarted):
		return e.Error(http.StatusConflict, "This meeting has already started and can no longer be changed.", nil)
	default:
		return e.InternalServerError("", err)
	}
}

// handleManageICS answers GET /api/bookings/manage/{token}/ics with the
// booking as an iCalendar file (a CANCEL when it no longer holds its slot).
func (s *server) handleManageICS(e *core.RequestEvent) error {
	b, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	v, err := c.BookingViewOf(e.App, b.Record)
	if err != nil {
		return e.InternalServerError("", err)
	}
	body, method, err := bookingICS(v.In(inviteeLanguage(v, s.orgLanguage(e.App))), s.now())
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Content-Disposition", `attachment; filename="`+v.EventType.Slug+`.ics"`)
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, method.ContentType(), body)
}

// bookingICS renders a booking's view as an invite (booking.Invite).
func bookingICS(v booking.View, now time.Time) ([]byte, ics.Method, error) {
	method, ev, err := booking.Invite(v, now)
	if err != nil {
		return nil, "", err
	}
	body, err := ics.Bytes(method, ev)
	return body, method, err
}

// decodeSmall reads a small JSON object strictly (unknown fields rejected).
func decodeSmall(body io.Reader, dst any) error {
	dec := json.NewDecoder(io.LimitReader(body, 16<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return fieldErr("must be one JSON object with known fields: " + err.Error())
	}
	return nil
}

// allIn reports whether every element of sub is in set.
func allIn(sub, set []string) bool {
	for _, s := range sub {
		found := false
		for _, t := range set {
			if s == t {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
