package queue_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/queue"
)

// t0 is the fake clock's time in the worker tests. The clock reads in a
// non-UTC zone so the tests also see that the worker works in UTC.
var t0 = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

const kindMail = "mail.send"

// newWorker returns a worker on store with a fixed clock at t0 (read in a
// +01:00 zone), a fixed jitter draw and its log in logs.
func newWorker(store queue.Store, p queue.Policy, rnd float64, logs *logBuffer) (*queue.Worker, *fakeClock) {
	clock := &fakeClock{now: t0.In(time.FixedZone("CET", 3600))}
	return &queue.Worker{
		Store:  store,
		Policy: p,
		Now:    clock.Now,
		Rand:   func() float64 { return rnd },
		Logger: logs.logger(),
	}, clock
}

// TestWorkerOutcomes runs one claimed job per scenario and checks what the
// worker recorded: done, retried at the documented backoff
// (Base·2^(attempt−1), capped at Max, times 0.5+rnd/2), dead, or deferred.
func TestWorkerOutcomes(t *testing.T) {
	boom := errors.New("smtp: 451 try later")
	until := t0.Add(3 * time.Hour)
	deferral := &queue.DeferError{Until: until.In(time.FixedZone("PST", -8*3600)), Reason: "calendar needs reconnect"}
	const deferText = "deferred until 2030-01-02T06:04:05Z: calendar needs reconnect"
	fail := func(err error) queue.Handler {
		return func(context.Context, queue.Job) error { return err }
	}
	scenarios := []struct {
		name     string
		policy   queue.Policy
		attempts int // attempts stored before the claim
		rnd      float64
		handler  queue.Handler
		wantOp   string // the one store outcome: complete, retry or bury
		status   string
		runAfter time.Time // for retries
		lastErr  string
	}{
		{name: "success completes", handler: fail(nil), wantOp: "complete", status: statusDone},
		{name: "first failure retries after Base/2 at rnd 0", handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(5 * time.Second), lastErr: boom.Error()},
		{name: "third failure: 40 s × 0.75 at rnd 0.5", attempts: 2, rnd: 0.5, handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(30 * time.Second), lastErr: boom.Error()},
		{name: "seventh failure: 640 s × 0.5", attempts: 6, handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(320 * time.Second), lastErr: boom.Error()},
		{name: "tenth failure is capped at Max", policy: queue.Policy{MaxAttempts: 12}, attempts: 9, handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(30 * time.Minute), lastErr: boom.Error()},
		{name: "capped delay keeps its jitter", policy: queue.Policy{MaxAttempts: 12}, attempts: 10, rnd: 0.5, handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(45 * time.Minute), lastErr: boom.Error()},
		{name: "custom policy base and cap", policy: queue.Policy{MaxAttempts: 5, Base: time.Minute, Max: 3 * time.Minute}, attempts: 3, handler: fail(boom),
			wantOp: "retry", status: statusPending, runAfter: t0.Add(90 * time.Second), lastErr: boom.Error()},
		{name: "eighth failure is the default last attempt", attempts: 7, handler: fail(boom),
			wantOp: "bury", status: statusDead, lastErr: boom.Error()},
		{name: "custom MaxAttempts reached", policy: queue.Policy{MaxAttempts: 2}, attempts: 1, handler: fail(boom),
			wantOp: "bury", status: statusDead, lastErr: boom.Error()},
		{name: "past MaxAttempts (policy lowered)", policy: queue.Policy{MaxAttempts: 2}, attempts: 5, handler: fail(boom),
			wantOp: "bury", status: statusDead, lastErr: boom.Error()},
		{name: "permanent on the first attempt", handler: fail(queue.Permanent(errors.New("card declined"))),
			wantOp: "bury", status: statusDead, lastErr: "permanent failure: card declined"},
		{name: "wrapped permanent", handler: fail(fmt.Errorf("charge: %w", queue.Permanent(errors.New("card declined")))),
			wantOp: "bury", status: statusDead, lastErr: "charge: permanent failure: card declined"},
		{name: "deferral waits until Until, attempt given back", handler: fail(deferral),
			wantOp: "defer", status: statusPending, runAfter: until, lastErr: deferText},
		{name: "wrapped deferral records the whole text", handler: fail(fmt.Errorf("gcal: %w", deferral)),
			wantOp: "defer", status: statusPending, runAfter: until, lastErr: "gcal: " + deferText},
		{name: "deferral on the last attempt is not buried", attempts: 7, handler: fail(deferral),
			wantOp: "defer", status: statusPending, runAfter: until, lastErr: deferText},
		{name: "panic is retried", handler: func(context.Context, queue.Job) error { panic("boom") },
			wantOp: "retry", status: statusPending, runAfter: t0.Add(5 * time.Second), lastErr: "handler panic: boom"},
		{name: "panic with an error value", attempts: 1, handler: func(context.Context, queue.Job) error { panic(errors.New("nil map write")) },
			wantOp: "retry", status: statusPending, runAfter: t0.Add(10 * time.Second), lastErr: "handler panic: nil map write"},
		{name: "panic on the last attempt is buried", attempts: 7, handler: func(context.Context, queue.Job) error { panic("boom") },
			wantOp: "bury", status: statusDead, lastErr: "handler panic: boom"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			store := newMemStore(storedJob{ID: "j1", Kind: kindMail, Payload: []byte(`{"to":"a@example.com"}`),
				Attempts: s.attempts, RunAfter: t0.Add(-time.Minute)})
			logs := &logBuffer{}
			w, _ := newWorker(store, s.policy, s.rnd, logs)
			var got []queue.Job
			w.Handle(kindMail, func(ctx context.Context, j queue.Job) error {
				got = append(got, j)
				return s.handler(ctx, j)
			})

			n, err := w.RunOnce(context.Background())
			if n != 1 || err != nil {
				t.Fatalf("RunOnce = %d, %v; want 1, nil", n, err)
			}
			if len(got) != 1 {
				t.Fatalf("handler ran %d times, want 1", len(got))
			}
			if j := got[0]; j.ID != "j1" || j.Kind != kindMail || string(j.Payload) != `{"to":"a@example.com"}` || j.Attempts != s.attempts+1 {
				t.Errorf("handler got %+v, want j1/%s with attempt %d", j, kindMail, s.attempts+1)
			}
			for _, op := range []string{"complete", "retry", "bury", "defer"} {
				want := 0
				if op == s.wantOp {
					want = 1
				}
				if c := store.outcomeCount(op); c != want {
					t.Errorf("%s called %d times, want %d", op, c, want)
				}
			}
			j := store.get(t, "j1")
			wantAttempts := s.attempts + 1
			if s.wantOp == "defer" {
				wantAttempts = s.attempts // a deferral spends no attempt
			}
			if j.Status != s.status || j.LastError != s.lastErr || j.Attempts != wantAttempts {
				t.Errorf("stored job = status %q, last_error %q, attempts %d; want %q, %q, %d",
					j.Status, j.LastError, j.Attempts, s.status, s.lastErr, wantAttempts)
			}
			if (s.wantOp == "retry" || s.wantOp == "defer") && !j.RunAfter.Equal(s.runAfter) {
				t.Errorf("run_after = %v (+%v), want %v (+%v)", j.RunAfter, j.RunAfter.Sub(t0), s.runAfter, s.runAfter.Sub(t0))
			}
			if s.wantOp == "retry" && s.lastErr != deferText && j.RunAfter.Location() != time.UTC {
				t.Errorf("backoff run_after is in %v, want UTC", j.RunAfter.Location())
			}
		})
	}
}

