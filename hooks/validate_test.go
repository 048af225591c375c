package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// superuserToken creates a superuser in app and returns an auth token.
func superuserToken(t testing.TB, app core.App) string {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail("admin@example.com")
	su.SetPassword("a-long-password-123")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	token, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// TestAdminUIValidation saves bad records through the records API as a
// superuser (what the admin UI does) and expects the field named.
func TestAdminUIValidation(t *testing.T) {
	app, hostID := bookingApp(t, nil)
	defer app.Cleanup()
	token := superuserToken(t, app)
	h, _ := app.FindRecordById(c.Hosts, hostID)
	scheduleID := c.NewHost(h).ScheduleID()
	host2 := mkHost(t, app, "Bob", "UTC", weekdays9to5)
	url := serveHTTP(t, app)

	schedule := func(zone, weekly string) string {
		return mustJSON(map[string]any{"name": "x", "timezone": zone, "weekly": weekly})
	}
	override := func(date, intervals string) string {
		return mustJSON(map[string]any{"schedule": scheduleID, "date": date, "intervals": intervals})
	}
	eventType := func(extra map[string]any) string {
		m := map[string]any{"slug": "new-type", "title": "New", "duration": 30, "hosts": []string{hostID}, "assignment": "single", "active": true}
		for k, v := range extra {
			m[k] = v
		}
		return mustJSON(m)
	}
	scenarios := []struct {
		name, collection, body, field string
	}{
		{"schedule: unknown zone", c.Schedules, schedule("Mars/Olympus", `{"mon":[["09:00","17:00"]]}`), "timezone"},
		{"schedule: bad JSON", c.Schedules, schedule("UTC", `{"mon":[["09:00"]]}`), "weekly"},
		{"schedule: unknown day", c.Schedules, schedule("UTC", `{"monday":[["09:00","17:00"]]}`), "weekly"},
		{"schedule: overlapping windows", c.Schedules, schedule("UTC", `{"mon":[["09:00","12:00"],["11:00","14:00"]]}`), "weekly"},
		{"schedule: empty window", c.Schedules, schedule("UTC", `{"mon":[["09:00","09:00"]]}`), "weekly"},
		{"schedule: bad clock", c.Schedules, schedule("UTC", `{"mon":[["25:00","26:00"]]}`), "weekly"},
		{"override: impossible date", c.DateOverrides, override("2026-02-30", `[]`), "date"},
		{"override: garbage intervals", c.DateOverrides, override("2026-03-02", `[["x","y"]]`), "intervals"},
		{"override: missing intervals", c.DateOverrides, override("2026-03-02", `null`), "intervals"},
		{"host: unknown zone", c.Hosts, mustJSON(map[string]any{"name": "H", "email": "h@example.com", "timezone": "Europe/Nowhere", "schedule": scheduleID, "active": true}), "timezone"},
		{"event type: step under 5 minutes", c.EventTypes, eventType(map[string]any{"slot_step": 3}), "slot_step"},
		{"event type: bad questions", c.EventTypes, eventType(map[string]any{"questions": `[{"id":"a","label":"A","type":"colour"}]`}), "questions"},
		{"event type: single with two hosts", c.EventTypes, eventType(map[string]any{"hosts": []string{hostID, host2}}), "hosts"},
		{"settings: Local zone", c.Settings, mustJSON(map[string]any{"org_name": "x", "timezone": "Local"}), "timezone"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := call(t, http.MethodPost, url+"/api/collections/"+s.collection+"/records", token, s.body)
			if code != 400 || !strings.Contains(body, `"`+s.field+`":{"code":`) {
				t.Fatalf("%d %s, want 400 naming %q", code, body, s.field)
			}
		})
	}
	code, body := call(t, http.MethodPost, url+"/api/collections/schedules/records", token, schedule("Asia/Kolkata", `{"fri":[["22:00","02:00"]],"sat":[["10:00","24:00"]]}`))
	if code != 200 {
		t.Fatalf("a good schedule with a window past midnight: %d %s", code, body)
	}
}
