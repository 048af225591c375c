package collections

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// EventTypes is the name of the event types collection: what clients can book.
const EventTypes = "event_types"

// EventTypesID is the fixed id of the event_types collection.
const EventTypesID = "sb_event_types"

// Fields of the event_types collection.
const (
	EventTypesSlug                 = "slug"
	EventTypesTitle                = "title"
	EventTypesDescription          = "description"
	EventTypesDuration             = "duration"
	EventTypesSlotStep             = "slot_step"
	EventTypesBufferBefore         = "buffer_before"
	EventTypesBufferAfter          = "buffer_after"
	EventTypesMinNotice            = "min_notice"
	EventTypesHorizonDays          = "horizon_days"
	EventTypesDailyLimit           = "daily_limit"
	EventTypesSeats                = "seats"
	EventTypesHosts                = "hosts"
	EventTypesAssignment           = "assignment"
	EventTypesRequiresConfirmation = "requires_confirmation"
	EventTypesLocation             = "location"
	EventTypesQuestions            = "questions"
	EventTypesActive               = "active"
	EventTypesReminderOffsets      = "reminder_offsets"
	// EventTypesTranslations holds the title, description and questions
	// per language (booking.Translations).
	EventTypesTranslations = "translations"
)

// Payment fields of the event_types collection (PAYMENTS.md).
const (
	// EventTypesPrice is the price in the currency's minor units (0 = free).
	EventTypesPrice = "price"
	// EventTypesCurrency is an ISO 4217 code, lowercase ("eur").
	EventTypesCurrency = "currency"
	// EventTypesPaymentHoldMinutes is how long an unpaid booking holds its slot.
	EventTypesPaymentHoldMinutes = "payment_hold_minutes"
	// EventTypesRefundWindowHours: an invitee who cancels at least this
	// many hours before the start is refunded (0 = always).
	EventTypesRefundWindowHours = "refund_window_hours"
	// EventTypesRefundPercent is the share refunded to such an invitee.
	EventTypesRefundPercent = "refund_percent"
)

// DefaultPaymentHold is an event type's hold when payment_hold_minutes is 0.
const DefaultPaymentHold = 15 * time.Minute

// Assignment values of event_types.assignment.
const (
	AssignmentSingle     = "single"
	AssignmentRoundRobin = "round_robin"
	AssignmentCollective = "collective"
)

// EventType wraps an event_types record.
type EventType struct {
	core.BaseRecordProxy
}

// NewEventType wraps r.
func NewEventType(r *core.Record) *EventType {
	e := &EventType{}
	e.SetProxyRecord(r)
	return e
}

// FindActiveEventType returns the active event type with slug.
func FindActiveEventType(app core.App, slug string) (*EventType, error) {
	r, err := app.FindFirstRecordByFilter(EventTypes, "slug = {:slug} && active = true", map[string]any{"slug": slug})
	if err != nil {
		return nil, err
	}
	return NewEventType(r), nil
}

// Slug is the event type's URL name.
func (e *EventType) Slug() string { return e.GetString(EventTypesSlug) }

// Title is the event type's display name.
func (e *EventType) Title() string { return e.GetString(EventTypesTitle) }

// Description is the event type's public description.
func (e *EventType) Description() string { return e.GetString(EventTypesDescription) }

// Duration is the meeting length.
func (e *EventType) Duration() time.Duration { return e.minutes(EventTypesDuration) }

// SlotStep is the distance between offered starts (0 = the duration).
func (e *EventType) SlotStep() time.Duration { return e.minutes(EventTypesSlotStep) }

// BufferBefore is the free time the host needs before a meeting.
func (e *EventType) BufferBefore() time.Duration { return e.minutes(EventTypesBufferBefore) }

// BufferAfter is the free time the host needs after a meeting.
func (e *EventType) BufferAfter() time.Duration { return e.minutes(EventTypesBufferAfter) }

// MinNotice is how far ahead of now the earliest slot may start.
func (e *EventType) MinNotice() time.Duration { return e.minutes(EventTypesMinNotice) }

// HorizonDays is how many days ahead slots are offered (0 = no limit).
func (e *EventType) HorizonDays() int { return e.GetInt(EventTypesHorizonDays) }

// DailyLimit is the most bookings per host per local day (0 = no limit).
func (e *EventType) DailyLimit() int { return e.GetInt(EventTypesDailyLimit) }

// Seats is how many invitees one slot takes (at least 1).
func (e *EventType) Seats() int { return max(1, e.GetInt(EventTypesSeats)) }

// HostIDs are the hosts who can take this event type.
func (e *EventType) HostIDs() []string { return e.GetStringSlice(EventTypesHosts) }

// Assignment is single, round_robin or collective.
func (e *EventType) Assignment() string {
	if a := e.GetString(EventTypesAssignment); a != "" {
		return a
	}
	return AssignmentSingle
}

// RequiresConfirmation reports whether bookings start pending.
func (e *EventType) RequiresConfirmation() bool { return e.GetBool(EventTypesRequiresConfirmation) }

// Location says where the meeting happens (free text, or "google_meet").
func (e *EventType) Location() string { return e.GetString(EventTypesLocation) }

// QuestionsJSON is the raw custom questions JSON.
func (e *EventType) QuestionsJSON() []byte { return rawJSON(e.Record, EventTypesQuestions) }

// ReminderOffsetsJSON is the raw reminder_offsets JSON (minutes before the
// start; null means the default, 24 h and 1 h, [] means no reminders).
func (e *EventType) ReminderOffsetsJSON() []byte { return rawJSON(e.Record, EventTypesReminderOffsets) }

// Active reports whether the event type is bookable.
func (e *EventType) Active() bool { return e.GetBool(EventTypesActive) }

func (e *EventType) minutes(field string) time.Duration {
	return time.Duration(e.GetInt(field)) * time.Minute
}

// TranslationsJSON is the raw translations JSON (booking.ParseTranslations).
func (e *EventType) TranslationsJSON() []byte { return rawJSON(e.Record, EventTypesTranslations) }

// Price is the price in minor units of Currency (0: free).
func (e *EventType) Price() int64 { return int64(e.GetInt(EventTypesPrice)) }

// Currency is the lowercase ISO 4217 code of Price.
func (e *EventType) Currency() string { return e.GetString(EventTypesCurrency) }

// Paid reports whether booking the event type takes a payment.
func (e *EventType) Paid() bool { return e.Price() > 0 }

// PaymentHold is how long an unpaid booking holds its slot.
func (e *EventType) PaymentHold() time.Duration {
	if m := e.GetInt(EventTypesPaymentHoldMinutes); m > 0 {
		return time.Duration(m) * time.Minute
	}
	return DefaultPaymentHold
}

// RefundWindow is how long before the start an invitee's cancellation
// still gets a refund (0: always).
func (e *EventType) RefundWindow() time.Duration {
	return time.Duration(e.GetInt(EventTypesRefundWindowHours)) * time.Hour
}

// RefundPercent is the share of the price refunded to an invitee who
// cancels in time.
func (e *EventType) RefundPercent() int { return e.GetInt(EventTypesRefundPercent) }
