package collections

import (
	"fmt"
	"slices"

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
	return ensureCounter(app, SetupVersionTable, "_sb_setup_", setupVersionTables)
}

// DropSetupVersion removes the counter and its triggers.
func DropSetupVersion(app core.App) error {
	return dropCounter(app, SetupVersionTable, "_sb_setup_", setupVersionTables)
}

// ensureCounter creates the one-row counter table and, on each of tables
// that exists, the triggers (named prefix+table+op) that bump it.
func ensureCounter(app core.App, counter, prefix string, tables []string) error {
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + counter + ` (id INTEGER PRIMARY KEY CHECK (id = 1), v INTEGER NOT NULL)`,
		`INSERT OR IGNORE INTO ` + counter + ` (id, v) VALUES (1, 0)`,
	}
	for _, table := range tables {
		if exists, err := tableExists(app, table); err != nil {
			return err
		} else if !exists {
			continue // created later: the caller ensures again then
		}
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			stmts = append(stmts, `CREATE TRIGGER IF NOT EXISTS `+prefix+table+`_`+op+` AFTER `+op+` ON `+table+
				` BEGIN UPDATE `+counter+` SET v = v + 1 WHERE id = 1; END`)
		}
	}
	for _, q := range stmts {
		if _, err := app.DB().NewQuery(q).Execute(); err != nil {
			return fmt.Errorf("%s: %w", counter, err)
		}
	}
	return nil
}

// dropCounter drops the counter table and its triggers (a migration's down).
func dropCounter(app core.App, counter, prefix string, tables []string) error {
	for _, table := range tables {
		for _, op := range []string{"INSERT", "UPDATE", "DELETE"} {
			if _, err := app.DB().NewQuery(`DROP TRIGGER IF EXISTS ` + prefix + table + `_` + op).Execute(); err != nil {
				return err
			}
		}
	}
	_, err := app.DB().NewQuery(`DROP TABLE IF EXISTS ` + counter).Execute()
	return err
}

// readCounter reads a counter in app (the transaction that relies on it).
func readCounter(app core.App, counter string) (int64, error) {
	var v int64
	if err := app.DB().NewQuery(`SELECT v FROM ` + counter + ` WHERE id = 1`).Row(&v); err != nil {
		return 0, fmt.Errorf("%s: %w", counter, err)
	}
	return v, nil
}

// The blockers version: the same kind of counter, bumped in the same
// transaction by every insert, update or delete of bookings, busy blocks
// and calendar connections — what a slot re-check reads besides the setup.
// A booking transaction that keeps its reads of bookings for the later
// bookings of the same transaction (group commit) uses them only while the
// counter shows no write but its own (hooks/windowcache.go).

// BlockersVersionTable holds the counter (internal, not replicated).
const BlockersVersionTable = "_sb_blockers_version"

// blockersVersionTables are the tables whose rows block hosts' time.
var blockersVersionTables = []string{Bookings, BusyBlocks, CalendarConnections}

// EnsureBlockersVersion creates the counter and its triggers where missing
// (idempotent, as EnsureSetupVersion).
func EnsureBlockersVersion(app core.App) error {
	return ensureCounter(app, BlockersVersionTable, "_sb_blockers_", blockersVersionTables)
}

// DropBlockersVersion removes the counter and its triggers.
func DropBlockersVersion(app core.App) error {
	return dropCounter(app, BlockersVersionTable, "_sb_blockers_", blockersVersionTables)
}

// IsBlockersTable reports whether table's rows block hosts' time.
func IsBlockersTable(table string) bool { return slices.Contains(blockersVersionTables, table) }

// BlockersVersion reads the blockers counter in app.
func BlockersVersion(app core.App) (int64, error) { return readCounter(app, BlockersVersionTable) }

// IsSetupTable reports whether table's rows are part of hosts' setup.
func IsSetupTable(table string) bool { return slices.Contains(setupVersionTables, table) }

// SetupVersion reads the counter (in app, which should be the transaction
// that relies on it).
func SetupVersion(app core.App) (int64, error) { return readCounter(app, SetupVersionTable) }

// tableExists reports whether SQLite has a table of that name.
func tableExists(app core.App, table string) (bool, error) {
	var n int
	err := app.DB().NewQuery(`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = {:t}`).
		Bind(map[string]any{"t": table}).Row(&n)
	return n > 0, err
}
