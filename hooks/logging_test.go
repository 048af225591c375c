package hooks

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
)

func TestTeeHandler(t *testing.T) {
	var all, warn bytes.Buffer
	log := slog.New(teeHandler{
		slog.NewTextHandler(&all, &slog.HandlerOptions{Level: slog.LevelDebug}),
		slog.NewTextHandler(&warn, &slog.HandlerOptions{Level: slog.LevelWarn}),
	}).With("component", "jobs")
	log.Info("job done", "job", "a")
	log.Warn("job failed, will retry", "job", "b")
	if !strings.Contains(all.String(), "job done") || !strings.Contains(all.String(), "will retry") {
		t.Fatalf("first handler: %s", all.String())
	}
	if strings.Contains(warn.String(), "job done") || !strings.Contains(warn.String(), "component=jobs job=b") {
		t.Fatalf("second handler: %s", warn.String())
	}
	if (teeHandler{}).Enabled(context.Background(), slog.LevelError) {
		t.Fatal("an empty tee is enabled")
	}
}
