package hooks

import (
	"os"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
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
	testServers.Store(core.App(app), register(app, &cfg))
	return app
}

// testServers finds the server register made for a test app (tests drive
// its worker by hand).
var testServers sync.Map // core.App → *server

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
