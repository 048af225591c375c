package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks/capture"
	"github.com/slotbase/slotbase/internal/buildinfo"
	"github.com/slotbase/slotbase/internal/queue"
)

// Readiness: GET /api/admin/status tells an admin whether slotbase does its
// background work (job worker, replica, calendars, mail), beside the cheap
// unauthenticated liveness check /api/health, which only gains the release.

// Bounds of what the status calls healthy.
const (
	// workerStaleAfter: the worker claims at least once a second when idle,
	// and a batch runs at most half a lease (1 min) per job.
	workerStaleAfter = 3 * time.Minute
	// jobsLateAfter: a due job waiting longer means the worker falls behind.
	jobsLateAfter = 5 * time.Minute
	// replicaLagBound: the dashboard's threshold for "behind".
	replicaLagBound = 60 * time.Second
	// mailFailureWindow: failing e-mails counted back this far.
	mailFailureWindow = 24 * time.Hour
)

// Replica states of the status.
const (
	replicaOff     = "off"
	replicaOK      = "ok"
	replicaLagging = "lagging"
	replicaRefused = "refused"
	replicaError   = "error"
)

// heartbeatStore is the job worker's store, noting the time of every claim:
// the worker's loop claims at least once per poll interval while it runs,
// so a stale beat means the loop is stuck or stopped.
type heartbeatStore struct {
	queue.Store
	beat *atomic.Int64 // unix nanoseconds of the last claim; 0 = never
}

// Claim notes the beat, then claims.
func (h heartbeatStore) Claim(ctx context.Context, kinds []string, now time.Time, lease time.Duration, limit int) ([]queue.Job, error) {
	h.beat.Store(now.UnixNano())
	return h.Store.Claim(ctx, kinds, now, lease, limit)
}

// systemStatus is the answer of GET /api/admin/status.
type systemStatus struct {
	Status        string         `json:"status"` // ok or degraded
	Reasons       []string       `json:"reasons"`
	Release       buildinfo.Info `json:"release"`
	Version       string         `json:"version"`
	Started       time.Time      `json:"started"`
	UptimeSeconds float64        `json:"uptime_seconds"`
	Worker        workerStatus   `json:"worker"`
	Jobs          jobsStatus     `json:"jobs"`
	Replica       replicaStatus  `json:"replica"`
	Calendars     calendarStatus `json:"calendars"`
	Mail          mailStatus     `json:"mail"`
}

type workerStatus struct {
	Alive    bool       `json:"alive"`
	LastBeat *time.Time `json:"last_beat"` // null: never ran in this process
}

type jobsStatus struct {
	Due              int64            `json:"due"`
	OldestDueSeconds float64          `json:"oldest_due_seconds"`
	OldestDueKind    string           `json:"oldest_due_kind,omitempty"`
	Dead             map[string]int64 `json:"dead"` // by kind
}

type replicaStatus struct {
	State      string  `json:"state"` // off, ok, lagging, refused, error
	LagSeconds float64 `json:"lag_seconds"`
	LagChanges int64   `json:"lag_changes"`
	LastError  string  `json:"last_error,omitempty"`
}

type calendarStatus struct {
	NeedsReconnect int             `json:"needs_reconnect"`
	Connections    []reconnectItem `json:"connections"`
}

type mailStatus struct {
	Failures24h int64 `json:"failures_24h"`
}

// handleAdminStatus answers GET /api/admin/status (admin scope): 200 with
// the report; a part it cannot read becomes a reason, never a 500, so the
// report still shows the rest.
func (s *server) handleAdminStatus(e *core.RequestEvent) error {
	return e.JSON(http.StatusOK, s.readiness(e.App))
}

