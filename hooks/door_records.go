package hooks

import (
	"errors"
	"net/http"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// The PocketBase records API for bookings — what the admin UI at /_/ sends —
// is bound to the booking door: it never writes a booking row on its own.
//
//   - create: an admin booking (availability re-checked unless the form's
//     override_availability box is ticked; hosts picked when left empty; the
//     end follows from the event type); the invitee and hosts are notified.
//   - update: a change of status is confirm, decline or cancel; a change of
//     start or hosts is a reschedule or reassignment; name, e-mail, zone,
//     notes and answers are plain edits. Fields slotbase keeps (sequence,
//     tokens, buffers, event type…) are refused with a field error.
//   - delete: refused while the booking holds its slot (cancel it instead,
//     so the invitee, the hosts' calendars and webhooks hear of it and the
//     manage link keeps working); a cancelled or declined booking may be
//     deleted, audited.

// editableByAdmin are the plain fields an admin may edit on a booking.
var editableByAdmin = []string{c.BookingsName, c.BookingsEmail, c.BookingsTimezone, c.BookingsNotes, c.BookingsAnswers, c.BookingsLanguage}

// keptBySlotbase are the fields only the door writes.
var keptBySlotbase = []string{c.BookingsEventType, c.BookingsSequence, c.BookingsManageTokenHash, c.BookingsManageTokenSealed,
	c.BookingsGoogleEventID, c.BookingsRescheduledFrom, c.BookingsBufferBefore, c.BookingsBufferAfter,
	c.BookingsIdempotencyKey, c.BookingsIdempotentReply,
	// payments: only Stripe's events, the expiry and refund jobs and the
	// door's cancel write them (an admin's edit would make the books lie)
	c.BookingsPaymentStatus, c.BookingsPaymentAmount, c.BookingsPaymentCurrency, c.BookingsRefundedAmount,
	c.BookingsCheckoutSession, c.BookingsCheckoutURL, c.BookingsPaymentIntent, c.BookingsHoldExpiresAt}

// bindBookingRecords routes records API writes of bookings through the door.
func (s *server) bindBookingRecords(app core.App) {
	app.OnRecordCreateRequest(c.Bookings).BindFunc(s.recordsCreateBooking)
	app.OnRecordUpdateRequest(c.Bookings).BindFunc(s.recordsUpdateBooking)
	app.OnRecordDeleteRequest(c.Bookings).BindFunc(s.recordsDeleteBooking)
}

// recordsCreateBooking makes the admin UI's new booking record a booking.
func (s *server) recordsCreateBooking(e *core.RecordRequestEvent) error {
	now := s.now()
	in := e.Record
	fields := map[string]error{}
	var et *c.EventType
	if r, err := e.App.FindRecordById(c.EventTypes, in.GetString(c.BookingsEventType)); err == nil {
		et = c.NewEventType(r)
	} else {
		fields[c.BookingsEventType] = fieldErr("Choose the event type of the booking.")
	}
	start := in.GetDateTime(c.BookingsStart).Time()
	if start.IsZero() {
		fields[c.BookingsStart] = fieldErr("Give the start time.")
	}
	status := booking.Status(in.GetString(c.BookingsStatus))
	switch status {
	case "", booking.Pending, booking.Confirmed:
	default:
		fields[c.BookingsStatus] = fieldErr("A new booking is pending or confirmed (empty: as the event type says).")
	}
	for _, f := range keptBySlotbase {
		if f != c.BookingsEventType && !emptyJSON(valueJSON(in.Get(f))) {
			fields[f] = fieldErr("Set by slotbase; leave it empty.")
		}
	}
	lang := strings.TrimSpace(in.GetString(c.BookingsLanguage))
	if lang != "" && i18n.Check(lang) != nil {
		fields[c.BookingsLanguage] = fieldErr(`Give a language tag such as "de" or "pt-BR" (empty: the organisation's default).`)
	}
	zone := in.GetString(c.BookingsTimezone)
	if zone == "" && et != nil {
		zone = s.defaultZone(e.App, et)
	}
	if len(fields) > 0 {
		return badRequest(e.RequestEvent, fields)
	}
	token, _, err := booking.NewManageToken()
	if err != nil {
		return e.InternalServerError("", err)
	}
	answers := map[string]any{}
	_ = in.UnmarshalJSONField(c.BookingsAnswers, &answers)
	draft := bookingDraft{
		EventType: et, Start: start, End: in.GetDateTime(c.BookingsEnd).Time(), Hosts: in.GetStringSlice(c.BookingsHosts),
		Status: status, Name: in.GetString(c.BookingsName), Email: in.GetString(c.BookingsEmail), Timezone: zone,
		Notes: in.GetString(c.BookingsNotes), Answers: answers, Token: token,
		Override: in.GetBool(c.BookingsOverrideAvailability), Language: lang,
	}
	var out *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		out, err = s.openBooking(tx, actorOf(e.RequestEvent), draft, now)
		return err
	})
	return s.recordsAnswer(e, out, err)
}

