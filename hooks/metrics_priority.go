package hooks

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slotbase/slotbase/internal/priority"
)

// priorityMetrics are the priority gate's figures (priority.go) and the
// group committer's batches (groupcommit.go), read at scrape time.
func priorityMetrics(s *server) []prometheus.Collector {
	stat := func(f func(priority.Stats) float64) func() float64 {
		return func() float64 { return f(s.gate.Load().Stats()) }
	}
	return []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_background_admitted_total",
			Help: "Background units (admin/host requests, CSV export batches, jobs, replica batches) admitted by the priority gate."},
			stat(func(st priority.Stats) float64 { return float64(st.Admitted) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_background_waited_total",
			Help: "Background units that waited because public requests were in flight."},
			stat(func(st priority.Stats) float64 { return float64(st.Waited) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_background_wait_seconds_total",
			Help: "Time background units spent waiting for admission (÷ slotbase_background_waited_total: the mean wait)."},
			stat(func(st priority.Stats) float64 { return st.WaitSeconds })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_background_guarded_total",
			Help: "Background units admitted by the starvation guard (public work never let them in)."},
			stat(func(st priority.Stats) float64 { return float64(st.Guarded) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_background_cancelled_total",
			Help: "Background units whose wait ended with their request or the worker."},
			stat(func(st priority.Stats) float64 { return float64(st.Cancelled) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slotbase_public_in_flight",
			Help: "Public requests (booking page, slots, bookings) being answered now."},
			stat(func(st priority.Stats) float64 { return float64(st.Public) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slotbase_background_running",
			Help: "Background units running now."},
			stat(func(st priority.Stats) float64 { return float64(st.Running) })),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "slotbase_background_waiting",
			Help: "Background units waiting for admission now."},
			stat(func(st priority.Stats) float64 { return float64(st.Waiting) })),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_group_commit_batches_total",
			Help: "Shared write transactions of more than one closure (bookings and job outcomes)."},
			func() float64 { return float64(s.writes.batches.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_group_commit_batched_total",
			Help: "Closures run in shared transactions (÷ batches: the mean batch size)."},
			func() float64 { return float64(s.writes.batched.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_group_commit_aborted_total",
			Help: "Shared transactions that failed and fell back to one transaction per closure."},
			func() float64 { return float64(s.writes.aborted.Load()) }),
	}
}
