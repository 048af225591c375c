package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Replication to PostgreSQL (issue 9): the change log that record writes
// append to in their own transaction, and the replica's local state. Plain
// tables, not collections: neither the admin UI nor the API shows them.
func init() {
	m.Register(func(app core.App) error {
		for _, stmt := range []string{
			`CREATE TABLE IF NOT EXISTS _slotbase_replica_log (
				seq        INTEGER PRIMARY KEY AUTOINCREMENT,
				collection TEXT NOT NULL,
				record_id  TEXT NOT NULL,
				op         TEXT NOT NULL,
				data       TEXT NOT NULL DEFAULT '{}',
				at         TEXT NOT NULL
			)`,
			`CREATE TABLE IF NOT EXISTS _slotbase_replica_state (
				key   TEXT PRIMARY KEY NOT NULL,
				value TEXT NOT NULL DEFAULT ''
			)`,
		} {
			if _, err := app.DB().NewQuery(stmt).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, stmt := range []string{"DROP TABLE IF EXISTS _slotbase_replica_log", "DROP TABLE IF EXISTS _slotbase_replica_state"} {
			if _, err := app.DB().NewQuery(stmt).Execute(); err != nil {
				return err
			}
		}
		return nil
	})
}
