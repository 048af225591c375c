package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// The one door for bookings (DESIGN.md, "One door"). Every way a booking is
// made or changed — the public API, the invitee's manage link, the admin
// API, the PocketBase admin UI / records API, jobs — calls openBooking or
// changeBooking inside one write transaction. They re-check availability
// (unless an admin overrides it on purpose), apply the status machine, bump
// SEQUENCE, and write the audit entry and the outbox event beside the row,
// so mails, invites, calendars and webhooks follow whichever door was used.

// Errors of the door; hooks turn them into statuses (409, 400, 404).
var (
	errSlotGone            = errors.New("slot not available")
	errIdempotencyMismatch = errors.New("idempotency key reused with another request")
	errNoBooking           = errors.New("no such booking")
	errStarted             = errors.New("the meeting has already started")
	errHostsNotFree        = errors.New("the chosen hosts are not free at that time")
	errEventTypeGone       = errors.New("the event type is no longer active")
)

// maxMeetingLength bounds a booking's length (an admin's override may
// set its end): what the availability reads' two-day data margin covers
// with the longest buffers on both sides (slots.DataFrom).
const maxMeetingLength = 24 * time.Hour

// bookingDraft is a booking about to be made.
type bookingDraft struct {
	EventType *c.EventType
	Start     time.Time
	// End is used only with Override (an admin's longer or shorter meeting);
	// otherwise the slot's end.
	End time.Time
	// Hosts are the admin's choice; empty: picked as for the public.
	Hosts []string
	// Status is pending or confirmed; empty: the event type's initial status.
	Status                       booking.Status
	Name, Email, Timezone, Notes string
	Answers                      map[string]any
	// Token is the invitee's manage token; only its hash and a sealed copy
	// are stored.
	Token string
	// IdempotencyKey and IdempotentReply let a retried request be recognised.
	IdempotencyKey  string
	IdempotentReply any
	Override        bool
	// Language is the invitee's BCP 47 tag as given (checked by the
	// caller): the booking keeps the closest supported language, or the
	// organisation's.
	Language string
	// Setup reads the hosts' setup for the slot's re-check; nil: the kept
	// setup checked by the version tx reads (bookingSetup.in).
	Setup c.SetupFunc
	// Kept and Sealed, when set, are the language the booking keeps and
	// the sealed Token, worked out before the transaction (the public
	// door: less work in the one writer's serial section); empty: here.
	Kept, Sealed string
}

