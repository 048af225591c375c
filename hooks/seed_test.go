package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

func counts(t *testing.T, app core.App) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for _, name := range []string{c.Settings, c.Hosts, c.Schedules, c.EventTypes} {
		n, err := app.CountRecords(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func TestSeedFirstRun(t *testing.T) {
	scenarios := []struct {
		name   string
		noDemo bool
		want   map[string]int64
	}{
		{"demo", false, map[string]int64{c.Settings: 1, c.Hosts: 1, c.Schedules: 1, c.EventTypes: 1}},
		{"no-demo", true, map[string]int64{c.Settings: 1, c.Hosts: 0, c.Schedules: 0, c.EventTypes: 0}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			app := newTestApp(t, Config{})
			defer app.Cleanup()
			created, err := SeedFirstRun(app, "America/New_York", s.noDemo)
			if err != nil || !created {
				t.Fatalf("first run: created=%v err=%v", created, err)
			}
			if got := counts(t, app); !equalCounts(got, s.want) {
				t.Fatalf("after first run: %v, want %v", got, s.want)
			}
			// A second start changes nothing, with or without the flag.
			for _, noDemo := range []bool{false, true} {
				created, err := SeedFirstRun(app, "Asia/Tokyo", noDemo)
				if err != nil || created {
					t.Fatalf("second run: created=%v err=%v", created, err)
				}
			}
			if got := counts(t, app); !equalCounts(got, s.want) {
				t.Fatalf("after second run: %v, want %v", got, s.want)
			}
			settings, err := c.FindSettings(app)
			if err != nil || settings.Timezone() != "America/New_York" {
				t.Fatalf("settings zone = %v (%v), want America/New_York", settings, err)
			}
			if s.noDemo {
				return
			}
			et, err := c.FindActiveEventType(app, DemoSlug)
			if err != nil {
				t.Fatal(err)
			}
			if et.Title() != "30-minute intro call" || et.Duration().Minutes() != 30 || len(et.HostIDs()) != 1 {
				t.Fatalf("demo event type: %q %v %v", et.Title(), et.Duration(), et.HostIDs())
			}
			host, _ := app.FindRecordById(c.Hosts, et.HostIDs()[0])
			sched, _ := app.FindRecordById(c.Schedules, c.NewHost(host).ScheduleID())
			s := c.NewSchedule(sched)
			if s.Timezone() != "America/New_York" || !strings.Contains(string(s.WeeklyJSON()), `"fri":[["09:00","17:00"]]`) || strings.Contains(string(s.WeeklyJSON()), "sat") {
				t.Fatalf("demo schedule: %s %s", s.Timezone(), s.WeeklyJSON())
			}
			// An admin who deletes the demo does not get it back.
			if err := app.Delete(et.Record); err != nil {
				t.Fatal(err)
			}
			if created, _ := SeedFirstRun(app, "UTC", false); created {
				t.Fatal("deleted demo came back")
			}
		})
	}
}

func TestSeedRejectsBadZone(t *testing.T) {
	app := newTestApp(t, Config{})
	defer app.Cleanup()
	for _, zone := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd"} {
		if _, err := SeedFirstRun(app, zone, false); err == nil || !strings.Contains(err.Error(), "timezone") {
			t.Errorf("zone %q: err = %v, want a timezone error", zone, err)
		}
	}
	if n, _ := app.CountRecords(c.Settings); n != 0 {
		t.Fatalf("a failed seed left %d settings records", n)
	}
}

func equalCounts(a, b map[string]int64) bool {
	for k, v := range b {
		if a[k] != v {
			return false
		}
	}
	return len(a) == len(b)
}

func TestPublicRoutes(t *testing.T) {
	scenarios := []tests.ApiScenario{
		{
			Name:            "event types list the demo",
			Method:          http.MethodGet,
			URL:             "/api/public/event-types",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"slug":"intro"`, `"title":"30-minute intro call"`, `"duration":30`, `"questions":[]`},
			NotExpectedContent: []string{
				`"hosts"`, "host@example.com", `"id"`,
			},
		},
		{
			Name:            "settings give the branding",
			Method:          http.MethodGet,
			URL:             "/api/public/settings",
			ExpectedStatus:  200,
			ExpectedContent: []string{`"org_name":"slotbase demo"`, `"timezone":"Europe/London"`, `"brand_color":"#2554c7"`},
		},
		{
			Name:            "health",
			Method:          http.MethodGet,
			URL:             "/api/health",
			ExpectedStatus:  200,
			ExpectedContent: []string{"healthy"},
		},
		{
			Name:            "booking page at /",
			Method:          http.MethodGet,
			URL:             "/",
			ExpectedStatus:  200,
			ExpectedContent: []string{"<html", "/api/public/event-types"},
		},
		{
			Name:            "pretty link /intro serves the page",
			Method:          http.MethodGet,
			URL:             "/intro",
			ExpectedStatus:  200,
			ExpectedContent: []string{"<html"},
		},
	}
	for _, s := range scenarios {
		s.TestAppFactory = func(t testing.TB) *tests.TestApp { return newTestApp(t, Config{}) }
		s.Test(t)
	}

	noDemo := tests.ApiScenario{
		Name:               "no-demo lists nothing",
		Method:             http.MethodGet,
		URL:                "/api/public/event-types",
		TestAppFactory:     func(t testing.TB) *tests.TestApp { return newTestApp(t, Config{NoDemo: true}) },
		ExpectedStatus:     200,
		ExpectedContent:    []string{`"items":[]`},
		NotExpectedContent: []string{"intro"},
	}
	noDemo.Test(t)
}
