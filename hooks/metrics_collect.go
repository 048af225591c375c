package hooks

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/prometheus/client_golang/prometheus"

	c "github.com/slotbase/slotbase/collections"
)

// stateCollector reads, at scrape time, what the database and the replica
// know: job queue, calendar connections, replica lag and database file
// sizes. Each part is one bounded query (or a stat call); a part that
// fails is logged and reported as slotbase_collector_success{collector} 0,
// and the scrape goes on with the others.
type stateCollector struct{ s *server }

var (
	descCollectorOK = prometheus.NewDesc("slotbase_collector_success",
		"Whether the last scrape read this part of slotbase's state (1) or failed (0, see the log).", []string{"collector"}, nil)
	descJobs = prometheus.NewDesc("slotbase_jobs",
		"Unfinished jobs by kind and status (pending includes reminders waiting for their time; done jobs are not counted).", []string{"kind", "status"}, nil)
	descJobsDue = prometheus.NewDesc("slotbase_jobs_due",
		"Pending jobs whose time has come, by kind: the queue's real depth.", []string{"kind"}, nil)
	descJobsOldestDue = prometheus.NewDesc("slotbase_jobs_oldest_due_seconds",
		"Age of the oldest due pending job by kind (0: none waits).", []string{"kind"}, nil)
	descJobsDead = prometheus.NewDesc("slotbase_jobs_dead",
		"Jobs that failed for good, by kind (kept with their last error in the jobs collection).", []string{"kind"}, nil)
	descConnections = prometheus.NewDesc("slotbase_calendar_connections",
		"Calendar connections by provider and status (connected, needs_reconnect, disconnected).", []string{"provider", "status"}, nil)
	descConnectionErrors = prometheus.NewDesc("slotbase_calendar_connections_failing",
		"Calendar connections whose last sync or write failed, by provider.", []string{"provider"}, nil)
	descSyncLag = prometheus.NewDesc("slotbase_calendar_sync_lag_seconds",
		"Time since the least recent successful sync among connected calendars, by provider.", []string{"provider"}, nil)
	descReplicaEnabled = prometheus.NewDesc("slotbase_replica_enabled",
		"Whether changes stream to a PostgreSQL replica.", nil, nil)
	descReplicaUp = prometheus.NewDesc("slotbase_replica_up",
		"Whether the replica is streaming without an error (1), or off, failing or refused (0).", nil, nil)
	descReplicaLag = prometheus.NewDesc("slotbase_replica_lag_seconds",
		"Age of the oldest change not yet in PostgreSQL (0: caught up or off).", nil, nil)
	descReplicaLagChanges = prometheus.NewDesc("slotbase_replica_lag_changes",
		"Changes not yet in PostgreSQL.", nil, nil)
	descDBBytes = prometheus.NewDesc("slotbase_database_bytes",
		"Size on disk of pb_data's SQLite files (data.db, auxiliary.db and their write-ahead logs).", []string{"file"}, nil)
)

// databaseFiles are the files slotbase_database_bytes reports.
var databaseFiles = []string{"data.db", "data.db-wal", "auxiliary.db", "auxiliary.db-wal"}

// Describe implements prometheus.Collector.
func (sc stateCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descCollectorOK, descJobs, descJobsDue, descJobsOldestDue, descJobsDead,
		descConnections, descConnectionErrors, descSyncLag, descReplicaEnabled, descReplicaUp, descReplicaLag, descReplicaLagChanges, descDBBytes} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (sc stateCollector) Collect(ch chan<- prometheus.Metric) {
	log := opsLogger(sc.s.app, "metrics")
	for _, part := range []struct {
		name    string
		collect func(chan<- prometheus.Metric) error
	}{{"jobs", sc.jobs}, {"calendars", sc.calendars}, {"replica", sc.replica}, {"database", sc.database}} {
		ok := 1.0
		if err := callSafeErr(log, "metrics collector "+part.name, func() error { return part.collect(ch) }); err != nil {
			ok = 0
			log.Error("metrics: a collector failed; the scrape goes on without it", "collector", part.name, "error", err)
		}
		ch <- prometheus.MustNewConstMetric(descCollectorOK, prometheus.GaugeValue, ok, part.name)
	}
}

