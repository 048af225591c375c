package priority

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that moves only when the test says.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[*fakeTimer]bool
}

type fakeTimer struct {
	when time.Time
	ch   chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), timers: map[*fakeTimer]bool{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) (<-chan time.Time, func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{when: c.now.Add(d), ch: make(chan time.Time, 1)}
	if d <= 0 {
		t.ch <- c.now
		return t.ch, func() {}
	}
	c.timers[t] = true
	return t.ch, func() { c.mu.Lock(); delete(c.timers, t); c.mu.Unlock() }
}

// advance moves the clock by d and fires the timers that are due.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	for t := range c.timers {
		if !t.when.After(c.now) {
			t.ch <- c.now
			delete(c.timers, t)
		}
	}
}

// hasTimerAt tells whether a timer is set for exactly now+d.
func (c *fakeClock) hasTimerAt(d time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for t := range c.timers {
		if t.when.Equal(c.now.Add(d)) {
			return true
		}
	}
	return false
}

// eventually polls cond with a generous bound (no timing assertion: it
// fails only when cond never holds).
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never happened: %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// entered is the outcome of an Enter run in a goroutine.
type entered struct {
	t   *Ticket
	err error
}

func enterAsync(ctx context.Context, g *Gate) <-chan entered {
	ch := make(chan entered, 1)
	go func() {
		t, err := g.Enter(ctx)
		ch <- entered{t, err}
	}()
	return ch
}

func newGate(t *testing.T, share float64, maxWait time.Duration) (*Gate, *fakeClock) {
	t.Helper()
	clock := newFakeClock()
	g, err := New(share, maxWait, clock)
	if err != nil {
		t.Fatal(err)
	}
	return g, clock
}

func TestIdleAdmitsAtOnceConcurrently(t *testing.T) {
	g, _ := newGate(t, 3, 250*time.Millisecond)
	ctx := context.Background()
	a, err := g.Enter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := g.Enter(ctx) // in this goroutine: it would block forever if the gate held it
	if err != nil {
		t.Fatal(err)
	}
	if st := g.Stats(); st.Running != 2 || st.Waited != 0 {
		t.Fatalf("idle gate: want 2 running and none waited, got %+v", st)
	}
	a.Leave()
	b.Leave()
	b.Leave() // a second Leave does nothing
	if st := g.Stats(); st.Running != 0 || st.Admitted != 2 {
		t.Fatalf("after leaving: %+v", st)
	}
}

func TestBusyPublicSideRunsOneAtATimeWithShareBound(t *testing.T) {
	g, clock := newGate(t, 3, 250*time.Millisecond)
	ctx := context.Background()
	g.Begin() // a public request in flight
	a, err := g.Enter(ctx)
	if err != nil {
		t.Fatal("the first unit with nothing running should run at once:", err)
	}
	second := enterAsync(ctx, g)
	eventually(t, "the second unit waits", func() bool { return g.Stats().Waiting == 1 })
	clock.advance(10 * time.Millisecond)
	a.Leave() // ran 10 ms: the next may start 30 ms later
	eventually(t, "the waiter sets its timer for the share bound", func() bool { return clock.hasTimerAt(30 * time.Millisecond) })
	clock.advance(29 * time.Millisecond)
	if st := g.Stats(); st.Waiting != 1 || st.Running != 0 {
		t.Fatalf("before the share bound passed: want it still waiting, got %+v", st)
	}
	clock.advance(time.Millisecond)
	b := <-second
	if b.err != nil {
		t.Fatal(b.err)
	}
	if st := g.Stats(); st.Running != 1 || st.Waited != 1 || st.Guarded != 0 {
		t.Fatalf("after the share bound: %+v", st)
	}
	b.t.Leave()
	g.End()
}

func TestPublicIdleAdmitsEveryWaiter(t *testing.T) {
	g, clock := newGate(t, 3, time.Second)
	ctx := context.Background()
	g.Begin()
	a, _ := g.Enter(ctx)
	w1, w2 := enterAsync(ctx, g), enterAsync(ctx, g)
	eventually(t, "two units wait", func() bool { return g.Stats().Waiting == 2 })
	g.End() // the public side goes idle: once the linger has passed, both run, beside a
	eventually(t, "the waiters set their timers for the end of the linger", func() bool { return clock.hasTimerAt(DefaultLinger) })
	clock.advance(DefaultLinger - time.Millisecond)
	if st := g.Stats(); st.Waiting != 2 {
		t.Fatalf("within the linger: want both waiting, got %+v", st)
	}
	clock.advance(time.Millisecond)
	for _, w := range []<-chan entered{w1, w2} {
		if e := <-w; e.err != nil {
			t.Fatal(e.err)
		} else {
			defer e.t.Leave()
		}
	}
	if st := g.Stats(); st.Running != 3 {
		t.Fatalf("want 3 running once the public side is idle, got %+v", st)
	}
	a.Leave()
}

