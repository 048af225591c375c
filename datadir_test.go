package main

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"
)

// readDataDir opens a data dir (a server may run on it too), hands it to
// read, and closes it again.
func readDataDir(t *testing.T, dir string, read func(app core.App)) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	read(app)
}

// waitHealthy waits until a server started outside testenv (under
// Litestream, an older release) answers /api/health with 200.
func waitHealthy(t *testing.T, what, base string) {
	t.Helper()
	pollUntil(t, what+" to answer /api/health", func() bool {
		res, err := http.Get(base + "/api/health")
		if err == nil {
			res.Body.Close()
		}
		return err == nil && res.StatusCode == http.StatusOK
	})
}
