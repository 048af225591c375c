// Package payments is slotbase's thin layer over Stripe (stripe-go v82):
// Checkout Sessions for paid bookings, their expiry, refunds and signed
// webhook events, as plain values, plus the pure rules around them (which
// currencies, how much an invitee gets back). It does not import PocketBase.
package payments

import (
	"errors"
	"time"
)

// Errors of the package.
var (
	// ErrNotConfigured: no Stripe secret key is set.
	ErrNotConfigured = errors.New("payments are not configured: set SLOTBASE_STRIPE_SECRET_KEY")
	// ErrUnavailable wraps a failure to reach Stripe or a 5xx/429 answer: a
	// retry may succeed.
	ErrUnavailable = errors.New("stripe unavailable")
	// ErrRefused wraps Stripe's refusal of a request (4xx): a retry of the
	// same request fails the same way.
	ErrRefused = errors.New("stripe refused the request")
	// ErrSignature: a webhook's Stripe-Signature is missing, wrong or too old.
	ErrSignature = errors.New("bad Stripe-Signature")
)

// CheckoutRequest is what a Checkout Session for one booking needs.
type CheckoutRequest struct {
	// Booking is the booking id: client_reference_id, metadata[booking]
	// and the Idempotency-Key.
	Booking string
	// Title names the line item (the event type's title).
	Title string
	// Amount is the price in minor units of Currency (lowercase ISO 4217).
	Amount   int64
	Currency string
	// Email pre-fills the payer's e-mail.
	Email string
	// SuccessURL and CancelURL are where Stripe sends the invitee back.
	SuccessURL, CancelURL string
	// ExpiresAt is when the session expires (at least 30 minutes ahead:
	// CheckoutExpiry).
	ExpiresAt time.Time
}

// Session is a Checkout Session as slotbase uses it.
type Session struct {
	ID  string
	URL string
	// Booking is the session's client_reference_id (or metadata[booking]).
	Booking string
	// Status is open, complete or expired; PaymentStatus paid, unpaid or
	// no_payment_required.
	Status, PaymentStatus string
	Amount                int64
	Currency              string
	PaymentIntent         string
}

// Paid reports whether the session's money was received.
func (s Session) Paid() bool {
	return s.PaymentStatus == "paid" || s.PaymentStatus == "no_payment_required"
}

// RefundRequest is one refund of a booking's payment.
type RefundRequest struct {
	// Booking is the booking id: the Idempotency-Key is derived from it
	// and the amount, so a retried refund is made once.
	Booking       string
	PaymentIntent string
	Amount        int64
}

// Refund is Stripe's answer to a refund.
type Refund struct {
	ID string
	// Status is pending, requires_action, succeeded, failed or canceled.
	Status string
	Amount int64
}

// minCheckoutLife is the shortest expiry Stripe accepts for a session.
const minCheckoutLife = 30 * time.Minute

// CheckoutExpiry is the expires_at of a session made at now for a hold
// ending at holdEnd: the hold's end, or 30 minutes (Stripe's minimum) plus
// a minute of slack when the hold is shorter.
func CheckoutExpiry(now, holdEnd time.Time) time.Time {
	if least := now.Add(minCheckoutLife + time.Minute); holdEnd.Before(least) {
		return least
	}
	return holdEnd
}
