package hooks

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

// TestSchema checks every collection of DESIGN.md exists with its fields and
// that none of them is open to the public through the records API.
func TestSchema(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()

	want := map[string][]string{
		c.Settings:            {"org_name", "timezone", "public_url", "brand_color", "logo"},
		c.Hosts:               {"name", "email", "timezone", "schedule", "active"},
		c.Schedules:           {"name", "timezone", "weekly"},
		c.DateOverrides:       {"schedule", "date", "intervals", "reason"},
		c.EventTypes:          {"slug", "title", "description", "duration", "slot_step", "buffer_before", "buffer_after", "min_notice", "horizon_days", "daily_limit", "seats", "hosts", "assignment", "requires_confirmation", "location", "questions", "active"},
		c.Bookings:            {"event_type", "hosts", "start", "end", "status", "name", "email", "timezone", "notes", "answers", "manage_token_hash", "google_event_id", "cancel_reason", "rescheduled_from"},
		c.CalendarConnections: {"host", "provider", "account", "tokens_encrypted", "busy_calendars", "write_calendar", "sync_state", "status", "last_error"},
		c.BusyBlocks:          {"connection", "start", "end", "source_id"},
		c.APIKeys:             {"name", "prefix", "key_hash", "scopes", "expires", "last_used", "revoked"},
		c.Jobs:                {"kind", "payload", "status", "attempts", "run_after", "last_error"},
	}
	for name, fields := range want {
		t.Run(name, func(t *testing.T) {
			col, err := app.FindCollectionByNameOrId(name)
			if err != nil {
				t.Fatalf("collection %s: %v", name, err)
			}
			for _, f := range append(fields, "created", "updated") {
				if col.Fields.GetByName(f) == nil {
					t.Errorf("%s.%s is missing", name, f)
				}
			}
			for rule, v := range map[string]*string{"list": col.ListRule, "view": col.ViewRule, "create": col.CreateRule, "update": col.UpdateRule, "delete": col.DeleteRule} {
				if v != nil {
					t.Errorf("%s %s rule = %q, want superusers only (nil)", name, rule, *v)
				}
			}
		})
	}

	idx := map[string][]string{
		c.EventTypes: {"idx_event_types_slug"},
		c.Bookings:   {"idx_bookings_start", "idx_bookings_event_type_start", "idx_bookings_token"},
	}
	for name, names := range idx {
		col, _ := app.FindCollectionByNameOrId(name)
		for _, n := range names {
			if !slices.ContainsFunc(col.Indexes, func(s string) bool { return strings.Contains(s, "`"+n+"`") }) {
				t.Errorf("%s: index %s missing in %v", name, n, col.Indexes)
			}
		}
	}
	if col, _ := app.FindCollectionByNameOrId(c.EventTypes); !strings.Contains(strings.Join(col.Indexes, " "), "UNIQUE INDEX `idx_event_types_slug`") {
		t.Errorf("event_types.slug must be unique: %v", col.Indexes)
	}
}

// TestPublicGetsNoRecords asks the records API for every private collection
// without credentials: the answer carries no record data.
func TestPublicGetsNoRecords(t *testing.T) {
	factory := func(t testing.TB) *tests.TestApp {
		app := seeded(t, Config{})
		insertSecretBooking(t, app)
		return app
	}
	for _, name := range []string{c.Bookings, c.Hosts, c.Schedules, c.APIKeys, c.Jobs, c.CalendarConnections, c.EventTypes, c.Settings, c.BusyBlocks, c.DateOverrides} {
		for _, url := range []string{"/api/collections/" + name + "/records", "/api/collections/" + name + "/records?filter=id!=''", "/api/collections/" + name + "/records/" + secretBookingID} {
			s := tests.ApiScenario{
				Name:               "list " + url,
				Method:             http.MethodGet,
				URL:                url,
				TestAppFactory:     factory,
				ExpectedStatus:     http.StatusForbidden,
				ExpectedContent:    []string{`"data":{}`},
				NotExpectedContent: []string{"secret@example.com", "Secret Person", "Demo Host", "host@example.com", `"items"`},
			}
			s.Test(t)
		}
	}
}

// secretBookingID is the fixed id of the booking insertSecretBooking stores.
const secretBookingID = "secretbooking01"

// insertSecretBooking stores one booking with recognisable data.
func insertSecretBooking(t testing.TB, app core.App) *core.Record {
	t.Helper()
	et, err := c.FindActiveEventType(app, DemoSlug)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Hour)
	b, err := newRecord(app, c.Bookings, map[string]any{
		c.BookingsEventType: et.Id,
		c.BookingsHosts:     et.HostIDs(),
		c.BookingsStart:     start,
		c.BookingsEnd:       start.Add(30 * time.Minute),
		c.BookingsStatus:    c.StatusConfirmed,
		c.BookingsName:      "Secret Person",
		c.BookingsEmail:     "secret@example.com",
		c.BookingsTimezone:  "Europe/London",
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Id = secretBookingID
	if err := app.Save(b); err != nil {
		t.Fatal(err)
	}
	return b
}
