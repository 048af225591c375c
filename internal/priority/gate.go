// Package priority keeps background work (admin requests, CSV export
// batches, outbox jobs, replica batches) below public work (the booking
// page, /api/slots, bookings): while a public request is in flight,
// background units run one at a time and only with a share bound. The
// package knows nothing of HTTP or PocketBase: callers mark public work
// with Begin/End and bracket each background unit with Enter/Leave.
package priority

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults of a Gate's knobs.
const (
	// DefaultShare is K: while the public side is busy, the next
	// background unit waits K × the previous unit's duration after it
	// ended, so background work takes at most 1/(K+1) of one core.
	DefaultShare = 3.0
	// DefaultMaxWait is the starvation guard: while units wait, one is
	// admitted at least this often, whatever the public side does.
	DefaultMaxWait = 250 * time.Millisecond
	// DefaultLinger is how long the public side counts as busy after its
	// last request ended: a client's next request follows within a few
	// milliseconds, and a gap between two must not let background work in.
	DefaultLinger = 100 * time.Millisecond
	// MaxShare bounds K (a larger share would only lean on MaxWait).
	MaxShare = 100.0
)

// Errors of New.
var (
	errShare   = errors.New("share: must be between 0 and 100")
	errMaxWait = errors.New("max wait: must be between 1 ms and 10 s")
)

// Clock is the time a Gate reads and the timers it waits on (tests inject
// a fake one).
type Clock interface {
	Now() time.Time
	// After returns a channel that receives once d has passed, and a stop
	// function that releases the timer.
	After(d time.Duration) (<-chan time.Time, func())
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) After(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTimer(d)
	return t.C, func() { t.Stop() }
}

// Gate admits background units according to the public work in flight.
// A nil *Gate admits everything at once (the knob turned off).
type Gate struct {
	share   float64
	maxWait time.Duration
	clock   Clock

	mu        sync.Mutex
	public    int           // public requests in flight
	publicEnd time.Time     // when the last one ended
	linger    time.Duration // the public side is busy until publicEnd+linger
	running   int           // background units admitted and not yet left
	lastEnd   time.Time     // when the last unit left
	lastDur   time.Duration // how long it ran
	lastAdmit time.Time     // when a unit was last admitted
	waiters   []*waiter     // FIFO
	changed   chan struct{} // closed (and replaced) when a unit leaves: waiters look again

	stats Stats
}

// Stats are a Gate's running totals (for metrics).
type Stats struct {
	// Admitted counts background units admitted; Waited those of them
	// that had to wait (public work in flight), WaitSeconds their total wait.
	Admitted, Waited int64
	WaitSeconds      float64
	// Guarded counts admissions made by the starvation guard.
	Guarded int64
	// Cancelled counts waits given up because their context ended.
	Cancelled int64
	// Public and Running are the public requests and background units in
	// flight now; Waiting the units waiting for admission.
	Public, Running, Waiting int
}

// waiter is one background unit waiting for admission.
type waiter struct {
	since    time.Time
	admitted chan struct{} // closed on admission
	ok       bool          // admitted (under mu)
}

// New returns a gate with share K and the starvation guard maxWait;
// clock nil means the wall clock. Errors name the knob and its limits.
func New(share float64, maxWait time.Duration, clock Clock) (*Gate, error) {
	if share < 0 || share > MaxShare || share != share {
		return nil, fmt.Errorf("%w (got %v)", errShare, share)
	}
	if maxWait < time.Millisecond || maxWait > 10*time.Second {
		return nil, fmt.Errorf("%w (got %v)", errMaxWait, maxWait)
	}
	if clock == nil {
		clock = realClock{}
	}
	return &Gate{share: share, maxWait: maxWait, linger: DefaultLinger, clock: clock}, nil
}

// Begin marks one public request in flight; End must follow.
func (g *Gate) Begin() {
	if g == nil {
		return
	}
	g.mu.Lock()
	g.public++
	g.mu.Unlock()
}

// End marks a public request done; when none is left for DefaultLinger,
// every waiting unit is admitted at once.
func (g *Gate) End() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.public > 0 {
		g.public--
	}
	g.publicEnd = g.clock.Now()
	if g.public == 0 {
		g.wakeLocked() // waiters set their timers for the end of the linger
	}
}

// idleLocked tells whether the public side is idle: nothing in flight and
// nothing ended within the linger.
func (g *Gate) idleLocked(now time.Time) bool {
	return g.public == 0 && !now.Before(g.publicEnd.Add(g.linger))
}

