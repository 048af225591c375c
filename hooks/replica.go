package hooks

import (
	"log/slog"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/slotbase/slotbase/hooks/capture"
)

// ReplicaCommand returns the `replica` command of the PostgreSQL replica
// (status, verify, restore; see hooks/capture). Register binds the change
// capture itself; this only reads cfg when the command runs.
func ReplicaCommand(app core.App, cfg *Config) *cobra.Command {
	cc := captureConfig(app, cfg)
	// A shell without the server's key must not leave a new slotbase.key
	// on the volume: the command only reads the key the server uses.
	cc.Secret = func() ([]byte, error) { return existingSecret(app.DataDir()) }
	return capture.Command(app, cc)
}

// captureConfig is what the change capture needs from cfg, read when used:
// the command line is parsed after Register.
func captureConfig(app core.App, cfg *Config) capture.Config {
	return capture.Config{
		PostgresURL: func() string { return cfg.PostgresURL },
		Logger:      func() *slog.Logger { return opsLogger(app, "replica") },
		Now:         cfg.now,
		Secret:      func() ([]byte, error) { return loadSecret(app.DataDir()) },
	}
}
