// Package queue runs durable jobs at least once: a Worker claims due jobs
// from a Store with a lease, runs the Handler registered for their kind, and
// retries failures with exponential backoff and jitter until MaxAttempts,
// after which a job is dead (kept, with its last error, for an admin to see).
// The Store is where jobs live (slotbase's is the jobs collection); this
// package knows nothing about it beyond the interface.
package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"
)

// Job is one unit of work as claimed from the store.
type Job struct {
	ID       string
	Kind     string
	Payload  []byte
	Attempts int // runs so far, this one included
}

// Handler does the work of one job kind. A nil error completes the job.
type Handler func(ctx context.Context, j Job) error

// Store keeps jobs durably. Claim must be atomic: a job is handed to one
// worker per lease, and a job whose lease ran out (its worker crashed) is due
// again.
type Store interface {
	// Claim marks up to limit due jobs of the given kinds as running until
	// now+lease, counts the attempt, and returns them.
	Claim(ctx context.Context, kinds []string, now time.Time, lease time.Duration, limit int) ([]Job, error)
	// Complete marks a job done.
	Complete(ctx context.Context, id string) error
	// Retry makes a job due again at runAfter, recording the error.
	Retry(ctx context.Context, id string, runAfter time.Time, lastError string) error
	// Bury marks a job dead, recording the error.
	Bury(ctx context.Context, id string, lastError string) error
	// Defer makes a job due again at runAfter and gives back the attempt
	// Claim counted: a deferral (or a run cut short by shutdown) is not a
	// failure.
	Defer(ctx context.Context, id string, runAfter time.Time, reason string) error
}

// Errors a handler can return to steer the queue.
var (
	// ErrPermanent marks a failure no retry can fix: the job is dead at once.
	ErrPermanent = errors.New("permanent failure")
)

// Permanent wraps err so the job is not retried.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// DeferError asks for the job to wait until a time without spending an
// attempt (e.g. a calendar connection that needs a reconnect).
type DeferError struct {
	Until  time.Time
	Reason string
}

func (e *DeferError) Error() string {
	return "deferred until " + e.Until.UTC().Format(time.RFC3339) + ": " + e.Reason
}

// Policy says how often and how soon to retry.
type Policy struct {
	MaxAttempts int           // attempts before a job is dead (default 8)
	Base        time.Duration // first retry delay (default 10 s)
	Max         time.Duration // longest delay (default 1 h)
}

// withDefaults fills zero fields.
func (p Policy) withDefaults() Policy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = 8
	}
	if p.Base <= 0 {
		p.Base = 10 * time.Second
	}
	if p.Max <= 0 {
		p.Max = time.Hour
	}
	return p
}

// Backoff is the delay after the attempt-th failed run: Base·2^(attempt−1),
// capped at Max, scaled by a jitter factor in [0.5, 1) drawn from rnd in [0, 1).
func (p Policy) Backoff(attempt int, rnd float64) time.Duration {
	p = p.withDefaults()
	if attempt < 1 {
		attempt = 1
	}
	d := float64(p.Base) * math.Pow(2, float64(attempt-1))
	if d > float64(p.Max) || math.IsInf(d, 0) {
		d = float64(p.Max)
	}
	rnd = math.Min(math.Max(rnd, 0), 1)
	return time.Duration(d * (0.5 + rnd/2))
}
