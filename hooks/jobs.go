package hooks

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

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
}

// enqueue inserts a job inside the caller's transaction, so the job exists
// exactly when the change that causes it does.
func enqueue(tx core.App, kind string, payload any, bookingID string, runAfter time.Time) error {
	raw, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	r, err := newRecord(tx, c.Jobs, map[string]any{
		c.JobsKind:     kind,
		c.JobsPayload:  string(raw),
		c.JobsStatus:   c.JobPending,
		c.JobsAttempts: 0,
		c.JobsRunAfter: runAfter.UTC(),
		c.JobsBooking:  bookingID,
	})
	if err != nil {
		return err
	}
	return tx.Save(r)
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
func (s jobStore) releaseOrphans() (int64, error) {
	res, err := s.app.DB().NewQuery("UPDATE jobs SET status = 'pending', locked_until = '' WHERE status = 'running'").Execute()
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Complete marks a job done.
func (s jobStore) Complete(_ context.Context, id string) error {
	return s.update(id, map[string]any{c.JobsStatus: c.JobDone, c.JobsLockedUntil: nil})
}

// Retry makes a job due again at runAfter.
func (s jobStore) Retry(_ context.Context, id string, runAfter time.Time, lastError string) error {
	return s.update(id, map[string]any{c.JobsStatus: c.JobPending, c.JobsRunAfter: runAfter.UTC(), c.JobsLockedUntil: nil, c.JobsLastError: truncate(lastError, 5000)})
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

// newWorker builds the job worker with slotbase's handlers.
func newWorker(app core.App) *queue.Worker {
	w := &queue.Worker{Store: jobStore{app}, Logger: app.Logger().With("component", "jobs")}
	w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error {
		// The e-mail, calendar and webhook issues subscribe here; with no
		// subscriber the event is simply recorded as done.
		return nil
	})
	return w
}
