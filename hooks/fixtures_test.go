package hooks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

// testNow is the fixed clock of the booking tests: Monday 2 March 2026, 00:00 UTC.
var testNow = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// fixedClock returns a clock stuck at t.
func fixedClock(t time.Time) func() time.Time { return func() time.Time { return t } }

// weekdays9to5 is Monday to Friday 09:00–17:00.
const weekdays9to5 = `{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}`

// save builds and stores a record, failing the test on error.
func save(t testing.TB, app core.App, collection string, values map[string]any) *core.Record {
	t.Helper()
	r, err := newRecord(app, collection, values)
	if err != nil {
		t.Fatal(err)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("save %s: %v", collection, err)
	}
	return r
}

// mkHost stores a schedule and an active host on it; returns the host id.
func mkHost(t testing.TB, app core.App, name, zone, weekly string) string {
	t.Helper()
	s := save(t, app, c.Schedules, map[string]any{c.SchedulesName: name + "'s hours", c.SchedulesTimezone: zone, c.SchedulesWeekly: weekly})
	h := save(t, app, c.Hosts, map[string]any{
		c.HostsName: name, c.HostsEmail: strings.ToLower(name) + "@example.com",
		c.HostsTimezone: zone, c.HostsSchedule: s.Id, c.HostsActive: true,
	})
	return h.Id
}

// mkEventType stores an active event type; extra overrides the defaults
// (30 minutes, step 30, one seat, single host, no notice, 60-day horizon).
func mkEventType(t testing.TB, app core.App, slug string, hosts []string, extra map[string]any) *core.Record {
	t.Helper()
	values := map[string]any{
		c.EventTypesSlug: slug, c.EventTypesTitle: "Meeting " + slug,
		c.EventTypesDuration: 30, c.EventTypesSlotStep: 30, c.EventTypesSeats: 1,
		c.EventTypesHorizonDays: 60, c.EventTypesHosts: hosts,
		c.EventTypesAssignment: c.AssignmentSingle, c.EventTypesActive: true,
		c.EventTypesQuestions: `[]`,
	}
	for k, v := range extra {
		values[k] = v
	}
	return save(t, app, c.EventTypes, values)
}

// bookingApp is a seeded test app (no demo) on a fixed clock with one host
// in Europe/London working weekdays 9–5, and event type "call".
func bookingApp(t testing.TB, extra map[string]any) (*tests.TestApp, string) {
	t.Helper()
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, extra)
	return app, host
}

// testMux builds app's full router (slotbase routes included) as a handler,
// firing the serve event as a real start does (without the job worker).
func testMux(t testing.TB, app *tests.TestApp) http.Handler {
	t.Helper()
	router, err := apis.NewRouter(app)
	if err != nil {
		t.Fatal(err)
	}
	se := &core.ServeEvent{App: app, Router: router}
	if err := app.OnServe().Trigger(se, func(e *core.ServeEvent) error { return nil }); err != nil {
		t.Fatal(err)
	}
	mux, err := router.BuildMux()
	if err != nil {
		t.Fatal(err)
	}
	return mux
}

// serveHTTP runs app's full router on a real loopback HTTP server, for
// tests that need concurrency.
func serveHTTP(t testing.TB, app *tests.TestApp) string {
	t.Helper()
	srv := httptest.NewServer(testMux(t, app))
	t.Cleanup(srv.Close)
	return srv.URL
}

// postJSON sends body to url and decodes the JSON answer into a map.
func postJSON(t testing.TB, client *http.Client, url string, body any, headers map[string]string) (int, map[string]any) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(string(raw)))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res, err := client.Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, nil
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	return res.StatusCode, out
}

// getJSON fetches url and decodes the JSON answer.
func getJSON(t testing.TB, url string, into any) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if into != nil {
		if err := json.Unmarshal(data, into); err != nil {
			t.Fatalf("GET %s: %v in %s", url, err, data)
		}
	}
	return res.StatusCode
}

// countBookings counts bookings matching a filter.
func countBookings(t testing.TB, app core.App, filter string, params ...dbx.Params) int {
	t.Helper()
	records, err := app.FindRecordsByFilter(c.Bookings, filter, "", 0, 0, params...)
	if err != nil {
		t.Fatal(err)
	}
	return len(records)
}

// mustJSON encodes v.
func mustJSON(v any) string {
	raw, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(raw)
}
