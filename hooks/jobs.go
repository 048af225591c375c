package hooks

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
)

// Job kinds.
const (
	// KindBookingEvent is the outbox entry every booking change writes in its
	// own transaction; its handler fans out to e-mail, calendar and webhooks.
	KindBookingEvent = "booking.event"
)

// bookingEvent is the payload of a KindBookingEvent job.
type bookingEvent struct {
	Booking string    `json:"booking"`
	Event   string    `json:"event"` // created, confirmed, declined, cancelled, rescheduled
	Actor   string    `json:"actor"` // invitee, admin, system
	At      time.Time `json:"at"`
	// Token is the invitee's manage token sealed with the server secret
	// (purpose PurposeManageToken), so e-mails can carry the manage link
	// while the token is never stored in clear; empty for admin actions.
	Token string `json:"token,omitempty"`
	// Sequence is the booking's sequence after this change: a follow-up
	// (an e-mail) made for an older sequence knows a later change superseded it.
	Sequence int `json:"sequence"`
	// ReleasedHosts are hosts this change took off the booking (a reschedule
	// to a time only another host has free): they are told it is off.
	ReleasedHosts []string `json:"released_hosts,omitempty"`
}

// PurposeManageToken is the secretbox purpose of sealed manage tokens.
const PurposeManageToken = "slotbase manage token"

// enqueue inserts a job inside the caller's transaction, so the job exists
// exactly when the change that causes it does.
func enqueue(tx core.App, kind string, payload any, bookingID string, runAfter time.Time) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	r, err := newRecord(tx, c.Jobs, map[string]any{
		c.JobsKind:     kind,
		c.JobsPayload:  types.JSONRaw(raw), // encoded just now: no second parse as a string
		c.JobsStatus:   c.JobPending,
		c.JobsAttempts: 0,
		c.JobsRunAfter: runAfter.UTC(),
		c.JobsBooking:  bookingID,
	})
	if err != nil {
		return err
	}
	// Every value was set just above from code (a kind constant, JSON just
	// encoded, a status constant, a time, an id): PocketBase's field
	// validation, a tenth of the server's CPU under a booking load for the
	// booking's three rows, would only check that again. The hooks of a
	// create (ids, the replica's change log, after-commit) all still run.
	return tx.SaveNoValidate(r)
}

// jobStore keeps queue jobs in the jobs collection.
type jobStore struct{ app core.App }

var _ queue.Store = jobStore{}

// Claim takes up to limit due jobs (pending and due, or running with an
// expired lease) in one write transaction.
func (s jobStore) Claim(_ context.Context, kinds []string, now time.Time, lease time.Duration, limit int) ([]queue.Job, error) {
	var out []queue.Job
	params := dbx.Params{"now": c.UTCString(now)}
	kindExpr := make([]string, len(kinds))
	for i, k := range kinds {
		p := "k" + strconv.Itoa(i)
		params[p] = k
		kindExpr[i] = "kind = {:" + p + "}"
	}
	filter := "((status = 'pending' && run_after <= {:now}) || (status = 'running' && locked_until <= {:now})) && (" + strings.Join(kindExpr, " || ") + ")"
	err := s.app.RunInTransaction(func(tx core.App) error {
		records, err := tx.FindRecordsByFilter(c.Jobs, filter, "run_after", limit, 0, params)
		if err != nil {
			return err
		}
		for _, r := range records {
			j := c.NewJob(r)
			r.Set(c.JobsStatus, c.JobRunning)
			r.Set(c.JobsLockedUntil, now.Add(lease))
			r.Set(c.JobsAttempts, j.Attempts()+1)
			if err := tx.Save(r); err != nil {
				return err
			}
			out = append(out, queue.Job{ID: r.Id, Kind: j.Kind(), Payload: j.PayloadJSON(), Attempts: j.Attempts()})
		}
		return nil
	})
	return out, err
}

