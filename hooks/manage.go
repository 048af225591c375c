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

// bookingReply is how the public API shows a booking to its invitee.
type bookingReply struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	EventType       eventTypeRef   `json:"event_type"`
	Hosts           []string       `json:"hosts"`
	Name            string         `json:"name"`
	Email           string         `json:"email"`
	Timezone        string         `json:"timezone"`
	Notes           string         `json:"notes"`
	Answers         map[string]any `json:"answers"`
	CancelReason    string         `json:"cancel_reason,omitempty"`
	RescheduledFrom string         `json:"rescheduled_from,omitempty"`
	ManageToken     string         `json:"manage_token,omitempty"`
	ManageURL       string         `json:"manage_url,omitempty"`
}

// eventTypeRef is the part of an event type a booking shows.
type eventTypeRef struct {
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Duration int    `json:"duration"`
	Location string `json:"location"`
}

// newBookingReply renders b for its invitee (host names, not their records).
func newBookingReply(app core.App, b *c.Booking, et *c.EventType) (bookingReply, error) {
	hosts, err := app.FindRecordsByIds(c.Hosts, b.HostIDs())
	if err != nil {
		return bookingReply{}, err
	}
	names := make([]string, 0, len(hosts))
	for _, h := range hosts {
		names = append(names, c.NewHost(h).Name())
	}
	answers := map[string]any{}
	_ = b.UnmarshalJSONField(c.BookingsAnswers, &answers)
	reply := bookingReply{
		ID: b.Id, Status: b.Status(), Start: rfc3339(b.Start()), End: rfc3339(b.End()),
		EventType: eventTypeRef{Slug: et.Slug(), Title: et.Title(), Duration: int(et.Duration().Minutes()), Location: et.Location()},
		Hosts:     names, Name: b.Name(), Email: b.Email(), Timezone: b.Timezone(), Notes: b.Notes(),
		Answers: answers, CancelReason: b.GetString(c.BookingsCancelReason),
	}
	if from := b.GetDateTime(c.BookingsRescheduledFrom); !from.IsZero() {
		reply.RescheduledFrom = rfc3339(from.Time())
	}
	return reply, nil
}

// findByToken returns the booking whose manage token is token (the path
// value), or nil, nil for none. Junk never reaches the database; a
// well-formed unknown token costs one indexed lookup by hash. A database
// failure is an error, never "no booking".
func findByToken(app core.App, token string) (*c.Booking, *c.EventType, error) {
	if !booking.WellFormedToken(token) {
		return nil, nil, nil
	}
	r, err := app.FindFirstRecordByData(c.Bookings, c.BookingsManageTokenHash, booking.HashToken(token))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, nil
	} else if err != nil {
		return nil, nil, fmt.Errorf("manage token lookup: %w", err)
	}
	if !booking.TokenMatches(token, r.GetString(c.BookingsManageTokenHash)) {
		return nil, nil, nil
	}
	etRecord, err := app.FindRecordById(c.EventTypes, r.GetString(c.BookingsEventType))
	if err != nil {
		return nil, nil, fmt.Errorf("event type of booking %s: %w", r.Id, err)
	}
	return c.NewBooking(r), c.NewEventType(etRecord), nil
}

// bookingByToken finds the path's booking for a manage route: a nil
// booking means the route has answered already (404, or 500 on a failure).
func bookingByToken(e *core.RequestEvent) (*c.Booking, *c.EventType, error) {
	b, et, err := findByToken(e.App, e.Request.PathValue("token"))
	switch {
	case err != nil:
		return nil, nil, e.InternalServerError("", err)
	case b == nil:
		return nil, nil, notFound(e)
	}
	return b, et, nil
}

// notFound is the one answer to every unknown, malformed or foreign token.
func notFound(e *core.RequestEvent) error {
	return e.NotFoundError("No booking for this link.", nil)
}

// handleManageGet answers GET /api/bookings/manage/{token}.
func (s *server) handleManageGet(e *core.RequestEvent) error {
	b, et, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	reply, err := newBookingReply(e.App, b, et)
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
	b, _, answered := bookingByToken(e)
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
	b, _, answered := bookingByToken(e)
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
	switch {
	case errors.Is(err, errSlotGone):
		return e.Error(http.StatusConflict, msgSlotGone, nil)
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
	b, et, answered := bookingByToken(e)
	if b == nil {
		return answered
	}
	body, method, err := bookingICS(e.App, b, et, s.now())
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Content-Disposition", `attachment; filename="`+et.Slug()+`.ics"`)
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Blob(http.StatusOK, method.ContentType(), body)
}

// bookingICS renders a booking as an invite: REQUEST while it holds its
// slot, CANCEL after it was cancelled or declined. The UID is stable per
// booking and SEQUENCE grows with every change.
func bookingICS(app core.App, b *c.Booking, et *c.EventType, now time.Time) ([]byte, ics.Method, error) {
	hosts, err := app.FindRecordsByIds(c.Hosts, b.HostIDs())
	if err != nil || len(hosts) == 0 {
		return nil, "", fmt.Errorf("booking %s has no hosts: %w", b.Id, err)
	}
	organizer := c.NewHost(hosts[0])
	status, method := ics.StatusConfirmed, ics.Request
	switch booking.Status(b.Status()) {
	case booking.Pending:
		status = ics.StatusTentative
	case booking.Cancelled, booking.Declined:
		status, method = ics.StatusCancelled, ics.Cancel
	}
	attendees := []ics.Person{{Name: b.Name(), Email: b.Email()}}
	for _, h := range hosts[1:] {
		attendees = append(attendees, ics.Person{Name: c.NewHost(h).Name(), Email: c.NewHost(h).Email()})
	}
	description := et.Description()
	if b.Notes() != "" {
		description = strings.TrimSpace(description + "\n\nNotes: " + b.Notes())
	}
	body, err := ics.Bytes(method, ics.Event{
		UID:         b.Id + "@slotbase",
		Sequence:    b.Sequence(),
		Stamp:       now,
		Start:       b.Start(),
		End:         b.End(),
		Summary:     et.Title() + " with " + organizer.Name(),
		Description: description,
		Location:    et.Location(),
		Organizer:   ics.Person{Name: organizer.Name(), Email: organizer.Email()},
		Attendees:   attendees,
		Status:      status,
		Alarm:       15 * time.Minute,
	})
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