func TestCancelledWaitFreesItsPlace(t *testing.T) {
	g, clock := newGate(t, 3, time.Second)
	g.Begin()
	a, _ := g.Enter(context.Background())
	ctx, cancel := context.WithCancel(context.Background())
	first := enterAsync(ctx, g)
	eventually(t, "the first waits", func() bool { return g.Stats().Waiting == 1 })
	second := enterAsync(context.Background(), g)
	eventually(t, "the second waits behind it", func() bool { return g.Stats().Waiting == 2 })
	cancel()
	if e := <-first; !errors.Is(e.err, context.Canceled) || e.t != nil {
		t.Fatalf("cancelled wait: want context.Canceled and no ticket, got %v %v", e.t, e.err)
	}
	if st := g.Stats(); st.Waiting != 1 || st.Cancelled != 1 || st.Running != 1 {
		t.Fatalf("after the cancel: %+v", st)
	}
	g.End()
	eventually(t, "the waiter sets its timer for the end of the linger", func() bool { return clock.hasTimerAt(DefaultLinger) })
	clock.advance(DefaultLinger)
	if e := <-second; e.err != nil {
		t.Fatal("the unit behind the cancelled one:", e.err)
	} else {
		e.t.Leave()
	}
	a.Leave()
	if _, err := g.Enter(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Enter with an ended context: want context.Canceled, got %v", err)
	}
}

func TestStarvationGuard(t *testing.T) {
	g, clock := newGate(t, 3, 250*time.Millisecond)
	ctx := context.Background()
	g.Begin()
	a, _ := g.Enter(ctx) // runs long: the share bound alone would never admit the next
	second := enterAsync(ctx, g)
	eventually(t, "the guard's timer is set", func() bool { return clock.hasTimerAt(250 * time.Millisecond) })
	clock.advance(249 * time.Millisecond)
	if st := g.Stats(); st.Waiting != 1 {
		t.Fatalf("before the guard: want it waiting, got %+v", st)
	}
	clock.advance(time.Millisecond)
	b := <-second
	if b.err != nil {
		t.Fatal(b.err)
	}
	if st := g.Stats(); st.Guarded != 1 || st.Running != 2 {
		t.Fatalf("guard: %+v", st)
	}
	b.t.Leave()
	a.Leave()
}

func TestYieldEndsTheUnitAndWaitsForTheNext(t *testing.T) {
	g, clock := newGate(t, 1, time.Second)
	ctx := context.Background()
	g.Begin()
	tk, _ := g.Enter(ctx)
	clock.advance(5 * time.Millisecond)
	done := make(chan error, 1)
	go func() { done <- tk.Yield(ctx) }()
	eventually(t, "the yielded unit waits for the share bound", func() bool { return clock.hasTimerAt(5 * time.Millisecond) })
	clock.advance(5 * time.Millisecond)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if st := g.Stats(); st.Running != 1 || st.Admitted != 2 {
		t.Fatalf("after Yield: %+v", st)
	}
	tk.Leave()
	g.End()
}

func TestNilGateAndTicketDoNothing(t *testing.T) {
	var g *Gate
	g.Begin()
	tk, err := g.Enter(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := tk.Yield(context.Background()); err != nil {
		t.Fatal(err)
	}
	tk.Leave()
	g.End()
	var none *Ticket
	none.Leave()
	if TicketFrom(context.Background()) != nil {
		t.Fatal("a context without a ticket")
	}
	if got := TicketFrom(WithTicket(context.Background(), tk)); got != tk {
		t.Fatal("WithTicket/TicketFrom")
	}
}

func TestNewValidates(t *testing.T) {
	scenarios := []struct {
		share   float64
		maxWait time.Duration
		ok      bool
	}{
		{3, 250 * time.Millisecond, true},
		{0, time.Millisecond, true},
		{-1, time.Second, false},
		{101, time.Second, false},
		{3, 0, false},
		{3, 11 * time.Second, false},
	}
	for _, s := range scenarios {
		_, err := New(s.share, s.maxWait, nil)
		if (err == nil) != s.ok {
			t.Errorf("New(%v, %v): err %v", s.share, s.maxWait, err)
		}
	}
}