// releaseOrphans makes jobs claimed by an earlier process due again. Only one
// process serves a data dir (see DESIGN.md), so at start-up every running job
// is an orphan of a crash or a kill; waiting for its lease would only delay it.
// It saves records (no raw SQL), so the PostgreSQL replica sees the change.
func (s jobStore) releaseOrphans() (int, error) {
	n := 0
	err := s.app.RunInTransaction(func(tx core.App) error {
		records, err := tx.FindAllRecords(c.Jobs, dbx.HashExp{c.JobsStatus: c.JobRunning})
		if err != nil {
			return err
		}
		for _, r := range records {
			r.Set(c.JobsStatus, c.JobPending)
			r.Set(c.JobsLockedUntil, "")
			if err := tx.SaveNoValidate(r); err != nil {
				return err
			}
		}
		n = len(records)
		return nil
	})
	return n, err
}

// Complete marks a job done (a job its handler marked done already, as the
// fan-out does, is left as it is).
func (s jobStore) Complete(_ context.Context, id string) error {
	_, err := completeIn(s.app, id)
	return err
}

// completeIn marks job id done in app (a transaction or the app itself);
// false when it was done already and nothing was written.
func completeIn(app core.App, id string) (bool, error) {
	r, err := app.FindRecordById(c.Jobs, id)
	if err != nil {
		return false, err
	}
	if r.GetString(c.JobsStatus) == c.JobDone {
		return false, nil
	}
	setDone(r)
	return true, app.Save(r)
}

// batchedJobStore is the job worker's store: job completions, the outcome
// of nearly every run, are written through the group committer, so the
// completions of a claimed batch (and the bookings waiting beside them)
// share transactions instead of taking one each.
type batchedJobStore struct {
	jobStore
	writes *groupCommitter
	done   *doneJobs
}

// Complete marks a job done in a shared transaction; a job its handler
// already marked done (the fan-out, an e-mail) costs nothing when the
// handler said so (doneJobs), else one read, and no write.
func (s batchedJobStore) Complete(_ context.Context, id string) error {
	if s.done.take(id) {
		return nil
	}
	if status, err := c.JobStatus(s.app, id); err == nil && status == c.JobDone {
		return nil
	}
	return s.writes.Run(func(tx core.App) error {
		_, err := completeIn(tx, id)
		return err
	})
}

// Retry makes a job due again at runAfter.
func (s jobStore) Retry(_ context.Context, id string, runAfter time.Time, lastError string) error {
	return s.update(id, map[string]any{c.JobsStatus: c.JobPending, c.JobsRunAfter: runAfter.UTC(), c.JobsLockedUntil: nil, c.JobsLastError: truncate(lastError, 5000)})
}

// Defer makes a job due again at runAfter without spending the attempt
// Claim counted.
func (s jobStore) Defer(_ context.Context, id string, runAfter time.Time, reason string) error {
	r, err := s.app.FindRecordById(c.Jobs, id)
	if err != nil {
		return err
	}
	r.Set(c.JobsStatus, c.JobPending)
	r.Set(c.JobsRunAfter, runAfter.UTC())
	r.Set(c.JobsLockedUntil, nil)
	r.Set(c.JobsLastError, truncate(reason, 5000))
	r.Set(c.JobsAttempts, max(0, r.GetInt(c.JobsAttempts)-1))
	return s.app.Save(r)
}

// Bury marks a job dead.
func (s jobStore) Bury(_ context.Context, id string, lastError string) error {
	return s.update(id, map[string]any{c.JobsStatus: c.JobDead, c.JobsLockedUntil: nil, c.JobsLastError: truncate(lastError, 5000)})
}

