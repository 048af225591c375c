package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Cold start independent of the request log's size (issue 18): at every
// start PocketBase deletes old log rows with `created <= date OR level <
// min`, and every six hours with `created < date`; _logs has indexes on
// level and on the hour of created but none on created itself, so both
// statements read the whole table (1.1 s at start with a month of logs).
// With this index the start-up delete reads only the rows it removes.
func init() {
	m.Register(func(app core.App) error {
		_, err := app.AuxDB().NewQuery("CREATE INDEX IF NOT EXISTS idx_logs_created ON _logs (created)").Execute()
		return err
	}, func(app core.App) error {
		_, err := app.AuxDB().NewQuery("DROP INDEX IF EXISTS idx_logs_created").Execute()
		return err
	})
}
