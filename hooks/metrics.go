package hooks

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
	"github.com/slotbase/slotbase/internal/buildinfo"
	"github.com/slotbase/slotbase/internal/queue"
)

// Prometheus metrics of one server, on a private registry (never the
// global one: tests run many apps in one process). Counted as they happen:
// requests and their latency by route pattern (never the raw path, which
// holds manage tokens), booking outcomes, mails and job runs. Read at scrape
// time (metrics_collect.go): jobs, calendar connections, the replica, the
// slot cache and the database files. GET /metrics serves them to a bearer
// token or an admin; --metricsHttp serves them on a private address too.

// metricsPriority runs the request middleware outside PocketBase's activity
// logger, so it sees every answer, rate limits and recovered panics included.
const metricsPriority = apis.DefaultActivityLoggerMiddlewarePriority - 10

// metrics holds the counters slotbase keeps as things happen.
type metrics struct {
	registry   *prometheus.Registry
	requests   *prometheus.CounterVec   // method, route, code class
	latency    *prometheus.HistogramVec // method, route
	bookings   *prometheus.CounterVec   // outcome: 201, 400, 409, 429, other
	mails      *prometheus.CounterVec   // status: sent, skipped (email_log rows)
	mailFailed prometheus.Counter       // failed e-mail job runs
	jobRuns    *prometheus.CounterVec   // kind, outcome: ok, failed, deferred
}

// newMetrics registers slotbase's metrics, Go's and the process's, and the
// scrape-time collector of s on a new registry.
func newMetrics(s *server) *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slotbase_http_requests_total", Help: "HTTP requests answered, by method, route pattern and status class.",
		}, []string{"method", "route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slotbase_http_request_duration_seconds", Help: "Time to answer HTTP requests, by method and route pattern (live streams last up to ~30 min).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"method", "route"}),
		bookings: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slotbase_bookings_total", Help: "POST /api/bookings answers by outcome: 201 booked, 400 bad input, 409 slot gone, 429 rate limited, other.",
		}, []string{"outcome"}),
		mails: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slotbase_mails_total", Help: "Booking e-mails finished (email_log rows written), by status: sent or skipped.",
		}, []string{"status"}),
		mailFailed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slotbase_mails_failed_total", Help: "Failed attempts to send a booking e-mail (each is retried, see slotbase_jobs_dead).",
		}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slotbase_job_runs_total", Help: "Job runs by kind and outcome: ok, failed (retried or dead), deferred.",
		}, []string{"kind", "outcome"}),
	}
	for _, outcome := range []string{"201", "400", "409", "429", "other"} {
		m.bookings.WithLabelValues(outcome) // every outcome is a series from the start
	}
	for _, status := range []string{"sent", "skipped"} {
		m.mails.WithLabelValues(status)
	}
	release := buildinfo.Get()
	m.registry.MustRegister(
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.requests, m.latency, m.bookings, m.mails, m.mailFailed, m.jobRuns,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "slotbase_build_info", Help: "The running release (always 1).",
			ConstLabels: prometheus.Labels{"version": release.Version, "commit": release.Commit, "goversion": release.Go},
		}, func() float64 { return 1 }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_slot_cache_hits_total", Help: "GET /api/slots answers served from the slot cache."},
			func() float64 { return float64(s.slots.hits.Load()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "slotbase_slot_cache_misses_total", Help: "GET /api/slots requests the slot cache could not answer."},
			func() float64 { return float64(s.slots.misses.Load()) }),
		stateCollector{s},
	)
	m.registry.MustRegister(priorityMetrics(s)...) // the priority gate and group commit (metrics_priority.go)
	return m
}

// observe is the router middleware that counts every request by its route
// pattern ("/api/bookings/manage/{token}", never the token itself).
func (m *metrics) observe(e *core.RequestEvent) error {
	start := time.Now()
	err := e.Next()
	status := e.Status()
	if status == 0 {
		status = http.StatusOK
		if err != nil {
			status = router.ToApiError(err).Status // what PocketBase's error handler will write
		}
	}
	m.count(methodLabel(e.Request.Method), routeLabel(e.Request.Pattern), status, time.Since(start))
	return err
}

// count records one answered request.
func (m *metrics) count(method, route string, status int, took time.Duration) {
	m.requests.WithLabelValues(method, route, strconv.Itoa(status/100)+"xx").Inc()
	m.latency.WithLabelValues(method, route).Observe(took.Seconds())
	if method == http.MethodPost && route == "/api/bookings" {
		m.bookings.WithLabelValues(bookingOutcome(status)).Inc()
	}
}

