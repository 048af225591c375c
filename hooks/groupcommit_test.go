package hooks

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// waitBound bounds every wait on a condition in these tests.
const waitBound = 2 * time.Minute

// inOneBatch runs n callers at once and makes their closures meet in one
// batch of g: a closure holds the committer (inside its transaction) until
// all n wait, then lets go. It returns what each caller returned.
func inOneBatch[T any](t *testing.T, g *groupCommitter, n int, caller func(i int) T) []T {
	t.Helper()
	started, gate, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- g.Run(func(core.App) error { close(started); <-gate; return nil })
	}()
	select {
	case <-started:
	case <-time.After(waitBound):
		t.Fatal("the holding closure never ran")
	}
	out := make([]T, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = caller(i)
		}()
	}
	for deadline := time.Now().Add(waitBound); g.waiting() < n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			close(gate)
			t.Fatalf("only %d of %d closures queued within %s", g.waiting(), n, waitBound)
		}
	}
	batches, busy := g.batches.Load(), g.busy.Load()
	close(gate)
	if err := <-held; err != nil {
		t.Fatalf("holding closure: %v", err)
	}
	wg.Wait()
	if g.batches.Load() == batches {
		t.Fatal("the closures did not run as a batch")
	}
	if g.busy.Load() <= busy { // slotbase_group_commit_busy_seconds_total
		t.Fatal("the batch's time holding the writer was not counted")
	}
	return out
}

// posted is one answer of POST /api/bookings.
type posted struct {
	code int
	body map[string]any
}

// postBooking POSTs body (with headers) to url's /api/bookings.
func postBooking(t *testing.T, url string, body map[string]any, headers map[string]string) posted {
	client := &http.Client{Timeout: waitBound}
	code, reply := postJSON(t, client, url+"/api/bookings", body, headers)
	return posted{code, reply}
}

// slotOffered tells whether /api/slots offers the call at start (UTC).
func slotOffered(t *testing.T, url, start string) bool {
	t.Helper()
	var out struct {
		Days []struct{ Slots []struct{ Start string } }
	}
	if code := getJSON(t, url+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=UTC", &out); code != 200 {
		t.Fatalf("slots: %d", code)
	}
	for _, d := range out.Days {
		for _, s := range d.Slots {
			if s.Start == start {
				return true
			}
		}
	}
	return false
}

// TestGroupCommitRaceOneSeat: 50 racers for one seat in one batch — the
// closures see each other's rows, so exactly one wins and one row exists.
func TestGroupCommitRaceOneSeat(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url, g := serveHTTP(t, app), serverOf(app).writes
	answers := inOneBatch(t, g, 50, func(i int) posted { return postBooking(t, url, distinctInvitee(i), nil) })
	counts := map[int]int{}
	for _, a := range answers {
		counts[a.code]++
	}
	if counts[201] != 1 || counts[409] != 49 {
		t.Fatalf("50 racers for one seat in one batch: %v, want one 201 and 49 × 409", counts)
	}
	if n := countBookings(t, app, "id != ''"); n != 1 {
		t.Fatalf("%d bookings stored, want 1", n)
	}
}

// TestGroupCommitSeatsProperty: random concurrent bookings over a few
// slots with seats, in batches: the stored rows of a slot never exceed its
// seats, every 201 has its row and every 409 none.
func TestGroupCommitSeatsProperty(t *testing.T) {
	const seats = 3
	app, _ := bookingApp(t, map[string]any{c.EventTypesSeats: seats})
	defer app.Cleanup()
	url, g := serveHTTP(t, app), serverOf(app).writes
	starts := []string{"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z"}
	rnd := rand.New(rand.NewPCG(18, 5))
	wanted := map[string]int{}
	for round := range 4 {
		n := 8 + rnd.IntN(25)
		picks := make([]string, n)
		for i := range picks {
			picks[i] = starts[rnd.IntN(len(starts))]
			wanted[picks[i]]++
		}
		answers := inOneBatch(t, g, n, func(i int) posted {
			b := goodBooking()
			b["start"], b["email"] = picks[i], fmt.Sprintf("r%d-%d@example.com", round, i)
			return postBooking(t, url, b, nil)
		})
		for i, a := range answers {
			rows := countBookings(t, app, "email = {:e}", map[string]any{"e": fmt.Sprintf("r%d-%d@example.com", round, i)})
			switch {
			case a.code == 201 && (rows != 1 || a.body["id"] == nil):
				t.Fatalf("round %d, request %d: 201 but %d rows", round, i, rows)
			case a.code == 409 && rows != 0:
				t.Fatalf("round %d, request %d: 409 but %d rows", round, i, rows)
			case a.code != 201 && a.code != 409:
				t.Fatalf("round %d, request %d: %d %v", round, i, a.code, a.body)
			}
		}
	}
	for _, start := range starts {
		rows := countBookings(t, app, "start = {:s}", map[string]any{"s": strings.Replace(strings.TrimSuffix(start, "Z"), "T", " ", 1) + ".000Z"})
		if want := min(wanted[start], seats); rows != want {
			t.Fatalf("%s: %d rows stored, want %d (%d asked, %d seats)", start, rows, want, wanted[start], seats)
		}
	}
}

