package hooks

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/slotbase/slotbase/internal/priority"
)

// gateMetrics are the priority gate's figures (priority.go): name, help,
// whether it is a gauge (else a counter) and how to read it.
var gateMetrics = []struct {
	name, help string
	gauge      bool
	read       func(priority.Stats) float64
}{
	{"slotbase_background_admitted_total", "Background units (admin/host requests, CSV export batches, jobs, replica batches) admitted by the priority gate.", false,
		func(st priority.Stats) float64 { return float64(st.Admitted) }},
	{"slotbase_background_waited_total", "Background units that waited because public requests were in flight.", false,
		func(st priority.Stats) float64 { return float64(st.Waited) }},
	{"slotbase_background_wait_seconds_total", "Time background units spent waiting for admission (÷ slotbase_background_waited_total: the mean wait).", false,
		func(st priority.Stats) float64 { return st.WaitSeconds }},
	{"slotbase_background_guarded_total", "Background units admitted by the starvation guard (public work never let them in).", false,
		func(st priority.Stats) float64 { return float64(st.Guarded) }},
	{"slotbase_background_cancelled_total", "Background units whose wait ended with their request or the worker.", false,
		func(st priority.Stats) float64 { return float64(st.Cancelled) }},
	{"slotbase_public_in_flight", "Public requests (booking page, slots, bookings) being answered now.", true,
		func(st priority.Stats) float64 { return float64(st.Public) }},
	{"slotbase_background_running", "Background units running now.", true,
		func(st priority.Stats) float64 { return float64(st.Running) }},
	{"slotbase_background_waiting", "Background units waiting for admission now.", true,
		func(st priority.Stats) float64 { return float64(st.Waiting) }},
}

// priorityMetrics are the priority gate's figures and the group
// committer's batches (groupcommit.go), read at scrape time.
func priorityMetrics(s *server) []prometheus.Collector {
	var out []prometheus.Collector
	for _, m := range gateMetrics {
		read := func() float64 { return m.read(s.gate.Load().Stats()) }
		if m.gauge {
			out = append(out, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: m.name, Help: m.help}, read))
		} else {
			out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, read))
		}
	}
	for _, m := range []struct {
		name, help string
		read       func() int64
	}{
		{"slotbase_group_commit_batches_total", "Shared write transactions of more than one closure (bookings and job outcomes).", s.writesBatches},
		{"slotbase_group_commit_batched_total", "Closures run in shared transactions (÷ batches: the mean batch size).", s.writesBatched},
		{"slotbase_group_commit_aborted_total", "Shared transactions that failed and fell back to one transaction per closure.", s.writesAborted},
		{"slotbase_group_commit_after_errors_total", "Committed write transactions whose after-commit hooks failed (logged; the writes stand).", s.writesAfterErrors},
	} {
		out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: m.name, Help: m.help}, func() float64 { return float64(m.read()) }))
	}
	out = append(out, prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_group_commit_busy_seconds_total",
		Help: "Seconds the group committer held the writer (a batch's start to its transaction's end); its rate near 1 means the one writer bounds the writes."},
		func() float64 { return time.Duration(s.writes.busy.Load()).Seconds() }))
	return out
}

// The group committer's counters, read when scraped (s.writes is made after
// the metrics).
func (s *server) writesBatches() int64     { return s.writes.batches.Load() }
func (s *server) writesBatched() int64     { return s.writes.batched.Load() }
func (s *server) writesAborted() int64     { return s.writes.aborted.Load() }
func (s *server) writesAfterErrors() int64 { return s.writes.afterErrors.Load() }
