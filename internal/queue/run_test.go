package queue_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/queue"
)

// startRun runs w.Run in the background and returns a stop function that
// cancels it and fails the test unless Run returns within 30 s.
func startRun(t *testing.T, w *queue.Worker) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.Run(ctx)
	}()
	stopped := false
	stop = func() {
		t.Helper()
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return within 30 s of its context ending")
		}
	}
	t.Cleanup(stop)
	return stop
}

// TestRunWake starts a worker whose poll interval is an hour, enqueues a job
// once it is idle and wakes it: only Wake can make it run the job before the
// test's 30 s bound.
func TestRunWake(t *testing.T) {
	store := newMemStore()
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Interval = time.Hour
	ran := make(chan string, 1)
	w.Handle(kindMail, func(_ context.Context, j queue.Job) error { ran <- j.ID; return nil })
	w.Wake() // before Run: buffered, never blocks
	w.Wake()
	stop := startRun(t, w)

	// The first poll finds nothing; the Wake buffered before Run makes a
	// second one. After it the worker is idle for an hour.
	waitFor(t, "the poll the early Wake asked for", func() bool { return len(store.claimCalls()) >= 2 })
	store.put(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
	w.Wake()
	select {
	case id := <-ran:
		if id != "j1" {
			t.Errorf("ran job %q, want j1", id)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a woken worker did not run the new job within 30 s")
	}
	stop()
	if j := store.get(t, "j1"); j.Status != statusDone {
		t.Errorf("job status %q, want done", j.Status)
	}
}

// TestRunStopsOnCancel cancels Run while a handler is running: Run waits for
// the handler, returns, and the job is not lost (pending again or still
// leased, never done or dead on its first attempt).
func TestRunStopsOnCancel(t *testing.T) {
	store := newMemStore(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	started := make(chan struct{})
	var finished atomic.Bool
	w.Handle(kindMail, func(ctx context.Context, j queue.Job) error {
		close(started)
		<-ctx.Done()
		finished.Store(true)
		return ctx.Err()
	})
	stop := startRun(t, w)
	select {
	case <-started:
	case <-time.After(30 * time.Second):
		t.Fatal("handler did not start within 30 s")
	}
	stop()
	if !finished.Load() {
		t.Error("Run returned before its running handler did")
	}
	// Shutdown is not the job's failure: it is due again at once, with the
	// attempt given back.
	if j := store.get(t, "j1"); j.Status != statusPending || j.Attempts != 0 || !j.RunAfter.Equal(t0) || store.outcomeCount("defer") != 1 {
		t.Errorf("interrupted job: status %q, attempts %d, run_after %v, defers %d; want pending, 0, %v, 1", j.Status, j.Attempts, j.RunAfter, store.outcomeCount("defer"), t0)
	}
}

// TestRunOnceCancelledClaimsNothing: a worker that is stopping takes no job
// (it would run it on a dead context and spend an attempt).
func TestRunOnceCancelledClaimsNothing(t *testing.T) {
	store := newMemStore(storedJob{ID: "j1", Kind: kindMail, RunAfter: t0})
	w, _ := newWorker(store, queue.Policy{}, 0, &logBuffer{})
	w.Handle(kindMail, func(context.Context, queue.Job) error { return nil })
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if n, err := w.RunOnce(ctx); n != 0 || err != nil || len(store.claimCalls()) != 0 {
		t.Fatalf("RunOnce on a cancelled context = %d, %v, %d claims; want 0, nil, 0", n, err, len(store.claimCalls()))
	}
	if j := store.get(t, "j1"); j.Status != statusPending || j.Attempts != 0 {
		t.Fatalf("job touched: %+v", j)
	}
}

// TestRunSurvives keeps Run going through a failing Claim and a panicking
// handler: a later poll runs a good job, the panic is recorded as the other
// job's last error, and the claim error is logged.
func TestRunSurvives(t *testing.T) {
	store := newMemStore(
		storedJob{ID: "bad", Kind: kindMail, RunAfter: t0.Add(-time.Minute)},
		storedJob{ID: "good", Kind: kindMail, RunAfter: t0},
	)
	store.failNext("claim", 1)
	logs := &logBuffer{}
	w, _ := newWorker(store, queue.Policy{}, 0, logs)
	w.Interval = time.Millisecond
	w.Batch = 1 // "bad" (older) first, alone
	w.Handle(kindMail, func(_ context.Context, j queue.Job) error {
		if j.ID == "bad" {
			panic("index out of range [3] with length 3")
		}
		return nil
	})
	stop := startRun(t, w)
	waitFor(t, "the good job to complete", func() bool { return store.outcomeCount("complete") == 1 })
	stop()

	if j := store.get(t, "bad"); j.Status != statusPending || j.LastError != "handler panic: index out of range [3] with length 3" {
		t.Errorf("panicking job: status %q, last_error %q; want pending with the panic", j.Status, j.LastError)
	}
	if l := logs.String(); !strings.Contains(l, "job worker") || !strings.Contains(l, errStore.Error()) {
		t.Errorf("claim error not logged:\n%s", l)
	}
	if calls := store.claimCalls(); len(calls) < 3 {
		t.Errorf("Claim called %d times, want at least 3 (failed, bad, good)", len(calls))
	}
}
