package collections

// StripeEvents is the name of the collection that remembers every Stripe
// webhook event slotbase applied, so a redelivered event does nothing: its
// row is written in the transaction of its effect, under a unique index on
// event_id.
const StripeEvents = "stripe_events"

// StripeEventsID is the fixed id of the stripe_events collection.
const StripeEventsID = "sb_stripe_events"

// Fields of the stripe_events collection.
const (
	StripeEventsEventID = "event_id"
	StripeEventsType    = "type"
	StripeEventsBooking = "booking"
)
