package collections

import (
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// Jobs is the name of the durable outbox collection.
const Jobs = "jobs"

// JobsID is the fixed id of the jobs collection.
const JobsID = "sb_jobs"

// Fields of the jobs collection.
const (
	JobsKind        = "kind"
	JobsPayload     = "payload"
	JobsStatus      = "status"
	JobsAttempts    = "attempts"
	JobsRunAfter    = "run_after"
	JobsLockedUntil = "locked_until"
	JobsLastError   = "last_error"
	JobsBooking     = "booking"
)

// Status values of jobs.status.
const (
	JobPending = "pending"
	JobRunning = "running"
	JobDone    = "done"
	JobDead    = "dead"
)

// Job wraps a jobs record.
type Job struct {
	core.BaseRecordProxy
}

// NewJob wraps r.
func NewJob(r *core.Record) *Job {
	j := &Job{}
	j.SetProxyRecord(r)
	return j
}

// Kind names the handler that runs the job.
func (j *Job) Kind() string { return j.GetString(JobsKind) }

// PayloadJSON is the job's raw JSON payload.
func (j *Job) PayloadJSON() []byte { return rawJSON(j.Record, JobsPayload) }

// Status is pending, running, done or dead.
func (j *Job) Status() string { return j.GetString(JobsStatus) }

// Attempts counts the runs so far.
func (j *Job) Attempts() int { return j.GetInt(JobsAttempts) }

// RunAfter is the earliest time the job may run.
func (j *Job) RunAfter() time.Time { return dateOf(j.Record, JobsRunAfter) }

// LastError is the error of the last failed run.
func (j *Job) LastError() string { return j.GetString(JobsLastError) }
