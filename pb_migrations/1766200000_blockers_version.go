package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// The blockers version (issue 18, tenth step): a counter bumped by triggers
// on bookings, busy blocks and calendar connections, which lets a booking
// transaction shared by several bookings (group commit) reuse its read of
// a host's bookings while nothing but its own inserts changed them
// (collections/setup_version.go, hooks/windowcache.go).
func init() {
	m.Register(func(app core.App) error {
		return c.EnsureBlockersVersion(app)
	}, func(app core.App) error {
		return c.DropBlockersVersion(app)
	})
}