func (s jobStore) update(id string, values map[string]any) error {
	r, err := s.app.FindRecordById(c.Jobs, id)
	if err != nil {
		return err
	}
	for k, v := range values {
		r.Set(k, v)
	}
	return s.app.Save(r)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// bookingSubscriber reacts to one booking event by enqueuing follow-up jobs
// (e-mails, calendar writes, webhooks) with enqueueOnce, inside the
// transaction the fan-out runs in. eventJobID makes the follow-ups' ids
// deterministic, so a fan-out that runs twice never enqueues twice.
type bookingSubscriber struct {
	Name   string
	Handle func(tx core.App, ev bookingEvent, eventJobID string) error
}

// enqueueOnce inserts a job with an id derived from key, unless a job with
// that id exists already (the fan-out ran before and crashed before done).
func enqueueOnce(tx core.App, key, kind string, payload any, bookingID string, runAfter time.Time) error {
	id := derivedID(key)
	if _, err := tx.FindRecordById(c.Jobs, id); err == nil {
		return nil
	}
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	r, err := newRecord(tx, c.Jobs, map[string]any{
		c.JobsKind: kind, c.JobsPayload: string(raw), c.JobsStatus: c.JobPending,
		c.JobsAttempts: 0, c.JobsRunAfter: runAfter.UTC(), c.JobsBooking: bookingID,
	})
	if err != nil {
		return err
	}
	r.Id = id
	return tx.Save(r)
}

// derivedID maps a key to a PocketBase record id (15 characters of [a-z0-9]).
func derivedID(key string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(key))
	id := make([]byte, 15)
	for i := range id {
		id[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(id)
}

// handleBookingEvent runs a KindBookingEvent job: the fan-out, sharing
// transactions with bookings (groupcommit.go), its end remembered for the
// worker's Complete.
func (s *server) handleBookingEvent(_ context.Context, j queue.Job) error {
	return fanOutIn(s.writes.Run, &s.jobsDone, j)
}

// fanOut runs every booking sink (wiring.go) for one booking event in one
// transaction.
func fanOut(app core.App, j queue.Job) error { return fanOutIn(app.RunInTransaction, nil, j) }

// fanOutIn runs every booking sink for one booking event in one transaction
// of write (app.RunInTransaction, or a group committer's Run, which may
// share it with other closures and run it twice), and marks the event's
// job done in the same transaction: the follow-up jobs and the end of the
// event commit together, so the worker's own Complete finds it done (done
// remembers it; may be nil) and writes nothing.
func fanOutIn(write func(func(tx core.App) error) error, done *doneJobs, j queue.Job) error {
	var ev bookingEvent
	if err := json.Unmarshal(j.Payload, &ev); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	return write(func(tx core.App) error {
		for _, sub := range bookingSinks() {
			if err := sub.Handle(tx, ev, j.ID); err != nil {
				return fmt.Errorf("%s: %w", sub.Name, err)
			}
		}
		return done.markDone(tx, j.ID)
	})
}

// markDone marks job id done in tx (a job run outside the worker, as tests
// do, has no row: nothing to mark).
func markDone(tx core.App, id string) error {
	r, err := tx.FindRecordById(c.Jobs, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	} else if err != nil {
		return err
	}
	setDone(r)
	return tx.Save(r)
}

// setDone sets a job record's fields for done.
func setDone(r *core.Record) {
	r.Set(c.JobsStatus, c.JobDone)
	r.Set(c.JobsLockedUntil, nil)
}

// doneJobs remembers the jobs whose handler marked them done in a write
// that committed (the fan-out, e-mails), so the worker's Complete skips
// reading them back: a read from the pool after every commit costs page
// reads from the kernel (a commit empties the readers' page caches).
type doneJobs struct{ ids sync.Map }

// markDone marks job id done in tx and, once tx commits, remembers it (d
// may be nil: then it only marks).
func (d *doneJobs) markDone(tx core.App, id string) error {
	if err := markDone(tx, id); err != nil {
		return err
	}
	if info := tx.TxInfo(); d != nil && info != nil {
		info.OnComplete(func(txErr error) error {
			if txErr == nil {
				d.ids.Store(id, struct{}{})
			}
			return nil
		})
	}
	return nil
}

// take reports whether job id was marked done by its handler, forgetting it.
func (d *doneJobs) take(id string) bool {
	if d == nil {
		return false
	}
	_, ok := d.ids.LoadAndDelete(id)
	return ok
}