// routeLabel is the path part of a route pattern ("GET /api/slots" →
// "/api/slots"); requests no route matched share "unmatched".
func routeLabel(pattern string) string {
	if _, path, ok := strings.Cut(pattern, " "); ok {
		pattern = path
	}
	if pattern == "" {
		return "unmatched"
	}
	return pattern
}

// methodLabel bounds the method label to the methods HTTP defines.
func methodLabel(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "OTHER"
}

// bookingOutcome names a POST /api/bookings status.
func bookingOutcome(status int) string {
	switch status {
	case http.StatusCreated, http.StatusBadRequest, http.StatusConflict, http.StatusTooManyRequests:
		return strconv.Itoa(status)
	}
	return "other"
}

// countRuns wraps the handler of job kind so every run's outcome is counted
// (and, for e-mails, every failed attempt).
func (m *metrics) countRuns(kind string, h queue.Handler) queue.Handler {
	return func(ctx context.Context, j queue.Job) error {
		err := h(ctx, j)
		outcome := "ok"
		var deferred *queue.DeferError
		switch {
		case errors.As(err, &deferred):
			outcome = "deferred"
		case err != nil:
			outcome = "failed"
		}
		m.jobRuns.WithLabelValues(kind, outcome).Inc()
		if kind == KindEmailSend && err != nil { // a deferred e-mail is a send that failed again
			m.mailFailed.Inc()
		}
		return err
	}
}

// countMail counts an e-mail finished (its email_log row committed).
func (m *metrics) countMail(e *core.ModelEvent) error {
	if r, ok := e.Model.(*core.Record); ok {
		m.mails.WithLabelValues(r.GetString(c.EmailLogStatus)).Inc()
	}
	return e.Next()
}

// bindRecords counts mails as their email_log rows commit.
func (m *metrics) bindRecords(app core.App) {
	app.OnModelAfterCreateSuccess(c.EmailLog).BindFunc(m.countMail)
}

// bind adds the request middleware to the router of se.
func (m *metrics) bind(se *core.ServeEvent) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: "slotbase.metrics", Priority: metricsPriority, Func: m.observe})
}

// handler serves the registry in Prometheus' text format. A collector's
// own failure never fails the scrape: it shows as
// slotbase_collector_success 0 and is logged (metrics_collect.go).
func (m *metrics) handler(logger *slog.Logger) http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      log.New(slogWriter{logger}, "", 0),
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// slogWriter hands promhttp's log lines to a slog logger.
type slogWriter struct{ log *slog.Logger }

func (w slogWriter) Write(p []byte) (int, error) {
	w.log.Error(strings.TrimSpace(string(p)))
	return len(p), nil
}

// requireMetricsAccess admits the metrics token ("Authorization: Bearer
// <SLOTBASE_METRICS_TOKEN>", compared in constant time), else whoever
// requireAdmin admits with the admin scope: 401 without credentials or
// with a wrong token, 403 for a host or a key without the scope.
func (s *server) requireMetricsAccess(e *core.RequestEvent) error {
	if want := s.cfg.MetricsToken; want != "" {
		got, ok := strings.CutPrefix(e.Request.Header.Get("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1 {
			return e.Next()
		}
	}
	return s.requireAdmin(apikey.ScopeAdmin)(e)
}

// handleMetrics answers GET /metrics (behind requireMetricsAccess).
func (s *server) handleMetrics(e *core.RequestEvent) error {
	s.metrics.handler(opsLogger(e.App, "metrics")).ServeHTTP(e.Response, e.Request)
	return nil
}

// startMetricsListener serves GET /metrics without credentials on
// cfg.MetricsHTTP, a second address meant for a private network (Fly's
// 6PN, where Fly's Prometheus scrapes and cannot send a token). It stops
// when the app terminates. An address that cannot be bound fails the start.
func (s *server) startMetricsListener() error {
	addr := s.cfg.MetricsHTTP
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--metricsHttp %s: %w", addr, err)
	}
	logger := opsLogger(s.app, "metrics")
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler(logger))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(slogWriter{logger}, "", 0)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = callSafe(logger, "metrics listener", func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("metrics listener stopped", "addr", addr, "error", err)
			}
		})
	}()
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
		return e.Next()
	})
	logger.Info("metrics: serving GET /metrics without credentials", "addr", ln.Addr().String())
	return nil
}
