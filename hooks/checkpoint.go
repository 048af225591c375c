package hooks

import (
	"context"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// WAL checkpoints off the writer (issue 18, tenth step). SQLite copies the
// write-ahead log back into data.db (a checkpoint, with its fsyncs) in the
// commit of whichever write crosses wal_autocheckpoint frames — inside the
// one writer's serial section, where it took 7 % of the time bookings
// held the writer under load. A goroutine checkpoints instead, every
// checkpointEvery, from a reader connection (PASSIVE: it never waits for
// or blocks the writer, and it stops at the readers' snapshots, as
// Litestream's own checkpoints do); data.db's connections keep a large
// wal_autocheckpoint (walAutoCheckpointFrames) only as a bound should the
// goroutine fall behind. Durability is SQLite's synchronous=NORMAL as
// before: a commit survives a crash of the process at once, and a power
// cut once the next checkpoint ran (now at most checkpointEvery later,
// where before a quiet server could wait for 1,000 frames).

const (
	// checkpointEvery is how often the checkpointer runs.
	checkpointEvery = 250 * time.Millisecond
	// walAutoCheckpointFrames is the writer's own checkpoint bound (about
	// 40 MB of log at 4 KiB pages).
	walAutoCheckpointFrames = "10000"
)

// checkpointOnce checkpoints data.db's log as far as readers allow and
// returns the frames in the log and those copied back.
func (s *server) checkpointOnce() (logFrames, copied int, err error) {
	var busy int
	row := s.app.DB().NewQuery("PRAGMA wal_checkpoint(PASSIVE)")
	if err := row.Row(&busy, &logFrames, &copied); err != nil {
		return 0, 0, fmt.Errorf("wal checkpoint: %w", err)
	}
	return logFrames, copied, nil
}

// startCheckpointer runs checkpointOnce every checkpointEvery until the app
// terminates (a panic restarts it; an error is logged once a minute).
func (s *server) startCheckpointer(every time.Duration) {
	log := opsLogger(s.app, "checkpoint")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		runSupervised(ctx, log, "wal checkpointer", func(ctx context.Context) {
			tick := time.NewTicker(every)
			defer tick.Stop()
			var lastLogged time.Time
			for {
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
				if _, _, err := s.checkpointOnce(); err != nil && time.Since(lastLogged) > time.Minute {
					lastLogged = time.Now()
					log.Error("checkpointing data.db's log (the writer's own checkpoints still bound it)", "error", err)
				}
				s.checkpoints.Add(1)
			}
		})
	}()
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		<-done
		return e.Next()
	})
}