// TestGroupCommitFailureAfterWrite: a closure that fails after it saved its
// booking aborts the batch; run alone again it leaves no row (and its slot
// stays offered: no after-commit hook fired for the undone row), and its
// neighbours in the batch still book.
func TestGroupCommitFailureAfterWrite(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	app.OnRecordCreate(c.AuditLog).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString(c.AuditLogActorLabel) == "fail@example.com" {
			return errors.New("injected: the audit entry fails after the booking row was saved")
		}
		return e.Next()
	})
	url, g := serveHTTP(t, app), serverOf(app).writes
	starts := []string{"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z"}
	aborted := g.aborted.Load()
	answers := inOneBatch(t, g, 3, func(i int) posted {
		b := goodBooking()
		b["start"], b["email"] = starts[i], fmt.Sprintf("ok%d@example.com", i)
		if i == 1 {
			b["email"] = "fail@example.com"
		}
		return postBooking(t, url, b, nil)
	})
	if answers[0].code != 201 || answers[2].code != 201 || answers[1].code != 500 {
		t.Fatalf("answers %d %d %d, want 201 500 201", answers[0].code, answers[1].code, answers[2].code)
	}
	if n := countBookings(t, app, "email = 'fail@example.com'"); n != 0 {
		t.Fatalf("the failed booking left %d rows", n)
	}
	if n := countBookings(t, app, "id != ''"); n != 2 {
		t.Fatalf("%d bookings stored, want the neighbours' 2", n)
	}
	if !slotOffered(t, url, starts[1]) || slotOffered(t, url, starts[0]) {
		t.Fatal("after the batch the failed booking's time must stay offered and a neighbour's be gone")
	}
	if g.aborted.Load() != aborted+1 {
		t.Fatalf("the batch was not aborted and run alone (%d aborts)", g.aborted.Load()-aborted)
	}
}

// TestGroupCommitCommitFailure: when the batch's commit fails, every
// closure of it gets the error — none is told 201 — and nothing is stored.
func TestGroupCommitCommitFailure(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url, g := serveHTTP(t, app), serverOf(app).writes
	g.beforeCommit = func(n int) error {
		if n > 1 {
			return errors.New("injected commit failure")
		}
		return nil
	}
	starts := []string{"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z", "2026-03-02T10:00:00Z"}
	answers := inOneBatch(t, g, len(starts), func(i int) posted {
		b := goodBooking()
		b["start"], b["email"] = starts[i], fmt.Sprintf("c%d@example.com", i)
		return postBooking(t, url, b, nil)
	})
	for i, a := range answers {
		if a.code == 201 {
			t.Fatalf("request %d told 201 although its batch never committed", i)
		}
	}
	if n := countBookings(t, app, "id != ''"); n != 0 {
		t.Fatalf("%d bookings stored after a failed commit", n)
	}
	if !slotOffered(t, url, starts[0]) {
		t.Fatal("a time of the failed batch is no longer offered")
	}
}

// TestGroupCommitIdempotentReplayInOneBatch: the same request with the same
// Idempotency-Key three times in one batch makes one booking; every answer
// is 201 with its id and manage token.
func TestGroupCommitIdempotentReplayInOneBatch(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url, g := serveHTTP(t, app), serverOf(app).writes
	key := map[string]string{"Idempotency-Key": "one-batch-retry"}
	answers := inOneBatch(t, g, 3, func(int) posted { return postBooking(t, url, goodBooking(), key) })
	for i, a := range answers {
		if a.code != 201 || a.body["id"] != answers[0].body["id"] || a.body["manage_token"] != answers[0].body["manage_token"] {
			t.Fatalf("answer %d: %d %v, want 201 with the first answer's id and token %v", i, a.code, a.body, answers[0].body)
		}
	}
	if n := countBookings(t, app, "id != ''"); n != 1 {
		t.Fatalf("%d bookings stored, want 1", n)
	}
}

