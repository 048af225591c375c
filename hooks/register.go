// Package hooks is slotbase's PocketBase glue: it seeds the first run, lists
// every custom route in one place and translates between PocketBase records
// and requests and the plain values of the internal/ domain packages.
package hooks

import (
	"context"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/hooks/capture"
	"github.com/slotbase/slotbase/internal/payments"
	"github.com/slotbase/slotbase/internal/priority"
	"github.com/slotbase/slotbase/internal/queue"
)

// Register wires slotbase into app: the record hooks and job handlers of
// every capability (wiring.go), first-run seeding, the custom routes
// (routes.go), the booking page and the start banner.
func Register(app core.App, cfg *Config) { register(app, cfg) }

// register is Register returning the server it made (tests drive its worker).
func register(app core.App, cfg *Config) *server {
	s := &server{app: app, cfg: cfg, now: cfg.now}
	s.started = s.now()
	s.pay, _ = payments.New(payments.Config{SecretKey: cfg.StripeSecretKey, APIBase: cfg.StripeAPIBase}) // nil: payments not configured (payments.go)
	cc := captureConfig(app, cfg)
	cc.Admit = s.admit                                // each replica batch below public work (priority.go)
	s.capture = capture.Register(app, cc)             // change capture for the PostgreSQL replica (hooks/capture)
	s.metrics = newMetrics(s)                         // Prometheus metrics (metrics.go)
	s.writes = newGroupCommitter(app, bookingRefusal) // bookings and job outcomes share transactions (groupcommit.go)
	s.writes.begin = s.windows.begin                  // committed window reads handed on before the next batch starts (windowcache.go)
	s.worker = &queue.Worker{Store: heartbeatStore{batchedJobStore{jobStore{app}, s.writes, &s.jobsDone}, &s.workerBeat}, Logger: opsLogger(app, "jobs"), Now: s.now, Admit: s.admit}
	for kind, h := range s.jobHandlers() {
		s.worker.Handle(kind, s.metrics.countRuns(kind, h))
	}
	s.bindRecordHooks()
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		seeded, err := SeedFirstRun(se.App, cfg.Timezone, cfg.NoDemo)
		if err != nil {
			return fmt.Errorf("first run: %w", err)
		}
		if seeded {
			se.App.Logger().Info("first run: created the settings record", "timezone", cfg.Timezone, "demo", !cfg.NoDemo)
		}
		if err := trustProxyHeader(se.App, cfg.TrustedProxyHeader); err != nil {
			return err
		}
		secret, err := loadSecret(se.App.DataDir())
		if err != nil {
			return fmt.Errorf("server secret: %w", err)
		}
		s.secret = secret
		s.setupOnce.Do(s.startSchedules) // once per app, however often the serve event fires
		if err := configureRateLimits(se.App, cfg.RateLimits); err != nil {
			return fmt.Errorf("rate limits: %w", err)
		}
		s.live.limits.streams.Store(int64(cfg.LiveStreams))          // flags are read by now
		s.gateOnce.Do(func() { s.gate.Store(newPriorityGate(cfg)) }) // public work before admin work (priority.go)
		bindGuards(se, cfg.LogPublicReads)
		s.metrics.bind(se)    // requests by route pattern (metrics.go)
		bindHealthVersion(se) // /api/health carries the release (status.go)
		bindRoutes(se, s)
		if public := publicFS(*cfg); public != nil {
			se.Router.GET("/{path...}", apis.Static(public, true)).BindFunc(pageMiddleware(se.App, cfg, public)) // CSP, gzip, ETag: hooks/page.go
		}
		if err := se.Next(); err != nil {
			return err
		}
		if se.Server != nil { // a real server, not a test's router
			s.startWorker()
			s.startCheckpointer(checkpointEvery)
			if err := s.startMetricsListener(); err != nil {
				return err
			}
			if !cfg.Quiet {
				printBanner(se.Server.Addr, seeded && !cfg.NoDemo)
			}
		}
		return nil
	})
	return s
}

