package collections

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/slots"
)

// BusyOf reads the external busy time of hosts (ids) that overlaps
// [from, to), by host id, in no particular order: what the slot engine
// subtracts and a calendar view draws beside the bookings.
func BusyOf(app core.App, hostIDs []string, from, to time.Time) (map[string][]slots.BusyBlock, error) {
	out := map[string][]slots.BusyBlock{}
	if len(hostIDs) == 0 {
		return out, nil
	}
	in, params := InList("h", hostIDs)
	params["from"], params["to"] = UTCString(from), UTCString(to)
	// CROSS JOIN keeps the hosts' few connections as the outer loop, so each
	// reads its own blocks through (connection, end, start); a plain JOIN let
	// the planner walk every host's blocks instead.
	rows, err := app.DB().NewQuery(`SELECT bb.start, bb.end, cc.host FROM calendar_connections cc
		CROSS JOIN busy_blocks bb ON bb.connection = cc.id
		WHERE cc.host IN (` + in + `) AND bb.end > {:from} AND bb.start < {:to}`).Bind(params).Rows()
	if err != nil {
		return nil, fmt.Errorf("busy blocks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var start, end, host string
		if err := rows.Scan(&start, &end, &host); err != nil {
			return nil, fmt.Errorf("busy blocks: %w", err)
		}
		out[host] = append(out[host], slots.BusyBlock{Start: ParseStoredTime(start), End: ParseStoredTime(end)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("busy blocks: %w", err)
	}
	return out, nil
}
