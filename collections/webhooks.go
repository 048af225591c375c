package collections

// Webhooks is the name of the collection of HTTP endpoints that receive
// signed booking events.
const Webhooks = "webhooks"

// WebhooksID is the fixed id of the webhooks collection.
const WebhooksID = "sb_webhooks"

// Fields of the webhooks collection.
const (
	WebhooksName   = "name"
	WebhooksURL    = "url"
	WebhooksSecret = "secret"
	WebhooksEvents = "events"
	WebhooksActive = "active"
)

// WebhookEvents are the booking events a webhook can subscribe to.
var WebhookEvents = []string{"booking.created", "booking.confirmed", "booking.cancelled", "booking.rescheduled", "booking.declined"}

// WebhookDeliveries is the name of the delivery log: one record per attempt
// to deliver an event to a webhook.
const WebhookDeliveries = "webhook_deliveries"

// WebhookDeliveriesID is the fixed id of the webhook_deliveries collection.
const WebhookDeliveriesID = "sb_webhook_deliveries"

// Fields of the webhook_deliveries collection.
const (
	WebhookDeliveriesWebhook    = "webhook"
	WebhookDeliveriesDelivery   = "delivery"
	WebhookDeliveriesEvent      = "event"
	WebhookDeliveriesBooking    = "booking"
	WebhookDeliveriesAttempt    = "attempt"
	WebhookDeliveriesStatusCode = "status_code"
	WebhookDeliveriesError      = "error"
	WebhookDeliveriesDurationMs = "duration_ms"
)
