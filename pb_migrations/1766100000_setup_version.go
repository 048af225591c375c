package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// The setup version (issue 18, eighth step): a counter bumped by triggers
// on hosts, schedules, date overrides and event types, which the booking
// transaction reads to know whether the hosts' setup it keeps in memory is
// current (collections/setup_version.go).
func init() {
	m.Register(func(app core.App) error {
		return c.EnsureSetupVersion(app)
	}, func(app core.App) error {
		return c.DropSetupVersion(app)
	})
}
