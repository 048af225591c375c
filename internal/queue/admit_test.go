package queue_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/slotbase/slotbase/internal/queue"
)

// TestWorkerAdmit: every job asks Admit before its handler runs and
// releases after it; a refused admission (its context ended) gives the job
// back without spending an attempt, so none is lost.
func TestWorkerAdmit(t *testing.T) {
	store := newMemStore(
		storedJob{ID: "a", Kind: kindMail, Status: statusPending, RunAfter: t0},
		storedJob{ID: "b", Kind: kindMail, Status: statusPending, RunAfter: t0},
	)
	var logs logBuffer
	w, _ := newWorker(store, queue.Policy{}, 0, &logs)
	var inside, admitted, released atomic.Int64
	w.Admit = func(ctx context.Context) (func(), error) {
		admitted.Add(1)
		inside.Add(1)
		return func() { inside.Add(-1); released.Add(1) }, nil
	}
	w.Handle(kindMail, func(context.Context, queue.Job) error {
		if inside.Load() < 1 {
			return errors.New("ran without admission")
		}
		return nil
	})
	if n, err := w.RunOnce(context.Background()); err != nil || n != 2 {
		t.Fatalf("RunOnce: %d, %v", n, err)
	}
	for _, id := range []string{"a", "b"} {
		if j := store.get(t, id); j.Status != statusDone {
			t.Fatalf("job %s: %s (%s)", id, j.Status, j.LastError)
		}
	}
	if admitted.Load() != 2 || released.Load() != 2 {
		t.Fatalf("admitted %d, released %d: want 2 and 2", admitted.Load(), released.Load())
	}

	store.put(storedJob{ID: "c", Kind: kindMail, Status: statusPending, RunAfter: t0, Attempts: 3})
	ran := false
	w.Handle(kindMail, func(context.Context, queue.Job) error { ran = true; return nil })
	w.Admit = func(ctx context.Context) (func(), error) { return nil, context.Canceled }
	if _, err := w.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	j := store.get(t, "c")
	if ran || j.Status != statusPending || j.Attempts != 3 || !j.RunAfter.Equal(t0) {
		t.Fatalf("refused admission: ran %v, job %+v; want pending again at once with its 3 attempts", ran, j)
	}
}