// callSafeErr is callSafe for a function that returns an error.
func callSafeErr(log *slog.Logger, name string, fn func() error) (err error) {
	if perr := callSafe(log, name, func() { err = fn() }); perr != nil {
		return perr
	}
	return err
}

func (sc stateCollector) jobs(ch chan<- prometheus.Metric) error {
	now := sc.s.now()
	stats, err := c.JobQueueStats(sc.s.app, now)
	if err != nil {
		return err
	}
	type perKind struct{ due, dead, oldest float64 }
	kinds := map[string]*perKind{}
	for kind := range sc.s.jobHandlers() { // every kind is a series, also at zero
		kinds[kind] = &perKind{}
	}
	for _, st := range stats {
		k := kinds[st.Kind]
		if k == nil {
			k = &perKind{}
			kinds[st.Kind] = k
		}
		ch <- prometheus.MustNewConstMetric(descJobs, prometheus.GaugeValue, float64(st.Count), st.Kind, st.Status)
		switch st.Status {
		case c.JobPending:
			k.due = float64(st.Due)
			if !st.OldestDue.IsZero() {
				k.oldest = max(0, now.Sub(st.OldestDue).Seconds())
			}
		case c.JobDead:
			k.dead = float64(st.Count)
		}
	}
	for kind, k := range kinds {
		ch <- prometheus.MustNewConstMetric(descJobsDue, prometheus.GaugeValue, k.due, kind)
		ch <- prometheus.MustNewConstMetric(descJobsOldestDue, prometheus.GaugeValue, k.oldest, kind)
		ch <- prometheus.MustNewConstMetric(descJobsDead, prometheus.GaugeValue, k.dead, kind)
	}
	return nil
}

func (sc stateCollector) calendars(ch chan<- prometheus.Metric) error {
	stats, err := c.ConnectionStats(sc.s.app)
	if err != nil {
		return err
	}
	now := sc.s.now()
	failing := map[string]float64{}
	for _, st := range stats {
		ch <- prometheus.MustNewConstMetric(descConnections, prometheus.GaugeValue, float64(st.Count), st.Provider, st.Status)
		failing[st.Provider] += float64(st.Failing)
		if st.Status == c.ConnectionConnected && !st.OldestSync.IsZero() {
			ch <- prometheus.MustNewConstMetric(descSyncLag, prometheus.GaugeValue, max(0, now.Sub(st.OldestSync).Seconds()), st.Provider)
		}
	}
	for provider, n := range failing {
		ch <- prometheus.MustNewConstMetric(descConnectionErrors, prometheus.GaugeValue, n, provider)
	}
	return nil
}

func (sc stateCollector) replica(ch chan<- prometheus.Metric) error {
	st, err := sc.s.capture.Current()
	if err != nil {
		return err
	}
	state, _ := replicaState(st)
	ch <- prometheus.MustNewConstMetric(descReplicaEnabled, prometheus.GaugeValue, boolGauge(st.Enabled))
	ch <- prometheus.MustNewConstMetric(descReplicaUp, prometheus.GaugeValue, boolGauge(state == replicaOK || state == replicaLagging))
	ch <- prometheus.MustNewConstMetric(descReplicaLag, prometheus.GaugeValue, st.LagSeconds)
	ch <- prometheus.MustNewConstMetric(descReplicaLagChanges, prometheus.GaugeValue, float64(st.LagChanges))
	return nil
}

func (sc stateCollector) database(ch chan<- prometheus.Metric) error {
	dir := sc.s.app.DataDir()
	var errs []error
	for _, name := range databaseFiles {
		size := 0.0
		info, err := os.Stat(filepath.Join(dir, name))
		switch {
		case err == nil:
			size = float64(info.Size())
		case !errors.Is(err, fs.ErrNotExist): // no WAL file between checkpoints is normal
			errs = append(errs, err)
			continue
		}
		ch <- prometheus.MustNewConstMetric(descDBBytes, prometheus.GaugeValue, size, name)
	}
	return errors.Join(errs...)
}

func boolGauge(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
