package migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// ICS feeds (issue 17): calendar_connections may be read-only ICS
// subscriptions (provider "ics") that can be "failing"; hosts get the hash
// of their private bookings feed's token. Values are appended, never
// replaced, so other providers' migrations compose with this one.
func init() {
	m.Register(func(app core.App) error {
		conns, err := app.FindCollectionByNameOrId(c.CalendarConnectionsID)
		if err != nil {
			return err
		}
		for name, value := range map[string]string{c.CalendarConnectionsProvider: c.ProviderICS, c.CalendarConnectionsStatus: c.ConnectionFailing} {
			f, ok := conns.Fields.GetByName(name).(*core.SelectField)
			if !ok {
				return fmt.Errorf("calendar_connections.%s: not a select field", name)
			}
			if !slices.Contains(f.Values, value) {
				f.Values = append(f.Values, value)
			}
		}
		if err := app.Save(conns); err != nil {
			return err
		}
		hosts, err := app.FindCollectionByNameOrId(c.HostsID)
		if err != nil {
			return err
		}
		hosts.Fields.Add(hidden(text(c.HostsICSFeedTokenHash, false, 128, "")))
		hosts.AddIndex("idx_hosts_ics_feed_token", true, c.HostsICSFeedTokenHash, c.HostsICSFeedTokenHash+" != ''")
		return app.Save(hosts)
	}, func(app core.App) error {
		hosts, err := app.FindCollectionByNameOrId(c.HostsID)
		if err != nil {
			return err
		}
		hosts.RemoveIndex("idx_hosts_ics_feed_token")
		hosts.Fields.RemoveByName(c.HostsICSFeedTokenHash)
		if err := app.Save(hosts); err != nil {
			return err
		}
		// ICS subscriptions and their busy time go with the provider value.
		if _, err := app.DB().NewQuery("DELETE FROM " + c.BusyBlocks + " WHERE connection IN (SELECT id FROM " + c.CalendarConnections + " WHERE provider = {:p})").Bind(map[string]any{"p": c.ProviderICS}).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("DELETE FROM " + c.CalendarConnections + " WHERE provider = {:p}").Bind(map[string]any{"p": c.ProviderICS}).Execute(); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE " + c.CalendarConnections + " SET status = {:n} WHERE status = {:f}").Bind(map[string]any{"n": c.ConnectionNeedsReconnect, "f": c.ConnectionFailing}).Execute(); err != nil {
			return err
		}
		conns, err := app.FindCollectionByNameOrId(c.CalendarConnectionsID)
		if err != nil {
			return err
		}
		for name, value := range map[string]string{c.CalendarConnectionsProvider: c.ProviderICS, c.CalendarConnectionsStatus: c.ConnectionFailing} {
			if f, ok := conns.Fields.GetByName(name).(*core.SelectField); ok {
				f.Values = slices.DeleteFunc(f.Values, func(v string) bool { return v == value })
			}
		}
		return app.Save(conns)
	})
}
