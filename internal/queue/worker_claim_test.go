package queue_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/queue"
)

const kindCalendar = "gcal.write"

// TestWorkerKinds checks that jobs of kinds nobody handles stay pending until
// a handler is registered, and what happens if a store hands one out anyway.
func TestWorkerKinds(t *testing.T) {
	ok := func(context.Context, queue.Job) error { return nil }
	scenarios := []struct {
		name        string
		kinds       []string // handlers registered, in order
		ignoreKinds bool     // the store hands out every kind
		wantClaims  [][]string
		wantN       int
		status      string
		lastErr     string
	}{
		{name: "no handlers: no claim at all", wantClaims: nil, status: statusPending},
		{name: "other kinds handled: job stays pending", kinds: []string{kindMail, "b", kindMail, "a"},
			wantClaims: [][]string{{"a", "b", kindMail}}, status: statusPending},
		{name: "store ignores kinds: buried", kinds: []string{kindMail}, ignoreKinds: true,
			wantClaims: [][]string{{kindMail}}, wantN: 1, status: statusDead,
			lastErr: `permanent failure: no handler for kind "gcal.write"`},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			store := newMemStore(storedJob{ID: "j1", Kind: kindCalendar, RunAfter: t0})
			store.ignoreKinds = s.ignoreKinds
			w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
			for _, k := range s.kinds {
				w.Handle(k, ok)
			}
			n, err := w.RunOnce(context.Background())
			if n != s.wantN || err != nil {
				t.Fatalf("RunOnce = %d, %v; want %d, nil", n, err, s.wantN)
			}
			var claims [][]string
			for _, c := range store.claimCalls() {
				claims = append(claims, c.Kinds)
			}
			if !slices.EqualFunc(claims, s.wantClaims, slices.Equal) {
				t.Errorf("Claim kinds = %q, want %q", claims, s.wantClaims)
			}
			if j := store.get(t, "j1"); j.Status != s.status || j.LastError != s.lastErr || j.Attempts != s.wantN {
				t.Errorf("job: status %q, last_error %q, attempts %d; want %q, %q, %d", j.Status, j.LastError, j.Attempts, s.status, s.lastErr, s.wantN)
			}
		})
	}
}

// TestWorkerHandleLater registers the handler for a waiting job's kind after
// a first poll: the next poll runs it; a second Handle replaces the first.
func TestWorkerHandleLater(t *testing.T) {
	store := newMemStore(storedJob{ID: "j1", Kind: kindCalendar, RunAfter: t0})
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Handle(kindMail, func(context.Context, queue.Job) error { return nil })
	if n, _ := w.RunOnce(context.Background()); n != 0 {
		t.Fatalf("first poll ran %d jobs, want 0", n)
	}
	w.Handle(kindCalendar, func(context.Context, queue.Job) error { return errors.New("first handler") })
	w.Handle(kindCalendar, func(context.Context, queue.Job) error { return nil })
	if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
		t.Fatalf("second poll: RunOnce = %d, %v; want 1, nil", n, err)
	}
	if j := store.get(t, "j1"); j.Status != statusDone {
		t.Errorf("job status %q (last_error %q), want done by the second handler", j.Status, j.LastError)
	}
}

// TestWorkerClaimArguments checks the lease, batch size and time the worker
// claims with, their defaults (2 min, 16) and that a batch is its limit.
func TestWorkerClaimArguments(t *testing.T) {
	scenarios := []struct {
		name      string
		lease     time.Duration
		batch     int
		wantLease time.Duration
		wantLimit int
		wantRuns  []int // jobs per RunOnce for 20 due jobs
	}{
		{name: "defaults", wantLease: 2 * time.Minute, wantLimit: 16, wantRuns: []int{16, 4, 0}},
		{name: "set", lease: 30 * time.Second, batch: 7, wantLease: 30 * time.Second, wantLimit: 7, wantRuns: []int{7, 7, 6, 0}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			store := newMemStore()
			for i := range 20 {
				store.put(storedJob{ID: string(rune('a' + i)), Kind: kindMail, RunAfter: t0.Add(-time.Duration(i) * time.Second)})
			}
			w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
			w.Lease, w.Batch = s.lease, s.batch
			w.Handle(kindMail, func(context.Context, queue.Job) error { return nil })
			var runs []int
			for range s.wantRuns {
				n, err := w.RunOnce(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				runs = append(runs, n)
			}
			if !slices.Equal(runs, s.wantRuns) {
				t.Errorf("jobs per RunOnce = %v, want %v", runs, s.wantRuns)
			}
			c := store.claimCalls()[0]
			if c.Lease != s.wantLease || c.Limit != s.wantLimit || !c.Now.Equal(t0) || c.Now.Location() != time.UTC {
				t.Errorf("Claim(now %v, lease %v, limit %d), want now %v in UTC, lease %v, limit %d",
					c.Now, c.Lease, c.Limit, t0, s.wantLease, s.wantLimit)
			}
		})
	}
}

