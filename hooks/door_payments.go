package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/payments"
)

// The booking door's payment actions (DESIGN.md, "One door"): a payment
// (Stripe's webhook, or the expiry job finding the session paid) and the
// end of an unpaid hold. Like changeBooking they run inside the caller's
// write transaction, apply the status machine (booking.Pay, booking.Expire),
// bump SEQUENCE and write the audit entry and the outbox event.

// payOutcome is what a payment did to its booking.
type payOutcome int

const (
	// payIgnored: the booking had its payment already (a second delivery,
	// a second payment of one session) or never asked for one.
	payIgnored payOutcome = iota
	// payConfirmed: the hold became a booking (confirmed, or pending when
	// a host confirms the type's bookings).
	payConfirmed
	// payReinstated: the hold had ended unpaid, the time was still free,
	// and the booking is back.
	payReinstated
	// payRefunding: the payment came for a time no longer the invitee's;
	// a refund job was queued and the invitee will be told.
	payRefunding
)

// payBooking records sess's payment of booking id in tx.
func (s *server) payBooking(tx core.App, actor Actor, id string, sess payments.Session, now time.Time) (payOutcome, error) {
	r, err := tx.FindRecordById(c.Bookings, id)
	if errors.Is(err, sql.ErrNoRows) {
		return payIgnored, errNoBooking
	} else if err != nil {
		return payIgnored, fmt.Errorf("loading booking %s: %w", id, err)
	}
	switch r.GetString(c.BookingsPaymentStatus) {
	case c.PaymentAwaiting, c.PaymentExpired:
	default:
		return payIgnored, nil // paid (or refunded) already: one confirmation, one mail
	}
	etRecord, err := tx.FindRecordById(c.EventTypes, r.GetString(c.BookingsEventType))
	if err != nil {
		return payIgnored, fmt.Errorf("event type of booking %s: %w", id, err)
	}
	et := c.NewEventType(etRecord)
	if sess.Amount > 0 {
		r.Set(c.BookingsPaymentAmount, sess.Amount)
	}
	if sess.Currency != "" {
		r.Set(c.BookingsPaymentCurrency, sess.Currency)
	}
	if sess.ID != "" {
		r.Set(c.BookingsCheckoutSession, sess.ID)
	}
	r.Set(c.BookingsPaymentIntent, sess.PaymentIntent)
	r.Set(c.BookingsCheckoutURL, "")
	r.Set(c.BookingsPaymentStatus, c.PaymentPaid)

	cur := booking.Status(r.GetString(c.BookingsStatus))
	outcome := payConfirmed
	if cur == booking.Cancelled && r.GetString(c.BookingsCancelReason) == msgPaymentNotCompleted {
		// The hold ended unpaid: the booking comes back if its time is free.
		if err := moveBooking(tx, et, r, bookingEdit{Start: c.NewBooking(r).Start()}, now); err == nil {
			outcome = payReinstated
			r.Set(c.BookingsCancelReason, "")
		} else if !slotRefused(err) {
			return payIgnored, err
		} else {
			outcome = payRefunding
		}
	} else if cur != booking.AwaitingPayment {
		outcome = payRefunding // cancelled by the invitee or an admin meanwhile
	}
	if outcome == payRefunding {
		r.Set(c.BookingsPaymentStatus, c.PaymentRefundPending)
		if err := tx.Save(r); err != nil {
			return payIgnored, err
		}
		if err := audit(tx, actor, ActionPaymentLate, r, r.Original()); err != nil {
			return payIgnored, err
		}
		amount := int64(r.GetInt(c.BookingsPaymentAmount))
		return payRefunding, enqueue(tx, KindPaymentRefund, paymentJob{Booking: r.Id, Amount: amount, SlotTaken: true}, r.Id, now)
	}
	if _, err := booking.Next(cur, booking.Pay); err != nil {
		return payIgnored, err
	}
	r.Set(c.BookingsStatus, string(booking.AfterPayment(et.RequiresConfirmation())))
	// The booking begins for everyone now: "created" fans out the
	// confirmation mails, the calendar events, reminders and webhooks.
	return outcome, commitBookingChangeAs(tx, r, actor, ActionBookingPaid, "created", now, false)
}

// slotRefused reports whether err says a booking's time is not available.
func slotRefused(err error) bool {
	var notOffered *notOfferedError
	return errors.Is(err, errSlotGone) || errors.Is(err, errHostsNotFree) || errors.As(err, &notOffered)
}

// releaseHold ends booking id's unpaid hold in tx: cancelled with reason,
// payment expired, the slot free again. Nobody is mailed (the invitee never
// had a booking). forget drops the idempotency key and the manage token
// (never told to anyone), so a retried request books afresh. A booking no longer awaiting payment is left alone (false).
func (s *server) releaseHold(tx core.App, actor Actor, id, reason string, forget bool, now time.Time) (bool, error) {
	r, err := tx.FindRecordById(c.Bookings, id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("loading booking %s: %w", id, err)
	}
	cur := booking.Status(r.GetString(c.BookingsStatus))
	if cur != booking.AwaitingPayment {
		return false, nil
	}
	next, err := booking.Next(cur, booking.Expire)
	if err != nil {
		return false, err
	}
	r.Set(c.BookingsStatus, string(next))
	r.Set(c.BookingsCancelReason, reason)
	r.Set(c.BookingsPaymentStatus, c.PaymentExpired)
	r.Set(c.BookingsCheckoutURL, "")
	if forget { // a retry of the request (same key, so same manage token) books afresh
		token, _, err := booking.NewManageToken()
		if err != nil {
			return false, err
		}
		r.Set(c.BookingsIdempotencyKey, "")
		r.Set(c.BookingsManageTokenHash, booking.HashToken(token))
		r.Set(c.BookingsManageTokenSealed, "")
	}
	return true, commitBookingChangeAs(tx, r, actor, ActionPaymentExpired, "expired", now, false)
}

// releaseHoldTx is releaseHold in a transaction of its own, by the system.
func (s *server) releaseHoldTx(id, reason string, forget bool, now time.Time) (bool, error) {
	released := false
	err := s.app.RunInTransaction(func(tx core.App) error {
		var err error
		released, err = s.releaseHold(tx, systemActor, id, reason, forget, now)
		return err
	})
	return released, err
}
