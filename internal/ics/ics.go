// Package ics writes iCalendar (RFC 5545) invitations for bookings: one
// VCALENDAR with one VEVENT, sent with an iTIP (RFC 5546) method by e-mail or
// served as a download. Parse is a minimal reader for checking our own output.
package ics

import (
	"errors"
	"fmt"
	"time"
)

// Method is the iTIP method of a calendar object.
type Method string

// The iTIP methods slotbase sends.
const (
	// Publish is a plain calendar entry with no scheduling semantics, for
	// downloads. RFC 5546 forbids ATTENDEE in PUBLISH, so Encode omits them.
	Publish Method = "PUBLISH"
	// Request invites the attendees, or updates an invitation when the
	// Sequence grows.
	Request Method = "REQUEST"
	// Cancel withdraws an invitation. Encode writes STATUS:CANCELLED and no
	// VALARM (RFC 5546 allows none in CANCEL).
	Cancel Method = "CANCEL"
)

// ContentType returns the MIME type for a calendar object sent with m, e.g.
// "text/calendar; charset=UTF-8; method=REQUEST". Mail clients (Outlook in
// particular) look for the method here as well as in the METHOD property.
func (m Method) ContentType() string {
	return "text/calendar; charset=UTF-8; method=" + string(m)
}

// Event statuses accepted in Event.Status.
const (
	// StatusConfirmed is a booking that will take place.
	StatusConfirmed = "CONFIRMED"
	// StatusTentative is a booking that still waits for the host's approval.
	StatusTentative = "TENTATIVE"
	// StatusCancelled is a booking that was cancelled.
	StatusCancelled = "CANCELLED"
)

// DefaultProdID is the PRODID written when Event.ProdID is empty.
const DefaultProdID = "-//slotbase//slotbase//EN"

// Person is an organizer or attendee.
type Person struct {
	// Name is written as the CN parameter; DQUOTEs and control characters
	// are removed because a parameter value cannot carry them.
	Name string
	// Email is written as a mailto: URI; it is required.
	Email string
}

// Event is one meeting.
type Event struct {
	// UID is stable per booking, e.g. "<bookingID>@slotbase"; required.
	UID string
	// Sequence increases on every change (reschedule, cancel); >= 0.
	Sequence int
	// Stamp is DTSTAMP: when this object was created (the caller passes now).
	Stamp time.Time
	// Start and End are written in UTC (…Z); Start must be before End.
	Start, End time.Time
	// Summary, Description and Location are TEXT; URL must be an absolute
	// http(s) URL. Empty Description, Location and URL are left out.
	Summary, Description, Location, URL string
	// Organizer is required for every method.
	Organizer Person
	// Attendees are required for Request and Cancel and omitted for Publish.
	Attendees []Person
	// Status is StatusConfirmed (the default when empty), StatusTentative or
	// StatusCancelled. Cancel always writes StatusCancelled; Request rejects
	// StatusCancelled.
	Status string
	// Alarm > 0 adds a VALARM that displays the summary that long before
	// Start; 0 adds none. Whole seconds only.
	Alarm time.Duration
	// ProdID is optional; DefaultProdID when empty.
	ProdID string
}

var (
	// ErrInvalidEvent is wrapped by every error Encode and Bytes return for
	// an event they refuse to write; the message names the field.
	ErrInvalidEvent = errors.New("ics: invalid event")
	// ErrSyntax is wrapped by every error Parse and Property.Text return for
	// malformed input.
	ErrSyntax = errors.New("ics: syntax error")
)

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidEvent, field, fmt.Sprintf(format, args...))
}
