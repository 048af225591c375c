package collections_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	_ "github.com/slotbase/slotbase/pb_migrations"
)

// migratedApp is a bare PocketBase app with slotbase's collections.
func migratedApp(t *testing.T) core.App {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: t.TempDir()})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = app.ResetBootstrapState() })
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	return app
}

// saveHost stores an active host on schedule in zone and returns its id.
func saveHost(t *testing.T, app core.App, schedule, name, zone string) string {
	t.Helper()
	return saveRecord(t, app, c.Hosts, map[string]any{c.HostsName: name, c.HostsEmail: name + "@example.com", c.HostsTimezone: zone,
		c.HostsSchedule: schedule, c.HostsActive: true}).Id
}

func saveRecord(t *testing.T, app core.App, collection string, values map[string]any) *core.Record {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(collection)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	for k, v := range values {
		r.Set(k, v)
	}
	if err := app.Save(r); err != nil {
		t.Fatalf("save %s: %v", collection, err)
	}
	return r
}

// TestHostBookingsSQL: the bookings of the hosts asked for, single-host and
// shared, as PocketBase stores them, and nobody else's; read through the
// (host, start) indexes, not a scan of every host's bookings.
func TestHostBookingsSQL(t *testing.T) {
	app := migratedApp(t)
	sched := saveRecord(t, app, c.Schedules, map[string]any{c.SchedulesName: "s", c.SchedulesTimezone: "UTC", c.SchedulesWeekly: `{}`})
	host := func(name string) string { return saveHost(t, app, sched.Id, name, "UTC") }
	ann, bo, cy := host("ann"), host("bo"), host("cy")
	et := saveRecord(t, app, c.EventTypes, map[string]any{c.EventTypesSlug: "x", c.EventTypesTitle: "x", c.EventTypesDuration: 30,
		c.EventTypesHosts: []string{ann, bo, cy}, c.EventTypesAssignment: c.AssignmentCollective, c.EventTypesQuestions: `[]`})
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	book := func(hosts []string, at time.Time) string {
		return saveRecord(t, app, c.Bookings, map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: hosts, c.BookingsStart: at,
			c.BookingsEnd: at.Add(30 * time.Minute), c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "n", c.BookingsEmail: "n@example.com",
			c.BookingsTimezone: "UTC"}).Id
	}
	annOnly := book([]string{ann}, start)
	shared := book([]string{bo, ann}, start.Add(time.Hour))
	book([]string{bo}, start)                       // Bo's alone: not asked for
	book([]string{cy}, start.Add(2*time.Hour))      // Cy's: asked for but outside the range
	book([]string{ann}, start.Add(30*24*time.Hour)) // Ann's, outside the range
	cyShared := book([]string{bo, cy}, start.Add(time.Hour))

	query, params := c.HostBookingsSQL("b.id", []string{ann, cy}, "b.start >= {:lo} AND b.start < {:hi}")
	params["lo"], params["hi"] = c.UTCString(start), c.UTCString(start.Add(90*time.Minute))
	var rows []struct {
		ID   string `db:"id"`
		Host string `db:"host"`
	}
	if err := app.DB().NewQuery(query).Bind(params).All(&rows); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.ID+"/"+r.Host)
	}
	slices.Sort(got)
	want := []string{annOnly + "/" + ann, shared + "/" + ann, cyShared + "/" + cy}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("bookings %v, want %v", got, want)
	}

	var plan []struct {
		Detail string `db:"detail"`
	}
	if err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + query).Bind(params).All(&plan); err != nil {
		t.Fatal(err)
	}
	var steps []string
	for _, p := range plan {
		steps = append(steps, p.Detail)
	}
	all := strings.Join(steps, "\n")
	if !strings.Contains(all, "idx_bookings_hosts_start") || !strings.Contains(all, "idx_bookings_shared_start") || strings.Contains(all, "SCAN b\n") || strings.HasSuffix(all, "SCAN b") {
		t.Fatalf("query plan does not use the host indexes:\n%s", all)
	}
}

// TestBusyOfReadsOnlyTheHostsBlocks: busy time of the hosts asked for,
// overlapping the range, read connection by connection.
func TestBusyOfReadsOnlyTheHostsBlocks(t *testing.T) {
	app := migratedApp(t)
	sched := saveRecord(t, app, c.Schedules, map[string]any{c.SchedulesName: "s", c.SchedulesTimezone: "UTC", c.SchedulesWeekly: `{}`})
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	block := func(host, source string, start time.Time, d time.Duration) {
		cn, err := app.FindFirstRecordByData(c.CalendarConnections, c.CalendarConnectionsHost, host)
		if err != nil {
			cn = saveRecord(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: "google",
				c.CalendarConnectionsStatus: c.ConnectionConnected})
		}
		saveRecord(t, app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: source,
			c.BusyBlocksStart: start, c.BusyBlocksEnd: start.Add(d)})
	}
	var hosts []string
	for _, name := range []string{"ann", "bo"} {
		hosts = append(hosts, saveHost(t, app, sched.Id, name, "UTC"))
	}
	block(hosts[0], "in", at, time.Hour)
	block(hosts[0], "long", at.Add(-10*24*time.Hour), 11*24*time.Hour) // a fortnight away reaching into the range
	block(hosts[0], "before", at.Add(-2*time.Hour), time.Hour)
	block(hosts[0], "after", at.Add(5*time.Hour), time.Hour)
	block(hosts[1], "other", at, time.Hour)
	got, err := c.BusyOf(app, hosts[:1], at, at.Add(4*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[hosts[0]]) != 2 {
		t.Fatalf("busy %v, want Ann's two blocks overlapping the range", got)
	}
}
