package collections

import (
	"fmt"

	"github.com/pocketbase/pocketbase/core"
)

// The setup version: a one-row counter that SQLite triggers bump in the
// same transaction as every insert, update or delete of hosts, schedules,
// date overrides and event types, whoever writes them (records API, admin
// UI, raw SQL, a restore). A transaction that reads it knows whether a
// setup it keeps in memory is still the database's: the booking
// transaction takes hosts' setup from memory when the version it reads
// matches the one the setup was read under (issue 18, eighth step).

// SetupVersionTable holds the counter (an internal table, not a collection:
// the PostgreSQL replica does not carry it, and a restored data dir starts
// it afresh, which only costs one read of the setup).
const SetupVersionTable = "_sb_setup_version"

// setupVersionTables are the tables whose rows make up hosts' setup.
var setupVersionTables = []string{Hosts, Schedules, DateOverrides, EventTypes}

// EnsureSetupVersion creates the counter and its triggers where missing
// (idempotent: run by a migration, at start-up and after a collection of
// setupVersionTables is created, e.g. by an import that replaced it).
func EnsureSetupVersion(app core.App) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + SetupVersionTable + ` (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL)`,
		`INSERT OR IGNORE INTO ` + SetupVersionTable + ` (id, v) VALUES (1, 0)`,
	}
	for _, table := range setupVersionTables {
		if exists, err := tableExists(app, table); err != nil {
			return err
		} else if !exists {
			continue // created later: EnsureSetupVersion runs again then
		}
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			stmts = append(stmts, `CREATE TRIGGER IF NOT EXISTS _sb_setup_`+table+`_`+op+` AFTER `+op+` ON `+table+
				` BEGIN UPDATE `+SetupVersionTable+` SET v = v + 1 WHERE id = 1; END`)
		}
	}
	for _, q := range stmts {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return fmt.Errorf("setup version: %w", err)
		}
	}
	return nil
}

// IsSetupTable reports whether table's rows are part of hosts' setup.
func IsSetupTable(table string) bool {
	for _, t := range setupVersionTables {
		if t == table {
			return true
		}
	}
	return false
}

// SetupVersion reads the counter (in app, which should be the transaction
// that relies on it).
func SetupVersion(app core.App) (int64, error) {
	var v int64
	if err := app.DB().NewQuery(`SELECT v FROM ` + SetupVersionTable + ` WHERE id = 1`).Row(&v); err != nil {
		return 0, fmt.Errorf("setup version: %w", err)
	}
	return v, nil
}

// tableExists reports whether SQLite has a table of that name.
func tableExists(app core.App, table string) (bool, error) {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {:t}`).
		Bind(map[string]any{"t": table}).Row(&n)
	return n > 0, err
}
