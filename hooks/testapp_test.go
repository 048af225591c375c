package hooks

import (
	"os"
	"testing"

	"github.com/pocketbase/pocketbase/tests"

	_ "github.com/slotbase/slotbase/pb_migrations"
)

// newTestApp returns a fresh app on a temp dir with the real migrations and
// slotbase's hooks registered (the demo is seeded when the serve event fires).
func newTestApp(t testing.TB, cfg Config) *tests.TestApp {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timezone == "" {
		cfg.Timezone = "Europe/London"
	}
	if cfg.Public == nil {
		cfg.Public = os.DirFS("../pb_public")
	}
	cfg.Quiet = true
	Register(app, &cfg)
	return app
}

// seeded returns a test app with the first run already done.
func seeded(t testing.TB, cfg Config) *tests.TestApp {
	t.Helper()
	app := newTestApp(t, cfg)
	if cfg.Timezone == "" {
		cfg.Timezone = "Europe/London"
	}
	if _, err := SeedFirstRun(app, cfg.Timezone, cfg.NoDemo); err != nil {
		t.Fatal(err)
	}
	return app
}
