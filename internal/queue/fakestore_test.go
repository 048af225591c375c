package queue_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/queue"
)

// Job states of the fake store, as in the jobs collection.
const (
	statusPending = "pending"
	statusRunning = "running"
	statusDone    = "done"
	statusDead    = "dead"
)

// errStore is what the fake store returns when told to fail.
var errStore = errors.New("store unavailable")

// storedJob is one job as the fake store keeps it.
type storedJob struct {
	ID          string
	Kind        string
	Payload     []byte
	Status      string
	Attempts    int
	RunAfter    time.Time
	LockedUntil time.Time
	LastError   string
}

// memStore is an in-memory queue.Store that behaves like hooks.jobStore:
// Claim takes pending due jobs and running jobs whose lease ran out, oldest
// run_after first, marks them running until now+lease and counts the attempt;
// Complete, Retry and Bury set the status and clear the lease.
type memStore struct {
	mu   sync.Mutex
	jobs map[string]*storedJob

	// ignoreKinds makes Claim hand out jobs of any kind (a store that does not
	// filter), to reach the worker's "no handler" path.
	ignoreKinds bool
	// fail counts, per operation ("claim", "complete", "retry", "bury"), how
	// many of the next calls fail with errStore.
	fail map[string]int

	claims   []claimCall    // every Claim call, in order
	outcomes map[string]int // successful Complete/Retry/Bury calls by operation
}

// claimCall records the arguments of one Claim.
type claimCall struct {
	Kinds []string
	Now   time.Time
	Lease time.Duration
	Limit int
}

func newMemStore(jobs ...storedJob) *memStore {
	s := &memStore{jobs: map[string]*storedJob{}, fail: map[string]int{}, outcomes: map[string]int{}}
	for _, j := range jobs {
		s.put(j)
	}
	return s
}

// put adds a job; an empty status means pending.
func (s *memStore) put(j storedJob) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.Status == "" {
		j.Status = statusPending
	}
	s.jobs[j.ID] = &j
}

// get returns a copy of a job.
func (s *memStore) get(t *testing.T, id string) storedJob {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	j, ok := s.jobs[id]
	if !ok {
		t.Fatalf("job %q not in store", id)
	}
	return *j
}

func (s *memStore) failNext(op string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[op] = n
}

func (s *memStore) claimCalls() []claimCall {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.claims)
}

func (s *memStore) outcomeCount(op string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.outcomes[op]
}

// failing reports whether this call of op must fail; s.mu is held.
func (s *memStore) failing(op string) bool {
	if s.fail[op] > 0 {
		s.fail[op]--
		return true
	}
	return false
}

func (s *memStore) Claim(_ context.Context, kinds []string, now time.Time, lease time.Duration, limit int) ([]queue.Job, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims = append(s.claims, claimCall{slices.Clone(kinds), now, lease, limit})
	if s.failing("claim") {
		return nil, errStore
	}
	var due []*storedJob
	for _, j := range s.jobs {
		ready := (j.Status == statusPending && !j.RunAfter.After(now)) ||
			(j.Status == statusRunning && !j.LockedUntil.After(now))
		if ready && (s.ignoreKinds || slices.Contains(kinds, j.Kind)) {
			due = append(due, j)
		}
	}
	slices.SortFunc(due, func(a, b *storedJob) int {
		if c := a.RunAfter.Compare(b.RunAfter); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if len(due) > limit {
		due = due[:limit]
	}
	out := make([]queue.Job, 0, len(due))
	for _, j := range due {
		j.Status = statusRunning
		j.LockedUntil = now.Add(lease)
		j.Attempts++
		out = append(out, queue.Job{ID: j.ID, Kind: j.Kind, Payload: j.Payload, Attempts: j.Attempts})
	}
	return out, nil
}

func (s *memStore) Complete(_ context.Context, id string) error {
	return s.update("complete", id, func(j *storedJob) { j.Status = statusDone })
}

func (s *memStore) Retry(_ context.Context, id string, runAfter time.Time, lastError string) error {
	return s.update("retry", id, func(j *storedJob) {
		j.Status, j.RunAfter, j.LastError = statusPending, runAfter, lastError
	})
}

func (s *memStore) Defer(_ context.Context, id string, runAfter time.Time, reason string) error {
	return s.update("defer", id, func(j *storedJob) {
		j.Status, j.RunAfter, j.LastError = statusPending, runAfter, reason
		j.Attempts--
	})
}

func (s *memStore) Bury(_ context.Context, id string, lastError string) error {
	return s.update("bury", id, func(j *storedJob) { j.Status, j.LastError = statusDead, lastError })
}

func (s *memStore) update(op, id string, set func(*storedJob)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.failing(op) {
		return errStore
	}
	j, ok := s.jobs[id]
	if !ok {
		return errors.New("no job " + id)
	}
	set(j)
	j.LockedUntil = time.Time{}
	s.outcomes[op]++
	return nil
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// logBuffer collects a worker's log lines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func (b *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// waitFor polls cond until it holds, failing the test after 30 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after 30 s waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}
