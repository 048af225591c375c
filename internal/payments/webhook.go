package payments

import (
	"encoding/json"
	"fmt"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// Webhook event types slotbase acts on.
const (
	EventCheckoutCompleted      = "checkout.session.completed"
	EventCheckoutAsyncSucceeded = "checkout.session.async_payment_succeeded"
	EventCheckoutAsyncFailed    = "checkout.session.async_payment_failed"
	EventCheckoutExpired        = "checkout.session.expired"
)

// Event is a verified webhook event; Session is set for checkout.session.* events.
type Event struct {
	ID, Type string
	Session  *Session
}

// ParseEvent verifies payload against its Stripe-Signature header with the
// endpoint secret (HMAC-SHA256, timestamp within five minutes: stripe-go's
// webhook package) and decodes it. A bad, missing or stale signature is
// ErrSignature. The event's API version is not held against it: slotbase
// reads only fields every version has (ids, client_reference_id, metadata,
// payment_status, amount_total, currency, payment_intent).
func ParseEvent(payload []byte, header, secret string) (Event, error) {
	ev, err := webhook.ConstructEventWithOptions(payload, header, secret, webhook.ConstructEventOptions{IgnoreAPIVersionMismatch: true})
	if err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	out := Event{ID: ev.ID, Type: string(ev.Type)}
	if ev.Data != nil && len(ev.Data.Raw) > 0 && ev.Data.Object["object"] == "checkout.session" {
		var s stripe.CheckoutSession
		if err := json.Unmarshal(ev.Data.Raw, &s); err != nil {
			return Event{}, fmt.Errorf("event %s: checkout session: %w", ev.ID, err)
		}
		sess := sessionOf(&s)
		out.Session = &sess
	}
	return out, nil
}