// TestWorkerRunsBatchConcurrently holds every handler of a batch of three
// until all three have started, which only concurrent runs can do, and checks
// that each handler's context ends within half a lease.
func TestWorkerRunsBatchConcurrently(t *testing.T) {
	store := newMemStore()
	for _, id := range []string{"a", "b", "c"} {
		store.put(storedJob{ID: id, Kind: kindMail, RunAfter: t0})
	}
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Lease = 10 * time.Minute
	var mu sync.Mutex
	started, all := 0, make(chan struct{})
	w.Handle(kindMail, func(ctx context.Context, j queue.Job) error {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > 5*time.Minute {
			return queue.Permanent(errors.New("handler context does not end within lease/2"))
		}
		mu.Lock()
		if started++; started == 3 {
			close(all)
		}
		mu.Unlock()
		select {
		case <-all:
			return nil
		case <-time.After(30 * time.Second):
			return queue.Permanent(errors.New("batch did not run concurrently"))
		}
	})
	if n, err := w.RunOnce(context.Background()); n != 3 || err != nil {
		t.Fatalf("RunOnce = %d, %v; want 3, nil", n, err)
	}
	for _, id := range []string{"a", "b", "c"} {
		if j := store.get(t, id); j.Status != statusDone {
			t.Errorf("job %s: status %q, last_error %q; want done", id, j.Status, j.LastError)
		}
	}
}

// TestWorkerClaimError checks that a failing Claim is returned, wrapped, and
// runs nothing.
func TestWorkerClaimError(t *testing.T) {
	store := newMemStore(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
	store.failNext("claim", 1)
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Handle(kindMail, func(context.Context, queue.Job) error { t.Error("handler ran"); return nil })
	n, err := w.RunOnce(context.Background())
	if n != 0 || !errors.Is(err, errStore) || !strings.HasPrefix(err.Error(), "claim: ") {
		t.Errorf("RunOnce = %d, %v; want 0 and a claim error wrapping %v", n, err, errStore)
	}
}

// TestWorkerOutcomeNotRecorded makes the store fail to record an outcome
// once. The worker logs it and returns no error; the job stays running until
// its lease ends, is not claimed before, and then runs again with one more
// attempt (at least once).
func TestWorkerOutcomeNotRecorded(t *testing.T) {
	transient := errors.New("try later")
	scenarios := []struct {
		name    string
		failOp  string
		results []error // handler result per run
		status  string  // after the second run
		lastErr string
	}{
		{name: "complete fails", failOp: "complete", results: []error{nil, nil}, status: statusDone},
		{name: "retry fails", failOp: "retry", results: []error{transient, nil}, status: statusDone, lastErr: ""},
		{name: "bury fails", failOp: "bury", results: []error{queue.Permanent(transient), queue.Permanent(transient)},
			status: statusDead, lastErr: "permanent failure: try later"},
		{name: "deferral not recorded", failOp: "defer",
			results: []error{&queue.DeferError{Until: t0.Add(time.Hour), Reason: "later"}, transient},
			status:  statusPending, lastErr: "try later"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			store := newMemStore(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
			store.failNext(s.failOp, 1)
			logs := &logBuffer{}
			w, clock := newWorker(store, queue.Policy{}, 0, logs)
			w.Lease = time.Minute
			runs := 0
			w.Handle(kindMail, func(context.Context, queue.Job) error { runs++; return s.results[runs-1] })

			if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
				t.Fatalf("RunOnce = %d, %v; want 1, nil (outcome errors are logged)", n, err)
			}
			if l := logs.String(); !strings.Contains(l, "job outcome not recorded") || !strings.Contains(l, errStore.Error()) {
				t.Errorf("log does not report the lost outcome:\n%s", l)
			}
			if j := store.get(t, "j1"); j.Status != statusRunning || !j.LockedUntil.Equal(t0.Add(time.Minute)) {
				t.Fatalf("after the lost outcome: status %q, locked until %v; want running until %v", j.Status, j.LockedUntil, t0.Add(time.Minute))
			}
			clock.Set(t0.Add(time.Minute - time.Nanosecond))
			if n, _ := w.RunOnce(context.Background()); n != 0 {
				t.Fatalf("job re-claimed before its lease ended")
			}
			clock.Set(t0.Add(time.Minute))
			if n, err := w.RunOnce(context.Background()); n != 1 || err != nil {
				t.Fatalf("after the lease: RunOnce = %d, %v; want 1, nil", n, err)
			}
			j := store.get(t, "j1")
			if runs != 2 || j.Attempts != 2 || j.Status != s.status || j.LastError != s.lastErr {
				t.Errorf("after the lease: runs %d, attempts %d, status %q, last_error %q; want 2, 2, %q, %q",
					runs, j.Attempts, j.Status, j.LastError, s.status, s.lastErr)
			}
		})
	}
}
