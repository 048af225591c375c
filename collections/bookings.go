package collections

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Bookings is the name of the bookings collection.
const Bookings = "bookings"

// BookingsID is the fixed id of the bookings collection.
const BookingsID = "sb_bookings"

// Fields of the bookings collection.
const (
	BookingsEventType       = "event_type"
	BookingsHosts           = "hosts"
	BookingsStart           = "start"
	BookingsEnd             = "end"
	BookingsStatus          = "status"
	BookingsName            = "name"
	BookingsEmail           = "email"
	BookingsTimezone        = "timezone"
	BookingsNotes           = "notes"
	BookingsAnswers         = "answers"
	BookingsManageTokenHash = "manage_token_hash"
	BookingsGoogleEventID   = "google_event_id"
	BookingsCancelReason    = "cancel_reason"
	BookingsRescheduledFrom = "rescheduled_from"
	BookingsSequence        = "sequence"
	BookingsBufferBefore    = "buffer_before"
	BookingsBufferAfter     = "buffer_after"
	BookingsIdempotencyKey  = "idempotency_key"
	BookingsIdempotentReply = "idempotent_reply"
	// BookingsOverrideAvailability is the admin UI's "book anyway" box: a
	// save with it ticked skips the availability re-check (audited); the
	// door clears it again.
	BookingsOverrideAvailability = "override_availability"
	// BookingsManageTokenSealed is the invitee's manage token sealed with
	// the server key, so every mail about the booking carries their link.
	BookingsManageTokenSealed = "manage_token_sealed"
	// BookingsLanguage is the invitee's language: a supported BCP 47 tag
	// (i18n.Supported), the one their e-mails and invites are written in.
	BookingsLanguage = "language"
)

// Payment fields of the bookings collection (PAYMENTS.md): empty on a
// booking of a free event type.
const (
	// BookingsPaymentStatus is one of the Payment* values ("" = free).
	BookingsPaymentStatus = "payment_status"
	// BookingsPaymentAmount is the price in the currency's minor units.
	BookingsPaymentAmount   = "payment_amount"
	BookingsPaymentCurrency = "payment_currency"
	// BookingsRefundedAmount is what was refunded, in minor units.
	BookingsRefundedAmount = "refunded_amount"
	// BookingsCheckoutSession and BookingsCheckoutURL are the Stripe
	// Checkout Session the invitee pays in.
	BookingsCheckoutSession = "checkout_session"
	BookingsCheckoutURL     = "checkout_url"
	// BookingsPaymentIntent is Stripe's payment intent id (what refunds name).
	BookingsPaymentIntent = "payment_intent"
	// BookingsHoldExpiresAt is when an unpaid hold ends.
	BookingsHoldExpiresAt = "hold_expires_at"
)

// Values of bookings.payment_status.
const (
	PaymentAwaiting          = "awaiting"
	PaymentPaid              = "paid"
	PaymentExpired           = "expired"
	PaymentRefunded          = "refunded"
	PaymentPartiallyRefunded = "partially_refunded"
	PaymentRefundPending     = "refund_pending"
	PaymentRefundFailed      = "refund_failed"
	// PaymentNone marks a booking of a paid type an admin made without payment.
	PaymentNone = "none"
)

// PaymentStatuses are the values of bookings.payment_status.
var PaymentStatuses = []string{PaymentAwaiting, PaymentPaid, PaymentExpired, PaymentRefunded, PaymentPartiallyRefunded,
	PaymentRefundPending, PaymentRefundFailed, PaymentNone}

// Status values of bookings.status.
const (
	StatusPending   = "pending"
	StatusConfirmed = "confirmed"
	StatusCancelled = "cancelled"
	StatusDeclined  = "declined"
	// StatusAwaitingPayment holds a paid type's slot until Stripe says it
	// was paid or the hold ends (booking.AwaitingPayment).
	StatusAwaitingPayment = "awaiting_payment"
)

// LiveStatusFilter is a filter fragment matching bookings that hold their slot.
const LiveStatusFilter = "(status = 'pending' || status = 'confirmed' || status = 'awaiting_payment')"

// LiveStatusesSQL is the SQL list of the booking statuses that hold their
// slot (booking.Status.Live), for `status IN …`.
const LiveStatusesSQL = "('pending', 'confirmed', 'awaiting_payment')"

// Booking wraps a bookings record.
type Booking struct {
	core.BaseRecordProxy
}

// NewBooking wraps r.
func NewBooking(r *core.Record) *Booking {
	b := &Booking{}
	b.SetProxyRecord(r)
	return b
}

// EventTypeID is the booked event type's id.
func (b *Booking) EventTypeID() string { return b.GetString(BookingsEventType) }

// HostIDs are the hosts taking the meeting.
func (b *Booking) HostIDs() []string { return b.GetStringSlice(BookingsHosts) }

// Start is the meeting start in UTC.
func (b *Booking) Start() time.Time { return dateOf(b.Record, BookingsStart) }

// End is the meeting end in UTC.
func (b *Booking) End() time.Time { return dateOf(b.Record, BookingsEnd) }

// Status is pending, confirmed, cancelled or declined.
func (b *Booking) Status() string { return b.GetString(BookingsStatus) }

// Name is the invitee's name.
func (b *Booking) Name() string { return b.GetString(BookingsName) }

// Email is the invitee's e-mail address.
func (b *Booking) Email() string { return b.GetString(BookingsEmail) }

// Timezone is the invitee's IANA zone.
func (b *Booking) Timezone() string { return b.GetString(BookingsTimezone) }

// Language is the invitee's language tag ("" for bookings made before
// bookings kept one: the organisation's).
func (b *Booking) Language() string { return b.GetString(BookingsLanguage) }

// Notes is the invitee's free text.
func (b *Booking) Notes() string { return b.GetString(BookingsNotes) }

// Sequence counts the changes made to the booking (iCalendar SEQUENCE).
func (b *Booking) Sequence() int { return b.GetInt(BookingsSequence) }

// BufferBefore is the buffer before the meeting, copied from the event type at booking time.
func (b *Booking) BufferBefore() time.Duration {
	return time.Duration(b.GetInt(BookingsBufferBefore)) * time.Minute
}

// BufferAfter is the buffer after the meeting, copied from the event type at booking time.
func (b *Booking) BufferAfter() time.Duration {
	return time.Duration(b.GetInt(BookingsBufferAfter)) * time.Minute
}
