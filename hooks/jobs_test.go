package hooks

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
)

// queueClock is a settable clock for queue tests.
type queueClock struct {
	mu  sync.Mutex
	now time.Time
}

func (q *queueClock) Now() time.Time { q.mu.Lock(); defer q.mu.Unlock(); return q.now }
func (q *queueClock) Add(d time.Duration) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.now = q.now.Add(d)
}

func newQueueWorker(app core.App, clock *queueClock) *queue.Worker {
	return &queue.Worker{
		Store: jobStore{app}, Now: clock.Now, Rand: func() float64 { return 0 },
		Lease: time.Minute, Policy: queue.Policy{MaxAttempts: 3, Base: 10 * time.Second, Max: time.Hour},
	}
}

func jobByID(t *testing.T, app core.App, id string) *c.Job {
	t.Helper()
	r, err := app.FindRecordById(c.Jobs, id)
	if err != nil {
		t.Fatal(err)
	}
	return c.NewJob(r)
}

func onlyJob(t *testing.T, app core.App) *c.Job {
	t.Helper()
	records, err := app.FindRecordsByFilter(c.Jobs, "id != ''", "", 0, 0)
	if err != nil || len(records) != 1 {
		t.Fatalf("want one job, got %d (%v)", len(records), err)
	}
	return c.NewJob(records[0])
}

func TestQueueRetriesWithBackoffThenDies(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()
	clock := &queueClock{now: testNow}
	if err := enqueue(app, "test.flaky", map[string]string{"x": "y"}, "", testNow); err != nil {
		t.Fatal(err)
	}
	w := newQueueWorker(app, clock)
	var runs atomic.Int32
	w.Handle("test.flaky", func(ctx context.Context, j queue.Job) error {
		runs.Add(1)
		if string(j.Payload) != `{"x":"y"}` {
			t.Errorf("payload %s", j.Payload)
		}
		return errors.New("smtp down")
	})
	ctx := context.Background()
	// Attempt 1 fails → due again after Base·2⁰·(0.5+0/2) = 5 s.
	if n, err := w.RunOnce(ctx); n != 1 || err != nil {
		t.Fatalf("run 1: %d %v", n, err)
	}
	j := onlyJob(t, app)
	if j.Status() != c.JobPending || j.Attempts() != 1 || !j.RunAfter().Equal(testNow.Add(5*time.Second)) || j.LastError() != "smtp down" {
		t.Fatalf("after attempt 1: %s attempts=%d run_after=%s err=%q", j.Status(), j.Attempts(), j.RunAfter(), j.LastError())
	}
	if n, _ := w.RunOnce(ctx); n != 0 {
		t.Fatal("a job ran before its backoff ended")
	}
	clock.Add(5 * time.Second)
	w.RunOnce(ctx) // attempt 2 → +10 s
	if j = onlyJob(t, app); !j.RunAfter().Equal(clock.Now().Add(10 * time.Second)) {
		t.Fatalf("second backoff: run_after=%s", j.RunAfter())
	}
	clock.Add(10 * time.Second)
	w.RunOnce(ctx) // attempt 3 = MaxAttempts → dead
	if j = onlyJob(t, app); j.Status() != c.JobDead || j.Attempts() != 3 || j.LastError() != "smtp down" {
		t.Fatalf("after the last attempt: %s %d %q", j.Status(), j.Attempts(), j.LastError())
	}
	clock.Add(24 * time.Hour)
	if n, _ := w.RunOnce(ctx); n != 0 || runs.Load() != 3 {
		t.Fatalf("a dead job ran again (runs=%d)", runs.Load())
	}
}

func TestQueueLeaseExpiryAfterCrash(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()
	clock := &queueClock{now: testNow}
	if err := enqueue(app, "test.once", map[string]int{"n": 1}, "", testNow); err != nil {
		t.Fatal(err)
	}
	// A worker claims the job and "crashes" before recording an outcome.
	claimed, err := (jobStore{app}).Claim(context.Background(), []string{"test.once"}, clock.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	w := newQueueWorker(app, clock)
	var runs atomic.Int32
	w.Handle("test.once", func(context.Context, queue.Job) error { runs.Add(1); return nil })
	if n, _ := w.RunOnce(context.Background()); n != 0 {
		t.Fatal("a leased job was handed out twice")
	}
	clock.Add(time.Minute) // the lease runs out: at-least-once delivery
	if n, _ := w.RunOnce(context.Background()); n != 1 || runs.Load() != 1 {
		t.Fatalf("expired lease: ran %d", n)
	}
	if j := onlyJob(t, app); j.Status() != c.JobDone || j.Attempts() != 2 {
		t.Fatalf("after recovery: %s attempts=%d", j.Status(), j.Attempts())
	}
}

func TestQueuePermanentDeferAndPanic(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()
	clock := &queueClock{now: testNow}
	w := newQueueWorker(app, clock)
	w.Handle("test.permanent", func(context.Context, queue.Job) error { return queue.Permanent(errors.New("address rejected")) })
	w.Handle("test.defer", func(context.Context, queue.Job) error {
		return &queue.DeferError{Until: testNow.Add(time.Hour), Reason: "needs reconnect"}
	})
	w.Handle("test.panic", func(context.Context, queue.Job) error { panic("boom") })
	ids := map[string]string{}
	for _, kind := range []string{"test.permanent", "test.defer", "test.panic", "test.nobody"} {
		if err := enqueue(app, kind, nil, "", testNow); err != nil {
			t.Fatal(err)
		}
		r, _ := app.FindFirstRecordByData(c.Jobs, c.JobsKind, kind)
		ids[kind] = r.Id
	}
	if n, err := w.RunOnce(context.Background()); n != 3 || err != nil {
		t.Fatalf("ran %d (%v), want the three handled kinds", n, err)
	}
	if j := jobByID(t, app, ids["test.permanent"]); j.Status() != c.JobDead {
		t.Errorf("permanent failure: %s", j.Status())
	}
	if j := jobByID(t, app, ids["test.defer"]); j.Status() != c.JobPending || !j.RunAfter().Equal(testNow.Add(time.Hour)) {
		t.Errorf("deferred: %s %s", j.Status(), j.RunAfter())
	}
	if j := jobByID(t, app, ids["test.panic"]); j.Status() != c.JobPending || j.LastError() == "" {
		t.Errorf("panic: %s %q", j.Status(), j.LastError())
	}
	if j := jobByID(t, app, ids["test.nobody"]); j.Status() != c.JobPending || j.Attempts() != 0 {
		t.Errorf("a job nobody handles must wait: %s %d", j.Status(), j.Attempts())
	}
}

// TestQueueConcurrentWorkersRunOnce: two workers on one store never run a job twice while its lease holds.
func TestQueueConcurrentWorkers(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()
	clock := &queueClock{now: testNow}
	for i := range 60 {
		if err := enqueue(app, "test.count", map[string]int{"i": i}, "", testNow); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	handler := func(_ context.Context, j queue.Job) error {
		mu.Lock()
		seen[j.ID]++
		mu.Unlock()
		return nil
	}
	var wg sync.WaitGroup
	for range 3 {
		w := newQueueWorker(app, clock)
		w.Batch = 5
		w.Handle("test.count", handler)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if n, err := w.RunOnce(context.Background()); err != nil || n == 0 {
					return
				}
			}
		}()
	}
	wg.Wait()
	if len(seen) != 60 {
		t.Fatalf("ran %d distinct jobs, want 60", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("job %s ran %d times", id, n)
		}
	}
}
