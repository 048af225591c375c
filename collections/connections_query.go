package collections

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// ConnectionStat summarises the calendar connections of one provider in
// one status.
type ConnectionStat struct {
	Provider string
	Status   string
	// Count is how many there are; Failing how many keep a last_error.
	Count, Failing int64
	// OldestSync is the least recent last_synced among them (zero: none
	// synced yet).
	OldestSync time.Time
}

// ConnectionStats reads the calendar connections grouped by provider and
// status (one row per host and provider at most: a small table).
func ConnectionStats(app core.App) ([]ConnectionStat, error) {
	var rows []struct {
		Provider string `db:"provider"`
		Status   string `db:"status"`
		Count    int64  `db:"n"`
		Failing  int64  `db:"failing"`
		Oldest   string `db:"oldest"`
	}
	err := app.DB().NewQuery(`SELECT provider, status, COUNT(*) AS n,
			COALESCE(SUM(last_error != ''), 0) AS failing,
			COALESCE(MIN(CASE WHEN last_synced != '' THEN last_synced END), '') AS oldest
		FROM ` + CalendarConnections + ` GROUP BY provider, status`).All(&rows)
	if err != nil {
		return nil, fmt.Errorf("calendar connections: %w", err)
	}
	out := make([]ConnectionStat, len(rows))
	for i, r := range rows {
		out[i] = ConnectionStat{Provider: r.Provider, Status: r.Status, Count: r.Count, Failing: r.Failing}
		if r.Oldest != "" {
			out[i].OldestSync = ParseStoredTime(r.Oldest)
		}
	}
	return out, nil
}
