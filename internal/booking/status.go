package booking

import "fmt"

// Status is where a booking stands in its lifecycle, as stored in bookings.status.
type Status string

// The statuses of a booking.
const (
	Pending   Status = "pending"   // waiting for a host to confirm; holds its slot
	Confirmed Status = "confirmed" // booked; holds its slot
	Cancelled Status = "cancelled" // called off by the invitee or an admin; slot freed
	Declined  Status = "declined"  // refused by a host while pending; slot freed
	// AwaitingPayment is a booking of a paid event type whose invitee is at
	// Stripe Checkout: it holds its slot until paid or until the hold ends.
	// Its host's calendars and the invitee's mails wait for the payment.
	AwaitingPayment Status = "awaiting_payment"
)

// Action is something that happens to a booking.
type Action string

// The actions on a booking.
const (
	Confirm    Action = "confirm"
	Decline    Action = "decline"
	Cancel     Action = "cancel"
	Reschedule Action = "reschedule"
	// Pay records a payment: an awaiting booking becomes confirmed (pending
	// when the event type requires confirmation: see AfterPayment); a
	// booking whose hold ended unpaid is reinstated the same way when its
	// time is still free (the door re-checks).
	Pay Action = "pay"
	// Expire ends an unpaid hold: the slot is freed.
	Expire Action = "expire"
)

// transitions lists every allowed (status, action) pair and its result.
// Reschedule moves the same booking to another slot, so it keeps its status.
var transitions = map[Status]map[Action]Status{
	Pending: {
		Confirm:    Confirmed,
		Decline:    Declined,
		Cancel:     Cancelled,
		Reschedule: Pending,
	},
	Confirmed: {
		Cancel:     Cancelled,
		Reschedule: Confirmed,
	},
	AwaitingPayment: {
		Pay:    Confirmed,
		Expire: Cancelled,
		Cancel: Cancelled,
	},
	Cancelled: {
		Pay: Confirmed,
	},
}

// Next returns the status a booking in status s has after action a, or an
// error wrapping ErrTransition ("cannot cancel a declined booking") when the
// action is not allowed: nothing happens to cancelled or declined bookings,
// and a confirmed booking cannot be confirmed again or declined. On error
// the returned status is s, unchanged.
func Next(s Status, a Action) (Status, error) {
	if next, ok := transitions[s][a]; ok {
		return next, nil
	}
	switch {
	case !a.known():
		return s, fmt.Errorf("%w: unknown action %q", ErrTransition, string(a))
	case !s.known():
		return s, fmt.Errorf("%w: cannot %s a booking with unknown status %q", ErrTransition, a, string(s))
	}
	return s, fmt.Errorf("%w: cannot %s a %s booking", ErrTransition, a, s)
}

// InitialStatus returns the status of a new booking: Pending when the event
// type requires confirmation by a host, else Confirmed.
func InitialStatus(requiresConfirmation bool) Status {
	if requiresConfirmation {
		return Pending
	}
	return Confirmed
}

// AfterPayment is the status a paid booking takes: Confirmed, or Pending
// when the event type requires a host's confirmation.
func AfterPayment(requiresConfirmation bool) Status { return InitialStatus(requiresConfirmation) }

// Live reports whether a booking in status s holds its slot (pending,
// confirmed and awaiting_payment bookings do; cancelled and declined ones
// free it).
func (s Status) Live() bool {
	return s == Pending || s == Confirmed || s == AwaitingPayment
}

// LiveStatuses are the statuses that hold a slot (Live), for queries.
var LiveStatuses = []Status{Pending, Confirmed, AwaitingPayment}

// Known reports whether s is one of the five statuses.
func (s Status) Known() bool { return s.known() }

func (s Status) known() bool {
	return s == Pending || s == Confirmed || s == Cancelled || s == Declined || s == AwaitingPayment
}

// known reports whether a is one of the actions.
func (a Action) known() bool {
	return a == Confirm || a == Decline || a == Cancel || a == Reschedule || a == Pay || a == Expire
}