// TestGroupCommitClosures drives the committer with plain closures: a
// panic, an unexpected error and a refusal after a write each get their
// own error, leave nothing, and do not fail their neighbours; a clean
// refusal is dropped without aborting the batch; the committer serves
// later calls.
func TestGroupCommitClosures(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	g := serverOf(app).writes
	job := func(name string) func(tx core.App) error {
		return func(tx core.App) error {
			return enqueue(tx, "test.groupcommit", map[string]string{"name": name}, "", testNow)
		}
	}
	errBoom := errors.New("boom")
	closures := map[string]func(tx core.App) error{
		"ok":      job("ok"),
		"refused": func(core.App) error { return errSlotGone },
		"panic": func(tx core.App) error {
			if err := job("panic")(tx); err != nil {
				return err
			}
			panic("closure panic")
		},
		"error": func(tx core.App) error {
			if err := job("error")(tx); err != nil {
				return err
			}
			return errBoom
		},
		"refused after write": func(tx core.App) error {
			if err := job("refused after write")(tx); err != nil {
				return err
			}
			return errSlotGone
		},
	}
	scenarios := []struct {
		names   []string
		aborted bool
	}{
		{[]string{"ok", "refused", "ok"}, false},
		{[]string{"ok", "panic", "ok"}, true},
		{[]string{"ok", "error", "ok"}, true},
		{[]string{"ok", "refused after write", "ok"}, true},
	}
	for _, sc := range scenarios {
		t.Run(strings.Join(sc.names, ","), func(t *testing.T) {
			before := countJobs(t, app, "test.groupcommit")
			aborted := g.aborted.Load()
			errs := inOneBatch(t, g, len(sc.names), func(i int) error { return g.Run(closures[sc.names[i]]) })
			for i, err := range errs {
				if (sc.names[i] == "ok") != (err == nil) {
					t.Fatalf("%s: error %v", sc.names[i], err)
				}
			}
			if after := countJobs(t, app, "test.groupcommit"); after != before+2 {
				t.Fatalf("%d rows written, want the two ok closures' 2", after-before)
			}
			if got := g.aborted.Load() > aborted; got != sc.aborted {
				t.Fatalf("aborted %v, want %v", got, sc.aborted)
			}
		})
	}
	if err := g.Run(job("ok")); err != nil {
		t.Fatalf("the committer after the scenarios: %v", err)
	}
}

// countJobs counts jobs of kind.
func countJobs(t *testing.T, app core.App, kind string) int {
	t.Helper()
	records, err := app.FindRecordsByFilter(c.Jobs, "kind = {:k}", "", 0, 0, map[string]any{"k": kind})
	if err != nil {
		t.Fatal(err)
	}
	return len(records)
}

// TestGroupCommitAfterCommitHookError: an after-commit hook that fails for
// one booking of a batch (its row and its neighbours' rows are committed)
// leaves every request answered as written — 201 each, alone and in a
// batch — and is counted; before, the hook's error reached every request
// of the batch as a 500 for bookings that existed.
func TestGroupCommitAfterCommitHookError(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	const failing = "hook-fails@example.com"
	app.OnRecordAfterCreateSuccess(c.Bookings).BindFunc(func(e *core.RecordEvent) error {
		if e.Record.GetString(c.BookingsEmail) == failing {
			return errors.New("injected after-commit hook failure")
		}
		return e.Next()
	})
	url, g := serveHTTP(t, app), serverOf(app).writes
	starts := []string{"2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "2026-03-02T10:00:00Z"}
	answers := inOneBatch(t, g, len(starts), func(i int) posted {
		b := goodBooking()
		b["start"], b["email"] = starts[i], fmt.Sprintf("c%d@example.com", i)
		if i == 1 {
			b["email"] = failing
		}
		return postBooking(t, url, b, nil)
	})
	for i, a := range answers {
		if a.code != 201 {
			t.Fatalf("request %d in the batch: %d %v, want 201 (its booking is committed)", i, a.code, a.body)
		}
	}
	b := goodBooking()
	b["start"], b["email"] = "2026-03-02T11:00:00Z", failing
	if a := postBooking(t, url, b, nil); a.code != 201 {
		t.Fatalf("alone: %d %v, want 201", a.code, a.body)
	}
	if n := countBookings(t, app, "id != ''"); n != 4 {
		t.Fatalf("%d bookings stored, want 4", n)
	}
	if n := g.afterErrors.Load(); n != 2 {
		t.Fatalf("after-commit failures counted: %d, want 2 (the batch and the lone booking)", n)
	}
}

// TestGroupCommitBeginsEveryTransaction: the committer's begin runs in
// every transaction it opens — a shared one and one alone — before any
// closure of it, and the server's committer begins with the window
// cache's.
func TestGroupCommitBeginsEveryTransaction(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	s := serverOf(app)
	g := s.writes
	if g.begin == nil {
		t.Fatal("the server's committer has no begin: the window cache's reads are handed on after the next batch started")
	}
	var mu sync.Mutex
	begun := map[*core.TxAppInfo]bool{}
	cacheBegin := g.begin
	g.begin = func(tx core.App) {
		mu.Lock()
		begun[tx.TxInfo()] = true
		mu.Unlock()
		cacheBegin(tx)
	}
	defer func() { g.begin = cacheBegin }()
	closure := func(tx core.App) error {
		mu.Lock()
		defer mu.Unlock()
		if !begun[tx.TxInfo()] {
			return errors.New("a closure ran in a transaction not begun")
		}
		return nil
	}
	for i, err := range inOneBatch(t, g, 3, func(int) error { return g.Run(closure) }) {
		if err != nil {
			t.Fatalf("closure %d of a batch: %v", i, err)
		}
	}
	if err := g.Run(closure); err != nil {
		t.Fatalf("a closure alone: %v", err)
	}
}
