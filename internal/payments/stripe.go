package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v82"
)

// Config says how to reach Stripe.
type Config struct {
	// SecretKey is the API secret key (sk_…); empty: not configured.
	SecretKey string
	// APIBase overrides https://api.stripe.com (stripe-mock, tests).
	APIBase string
	// Timeout bounds each request (0: 20 s).
	Timeout time.Duration
}

// Client calls Stripe's API. Its zero value is not usable: see New.
type Client struct {
	sc *stripe.Client
}

// New returns a client for cfg, or ErrNotConfigured without a secret key.
// The library's own logging is off (slotbase logs what it needs, never the
// key) and it does not retry: slotbase's jobs retry with their own backoff.
func New(cfg Config) (*Client, error) {
	if cfg.SecretKey == "" {
		return nil, ErrNotConfigured
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = 20 * time.Second
	}
	bc := &stripe.BackendConfig{
		HTTPClient:        &http.Client{Timeout: timeout},
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: stripe.Int64(0),
	}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	return &Client{sc: stripe.NewClient(cfg.SecretKey, stripe.WithBackends(stripe.NewBackendsWithConfig(bc)))}, nil
}

// CreateCheckout makes the Checkout Session of a booking. Its
// Idempotency-Key is the booking id, so asking twice (a retried request)
// gives the same session.
func (c *Client) CreateCheckout(ctx context.Context, r CheckoutRequest) (Session, error) {
	p := &stripe.CheckoutSessionCreateParams{
		Mode:              stripe.String(string(stripe.CheckoutSessionModePayment)),
		ClientReferenceID: stripe.String(r.Booking),
		Metadata:          map[string]string{"booking": r.Booking},
		SuccessURL:        stripe.String(r.SuccessURL),
		CancelURL:         stripe.String(r.CancelURL),
		ExpiresAt:         stripe.Int64(r.ExpiresAt.Unix()),
		LineItems: []*stripe.CheckoutSessionCreateLineItemParams{{
			Quantity: stripe.Int64(1),
			PriceData: &stripe.CheckoutSessionCreateLineItemPriceDataParams{
				Currency:    stripe.String(r.Currency),
				UnitAmount:  stripe.Int64(r.Amount),
				ProductData: &stripe.CheckoutSessionCreateLineItemPriceDataProductDataParams{Name: stripe.String(r.Title)},
			},
		}},
		PaymentIntentData: &stripe.CheckoutSessionCreatePaymentIntentDataParams{Metadata: map[string]string{"booking": r.Booking}},
	}
	if r.Email != "" {
		p.CustomerEmail = stripe.String(r.Email)
	}
	p.SetIdempotencyKey("slotbase-checkout-" + r.Booking)
	s, err := c.sc.V1CheckoutSessions.Create(ctx, p)
	if err != nil {
		return Session{}, classify("creating the checkout session", err)
	}
	return sessionOf(s), nil
}

// GetCheckout reads a Checkout Session.
func (c *Client) GetCheckout(ctx context.Context, id string) (Session, error) {
	s, err := c.sc.V1CheckoutSessions.Retrieve(ctx, id, nil)
	if err != nil {
		return Session{}, classify("reading checkout session "+id, err)
	}
	return sessionOf(s), nil
}

// ExpireCheckout expires an open Checkout Session, so nobody can pay it
// any more. A session that is no longer open (expired, or complete) is not
// an error: its state is returned as read.
func (c *Client) ExpireCheckout(ctx context.Context, id string) (Session, error) {
	s, err := c.sc.V1CheckoutSessions.Expire(ctx, id, nil)
	if err == nil {
		return sessionOf(s), nil
	}
	err = classify("expiring checkout session "+id, err)
	if errors.Is(err, ErrRefused) { // "only open sessions can be expired": tell how it stands
		return c.GetCheckout(ctx, id)
	}
	return Session{}, err
}

// CreateRefund refunds r.Amount of r.PaymentIntent. The Idempotency-Key is
// the booking id and the amount, so a retry never refunds twice.
func (c *Client) CreateRefund(ctx context.Context, r RefundRequest) (Refund, error) {
	p := &stripe.RefundCreateParams{
		PaymentIntent: stripe.String(r.PaymentIntent),
		Amount:        stripe.Int64(r.Amount),
		Metadata:      map[string]string{"booking": r.Booking},
	}
	p.SetIdempotencyKey("slotbase-refund-" + r.Booking + "-" + strconv.FormatInt(r.Amount, 10))
	rf, err := c.sc.V1Refunds.Create(ctx, p)
	if err != nil {
		return Refund{}, classify("refunding booking "+r.Booking, err)
	}
	return Refund{ID: rf.ID, Status: string(rf.Status), Amount: rf.Amount}, nil
}

// sessionOf turns stripe-go's session into a Session.
func sessionOf(s *stripe.CheckoutSession) Session {
	out := Session{ID: s.ID, URL: s.URL, Booking: s.ClientReferenceID, Status: string(s.Status),
		PaymentStatus: string(s.PaymentStatus), Amount: s.AmountTotal, Currency: string(s.Currency)}
	if out.Booking == "" {
		out.Booking = s.Metadata["booking"]
	}
	if s.PaymentIntent != nil {
		out.PaymentIntent = s.PaymentIntent.ID
	}
	return out
}

// classify wraps err as ErrRefused (Stripe said no: 4xx other than 429 and
// 409) or ErrUnavailable (network, timeouts, 5xx, rate limits): callers
// retry only the latter. The message is Stripe's, which never carries the
// secret key.
func classify(what string, err error) error {
	var se *stripe.Error
	if errors.As(err, &se) && se.HTTPStatusCode >= 400 && se.HTTPStatusCode < 500 &&
		se.HTTPStatusCode != http.StatusTooManyRequests && se.HTTPStatusCode != http.StatusConflict {
		return fmt.Errorf("%s: %w: %d %s", what, ErrRefused, se.HTTPStatusCode, se.Msg)
	}
	if se != nil {
		return fmt.Errorf("%s: %w: %d %s", what, ErrUnavailable, se.HTTPStatusCode, se.Msg)
	}
	return fmt.Errorf("%s: %w: %v", what, ErrUnavailable, err)
}
