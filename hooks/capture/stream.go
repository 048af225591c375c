package capture

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/replica"
)

// Bounds of the wait before a panicked streamer is started again.
const (
	minRestart = time.Second
	maxRestart = time.Minute
)

// start runs once per app, when it first serves: without a PostgreSQL URL
// it turns capture off (dropping the log); with one it turns capture on and
// streams the log to PostgreSQL until the app terminates.
func (c *Capture) start() error {
	c.startOnce.Do(func() { c.startErr = c.startStream() })
	return c.startErr
}

func (c *Capture) startStream() error {
	log := c.cfg.logger(c.app)
	url := c.cfg.url()
	if url == "" {
		was, err := c.disable()
		if err != nil {
			return fmt.Errorf("replica: %w", err)
		}
		if was {
			log.Warn("replica: no PostgreSQL URL configured: change capture is off; configuring it again re-snapshots the data")
		}
		return nil
	}
	source, err := c.enable()
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	if err := c.saveURL(url); err != nil { // for `replica status` in a shell without the URL
		log.Warn("replica: saving the (sealed) URL for the replica commands; pass them --postgres", "error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); c.supervise(ctx, source, url, log) }()
	c.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		<-done
		return e.Next()
	})
	log.Info("replica: streaming changes to PostgreSQL", "target", replica.Describe(url), "source", source)
	return nil
}

// supervise runs a streamer until ctx ends. A streamer that panics is
// logged with its stack, its panic recorded as the last error (status and
// `replica status` show it), and a fresh streamer starts after a wait that
// doubles from minRestart to maxRestart: the process and its bookings go on,
// the change log keeps growing meanwhile, and a transient fault heals
// itself while a permanent one shows up like PostgreSQL being down.
func (c *Capture) supervise(ctx context.Context, source, url string, log *slog.Logger) {
	wait := minRestart
	for {
		st := c.newStreamer(ctx, source, url, log)
		c.streamer.Store(st)
		if !c.runGuarded(ctx, st, log, wait) {
			return // ctx ended
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, maxRestart)
	}
}

// runGuarded runs st and reports whether it panicked.
func (c *Capture) runGuarded(ctx context.Context, st *replica.Streamer, log *slog.Logger, restartIn time.Duration) (panicked bool) {
	defer func() {
		v := recover()
		if v == nil {
			return
		}
		panicked = true
		err := fmt.Errorf("replica: the PostgreSQL streamer panicked: %v", v)
		now := c.cfg.now()
		c.panicked.Store(&failure{err: err.Error(), at: now})
		log.Error("replica: the PostgreSQL streamer panicked; it restarts, bookings go on", "panic", fmt.Sprint(v), "restart_in", restartIn.String(), "stack", string(debug.Stack()))
		c.recordError(log, err, now)
	}()
	st.Run(ctx)
	return false
}

// newStreamer is a streamer of the log to url on the configured clock.
func (c *Capture) newStreamer(ctx context.Context, source, url string, log *slog.Logger) *replica.Streamer {
	return &replica.Streamer{
		Source: logSource{app: c.app, source: source, now: c.cfg.now},
		URL:    url,
		Logger: log,
		Now:    c.cfg.now,
		Admit:  c.cfg.Admit,
		OnError: func(err error, at time.Time) {
			if ctx.Err() != nil {
				return // shutting down: the cancelled step is no failure to keep
			}
			c.recordError(log, err, at)
		},
	}
}

// recordError keeps the stream's last error in the state table, where
// `replica status` (another process) reads it. Failing to keep it is
// logged: the stream's own failure has been logged by the streamer.
func (c *Capture) recordError(log *slog.Logger, streamErr error, at time.Time) {
	err := c.app.RunInTransaction(func(tx core.App) error {
		if err := writeState(tx, stateLastError, streamErr.Error()); err != nil {
			return err
		}
		return writeState(tx, stateLastErrorAt, at.UTC().Format(time.RFC3339))
	})
	if err != nil {
		log.Error("replica: recording the stream's last error", "error", err, "stream_error", streamErr.Error())
	}
}
