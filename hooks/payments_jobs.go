package hooks

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/payments"
	"github.com/slotbase/slotbase/internal/queue"
)

// refundGiveUp is the attempt after which a refund Stripe keeps failing is
// marked refund_failed for an admin to settle (the queue buries it then).
const refundGiveUp = 8

// handlePaymentExpire runs a payment.expire job: due when a hold ends (or
// at once when a hold is cancelled). Webhooks get lost, so Stripe is asked
// first: a paid session confirms the booking as the webhook would.
// Otherwise the session is expired at Stripe (so nobody pays it later) and
// the hold released. Stripe unreachable: retried.
func (s *server) handlePaymentExpire(ctx context.Context, j queue.Job) error {
	var p paymentJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	r, err := s.app.FindRecordById(c.Bookings, p.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	now := s.now()
	if r.GetString(c.BookingsStatus) == c.StatusAwaitingPayment {
		if until := r.GetDateTime(c.BookingsHoldExpiresAt).Time(); now.Before(until) {
			return &queue.DeferError{Until: until, Reason: "the hold lasts until " + rfc3339(until)}
		}
	}
	session := r.GetString(c.BookingsCheckoutSession)
	if session != "" && s.pay != nil && r.GetString(c.BookingsPaymentStatus) != c.PaymentPaid {
		sess, err := s.pay.GetCheckout(ctx, session)
		if err == nil && !sess.Paid() && sess.Status == "open" {
			sess, err = s.pay.ExpireCheckout(ctx, session)
		}
		switch {
		case errors.Is(err, payments.ErrRefused):
			s.app.Logger().Warn("payments: Stripe does not know the hold's checkout session; releasing it", "booking", r.Id, "error", err.Error())
		case err != nil:
			return err
		case sess.Paid():
			if sess.Booking == "" {
				sess.Booking = r.Id
			}
			return s.app.RunInTransaction(func(tx core.App) error {
				_, err := s.payBooking(tx, systemActor, r.Id, sess, now)
				return err
			})
		}
	}
	_, err = s.releaseHoldTx(r.Id, msgPaymentNotCompleted, false, now)
	return err
}

// handlePaymentRefund runs a payment.refund job: Stripe refunds the amount
// (Idempotency-Key from the booking and amount, so a re-run refunds once);
// the booking's payment becomes refunded or partially_refunded, audited. A
// refund Stripe refuses, or one still failing after refundGiveUp attempts,
// is refund_failed: admins see it and settle it in Stripe's dashboard. The
// invitee is told once the money is on its way (why, when the payment came
// too late; the amounts, after a cancellation).
func (s *server) handlePaymentRefund(ctx context.Context, j queue.Job) error {
	var p paymentJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	r, err := s.app.FindRecordById(c.Bookings, p.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return queue.Permanent(fmt.Errorf("booking %s is gone: refund %d by hand in Stripe", p.Booking, p.Amount))
	} else if err != nil {
		return err
	}
	intent := r.GetString(c.BookingsPaymentIntent)
	if s.pay == nil || intent == "" {
		err = fmt.Errorf("%w: no Stripe key or no payment intent", payments.ErrRefused)
	}
	var rf payments.Refund
	if err == nil {
		rf, err = s.pay.CreateRefund(ctx, payments.RefundRequest{Booking: r.Id, PaymentIntent: intent, Amount: p.Amount})
	}
	failed := errors.Is(err, payments.ErrRefused) || (err != nil && j.Attempts >= refundGiveUp) ||
		(err == nil && (rf.Status == "failed" || rf.Status == "canceled"))
	if err != nil && !failed {
		return err
	}
	now := s.now()
	txErr := s.app.RunInTransaction(func(tx core.App) error {
		fresh, err := tx.FindRecordById(c.Bookings, r.Id)
		if err != nil {
			return err
		}
		if failed {
			fresh.Set(c.BookingsPaymentStatus, c.PaymentRefundFailed)
			return auditedSave(tx, systemActor, ActionBookingRefundFailed, fresh)
		}
		fresh.Set(c.BookingsRefundedAmount, rf.Amount)
		if rf.Amount >= int64(fresh.GetInt(c.BookingsPaymentAmount)) {
			fresh.Set(c.BookingsPaymentStatus, c.PaymentRefunded)
		} else {
			fresh.Set(c.BookingsPaymentStatus, c.PaymentPartiallyRefunded)
		}
		if err := auditedSave(tx, systemActor, ActionBookingRefunded, fresh); err != nil {
			return err
		}
		kind := mail.PaymentRefunded // the time was taken: the invitee learns why
		if !p.SlotTaken {
			kind = mail.RefundIssued // a cancelled booking: the cancellation mail went out before the refund
		}
		if rf.Amount <= 0 {
			return nil
		}
		return enqueueOnce(tx, "email:"+j.ID+":invitee", KindEmailSend, emailJob{Booking: fresh.Id, Kind: kind,
			Role: mail.ToInvitee, Sequence: fresh.GetInt(c.BookingsSequence), ByHost: true, Token: sealedTokenOf(c.NewBooking(fresh))}, fresh.Id, now)
	})
	if txErr != nil {
		return txErr
	}
	if failed {
		if err == nil {
			err = fmt.Errorf("stripe refund %s is %s", rf.ID, rf.Status)
		}
		return queue.Permanent(err)
	}
	s.worker.Wake()
	return nil
}
