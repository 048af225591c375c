package collections

import (
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// JobQueueStat counts the jobs of one kind in one unfinished state
// (pending, running or dead; done jobs are never read).
type JobQueueStat struct {
	Kind   string
	Status string
	// Count is how many there are; Due how many of them may run now
	// (run_after passed; reminders wait in pending until their time).
	Count, Due int64
	// OldestDue is the earliest run_after among the due ones (zero: none).
	OldestDue time.Time
}

// JobQueueStats reads the unfinished jobs grouped by kind and status in one
// query over the (status, run_after) index: cheap enough for every scrape.
func JobQueueStats(app core.App, now time.Time) ([]JobQueueStat, error) {
	var rows []struct {
		Kind   string `db:"kind"`
		Status string `db:"status"`
		Count  int64  `db:"n"`
		Due    int64  `db:"due"`
		Oldest string `db:"oldest"`
	}
	err := app.DB().NewQuery(`SELECT kind, status, COUNT(*) AS n,
			COALESCE(SUM(run_after <= {:now}), 0) AS due,
			COALESCE(MIN(CASE WHEN run_after <= {:now} THEN run_after END), '') AS oldest
		FROM ` + Jobs + ` WHERE status IN ({:pending}, {:running}, {:dead}) GROUP BY kind, status`).
		Bind(dbx.Params{"now": UTCString(now), "pending": JobPending, "running": JobRunning, "dead": JobDead}).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	out := make([]JobQueueStat, len(rows))
	for i, r := range rows {
		out[i] = JobQueueStat{Kind: r.Kind, Status: r.Status, Count: r.Count, Due: r.Due}
		if r.Oldest != "" {
			out[i].OldestDue = ParseStoredTime(r.Oldest)
		}
	}
	return out, nil
}

// FailingJobsSince counts the jobs of kind that failed at their last run
// (retrying or dead, with an error) and were last touched at or after since.
func FailingJobsSince(app core.App, kind string, since time.Time) (int64, error) {
	var n int64
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM ` + Jobs + ` WHERE status IN ({:pending}, {:dead})
		AND kind = {:kind} AND last_error != '' AND updated >= {:since}`).
		Bind(dbx.Params{"pending": JobPending, "dead": JobDead, "kind": kind, "since": UTCString(since)}).Row(&n)
	if err != nil {
		return 0, fmt.Errorf("failing %s jobs: %w", kind, err)
	}
	return n, nil
}

// JobStatus reads job id's status ("" and sql.ErrNoRows when there is no
// such job): one primary-key read, without loading the record.
func JobStatus(app core.App, id string) (string, error) {
	var status string
	err := app.DB().NewQuery(`SELECT status FROM ` + Jobs + ` WHERE id = {:id}`).Bind(dbx.Params{"id": id}).Row(&status)
	return status, err
}
