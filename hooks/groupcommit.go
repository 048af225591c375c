package hooks

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Group commit (issue 18, fifth step). SQLite has one writer: every
// booking used to be its own write transaction, and the transactions of
// concurrent requests queued for the one write connection. A groupCommitter
// runs the write closures that are waiting right now — never waiting on a
// timer to fill a batch — one after another inside ONE transaction, then
// answers each. Rules:
//
//   - each closure sees the rows of the closures before it (same
//     transaction): two bookings of one seat in one batch, one wins, the
//     other gets errSlotGone;
//   - a closure that is refused before it wrote anything (a clean refusal
//     that changed no row: SQLite's total_changes() on the transaction's
//     connection is the same before and after it) is dropped from the
//     batch and gets its error once the batch's outcome is known;
//   - any other failure (an error after a write, an unexpected error, a
//     panic) aborts the batch, whose rows and after-commit hooks then never
//     happen (PocketBase fires a transaction's after-commit hooks only when
//     it commits), and every closure of it runs again alone in its own
//     transaction, as before group commit;
//   - a commit failure answers every closure of the batch with the error:
//     none is told it succeeded;
//   - after-commit hooks (availability index, slot cache, live updates)
//     fire once per row after the batch commits (the replica's change log
//     is written inside the transaction, row by row, as before); an error
//     of one of them is logged and counted (afterErrors), and every
//     closure is answered with its own outcome: its rows are committed,
//     and a 500 for a booking that exists would send its client to retry
//     into a 409 for its own time.
//
// A closure may run more than once (again alone after an aborted batch),
// so it must set everything it reports from scratch on every run.

// groupCommitMax bounds the closures in one transaction.
const groupCommitMax = 64

// errBatchAborted makes the batch's transaction roll back so its closures
// run again one by one.
var errBatchAborted = errors.New("group commit: batch aborted, its closures run alone")

// groupCommitter runs write closures of concurrent callers in shared
// transactions on app. The zero value is not usable: see newGroupCommitter.
type groupCommitter struct {
	app core.App
	// clean tells refusals that a closure returns before it writes (and
	// that leave the transaction usable) from failures.
	clean func(error) bool
	max   int
	log   *slog.Logger
	// begin, when set, runs first in every transaction of the committer,
	// so the after-end callbacks it registers run before the next batch is
	// handed the writer (the window cache's committed reads, windowcache.go).
	begin func(tx core.App)

	mu      sync.Mutex
	pending []*commitCall
	running bool // a chain of batches (next) is running

	// beforeCommit, when set (tests only), runs after the batch's closures
	// and before the commit; its error fails the commit.
	beforeCommit func(batch int) error

	// batches and batched count the shared transactions (of more than one
	// closure) and the closures they ran; aborted counts the batches that
	// fell back to one transaction per closure; afterErrors the committed
	// transactions whose after-commit hooks failed.
	batches, batched, aborted, afterErrors atomic.Int64
	// busy sums the nanoseconds batches held the writer, from their start
	// to their transaction's end: near the wall time, the committer is
	// what bounds the writes.
	busy atomic.Int64
}

// commitCall is one caller's closure and where its outcome goes.
type commitCall struct {
	fn   func(tx core.App) error
	done chan error
	err  error // outcome inside the current batch
}

// newGroupCommitter returns a committer on app; clean says which errors are
// refusals made before any write (nil: none are).
func newGroupCommitter(app core.App, clean func(error) bool) *groupCommitter {
	if clean == nil {
		clean = func(error) bool { return false }
	}
	return &groupCommitter{app: app, clean: clean, max: groupCommitMax, log: opsLogger(app, "groupcommit")}
}

// Run runs fn in a write transaction shared with the closures of other
// callers waiting at the same time, and returns fn's error, the batch's
// commit error, or nil once fn's writes are committed and their
// after-commit hooks ran. It must not be called from inside a transaction
// or a closure of the same committer.
func (g *groupCommitter) Run(fn func(tx core.App) error) error {
	call := &commitCall{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, call)
	if !g.running {
		g.running = true
		go g.next()
	}
	g.mu.Unlock()
	return <-call.done
}

// waiting is the number of closures queued for the next batch.
func (g *groupCommitter) waiting() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.pending)
}

// next runs the next batch, or ends the chain when nothing waits (a later
// Run starts another): no goroutine outlives the load. A batch hands over
// to the next as soon as its transaction has ended, so the next batch
// writes while this one's after-commit hooks run (as transactions of
// separate requests did before group commit).
func (g *groupCommitter) next() {
	g.mu.Lock()
	n := min(len(g.pending), g.max)
	if n == 0 {
		g.running = false
		g.mu.Unlock()
		return
	}
	batch := g.pending[:n:n]
	g.pending = g.pending[n:]
	g.mu.Unlock()
	var once sync.Once
	start := time.Now()
	handOver := func() {
		once.Do(func() {
			g.busy.Add(int64(time.Since(start)))
			go g.next()
			// The new batch waits in this P's run-next slot while this
			// goroutine goes on with the after-commit hooks and the
			// answers; yielding lets the batch (the one serial section of
			// every write) run first.
			runtime.Gosched()
		})
	}
	defer handOver() // whatever happened, the chain goes on
	g.runBatch(batch, handOver)
}