// openBooking makes a booking in tx: the slot re-checked (unless
// d.Override), hosts picked, the row, its audit entry and its outbox event.
func (s *server) openBooking(tx core.App, actor Actor, d bookingDraft, now time.Time) (*core.Record, error) {
	et := d.EventType
	end, hosts := d.End, d.Hosts
	if !d.Override {
		setup := d.Setup
		if setup == nil {
			setup = s.bookSetup.in(tx)
		}
		slot, av, err := findSlot(tx, setup, s.windows.near(tx, ""), et, d.Start, now, "")
		if err != nil {
			return nil, err
		}
		end = slot.End
		switch {
		case len(hosts) == 0:
			if hosts, err = pickHosts(tx, et, slot, av); err != nil {
				return nil, err
			}
		case !allIn(hosts, slot.Hosts):
			return nil, errHostsNotFree
		}
	} else {
		if end.IsZero() || !end.After(d.Start) {
			end = d.Start.Add(et.Duration())
		}
		if len(hosts) == 0 {
			hosts = et.HostIDs()
			if et.Assignment() != c.AssignmentCollective && len(hosts) > 1 {
				hosts = hosts[:1]
			}
		}
	}
	status := d.Status
	if status == "" {
		status = booking.InitialStatus(et.RequiresConfirmation())
	}
	sealed, lang := d.Sealed, d.Kept
	if sealed == "" {
		var err error
		if sealed, err = secretbox.Seal(s.secret, PurposeManageToken, []byte(d.Token)); err != nil {
			return nil, err
		}
	}
	if lang == "" {
		lang = i18n.Match(d.Language, s.orgLanguage(tx))
	}
	r, err := newRecord(tx, c.Bookings, map[string]any{
		c.BookingsEventType:         et.Id,
		c.BookingsHosts:             hosts,
		c.BookingsStart:             d.Start,
		c.BookingsEnd:               end,
		c.BookingsStatus:            string(status),
		c.BookingsName:              d.Name,
		c.BookingsEmail:             d.Email,
		c.BookingsTimezone:          d.Timezone,
		c.BookingsNotes:             d.Notes,
		c.BookingsAnswers:           d.Answers,
		c.BookingsManageTokenHash:   booking.HashToken(d.Token),
		c.BookingsManageTokenSealed: sealed,
		c.BookingsSequence:          0,
		c.BookingsBufferBefore:      int(et.BufferBefore().Minutes()),
		c.BookingsBufferAfter:       int(et.BufferAfter().Minutes()),
		c.BookingsIdempotencyKey:    d.IdempotencyKey,
		c.BookingsLanguage:          lang,
	})
	if err == nil && d.IdempotentReply != nil {
		r.Set(c.BookingsIdempotentReply, d.IdempotentReply)
	}
	if err != nil {
		return nil, err
	}
	if et.Paid() {
		holdPayment(r, et, status, now) // payments.go: a hold, or an admin's booking without payment
	}
	if err := tx.Save(r); err != nil {
		return nil, err
	}
	s.windows.inserted(tx, r) // the transaction's kept reads of its hosts' bookings gain it (windowcache.go)
	if actor.Kind == ActorInvitee {
		actor = inviteeActor(r)
	}
	if err := auditOverride(tx, actor, ActionBookingCreated, r, nil, d.Override); err != nil {
		return nil, err
	}
	event := "created"
	if status == booking.AwaitingPayment { // nobody hears of a hold until it is paid; it ends by itself
		event = "held"
		if err := enqueue(tx, KindPaymentExpire, paymentJob{Booking: r.Id}, r.Id, r.GetDateTime(c.BookingsHoldExpiresAt).Time()); err != nil {
			return nil, err
		}
	}
	return r, enqueue(tx, KindBookingEvent, bookingEvent{Booking: r.Id, Event: event, Actor: actor.Kind, At: now, Token: sealed}, r.Id, now)
}

// bookingEdit is one change of an existing booking.
type bookingEdit struct {
	// Action is confirm, decline, cancel or reschedule; "" for an edit of
	// the invitee's details only (Fields).
	Action booking.Action
	// Start is a reschedule's new time; Hosts (optional) its hosts: a
	// reschedule to the same start with other hosts is a reassignment.
	Start time.Time
	Hosts []string
	// End is honoured with Override only.
	End time.Time
	// Reason is a cancellation's or decline's reason.
	Reason string
	// Fields are plain edits of the invitee's details (name, email,
	// timezone, notes, answers), applied as given.
	Fields map[string]any
	// Override skips the availability re-check of a reschedule (admins).
	Override bool
	// BeforeStart refuses the change once the meeting has started (invitees).
	BeforeStart bool
}

// changeBooking applies ed to booking id in tx and returns the saved row.
func (s *server) changeBooking(tx core.App, actor Actor, id string, ed bookingEdit, now time.Time) (*core.Record, error) {
	r, err := tx.FindRecordById(c.Bookings, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoBooking
	} else if err != nil {
		return nil, fmt.Errorf("loading booking %s: %w", id, err)
	}
	cur := c.NewBooking(r)
	if ed.BeforeStart && !cur.Start().After(now) {
		return nil, errStarted
	}
	for k, v := range ed.Fields {
		r.Set(k, v)
	}
	event := "updated"
	switch ed.Action {
	case "":
	case booking.Reschedule:
		if _, err := booking.Next(booking.Status(cur.Status()), booking.Reschedule); err != nil {
			return nil, err
		}
		etRecord, err := tx.FindRecordById(c.EventTypes, cur.EventTypeID())
		if err != nil {
			return nil, fmt.Errorf("event type of booking %s: %w", id, err)
		}
		if err := moveBooking(tx, c.NewEventType(etRecord), r, ed, now); err != nil {
			return nil, err
		}
		event = "rescheduled"
	default:
		next, err := booking.Next(booking.Status(cur.Status()), ed.Action)
		if err != nil {
			return nil, err
		}
		if ed.Action == booking.Pay || ed.Action == booking.Expire {
			return nil, fmt.Errorf("%w: %s goes through payBooking or releaseHold", booking.ErrTransition, ed.Action)
		}
		r.Set(c.BookingsStatus, string(next))
		if ed.Action != booking.Confirm {
			r.Set(c.BookingsCancelReason, ed.Reason)
			if err := s.paymentOnCancel(tx, actor, r, now); err != nil { // payments.go: refund, or end the unpaid hold
				return nil, err
			}
		}
		event = map[booking.Action]string{booking.Confirm: "confirmed", booking.Decline: "declined", booking.Cancel: "cancelled"}[ed.Action]
	}
	r.Set(c.BookingsOverrideAvailability, false)
	return r, commitBookingChange(tx, r, actor, event, now, ed.Override && ed.Action == booking.Reschedule)
}

