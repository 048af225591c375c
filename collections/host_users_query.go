package collections

import (
	"fmt"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// FindHostUserByHost returns the account of host hostID. No account is an
// error wrapping sql.ErrNoRows.
func FindHostUserByHost(app core.App, hostID string) (*HostUser, error) {
	r, err := app.FindFirstRecordByData(HostUsers, HostUsersHost, hostID)
	if err != nil {
		return nil, fmt.Errorf("account of host %s: %w", hostID, err)
	}
	return NewHostUser(r), nil
}

// CountHostsOnSchedule counts the hosts whose availability is schedule
// scheduleID, leaving out host exceptID: more than zero means the schedule
// is shared with someone else.
func CountHostsOnSchedule(app core.App, scheduleID, exceptID string) (int64, error) {
	n, err := app.CountRecords(Hosts, dbx.HashExp{HostsSchedule: scheduleID}, dbx.Not(dbx.HashExp{FieldID: exceptID}))
	if err != nil {
		return 0, fmt.Errorf("hosts on schedule %s: %w", scheduleID, err)
	}
	return n, nil
}