// Stats returns the running totals and what is in flight now.
func (g *Gate) Stats() Stats {
	if g == nil {
		return Stats{}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	st := g.stats
	st.Public, st.Running, st.Waiting = g.public, g.running, len(g.waiters)
	return st
}

// Enter waits until a background unit may run and returns its ticket;
// the caller calls Leave when the unit is done. It returns ctx's error
// (and holds no place) when ctx ends first.
func (g *Gate) Enter(ctx context.Context) (*Ticket, error) {
	t := &Ticket{g: g}
	if err := t.Enter(ctx); err != nil {
		return nil, err
	}
	return t, nil
}

// enter admits one unit, waiting as the rules say; it returns when it ran.
func (g *Gate) enter(ctx context.Context) (time.Time, error) {
	if err := ctx.Err(); err != nil {
		return time.Time{}, err
	}
	g.mu.Lock()
	now := g.clock.Now()
	if len(g.waiters) == 0 && g.mayAdmitLocked(now) {
		g.admitLocked(now)
		g.mu.Unlock()
		return now, nil
	}
	w := &waiter{since: now, admitted: make(chan struct{})}
	g.waiters = append(g.waiters, w)
	g.dispatchLocked(now) // the guard may already allow it
	for {
		if w.ok {
			start := g.clock.Now()
			g.stats.Waited++
			g.stats.WaitSeconds += start.Sub(w.since).Seconds()
			g.mu.Unlock()
			return start, nil
		}
		next := g.nextCheckLocked()
		changed := g.changedLocked()
		g.mu.Unlock()
		var tick <-chan time.Time
		stop := func() {}
		if d := next.Sub(g.clock.Now()); !next.IsZero() {
			tick, stop = g.clock.After(max(d, 0))
		}
		select {
		case <-w.admitted:
		case <-changed:
		case <-tick:
		case <-ctx.Done():
		}
		stop()
		g.mu.Lock()
		if !w.ok && ctx.Err() != nil {
			g.removeLocked(w)
			g.stats.Cancelled++
			g.dispatchLocked(g.clock.Now()) // the next in line may go now
			g.mu.Unlock()
			return time.Time{}, ctx.Err()
		}
		if !w.ok {
			g.dispatchLocked(g.clock.Now())
		}
	}
}

// mayAdmitLocked tells whether a unit at the head of the line may run now
// without the starvation guard: the public side is idle, or no unit runs
// and the share bound has passed since the last one ended.
func (g *Gate) mayAdmitLocked(now time.Time) bool {
	if g.idleLocked(now) {
		return true
	}
	return g.running == 0 && !now.Before(g.shareDue())
}

// shareDue is when the share bound lets the next unit run.
func (g *Gate) shareDue() time.Time {
	return g.lastEnd.Add(time.Duration(g.share * float64(g.lastDur)))
}

// guardDue is when the starvation guard admits the head of the line.
func (g *Gate) guardDue(head *waiter) time.Time {
	from := head.since
	if g.lastAdmit.After(from) {
		from = g.lastAdmit
	}
	return from.Add(g.maxWait)
}

// dispatchLocked admits waiting units, in order, as far as the rules allow.
func (g *Gate) dispatchLocked(now time.Time) {
	for len(g.waiters) > 0 {
		head := g.waiters[0]
		switch {
		case g.mayAdmitLocked(now):
		case !now.Before(g.guardDue(head)):
			g.stats.Guarded++
		default:
			return
		}
		g.waiters = g.waiters[1:]
		head.ok = true
		close(head.admitted)
		g.admitLocked(now)
	}
}

// nextCheckLocked is the earliest time a rule could admit the head of the
// line without any other event (zero: none is waiting).
func (g *Gate) nextCheckLocked() time.Time {
	if len(g.waiters) == 0 {
		return time.Time{}
	}
	next := g.guardDue(g.waiters[0])
	if idle := g.publicEnd.Add(g.linger); g.public == 0 && idle.Before(next) {
		next = idle
	}
	if g.running == 0 {
		if due := g.shareDue(); due.Before(next) {
			next = due
		}
	}
	return next
}

func (g *Gate) admitLocked(now time.Time) {
	g.running++
	g.lastAdmit = now
	g.stats.Admitted++
}

func (g *Gate) removeLocked(w *waiter) {
	for i, x := range g.waiters {
		if x == w {
			g.waiters = append(g.waiters[:i], g.waiters[i+1:]...)
			return
		}
	}
}

// leave ends a unit that started at start.
func (g *Gate) leave(start time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.clock.Now()
	g.running--
	g.lastEnd, g.lastDur = now, now.Sub(start)
	g.dispatchLocked(now)
	g.wakeLocked() // the share bound moved
}

// wakeLocked makes waiters look again and set their timers anew.
func (g *Gate) wakeLocked() {
	if g.changed != nil {
		close(g.changed)
		g.changed = nil
	}
}

// changedLocked is the channel closed at the next change of the rules' times.
func (g *Gate) changedLocked() <-chan struct{} {
	if g.changed == nil {
		g.changed = make(chan struct{})
	}
	return g.changed
}

// Ticket is one admitted background unit. A nil *Ticket, and the ticket
// of a nil Gate, do nothing.
type Ticket struct {
	g     *Gate
	start time.Time
	in    bool
}

// Enter admits the ticket again after Leave (a unit's next part).
func (t *Ticket) Enter(ctx context.Context) error {
	if t == nil || t.g == nil || t.in {
		return nil
	}
	start, err := t.g.enter(ctx)
	if err != nil {
		return err
	}
	t.start, t.in = start, true
	return nil
}

// Leave ends the unit; a second Leave does nothing.
func (t *Ticket) Leave() {
	if t == nil || t.g == nil || !t.in {
		return
	}
	t.in = false
	t.g.leave(t.start)
}

// Yield ends the unit and waits for the next one's admission: a long task
// calls it between its short parts (the CSV export between batches).
func (t *Ticket) Yield(ctx context.Context) error {
	t.Leave()
	return t.Enter(ctx)
}

// ticketKey carries a Ticket in a context.
type ticketKey struct{}

// WithTicket returns ctx carrying t (the unit a request runs in).
func WithTicket(ctx context.Context, t *Ticket) context.Context {
	return context.WithValue(ctx, ticketKey{}, t)
}

// TicketFrom returns the ticket ctx carries (nil: none; its methods do nothing).
func TicketFrom(ctx context.Context) *Ticket {
	t, _ := ctx.Value(ticketKey{}).(*Ticket)
	return t
}