// recordsUpdateBooking turns the admin UI's edit of a booking into the door's change.
func (s *server) recordsUpdateBooking(e *core.RecordRequestEvent) error {
	after, before := e.Record, e.Record.Original()
	changed := func(f string) bool { return string(valueJSON(after.Get(f))) != string(valueJSON(before.Get(f))) }
	fields := map[string]error{}
	for _, f := range keptBySlotbase {
		if changed(f) {
			fields[f] = fieldErr("Set by slotbase; it cannot be edited (to book another event type, make a new booking).")
		}
	}
	ed := bookingEdit{Fields: map[string]any{}, Override: after.GetBool(c.BookingsOverrideAvailability)}
	for _, f := range editableByAdmin {
		if changed(f) {
			ed.Fields[f] = after.Get(f)
		}
	}
	if lang, ok := ed.Fields[c.BookingsLanguage].(string); ok {
		if lang != "" && i18n.Check(lang) != nil {
			fields[c.BookingsLanguage] = fieldErr(`Give a language tag such as "de" or "pt-BR".`)
		} else {
			ed.Fields[c.BookingsLanguage] = i18n.Match(lang, s.orgLanguage(e.App))
		}
	}
	if changed(c.BookingsStatus) {
		action, err := statusAction(booking.Status(before.GetString(c.BookingsStatus)), booking.Status(after.GetString(c.BookingsStatus)))
		if err != nil {
			fields[c.BookingsStatus] = fieldErr(err.Error())
		}
		ed.Action, ed.Reason = action, strings.TrimSpace(after.GetString(c.BookingsCancelReason))
	} else if changed(c.BookingsCancelReason) {
		ed.Fields[c.BookingsCancelReason] = after.GetString(c.BookingsCancelReason)
	}
	if moved := changed(c.BookingsStart) || changed(c.BookingsEnd) || changed(c.BookingsHosts); moved {
		switch {
		case ed.Action != "":
			fields[c.BookingsStatus] = fieldErr("Change the status or the time and hosts, not both in one save.")
		case changed(c.BookingsEnd) && !ed.Override:
			fields[c.BookingsEnd] = fieldErr("The end follows from the start and the event type's duration; tick override_availability to set it yourself.")
		default:
			ed.Action = booking.Reschedule
			ed.Start = after.GetDateTime(c.BookingsStart).Time()
			ed.End = after.GetDateTime(c.BookingsEnd).Time()
			if changed(c.BookingsHosts) {
				ed.Hosts = after.GetStringSlice(c.BookingsHosts)
			}
		}
	}
	if len(fields) > 0 {
		return badRequest(e.RequestEvent, fields)
	}
	if ed.Action == "" && len(ed.Fields) == 0 { // saved unchanged: nothing to tell anyone
		current, err := e.App.FindRecordById(c.Bookings, before.Id)
		return s.recordsAnswer(e, current, err)
	}
	var out *core.Record
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		out, err = s.changeBooking(tx, actorOf(e.RequestEvent), before.Id, ed, s.now())
		return err
	})
	return s.recordsAnswer(e, out, err)
}

// statusAction is the action that takes a booking from one status to another.
func statusAction(from, to booking.Status) (booking.Action, error) {
	for _, a := range []booking.Action{booking.Confirm, booking.Decline, booking.Cancel} {
		if next, err := booking.Next(from, a); err == nil && next == to {
			return a, nil
		}
	}
	return "", errors.New("A " + string(from) + " booking cannot become " + string(to) + ": pending → confirmed, declined or cancelled; confirmed → cancelled.")
}

// recordsDeleteBooking allows deleting only bookings that no longer hold a slot.
func (s *server) recordsDeleteBooking(e *core.RecordRequestEvent) error {
	if booking.Status(e.Record.GetString(c.BookingsStatus)).Live() {
		return e.BadRequestError("A "+e.Record.GetString(c.BookingsStatus)+" booking is not deleted: set its status to cancelled instead, so the invitee, the hosts' calendars and webhooks are told and the invitee's link keeps working. Cancelled and declined bookings may be deleted.", nil)
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		if err := e.Next(); err != nil {
			return err
		}
		return audit(tx, actorOf(e.RequestEvent), ActionRecordDeleted, e.Record, nil)
	})
}

// recordsAnswer answers a records API write the door made: the record as
// PocketBase would show it, or the door's refusal as a field error.
func (s *server) recordsAnswer(e *core.RecordRequestEvent, out *core.Record, err error) error {
	overrideHint := " Tick override_availability to book it anyway."
	var notOffered *notOfferedError
	switch {
	case errors.Is(err, errSlotGone):
		return badRequest(e.RequestEvent, map[string]error{c.BookingsStart: fieldErr("This time is taken (booked, busy in a calendar, or its day is at the event type's daily limit)." + overrideHint)})
	case errors.As(err, &notOffered):
		return badRequest(e.RequestEvent, map[string]error{c.BookingsStart: fieldErr("This time " + notOffered.reason + "." + overrideHint)})
	case errors.Is(err, errHostsNotFree):
		return badRequest(e.RequestEvent, map[string]error{c.BookingsHosts: fieldErr("These hosts are not free at that time." + overrideHint)})
	case errors.Is(err, booking.ErrTransition):
		return badRequest(e.RequestEvent, map[string]error{c.BookingsStatus: fieldErr(err.Error())})
	case errors.Is(err, errNoBooking):
		return e.NotFoundError("No such booking.", nil)
	case err != nil:
		var verrs validation.Errors
		if errors.As(err, &verrs) {
			return e.BadRequestError("The booking could not be saved.", verrs)
		}
		return e.InternalServerError("", err)
	}
	s.worker.Wake()
	if err := apis.EnrichRecord(e.RequestEvent, out); err != nil {
		return e.InternalServerError("", err)
	}
	e.Record = out
	return e.JSON(http.StatusOK, out)
}

// defaultZone is the invitee zone of an admin booking that names none: the
// first host's, else the organisation's.
func (s *server) defaultZone(app core.App, et *c.EventType) string {
	if ids := et.HostIDs(); len(ids) > 0 {
		if h, err := app.FindRecordById(c.Hosts, ids[0]); err == nil {
			return c.NewHost(h).Timezone()
		}
	}
	if r, err := app.FindFirstRecordByFilter(c.Settings, "id != ''"); err == nil {
		if z := r.GetString(c.SettingsTimezone); z != "" {
			return z
		}
	}
	return time.UTC.String()
}