// server holds what the route handlers share.
type server struct {
	app    core.App
	cfg    *Config
	worker *queue.Worker
	secret []byte
	now    func() time.Time
	slots  slotCache
	// settings keeps the settings record between its changes (settings_kept.go).
	settings keptSettings
	// bookSetup keeps hosts' setup for the booking transaction (booksetup.go).
	bookSetup bookingSetup
	// windows keeps a booking transaction's reads of hosts' bookings for
	// its later bookings (windowcache.go).
	windows windowCache
	// checkpoints counts the checkpointer's runs (checkpoint.go).
	checkpoints atomic.Int64
	live        liveHub    // open GET /api/slots/live streams (livehub.go)
	counts      countCache // list totals (admin.go)
	keys        keyGuard
	// metrics are the Prometheus metrics (metrics.go); workerBeat is the
	// job worker's last claim (status.go); started is when register ran.
	metrics    *metrics
	workerBeat atomic.Int64
	started    time.Time
	// capture logs every write for the PostgreSQL replica (hooks/capture).
	capture *capture.Capture
	// writes runs the write closures of concurrent bookings (and the job
	// worker's outcomes) in shared transactions (groupcommit.go).
	writes *groupCommitter
	// jobsDone are jobs their handlers marked done (jobs.go, doneJobs).
	jobsDone doneJobs
	// pay is the Stripe client; nil when SLOTBASE_STRIPE_SECRET_KEY is unset.
	pay *payments.Client
	// exports runs one CSV export at a time (admin.go).
	exports exportGate
	// gate keeps background work below public work (priority.go); nil
	// (before serving, or turned off) admits everything at once.
	gate     atomic.Pointer[priority.Gate]
	gateOnce sync.Once

	setupOnce sync.Once
}

// startWorker runs the job worker until the app terminates.
func (s *server) startWorker() {
	if n, err := (jobStore{s.app}).releaseOrphans(); err != nil {
		s.app.Logger().Error("jobs: releasing the previous process's claims", "error", err)
	} else if n > 0 {
		s.app.Logger().Warn("jobs: released claims of a previous process (it stopped mid-job); they run again", "jobs", n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	log := opsLogger(s.app, "jobs") // stderr too: a worker panic must be seen
	go func() {
		defer close(done)
		// The queue recovers handler panics; this covers Run's own loop (a
		// panic while claiming): logged with its stack, then Run restarts.
		runSupervised(ctx, log, "job worker", s.worker.Run)
	}()
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		<-done
		return e.Next()
	})
}

// publicFS picks the booking page's files: a folder from the flag, else the
// copy embedded in the binary.
func publicFS(cfg Config) fs.FS {
	if cfg.PublicDir != "" {
		return os.DirFS(cfg.PublicDir)
	}
	return cfg.Public
}

func printBanner(addr string, demo bool) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		host, port = addr, "80"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	base := "http://" + net.JoinHostPort(host, port)
	var b strings.Builder
	fmt.Fprintf(&b, "\nslotbase is running\n")
	fmt.Fprintf(&b, "  Booking page: %s/\n", base)
	if demo {
		fmt.Fprintf(&b, "  Demo event:   %s/%s\n", base, DemoSlug)
	}
	fmt.Fprintf(&b, "  Dashboard:    %s/admin/  (admins and hosts)\n", base)
	fmt.Fprintf(&b, "  Admin UI:     %s/_/  (raw data and settings)\n", base)
	fmt.Fprintf(&b, "  First admin:  open the installer link printed below by PocketBase,\n")
	fmt.Fprintf(&b, "                or run: %s superuser upsert EMAIL PASSWORD\n\n", os.Args[0])
	fmt.Print(b.String())
}

// trustProxyHeader makes PocketBase read client addresses from header (kept
// in the app settings, so the admin UI shows it too).
func trustProxyHeader(app core.App, header string) error {
	if header == "" {
		return nil
	}
	settings := app.Settings()
	for _, h := range settings.TrustedProxy.Headers {
		if strings.EqualFold(h, header) {
			return nil
		}
	}
	settings.TrustedProxy.Headers = append(settings.TrustedProxy.Headers, header)
	return app.Save(settings)
}
