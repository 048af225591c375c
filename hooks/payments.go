package hooks

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/payments"
)

// Paid sessions (PAYMENTS.md). A booking of an event type with a price is
// made as a hold (status awaiting_payment, payment awaiting) in the booking
// transaction, with a payment.expire job due when the hold ends; after the
// commit the invitee's Stripe Checkout Session is made and its URL
// answered. Only Stripe's signed webhook (payments_webhook.go) or the expiry
// job asking Stripe (payments_jobs.go) turns the hold into a booking;
// refunds are payment.refund jobs.

// Job kinds of payments (payments_jobs.go).
const (
	// KindPaymentExpire ends an unpaid hold when it is due: it asks Stripe
	// first (a lost webhook), then expires the session and frees the slot.
	KindPaymentExpire = "payment.expire"
	// KindPaymentRefund refunds (part of) a booking's payment.
	KindPaymentRefund = "payment.refund"
)

// Audit actions of payments.
const (
	ActionBookingPaid         = "booking.paid"
	ActionPaymentExpired      = "booking.payment_expired"
	ActionPaymentLate         = "booking.payment_late"
	ActionBookingRefunded     = "booking.refunded"
	ActionBookingRefundFailed = "booking.refund_failed"
)

// msgPaymentNotCompleted is the cancel_reason of a hold that ended unpaid:
// a payment that lands later may reinstate such a booking.
const msgPaymentNotCompleted = "payment not completed"

// msgPaymentUnavailable answers a paid booking Stripe could not start.
const msgPaymentUnavailable = "The payment service is unavailable; nothing was booked. Please try again."

// paymentJob is the payload of payment.* jobs.
type paymentJob struct {
	Booking string `json:"booking"`
	// Amount is a refund's amount in minor units.
	Amount int64 `json:"amount,omitempty"`
	// SlotTaken marks the refund of a payment that came after the hold
	// ended and the time went to someone else: the invitee is told.
	SlotTaken bool `json:"slot_taken,omitempty"`
}

// holdPayment sets the payment fields of a new booking r of the paid event
// type et: an invitee's hold (awaiting, ending after the type's hold time)
// or, for a booking an admin made directly, "none" (no payment asked).
func holdPayment(r *core.Record, et *c.EventType, status booking.Status, now time.Time) {
	r.Set(c.BookingsPaymentAmount, et.Price())
	r.Set(c.BookingsPaymentCurrency, et.Currency())
	if status != booking.AwaitingPayment {
		r.Set(c.BookingsPaymentStatus, c.PaymentNone)
		return
	}
	r.Set(c.BookingsPaymentStatus, c.PaymentAwaiting)
	r.Set(c.BookingsHoldExpiresAt, now.Add(et.PaymentHold()).UTC())
}

// paymentOnCancel adds the payment side of a cancellation or decline of r
// (its new status set, not yet saved, in tx): an unpaid hold's session is
// expired at Stripe (at once, by a payment.expire job); a paid booking is
// refunded — in full when the host side cancels, by the event type's
// window and percentage when the invitee does.
func (s *server) paymentOnCancel(tx core.App, actor Actor, r *core.Record, now time.Time) error {
	switch r.GetString(c.BookingsPaymentStatus) {
	case c.PaymentAwaiting:
		r.Set(c.BookingsPaymentStatus, c.PaymentExpired)
		r.Set(c.BookingsCheckoutURL, "")
		return enqueue(tx, KindPaymentExpire, paymentJob{Booking: r.Id}, r.Id, now)
	case c.PaymentPaid:
		amount := int64(r.GetInt(c.BookingsPaymentAmount))
		if actor.Kind == ActorInvitee {
			etRecord, err := tx.FindRecordById(c.EventTypes, r.GetString(c.BookingsEventType))
			if err != nil {
				return err
			}
			et := c.NewEventType(etRecord)
			amount = payments.InviteeRefund(amount, et.RefundPercent(), et.RefundWindow(), c.NewBooking(r).Start(), now)
		}
		if amount <= 0 {
			return nil // outside the refund window: the payment stays
		}
		r.Set(c.BookingsPaymentStatus, c.PaymentRefundPending)
		return enqueue(tx, KindPaymentRefund, paymentJob{Booking: r.Id, Amount: amount}, r.Id, now)
	}
	return nil
}