// readiness assembles the status report.
func (s *server) readiness(app core.App) systemStatus {
	now := s.now()
	release := buildinfo.Get()
	out := systemStatus{Release: release, Version: release.Version, Started: s.started, UptimeSeconds: now.Sub(s.started).Seconds(),
		Jobs: jobsStatus{Dead: map[string]int64{}}, Calendars: calendarStatus{Connections: []reconnectItem{}}, Reasons: []string{}}
	reason := func(format string, args ...any) { out.Reasons = append(out.Reasons, fmt.Sprintf(format, args...)) }
	failed := func(part string, err error) {
		opsLogger(app, "status").Error("status: could not read "+part, "error", err)
		reason("Could not read the %s (see the log).", part)
	}

	if beat := s.workerBeat.Load(); beat != 0 {
		at := time.Unix(0, beat).UTC()
		out.Worker = workerStatus{Alive: now.Sub(at) <= workerStaleAfter, LastBeat: &at}
	}
	if !out.Worker.Alive {
		reason("The job worker is not running: e-mails, calendar writes and webhooks wait.")
	}

	if stats, err := c.JobQueueStats(app, now); err != nil {
		failed("job queue", err)
	} else {
		s.summariseJobs(&out, stats, now, reason)
	}

	if st, err := s.capture.Current(); err != nil {
		failed("replica status", err)
	} else {
		state, problem := replicaState(st)
		out.Replica = replicaStatus{State: state, LagSeconds: st.LagSeconds, LagChanges: st.LagChanges, LastError: st.LastError}
		if problem != "" {
			reason("The PostgreSQL replica %s.", problem)
		}
	}

	if items, err := needsReconnect(app, ""); err != nil {
		failed("calendar connections", err)
	} else {
		out.Calendars = calendarStatus{NeedsReconnect: len(items), Connections: items}
		for _, it := range items {
			reason("%s's %s calendar needs a reconnect.", orUnknown(it.HostName), it.Provider)
		}
	}

	if n, err := c.FailingJobsSince(app, KindEmailSend, now.Add(-mailFailureWindow)); err != nil {
		failed("mail failures", err)
	} else if out.Mail.Failures24h = n; n > 0 {
		reason("%d e-mail(s) failed to send in the last 24 hours (retrying or given up; see the jobs collection).", n)
	}

	out.Status = "ok"
	if len(out.Reasons) > 0 {
		out.Status = "degraded"
	}
	return out
}

// summariseJobs fills the jobs part of the report from the queue's stats.
func (s *server) summariseJobs(out *systemStatus, stats []c.JobQueueStat, now time.Time, reason func(string, ...any)) {
	var oldest time.Time
	for _, st := range stats {
		switch st.Status {
		case c.JobPending:
			out.Jobs.Due += st.Due
			if !st.OldestDue.IsZero() && (oldest.IsZero() || st.OldestDue.Before(oldest)) {
				oldest, out.Jobs.OldestDueKind = st.OldestDue, st.Kind
			}
		case c.JobDead:
			out.Jobs.Dead[st.Kind] += st.Count
		}
	}
	if !oldest.IsZero() {
		out.Jobs.OldestDueSeconds = max(0, now.Sub(oldest).Seconds())
	}
	if age := time.Duration(out.Jobs.OldestDueSeconds * float64(time.Second)); age > jobsLateAfter {
		reason("The oldest due job (%s) has waited %s.", out.Jobs.OldestDueKind, age.Round(time.Second))
	}
	kinds := make([]string, 0, len(out.Jobs.Dead))
	for kind := range out.Jobs.Dead {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		reason("%d %s job(s) failed for good (see the jobs collection).", out.Jobs.Dead[kind], kind)
	}
}

// replicaState names the replica's state and, unless all is well or it is
// off, what is wrong in words; a refusal (capture's state "refused": a data
// dir that must not stream to the replica it points at) comes with capture's
// reason.
func replicaState(st capture.Status) (state, problem string) {
	switch {
	case !st.Enabled:
		return replicaOff, ""
	case st.State == capture.StateRefused:
		return replicaRefused, "refuses to stream: " + st.Reason
	case st.LastError != "":
		return replicaError, "reports an error: " + st.LastError
	case st.Connected != nil && !*st.Connected:
		return replicaError, "is not connected"
	case st.LagSeconds > replicaLagBound.Seconds():
		return replicaLagging, fmt.Sprintf("is %.0f seconds behind", st.LagSeconds)
	}
	return replicaOK, ""
}

func orUnknown(s string) string {
	if s == "" {
		return "A host"
	}
	return s
}

// healthVersionPriority runs inside PocketBase's own middlewares, right
// around the health handler.
const healthVersionPriority = 100

// bindHealthVersion adds "version" to PocketBase's GET /api/health answer,
// keeping its status, fields and checks: the handler writes into a buffer,
// the version is added to its JSON object, and the result is sent.
func bindHealthVersion(se *core.ServeEvent) {
	version := buildinfo.Get().Version
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: "slotbase.healthVersion", Priority: healthVersionPriority, Func: func(e *core.RequestEvent) error {
		if e.Request.Method != http.MethodGet || e.Request.Pattern != "GET /api/health" {
			return e.Next()
		}
		real := e.Response
		buf := &bufferedResponse{header: real.Header()}
		e.Response = buf
		err := e.Next()
		e.Response = real
		if err != nil || buf.status == 0 {
			return err // PocketBase's error handler answers
		}
		body := buf.body.Bytes()
		var obj map[string]json.RawMessage
		if json.Unmarshal(body, &obj) == nil && obj != nil {
			obj["version"], _ = json.Marshal(version)
			if withVersion, err := json.Marshal(obj); err == nil {
				body = withVersion
			}
		}
		real.WriteHeader(buf.status)
		_, err = real.Write(body)
		return err
	}})
}

// bufferedResponse holds a small answer (the health check's) until sent.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	b.WriteHeader(http.StatusOK)
	return b.body.Write(p)
}