// TestWorkerBackoffUntilDead fails one job on every run, moving the clock to
// each run_after: the delays double from Base/2 (rnd 0) and the eighth
// failure buries the job with its last error.
func TestWorkerBackoffUntilDead(t *testing.T) {
	store := newMemStore(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
	w, clock := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	runs := 0
	w.Handle(kindMail, func(context.Context, queue.Job) error {
		runs++
		return fmt.Errorf("run %d failed", runs)
	})
	wantDelays := []time.Duration{5, 10, 20, 40, 80, 160, 320} // seconds, then dead
	now := t0
	for i, d := range wantDelays {
		clock.Set(now)
		if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("run %d: RunOnce = %d, %v; want 1, nil", i+1, n, err)
		}
		j := store.get(t, "j1")
		if j.Status != statusPending || j.RunAfter.Sub(now) != d*time.Second || j.LastError != fmt.Sprintf("run %d failed", i+1) {
			t.Fatalf("after run %d: status %q, delay %v, last_error %q; want pending, %v, %q",
				i+1, j.Status, j.RunAfter.Sub(now), j.LastError, d*time.Second, fmt.Sprintf("run %d failed", i+1))
		}
		now = j.RunAfter
		clock.Set(now.Add(-time.Nanosecond))
		if n, _ := w.RunOnce(context.Background()); n != 0 {
			t.Fatalf("after run %d: job claimed before its run_after", i+1)
		}
	}
	clock.Set(now)
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("last run: RunOnce = %d, %v; want 1, nil", n, err)
	}
	if j := store.get(t, "j1"); j.Status != statusDead || j.Attempts != 8 || j.LastError != "run 8 failed" {
		t.Errorf("after 8 runs: status %q, attempts %d, last_error %q; want dead, 8, %q", j.Status, j.Attempts, j.LastError, "run 8 failed")
	}
	if runs != 8 {
		t.Errorf("handler ran %d times, want 8 (MaxAttempts)", runs)
	}
	clock.Set(now.Add(24 * time.Hour))
	if n, _ := w.RunOnce(context.Background()); n != 0 {
		t.Errorf("a dead job was claimed again")
	}
}

// TestWorkerJitterBounds uses the default jitter source: the third failure's
// delay lies in [20 s, 40 s) (40 s scaled by [0.5, 1)) and is not constant.
func TestWorkerJitterBounds(t *testing.T) {
	store := newMemStore()
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Rand = nil
	w.Handle(kindMail, func(context.Context, queue.Job) error { return errors.New("try later") })
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for range 200 {
		store.put(storedJob{ID: "j1", Kind: kindMail, Attempts: 2, RunAfter: t0})
		if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
			t.Fatalf("RunOnce = %d, %v; want 1, nil", n, err)
		}
		d := store.get(t, "j1").RunAfter.Sub(t0)
		if d < 20*time.Second || d >= 40*time.Second {
			t.Fatalf("third-failure delay %v outside [20s, 40s)", d)
		}
		lo, hi = min(lo, d), max(hi, d)
	}
	if lo == hi {
		t.Errorf("200 delays all %v: no jitter", lo)
	}
}
