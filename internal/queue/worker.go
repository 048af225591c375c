package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"sync"
	"time"
)

// Worker runs jobs from a Store.
type Worker struct {
	Store    Store
	Policy   Policy
	Lease    time.Duration    // how long a claim lasts (default 2 min)
	Batch    int              // jobs per claim (default 16)
	Interval time.Duration    // poll interval when idle (default 1 s)
	Now      func() time.Time // clock (default time.Now)
	Rand     func() float64   // jitter source (default math/rand)
	Logger   *slog.Logger     // default slog.Default()
	// Admit, when set, is asked before each job runs and returns when the
	// job may (a priority gate keeping jobs below public work) and the
	// function that says it ended. Its error (ctx ended) defers the job
	// without spending an attempt.
	Admit    func(ctx context.Context) (release func(), err error)
	handlers map[string]Handler // by kind
	wake     chan struct{}      // nudges Run after an enqueue
	mu       sync.Mutex         // guards handlers
	inFlight sync.WaitGroup     // running handlers
	kinds    []string           // sorted handler kinds
}

// Handle registers h for jobs of kind; jobs of kinds nobody handles stay
// pending until a handler is registered.
func (w *Worker) Handle(kind string, h Handler) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.handlers == nil {
		w.handlers = map[string]Handler{}
	}
	w.handlers[kind] = h
	w.kinds = append(w.kinds, kind)
	slices.Sort(w.kinds)
	w.kinds = slices.Compact(w.kinds)
}

// Wake makes a running Run loop look for jobs now.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

var initMu sync.Mutex

func (w *Worker) init() {
	initMu.Lock()
	defer initMu.Unlock()
	if w.wake == nil {
		w.wake = make(chan struct{}, 1)
	}
}

func (w *Worker) now() time.Time {
	if w.Now != nil {
		return w.Now().UTC()
	}
	return time.Now().UTC()
}

func (w *Worker) rnd() float64 {
	if w.Rand != nil {
		return w.Rand()
	}
	return rand.Float64()
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// RunOnce claims one batch of due jobs and runs them concurrently, returning
// how many it ran.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	w.mu.Lock()
	kinds := slices.Clone(w.kinds)
	w.mu.Unlock()
	if len(kinds) == 0 {
		return 0, nil
	}
	lease := w.Lease
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	batch := w.Batch
	if batch <= 0 {
		batch = 16
	}
	if ctx.Err() != nil {
		return 0, nil // stopping: claim nothing, so no attempt is spent on a dead context
	}
	jobs, err := w.Store.Claim(ctx, kinds, w.now(), lease, batch)
	if err != nil {
		return 0, fmt.Errorf("claim: %w", err)
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Add(1)
		w.inFlight.Add(1)
		go func() {
			defer wg.Done()
			defer w.inFlight.Done()
			defer func() { // a Store that panics must not take the process down
				if r := recover(); r != nil {
					w.logger().Error("job outcome not recorded: the store panicked (the lease will expire and it runs again)",
						"job", j.ID, "kind", j.Kind, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				}
			}()
			w.run(ctx, j, lease)
		}()
	}
	wg.Wait()
	return len(jobs), nil
}

// run executes one job and records the outcome.
func (w *Worker) run(ctx context.Context, j Job, lease time.Duration) {
	w.mu.Lock()
	h := w.handlers[j.Kind]
	w.mu.Unlock()
	jctx, cancel := context.WithTimeout(ctx, lease/2)
	defer cancel()
	log := w.logger().With("job", j.ID, "kind", j.Kind, "attempt", j.Attempts)
	// The outcome is recorded even when ctx (the worker's life) has ended.
	store := context.WithoutCancel(ctx)
	release, err := w.admit(jctx)
	if err != nil {
		if err = w.Store.Defer(store, j.ID, w.now(), "not admitted: "+err.Error()); err != nil {
			log.Error("job outcome not recorded (the lease will expire and it runs again)", "error", err)
		}
		return
	}
	err = safeCall(jctx, h, j, w.logger())
	release()
	var deferred *DeferError
	p := w.Policy.withDefaults()
	switch {
	case err == nil:
		err = w.Store.Complete(store, j.ID)
	case ctx.Err() != nil:
		log.Info("job cut short by shutdown; due again at the next start", "error", err)
		err = w.Store.Defer(store, j.ID, w.now(), "worker stopped during the run: "+err.Error())
	case errors.As(err, &deferred):
		log.Info("job deferred", "until", deferred.Until, "reason", deferred.Reason)
		err = w.Store.Defer(store, j.ID, deferred.Until, err.Error())
	case errors.Is(err, ErrPermanent) || j.Attempts >= p.MaxAttempts:
		log.Error("job dead", "error", err)
		err = w.Store.Bury(store, j.ID, err.Error())
	default:
		next := w.now().Add(p.Backoff(j.Attempts, w.rnd()))
		log.Warn("job failed, will retry", "error", err, "at", next)
		err = w.Store.Retry(store, j.ID, next, err.Error())
	}
	if err != nil {
		log.Error("job outcome not recorded (the lease will expire and it runs again)", "error", err)
	}
}

// admit asks Admit, if set, whether the job may run now.
func (w *Worker) admit(ctx context.Context) (func(), error) {
	if w.Admit == nil {
		return func() {}, nil
	}
	return w.Admit(ctx)
}

// safeCall turns a handler panic into an error (its stack goes to the log).
func safeCall(ctx context.Context, h Handler, j Job, log *slog.Logger) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panic: %v", r)
			log.Error("job handler panicked", "job", j.ID, "kind", j.Kind, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	if h == nil {
		return Permanent(fmt.Errorf("no handler for kind %q", j.Kind))
	}
	return h(ctx, j)
}

// Run polls for jobs until ctx ends, then waits for running handlers.
func (w *Worker) Run(ctx context.Context) {
	w.init()
	interval := w.Interval
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		n, err := w.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			w.logger().Error("job worker", "error", err)
		}
		if n > 0 && ctx.Err() == nil {
			continue // there may be more due right now
		}
		select {
		case <-ctx.Done():
			w.inFlight.Wait()
			return
		case <-t.C:
		case <-w.wake:
		}
	}
}
