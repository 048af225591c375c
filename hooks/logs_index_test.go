package hooks

import (
	"strings"
	"testing"
)

// TestLogCleanupUsesIndexes: the deletes PocketBase runs on the request log
// at every start (`created <= date OR level < min`) and every six hours
// (`created < date`) read through indexes, not the whole table, so a start
// does not wait on the log's size (migration 1765400000).
func TestLogCleanupUsesIndexes(t *testing.T) {
	app := seeded(t, Config{NoDemo: true})
	defer app.Cleanup()
	for _, where := range []string{
		"[[created]] <= '2026-01-01 00:00:00.000Z' OR [[level]] < 0",
		"[[created]] < '2026-01-01 00:00:00.000Z'",
	} {
		var plan []struct {
			Detail string `db:"detail"`
		}
		if err := app.AuxDB().NewQuery("EXPLAIN QUERY PLAN DELETE FROM {{_logs}} WHERE " + where).All(&plan); err != nil {
			t.Fatal(err)
		}
		var steps []string
		for _, p := range plan {
			steps = append(steps, p.Detail)
		}
		all := strings.Join(steps, "\n")
		if !strings.Contains(all, "idx_logs_created") || strings.Contains(all, "SCAN _logs") && !strings.Contains(all, "USING INDEX") {
			t.Errorf("DELETE … WHERE %s reads the whole log:\n%s", where, all)
		}
	}
}
