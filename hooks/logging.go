package hooks

import (
	"context"
	"log/slog"
	"os"

	"github.com/pocketbase/pocketbase/core"
)

// opsLogger logs to PocketBase's log table (admin UI → Logs) and also to
// stderr, where `fly logs` and a terminal see them: for the background work
// an operator must notice (job retries and dead letters, the PostgreSQL
// stream failing and resuming). PocketBase's own logger writes to the
// console only in dev mode.
func opsLogger(app core.App, component string) *slog.Logger {
	console := slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	return slog.New(teeHandler{app.Logger().Handler(), console}).With("component", component)
}

// teeHandler hands every record to each of its handlers.
type teeHandler []slog.Handler

func (t teeHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range t {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (t teeHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range t {
		if h.Enabled(ctx, r.Level) {
			if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
				first = err
			}
		}
	}
	return first
}

func (t teeHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithAttrs(attrs)
	}
	return out
}

func (t teeHandler) WithGroup(name string) slog.Handler {
	out := make(teeHandler, len(t))
	for i, h := range t {
		out[i] = h.WithGroup(name)
	}
	return out
}
