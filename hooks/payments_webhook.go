package hooks

import (
	"database/sql"
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/payments"
)

// stripeActor is the actor of changes Stripe's webhook makes.
var stripeActor = Actor{Kind: ActorSystem, Label: "stripe webhook"}

// maxStripeEvent bounds a webhook body (Stripe's events are a few KB).
const maxStripeEvent = 64 << 10

// handleStripeWebhook answers POST /api/stripe/webhook: the raw body's
// Stripe-Signature is verified with the endpoint secret (400 when missing,
// wrong or older than five minutes); a checkout session paid makes its hold
// a booking, one expired (or whose delayed payment failed) frees the slot;
// other events are acknowledged and ignored. Each event id is recorded in
// stripe_events in the transaction of its effect, so a redelivery does
// nothing; 200 once recorded, 500 only when the database fails (Stripe
// retries).
func (s *server) handleStripeWebhook(e *core.RequestEvent) error {
	secret := s.cfg.StripeWebhookSecret
	if secret == "" {
		return paymentUnavailable(e, "Stripe webhooks are not configured: set SLOTBASE_STRIPE_WEBHOOK_SECRET.")
	}
	body, err := io.ReadAll(io.LimitReader(e.Request.Body, maxStripeEvent+1))
	if err != nil || len(body) > maxStripeEvent {
		return badRequest(e, map[string]error{"body": fieldErr("must be one Stripe event of at most 64 KiB")})
	}
	ev, err := payments.ParseEvent(body, e.Request.Header.Get("Stripe-Signature"), secret)
	if errors.Is(err, payments.ErrSignature) {
		return badRequest(e, map[string]error{"Stripe-Signature": fieldErr("is missing, does not match the endpoint secret, or is older than 5 minutes")})
	} else if err != nil {
		return badRequest(e, map[string]error{"body": fieldErr("is not a Stripe event: " + err.Error())})
	}
	var handled bool
	switch ev.Type {
	case payments.EventCheckoutCompleted, payments.EventCheckoutAsyncSucceeded, payments.EventCheckoutExpired, payments.EventCheckoutAsyncFailed:
		handled = ev.Session != nil && ev.Session.Booking != ""
	}
	if !handled {
		return e.JSON(http.StatusOK, map[string]any{"received": true, "ignored": true})
	}
	now := s.now()
	duplicate := false
	err = e.App.RunInTransaction(func(tx core.App) error {
		if _, err := tx.FindFirstRecordByData(c.StripeEvents, c.StripeEventsEventID, ev.ID); err == nil {
			duplicate = true
			return nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		seen, err := newRecord(tx, c.StripeEvents, map[string]any{
			c.StripeEventsEventID: ev.ID, c.StripeEventsType: ev.Type, c.StripeEventsBooking: ev.Session.Booking,
		})
		if err != nil {
			return err
		}
		if err := tx.Save(seen); err != nil {
			return err
		}
		return s.applyCheckoutEvent(tx, ev, now)
	})
	if err != nil {
		return e.InternalServerError("", err)
	}
	s.worker.Wake()
	return e.JSON(http.StatusOK, map[string]any{"received": true, "duplicate": duplicate})
}

// applyCheckoutEvent applies one checkout.session.* event in tx. A session
// completed without its money yet (a delayed method) waits for
// async_payment_succeeded; an unknown booking is not an error (the event
// is recorded and acknowledged).
func (s *server) applyCheckoutEvent(tx core.App, ev payments.Event, now time.Time) error {
	sess := *ev.Session
	var err error
	switch ev.Type {
	case payments.EventCheckoutCompleted, payments.EventCheckoutAsyncSucceeded:
		if !sess.Paid() {
			return nil
		}
		_, err = s.payBooking(tx, stripeActor, sess.Booking, sess, now)
	default: // expired, async payment failed
		_, err = s.releaseHold(tx, stripeActor, sess.Booking, msgPaymentNotCompleted, false, now)
	}
	if errors.Is(err, errNoBooking) {
		return nil
	}
	return err
}