// started runs begin, if set, for a transaction that just started.
func (g *groupCommitter) started(tx core.App) {
	if g.begin != nil {
		g.begin(tx)
	}
}

// handOverAt makes tx's end (commit or rollback, before the after-commit
// hooks that were registered later) start the next batch, and records in
// committed whether the transaction committed.
func handOverAt(tx core.App, handOver func(), committed *bool) {
	if info := tx.TxInfo(); info != nil {
		info.OnComplete(func(txErr error) error {
			*committed = txErr == nil
			handOver()
			return nil
		})
	}
}

// afterCommit sorts out the error of a transaction that committed: only
// its after-commit hooks can have failed (PocketBase joins their errors to
// a nil transaction error). It logs and counts err and reports whether
// the transaction committed (its closures' own outcomes stand).
func (g *groupCommitter) afterCommit(err error, committed bool, closures int) bool {
	if !committed {
		return false
	}
	if err != nil {
		g.afterErrors.Add(1)
		g.log.Error("after-commit hooks failed; the rows are committed", "closures", closures, "error", err)
	}
	return true
}

// runBatch runs one batch and answers every call of it, whatever happens
// (a panic of the committer itself answers the unanswered with an error).
func (g *groupCommitter) runBatch(batch []*commitCall, handOver func()) {
	answered := 0
	defer func() {
		if r := recover(); r != nil {
			g.log.Error("group commit panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			for _, call := range batch[answered:] {
				call.done <- fmt.Errorf("group commit panicked: %v", r)
			}
		}
	}()
	answer := func(call *commitCall, err error) {
		call.done <- err
		answered++
	}
	if len(batch) == 1 {
		answer(batch[0], g.alone(batch[0], handOver))
		return
	}
	g.batches.Add(1)
	g.batched.Add(int64(len(batch)))
	var committed bool
	err := g.app.RunInTransaction(func(tx core.App) error {
		g.started(tx)
		handOverAt(tx, handOver, &committed)
		for _, call := range batch {
			if err := g.step(tx, call); err != nil {
				return err
			}
		}
		if g.beforeCommit != nil {
			return g.beforeCommit(len(batch))
		}
		return nil
	})
	switch {
	case err == nil, g.afterCommit(err, committed, len(batch)):
		for _, call := range batch {
			answer(call, call.err)
		}
	case errors.Is(err, errBatchAborted):
		g.aborted.Add(1)
		for _, call := range batch {
			answer(call, g.alone(call, func() {}))
		}
	default: // the commit failed: none of them happened
		for _, call := range batch {
			answer(call, err)
		}
	}
}

// step runs one closure inside the batch's transaction: nil when it wrote
// and succeeded or was cleanly refused (its refusal kept in call.err), else
// errBatchAborted.
func (g *groupCommitter) step(tx core.App, call *commitCall) error {
	before, err := totalChanges(tx)
	if err != nil {
		return fmt.Errorf("%w: %w", errBatchAborted, err)
	}
	call.err = safeClosure(tx, call.fn)
	if call.err == nil {
		return nil
	}
	if !g.clean(call.err) {
		return fmt.Errorf("%w: %w", errBatchAborted, call.err)
	}
	after, err := totalChanges(tx)
	if err != nil || after != before {
		return fmt.Errorf("%w: a refused closure had written (%d rows)", errBatchAborted, after-before)
	}
	return nil
}

// alone runs one closure in its own transaction (the path before group
// commit, and the path of every closure of an aborted batch).
func (g *groupCommitter) alone(call *commitCall, handOver func()) error {
	var committed bool
	err := g.app.RunInTransaction(func(tx core.App) error {
		g.started(tx)
		handOverAt(tx, handOver, &committed)
		if err := safeClosure(tx, call.fn); err != nil {
			return err
		}
		if g.beforeCommit != nil {
			return g.beforeCommit(1)
		}
		return nil
	})
	if err == nil || g.afterCommit(err, committed, 1) {
		return nil // the closure succeeded (a failed one rolls back)
	}
	return err
}

// safeClosure runs fn, turning a panic into an error (stack logged).
func safeClosure(tx core.App, fn func(tx core.App) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write closure panicked: %v", r)
			tx.Logger().Error("write closure panicked", "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	return fn(tx)
}

// totalChanges is SQLite's count of rows changed on tx's connection so far.
func totalChanges(tx core.App) (int64, error) {
	var n int64
	err := tx.NonconcurrentDB().NewQuery("SELECT total_changes()").Row(&n)
	return n, err
}

// bookingRefusal reports the door's refusals made before any write (the
// slot is gone or not offered, the idempotency key is reused, the chosen
// hosts are not free, the event type was deactivated since the request read it): a batch drops such a closure and goes on.
func bookingRefusal(err error) bool {
	var notOffered *notOfferedError
	return errors.Is(err, errSlotGone) || errors.Is(err, errIdempotencyMismatch) ||
		errors.Is(err, errHostsNotFree) || errors.Is(err, errEventTypeGone) || errors.As(err, &notOffered)
}