// validateEventTypePayment checks an event type's price, currency, hold and
// refund settings (400 per field); a price needs a Stripe key.
func (s *server) validateEventTypePayment(e *core.RecordEvent) error {
	r := e.Record
	if cur := r.GetString(c.EventTypesCurrency); cur != strings.ToLower(strings.TrimSpace(cur)) {
		r.Set(c.EventTypesCurrency, strings.ToLower(strings.TrimSpace(cur))) // stored lowercase
	}
	errs := payments.Settings{
		Price: int64(r.GetFloat(c.EventTypesPrice)), Currency: r.GetString(c.EventTypesCurrency),
		HoldMinutes: r.GetInt(c.EventTypesPaymentHoldMinutes), RefundHours: r.GetInt(c.EventTypesRefundWindowHours),
		RefundPct: r.GetInt(c.EventTypesRefundPercent),
	}.Check(s.pay != nil)
	if len(errs) == 0 {
		return e.Next()
	}
	out := validation.Errors{}
	for f, msg := range errs {
		out[f] = validation.NewError("validation_invalid_"+f, msg)
	}
	return out
}

// eventTypePaymentDefaults gives a new event type the default hold (15
// minutes) and, when no refund policy is set, a full refund.
func eventTypePaymentDefaults(e *core.RecordEvent) error {
	r := e.Record
	if r.GetInt(c.EventTypesPaymentHoldMinutes) == 0 {
		r.Set(c.EventTypesPaymentHoldMinutes, int(c.DefaultPaymentHold.Minutes()))
	}
	if r.GetInt(c.EventTypesRefundPercent) == 0 && r.GetInt(c.EventTypesRefundWindowHours) == 0 {
		r.Set(c.EventTypesRefundPercent, 100)
	}
	return e.Next()
}

// startCheckout makes the Checkout Session of hold r (after its commit:
// no network call inside the writer's transaction) and stores its id and
// URL. When Stripe cannot be reached the hold is released through the door
// and errPaymentUnavailable returned. A hold that has its session already
// (a replayed request) is left as it is.
func (s *server) startCheckout(ctx context.Context, e *core.RequestEvent, r *core.Record, et *c.EventType) (*core.Record, error) {
	if r.GetString(c.BookingsCheckoutURL) != "" || r.GetString(c.BookingsStatus) != c.StatusAwaitingPayment {
		return r, nil
	}
	base, err := publicOrigin(e)
	if err != nil {
		return nil, err
	}
	now := s.now()
	page := base + "/" + et.Slug()
	sess, err := s.pay.CreateCheckout(ctx, payments.CheckoutRequest{
		Booking: r.Id, Title: et.Title(), Amount: int64(r.GetInt(c.BookingsPaymentAmount)), Currency: r.GetString(c.BookingsPaymentCurrency),
		Email: r.GetString(c.BookingsEmail), SuccessURL: page + "?paid=" + r.Id, CancelURL: page + "?unpaid=" + r.Id,
		ExpiresAt: payments.CheckoutExpiry(now, r.GetDateTime(c.BookingsHoldExpiresAt).Time()),
	})
	if err != nil {
		e.App.Logger().Error("payments: creating the checkout session failed; the hold is released", "booking", r.Id, "error", err.Error())
		if _, rerr := s.releaseHoldTx(r.Id, "payment service unavailable", true, now); rerr != nil {
			return nil, rerr
		}
		return nil, errPaymentUnavailable
	}
	var out *core.Record
	err = e.App.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(c.Bookings, r.Id)
		if err != nil {
			return err
		}
		if fresh.GetString(c.BookingsPaymentStatus) == c.PaymentAwaiting {
			fresh.Set(c.BookingsCheckoutSession, sess.ID)
			fresh.Set(c.BookingsCheckoutURL, sess.URL)
			if err := tx.Save(fresh); err != nil {
				return err
			}
		}
		out = fresh
		return nil
	})
	return out, err
}

// errPaymentUnavailable: the Checkout Session could not be made.
var errPaymentUnavailable = errors.New("payment service unavailable")

// paymentUnavailable answers 503 with msg.
func paymentUnavailable(e *core.RequestEvent, msg string) error {
	return e.Error(http.StatusServiceUnavailable, msg, nil)
}
