package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// Availability reads by host and time (issue 18): a host's bookings were
// found through the start-time index alone, reading every host's bookings
// in the range. Single-host bookings (hosts = '["id"]', as PocketBase
// writes a relation list) are now found by (hosts, start); the few
// collective bookings with several hosts by a partial index of their own
// (collections.HostBookingsSQL reads both). Both cover every column the
// availability query reads, so it never visits the table itself.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId(c.BookingsID)
		if err != nil {
			return err
		}
		covered := "start, status, end, event_type, buffer_before, buffer_after, id"
		col.AddIndex("idx_bookings_hosts_start", false, "hosts, "+covered, "")
		col.AddIndex("idx_bookings_shared_start", false, covered+", hosts", "json_array_length(hosts) > 1")
		if err := app.Save(col); err != nil {
			return err
		}
		// Busy time by connection and end, covering start too.
		busy, err := app.FindCollectionByNameOrId(c.BusyBlocks)
		if err != nil {
			return err
		}
		busy.RemoveIndex("idx_busy_blocks_connection_end")
		busy.AddIndex("idx_busy_blocks_connection_end_start", false, "connection, end, start", "")
		return app.Save(busy)
	}, func(app core.App) error {
		busy, err := app.FindCollectionByNameOrId(c.BusyBlocks)
		if err != nil {
			return err
		}
		busy.RemoveIndex("idx_busy_blocks_connection_end_start")
		busy.AddIndex("idx_busy_blocks_connection_end", false, "connection, end", "")
		if err := app.Save(busy); err != nil {
			return err
		}
		col, err := app.FindCollectionByNameOrId(c.BookingsID)
		if err != nil {
			return err
		}
		col.RemoveIndex("idx_bookings_hosts_start")
		col.RemoveIndex("idx_bookings_shared_start")
		return app.Save(col)
	})
}
