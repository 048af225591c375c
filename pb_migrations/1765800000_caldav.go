package migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// CalDAV (issue 17): calendar_connections may be CalDAV accounts (provider
// "caldav"), and caldav_events remembers, per connection and booking, the
// calendar and ETag of the event slotbase wrote. A table rather than a JSON
// field on the connection: each write updates one small row (no
// read-modify-write of a growing document that the sync job also saves),
// and the rows go with the connection by cascade.
func init() {
	m.Register(func(app core.App) error {
		conns, err := app.FindCollectionByNameOrId(c.CalendarConnectionsID)
		if err != nil {
			return err
		}
		f, ok := conns.Fields.GetByName(c.CalendarConnectionsProvider).(*core.SelectField)
		if !ok {
			return fmt.Errorf("calendar_connections.%s: not a select field", c.CalendarConnectionsProvider)
		}
		if !slices.Contains(f.Values, c.ProviderCalDAV) {
			f.Values = append(f.Values, c.ProviderCalDAV)
		}
		if err := app.Save(conns); err != nil {
			return err
		}
		events := adminOnly(c.CalDAVEvents, c.CalDAVEventsID,
			relation(c.CalDAVEventsConnection, c.CalendarConnectionsID, 1, true, true, ""),
			text(c.CalDAVEventsBooking, true, 64, ""),
			text(c.CalDAVEventsCalendar, true, 2048, ""),
			text(c.CalDAVEventsETag, false, 1024, ""),
		)
		events.AddIndex("idx_caldav_events_booking", true, c.CalDAVEventsConnection+", "+c.CalDAVEventsBooking, "")
		return app.Save(events)
	}, func(app core.App) error {
		events, err := app.FindCollectionByNameOrId(c.CalDAVEventsID)
		if err == nil {
			if err := app.Delete(events); err != nil {
				return err
			}
		}
		// CalDAV connections and their busy time go with the provider value.
		if _, err := app.DB().NewQuery("DELETE FROM " + c.BusyBlocks + " WHERE connection IN (SELECT id FROM " + c.CalendarConnections + " WHERE provider = {:p})").Bind(map[string]any{"p": c.ProviderCalDAV}).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM " + c.CalendarConnections + " WHERE provider = {:p}").Bind(map[string]any{"p": c.ProviderCalDAV}).Execute(); err != nil {
			return err
		}
		conns, err := app.FindCollectionByNameOrId(c.CalendarConnectionsID)
		if err != nil {
			return err
		}
		if f, ok := conns.Fields.GetByName(c.CalendarConnectionsProvider).(*core.SelectField); ok {
			f.Values = slices.DeleteFunc(f.Values, func(v string) bool { return v == c.ProviderCalDAV })
		}
		return app.Save(conns)
	})
}
