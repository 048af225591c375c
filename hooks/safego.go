package hooks

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"
)

// Goroutines the app starts must not take the process down: their bodies
// run under callSafe (a panic is logged with its stack and becomes an
// error), and long-running loops under runSupervised (restarted).

// callSafe runs fn and returns a non-nil error if it panicked (logged with
// name and stack).
func callSafe(log *slog.Logger, name string, fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked: %v", name, r)
			log.Error("goroutine panicked", "goroutine", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	fn()
	return nil
}

// maxRestartPause caps the pause between restarts of a loop that keeps
// panicking.
const maxRestartPause = time.Minute

// runSupervised runs run(ctx) until it returns normally or ctx ends. A panic
// is logged with its stack and run starts again: at once the first time,
// then after a pause that doubles up to maxRestartPause, so a loop that
// panics at every start neither spins nor stops for good.
func runSupervised(ctx context.Context, log *slog.Logger, name string, run func(context.Context)) {
	var pause time.Duration
	for {
		err := callSafe(log, name, func() { run(ctx) })
		if err == nil || ctx.Err() != nil {
			return
		}
		log.Error("restarting after a panic", "goroutine", name, "error", err, "after", pause)
		if pause > 0 {
			t := time.NewTimer(pause)
			select {
			case <-ctx.Done():
				t.Stop()
				return
			case <-t.C:
			}
		}
		pause = min(max(2*pause, time.Second), maxRestartPause)
	}
}
