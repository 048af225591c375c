package slots

import (
	"errors"
	"fmt"
	"time"
)

// Errors of this package. Every error returned wraps one of them, so callers
// can map them with errors.Is (e.g. to HTTP 400 in hooks/).
var (
	// ErrInvalidDate marks a malformed or non-existent civil date.
	ErrInvalidDate = errors.New("invalid date")
	// ErrInvalidWindow marks a malformed availability window or weekly schedule.
	ErrInvalidWindow = errors.New("invalid window")
	// ErrInvalidRules marks event-type rules outside their limits.
	ErrInvalidRules = errors.New("invalid rules")
	// ErrInvalidInput marks a bad Compute input: host, schedule or query.
	ErrInvalidInput = errors.New("invalid input")
)

// slotsError is an error with its own message that wraps a sentinel.
type slotsError struct {
	kind error
	msg  string
}

func (e *slotsError) Error() string { return e.msg }
func (e *slotsError) Unwrap() error { return e.kind }

func newError(kind error, format string, args ...any) error {
	return &slotsError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// FieldError reports one invalid field of Rules; Field uses the snake_case
// names of the event_types collection. It wraps ErrInvalidRules.
type FieldError struct {
	Field   string
	Message string
}

// Error returns "field: message".
func (e *FieldError) Error() string { return e.Field + ": " + e.Message }

// Unwrap returns ErrInvalidRules.
func (e *FieldError) Unwrap() error { return ErrInvalidRules }

// Assignment says how an event type with several hosts assigns a booking.
type Assignment string

// The assignments. The empty Assignment means Single.
const (
	// Single offers a slot when its host (any host, if several) is free.
	Single Assignment = "single"
	// RoundRobin offers a slot when any host is free; the booking picks one.
	RoundRobin Assignment = "round_robin"
	// Collective offers a slot only when every host is free at that start.
	Collective Assignment = "collective"
)

// Limits of Rules, checked by Validate.
const (
	MinDuration = 5 * time.Minute   // shortest Duration and Step
	MaxDuration = 720 * time.Minute // longest Duration, Step and buffer
	MaxSeats    = 1000              // most seats of one session
)

// Rules are an event type's booking rules.
type Rules struct {
	// EventType is the event type's id; bookings carrying it are "own"
	// bookings (seats, daily limit).
	EventType string
	// Duration is the length of a slot, whole minutes from 5 to 720.
	Duration time.Duration
	// Step is the distance between consecutive slot starts in real time,
	// whole minutes from 5 to 720; 0 means Duration.
	Step time.Duration
	// BufferBefore and BufferAfter must be free around a new booking (whole
	// minutes, 0 to 720); a booking keeps the buffers it was made with.
	BufferBefore, BufferAfter time.Duration
	// MinNotice: no slot starts before Now+MinNotice.
	MinNotice time.Duration
	// Horizon: no slot starts after Now+Horizon; 0 means unlimited.
	Horizon time.Duration
	// DailyLimit caps own bookings (sessions, with seats) per host and local
	// day in the host's zone; 0 means unlimited.
	DailyLimit int
	// Seats is the number of invitees per slot; 0 or 1 means one.
	Seats int
	// Assignment says how several hosts combine; "" means Single.
	Assignment Assignment
}

// Validate checks every field against its limit. It returns nil or the
// errors.Join of one *FieldError per bad field, e.g.
// "duration: must be between 5 and 720 minutes".
func (r Rules) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	minutes := func(field string, d, lo, hi time.Duration) {
		switch {
		case d < lo || d > hi:
			bad(field, "must be between %d and %d minutes", lo/time.Minute, hi/time.Minute)
		case d%time.Minute != 0:
			bad(field, "must be a whole number of minutes")
		}
	}
	minutes("duration", r.Duration, MinDuration, MaxDuration)
	if r.Step != 0 {
		minutes("slot_step", r.Step, MinDuration, MaxDuration)
	}
	minutes("buffer_before", r.BufferBefore, 0, MaxDuration)
	minutes("buffer_after", r.BufferAfter, 0, MaxDuration)
	if r.MinNotice < 0 {
		bad("min_notice", "must not be negative")
	}
	if r.Horizon < 0 {
		bad("horizon", "must not be negative")
	}
	if r.DailyLimit < 0 {
		bad("daily_limit", "must not be negative")
	}
	if r.Seats < 0 || r.Seats > MaxSeats {
		bad("seats", "must be between 0 and %d", MaxSeats)
	}
	switch r.Assignment {
	case "", Single, RoundRobin, Collective:
	default:
		bad("assignment", "must be one of single, round_robin, collective")
	}
	return errors.Join(errs...)
}

// step returns the effective slot step.
func (r Rules) step() time.Duration {
	if r.Step == 0 {
		return r.Duration
	}
	return r.Step
}

// seated reports whether slots are sessions with several seats.
func (r Rules) seated() bool { return r.Seats > 1 }
