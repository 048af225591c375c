package migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// Microsoft 365 (issue 17): calendar_connections may be Microsoft accounts
// (provider "microsoft"), and msgraph_events remembers, per connection and
// booking, the Graph id of the event slotbase wrote (the caldav_events
// shape: one small row per write, gone with the connection by cascade).
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
		if !slices.Contains(f.Values, c.ProviderMicrosoft) {
			f.Values = append(f.Values, c.ProviderMicrosoft)
		}
		if err := app.Save(conns); err != nil {
			return err
		}
		events := adminOnly(c.MSGraphEvents, c.MSGraphEventsID,
			relation(c.MSGraphEventsConnection, c.CalendarConnectionsID, 1, true, true, ""),
			text(c.MSGraphEventsBooking, true, 64, ""),
			text(c.MSGraphEventsEventID, true, 1024, ""),
		)
		events.AddIndex("idx_msgraph_events_booking", true, c.MSGraphEventsConnection+", "+c.MSGraphEventsBooking, "")
		return app.Save(events)
	}, func(app core.App) error {
		events, err := app.FindCollectionByNameOrId(c.MSGraphEventsID)
		if err == nil {
			if err := app.Delete(events); err != nil {
				return err
			}
		}
		// Microsoft connections and their busy time go with the provider value.
		if _, err := app.DB().NewQuery("DELETE FROM " + c.BusyBlocks + " WHERE connection IN (SELECT id FROM " + c.CalendarConnections + " WHERE provider = {:p})").Bind(map[string]any{"p": c.ProviderMicrosoft}).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM " + c.CalendarConnections + " WHERE provider = {:p}").Bind(map[string]any{"p": c.ProviderMicrosoft}).Execute(); err != nil {
			return err
		}
		conns, err := app.FindCollectionByNameOrId(c.CalendarConnectionsID)
		if err != nil {
			return err
		}
		if f, ok := conns.Fields.GetByName(c.CalendarConnectionsProvider).(*core.SelectField); ok {
			f.Values = slices.DeleteFunc(f.Values, func(v string) bool { return v == c.ProviderMicrosoft })
		}
		return app.Save(conns)
	})
}
