package collections

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindScheduleOverride returns the override of schedule scheduleID on date (YYYY-MM-DD).
// None is an error wrapping sql.ErrNoRows.
func FindScheduleOverride(app core.App, scheduleID, date string) (*DateOverride, error) {
	r, err := app.FindFirstRecordByFilter(DateOverrides, "schedule = {:s} && date = {:d}", dbx.Params{"s": scheduleID, "d": date})
	if err != nil {
		return nil, fmt.Errorf("override of schedule %s on %s: %w", scheduleID, date, err)
	}
	return NewDateOverride(r), nil
}

// FindScheduleOverrides returns the overrides of schedule scheduleID from date from
// to date to (inclusive, YYYY-MM-DD; "" leaves that end open), by date.
func FindScheduleOverrides(app core.App, scheduleID, from, to string) ([]*DateOverride, error) {
	filter, params := "schedule = {:s}", dbx.Params{"s": scheduleID}
	if from != "" {
		filter, params["from"] = filter+" && date >= {:from}", from
	}
	if to != "" {
		filter, params["to"] = filter+" && date <= {:to}", to
	}
	records, err := app.FindRecordsByFilter(DateOverrides, filter, "date", 0, 0, params)
	if err != nil {
		return nil, fmt.Errorf("overrides of schedule %s: %w", scheduleID, err)
	}
	out := make([]*DateOverride, len(records))
	for i, r := range records {
		out[i] = NewDateOverride(r)
	}
	return out, nil
}