// moveBooking sets booking r (loaded in tx) to ed.Start (and ed.Hosts when
// given): unless ed.Override, only onto a free slot of et (re-checked here,
// the booking itself not blocking), keeping its hosts when they are free
// then and picking anew otherwise. Overridden moves keep the duration
// (or take ed.End) and the hosts (or take ed.Hosts).
func moveBooking(tx core.App, et *c.EventType, r *core.Record, ed bookingEdit, now time.Time) error {
	cur := c.NewBooking(r)
	start := ed.Start
	end := start.Add(cur.End().Sub(cur.Start()))
	hosts := cur.HostIDs()
	if len(ed.Hosts) > 0 {
		hosts = ed.Hosts
	}
	if ed.Override {
		if !ed.End.IsZero() && ed.End.After(start) {
			end = ed.End
		}
	} else {
		slot, av, err := findSlot(tx, c.DBSetup(tx), c.DBWindowBlockers(tx, cur.Id), et, start, now, cur.Id)
		if err != nil {
			return err
		}
		end = slot.End
		switch {
		case allIn(hosts, slot.Hosts):
		case len(ed.Hosts) > 0:
			return errHostsNotFree
		default:
			if hosts, err = pickHosts(tx, et, slot, av); err != nil {
				return err
			}
		}
	}
	if !start.Equal(cur.Start()) {
		r.Set(c.BookingsRescheduledFrom, cur.Start())
	}
	r.Set(c.BookingsStart, start)
	r.Set(c.BookingsEnd, end)
	r.Set(c.BookingsHosts, hosts)
	return nil
}

// commitBookingChange finishes a change to an existing booking inside the
// change's transaction: one more SEQUENCE (except for edits of the
// invitee's details, which leave the meeting as it is and must not make its
// pending mails look superseded), the save, the audit entry and the outbox
// event, so a change never lands without its trail and its jobs.
func commitBookingChange(tx core.App, r *core.Record, actor Actor, event string, now time.Time, override bool) error {
	return commitBookingChangeAs(tx, r, actor, "booking."+event, event, now, override)
}

// commitBookingChangeAs is commitBookingChange with an audit action of its
// own (a payment is audited as booking.paid and fans out as "created").
func commitBookingChangeAs(tx core.App, r *core.Record, actor Actor, action, event string, now time.Time, override bool) error {
	before := r.Original()
	if event != "updated" {
		r.Set(c.BookingsSequence, before.GetInt(c.BookingsSequence)+1)
	}
	if err := tx.Save(r); err != nil {
		return err
	}
	if err := auditOverride(tx, actor, action, r, before, override); err != nil {
		return err
	}
	ev := bookingEvent{Booking: r.Id, Event: event, Actor: actor.Kind, At: now, Sequence: r.GetInt(c.BookingsSequence)}
	for _, h := range before.GetStringSlice(c.BookingsHosts) {
		if !slices.Contains(r.GetStringSlice(c.BookingsHosts), h) {
			ev.ReleasedHosts = append(ev.ReleasedHosts, h)
		}
	}
	return enqueue(tx, KindBookingEvent, ev, r.Id, now)
}

// auditOverride audits a booking change and, when the admin overrode
// availability, says so in the entry (override_availability: true).
func auditOverride(tx core.App, actor Actor, action string, r, before *core.Record, override bool) error {
	var extra map[string]fieldChange
	if override {
		extra = map[string]fieldChange{c.BookingsOverrideAvailability: {Old: nil, New: true}}
	}
	return auditWith(tx, actor, action, r, before, extra)
}

// sealedTokenOf is the booking's sealed manage token ("" for none).
func sealedTokenOf(b *c.Booking) string {
	return strings.TrimSpace(b.GetString(c.BookingsManageTokenSealed))
}
