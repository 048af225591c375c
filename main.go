// Command slotbase is an appointment scheduling platform in one binary:
// PocketBase with slotbase's collections, hooks, routes and booking page.
package main

import (
	"embed"
	"io/fs"
	"log"
	"os"
	"runtime/debug"
	_ "time/tzdata" // the binary carries its own zone data

	"github.com/pocketbase/pocketbase"

	"github.com/slotbase/slotbase/hooks"
	"github.com/slotbase/slotbase/internal/buildinfo"
	"github.com/slotbase/slotbase/internal/memlimit"
	_ "github.com/slotbase/slotbase/pb_migrations"
)

//go:embed all:pb_public
var embedded embed.FS

func main() {
	// A soft memory limit when GOMEMLIMIT is unset: 192 MiB, or 3/4 of a
	// smaller container or machine (internal/memlimit, DEPLOY.md).
	if limit, _ := memlimit.Choose(os.Getenv, os.DirFS("/")); limit > 0 {
		debug.SetMemoryLimit(limit)
	}
	app := pocketbase.NewWithConfig(pocketbase.Config{DefaultDev: false, DefaultDataDir: "pb_data",
		DBConnect: hooks.DBConnect, DataMaxOpenConns: hooks.DataMaxOpenConns, DataMaxIdleConns: hooks.DataMaxIdleConns,
		AuxMaxOpenConns: hooks.AuxMaxOpenConns, AuxMaxIdleConns: hooks.AuxMaxIdleConns})
	cfg, err := hooks.ConfigFromEnv()
	if err != nil {
		log.Fatal(err)
	}
	release := buildinfo.Get()
	app.RootCmd.Version = release.Version // `slotbase --version`; PocketBase's default says "(untracked)"
	app.RootCmd.SetVersionTemplate("slotbase " + release.String() + "\n")
	cfg.BindFlags(app.RootCmd.PersistentFlags())
	cfg.Public, _ = fs.Sub(embedded, "pb_public")
	hooks.Register(app, &cfg)
	app.RootCmd.AddCommand(hooks.ReplicaCommand(app, &cfg))
	app.RootCmd.AddCommand(hooks.APIKeyCommand(app))
	app.RootCmd.AddCommand(hooks.MigrateCommand(app))
	if err := app.Start(); err != nil {
		log.Fatal(err)
	}
}
