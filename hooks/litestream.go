package hooks

import (
	"os"

	"github.com/pocketbase/pocketbase/core"
)

// Under Litestream (deploy/litestream.yml, DEPLOY.md "Backups") data.db
// is checkpointed by Litestream, which keeps a read transaction open on it
// all the time. PocketBase's nightly job runs `PRAGMA wal_checkpoint(TRUNCATE)`
// on the one write connection: against that read transaction it waits out
// the whole busy timeout (10 s, measured) and fails, and every booking
// waits with it. With LITESTREAM_REPLICA_URL set (the entrypoint runs
// slotbase under Litestream exactly then), the job is replaced by one that
// checkpoints data.db PASSIVE (never waits), truncates auxiliary.db (not
// replicated) and optimizes as before.

// pbOptimizeJob is PocketBase's nightly checkpoint-and-optimize cron job.
const pbOptimizeJob = "__pbDBOptimize__"

// underLitestream reports whether this process runs under Litestream.
func underLitestream() bool { return os.Getenv("LITESTREAM_REPLICA_URL") != "" }

// leaveCheckpointsToLitestream swaps PocketBase's nightly job for one that
// never blocks writers on data.db.
func leaveCheckpointsToLitestream(app core.App) {
	app.Cron().Remove(pbOptimizeJob)
	app.Cron().MustAdd("slotbase_db_optimize", "0 0 * * *", func() {
		for _, q := range []string{"PRAGMA wal_checkpoint(PASSIVE)", "PRAGMA optimize"} {
			if _, err := app.NonconcurrentDB().NewQuery(q).Execute(); err != nil {
				app.Logger().Warn("nightly "+q+" of data.db", "error", err)
			}
		}
		if _, err := app.AuxNonconcurrentDB().NewQuery("PRAGMA wal_checkpoint(TRUNCATE)").Execute(); err != nil {
			app.Logger().Warn("nightly checkpoint of auxiliary.db", "error", err)
		}
	})
}
