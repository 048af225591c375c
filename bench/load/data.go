package main

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks"
	_ "github.com/slotbase/slotbase/pb_migrations"
)

// prepare makes a data dir with event type "load": one host in UTC working
// every day 00:00–24:00 in 30-minute slots (so the booking load has room),
// plus n bookings scattered over the 31 days from `from`.
func prepare(dir string, from time.Time, n int, office bool) error {
	app, err := freshApp(dir)
	if err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	save := func(collection string, values map[string]any) (*core.Record, error) {
		return saveRecord(app, collection, values)
	}
	if _, err := save(core.CollectionNameSuperusers, map[string]any{"email": orgAdminEmail, "password": orgAdminSecret}); err != nil {
		return err // -profile and the outbox backlog read admin routes
	}
	day := `[["00:00","24:00"]]`
	weekly := `{"mon":` + day + `,"tue":` + day + `,"wed":` + day + `,"thu":` + day + `,"fri":` + day + `,"sat":` + day + `,"sun":` + day + `}`
	if office {
		weekly = officeWeekly
	}
	s, err := save(c.Schedules, map[string]any{c.SchedulesName: "always", c.SchedulesTimezone: "UTC", c.SchedulesWeekly: weekly})
	if err != nil {
		return err
	}
	h, err := save(c.Hosts, map[string]any{c.HostsName: "Load", c.HostsEmail: "load@example.com", c.HostsTimezone: "UTC", c.HostsSchedule: s.Id, c.HostsActive: true})
	if err != nil {
		return err
	}
	et, err := save(c.EventTypes, map[string]any{c.EventTypesSlug: "load", c.EventTypesTitle: "Load", c.EventTypesDuration: 30, c.EventTypesSlotStep: 30,
		c.EventTypesHorizonDays: 730, c.EventTypesSeats: 1, c.EventTypesHosts: []string{h.Id}, c.EventTypesAssignment: c.AssignmentSingle, c.EventTypesActive: true})
	if err != nil {
		return err
	}
	if office && n > 31*16*5/7 {
		return fmt.Errorf("%d bookings do not fit in 31 days of office hours", n)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	taken := map[int]bool{}
	return app.RunInTransaction(func(tx core.App) error {
		for i := 0; i < n; {
			k := rnd.IntN(31 * 48)
			start := from.Add(time.Duration(k) * 30 * time.Minute)
			if taken[k] || office && !inOffice(start) {
				continue
			}
			taken[k] = true
			i++
			col, _ := tx.FindCachedCollectionByNameOrId(c.Bookings)
			r := core.NewRecord(col)
			for key, v := range map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: []string{h.Id}, c.BookingsStart: start, c.BookingsEnd: start.Add(30 * time.Minute),
				c.BookingsStatus: c.StatusConfirmed, c.BookingsName: fmt.Sprint("Seed ", i), c.BookingsEmail: "seed@example.com", c.BookingsTimezone: "UTC"} {
				r.Set(key, v)
			}
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
}

// freshApp bootstraps a new data dir in dir with slotbase's collections and
// its first-run settings (no demo); the caller resets it when done.
func freshApp(dir string) (*core.BaseApp, error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return nil, err
	}
	if err := app.RunAllMigrations(); err != nil {
		_ = app.ResetBootstrapState()
		return nil, err
	}
	if _, err := hooks.SeedFirstRun(app, "UTC", true); err != nil {
		_ = app.ResetBootstrapState()
		return nil, err
	}
	return app, nil
}

// saveRecord saves a new record of collection with values.
func saveRecord(app core.App, collection string, values map[string]any) (*core.Record, error) {
	col, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	for k, v := range values {
		r.Set(k, v)
	}
	return r, app.Save(r)
}

// doubleBookings counts pairs of live bookings of one host that overlap.
func doubleBookings(dir string) (doubles, count int, err error) {
	return countOverlaps(dir, `SELECT
		(SELECT COUNT(*) FROM bookings a, json_each(a.hosts) ja, bookings b, json_each(b.hosts) jb
			WHERE a.id < b.id AND ja.value = jb.value AND a.start < b.end AND b.start < a.end
			AND a.status IN `+c.LiveStatusesSQL+` AND b.status IN `+c.LiveStatusesSQL+`) AS n,
		(SELECT COUNT(*) FROM bookings) AS m`, nil)
}

// doubleBookingsSince counts the live bookings created since t that overlap
// another live booking of one of their hosts (the large organisation: its
// 100,000 prepared bookings are not compared pairwise, only the load's own
// against everything near them; no booking lasts a day, so the other's
// start is within a day before this one's).
func doubleBookingsSince(dir string, t time.Time) (doubles, count int, err error) {
	return countOverlaps(dir, `SELECT
		(SELECT COUNT(DISTINCT a.id) FROM bookings a, json_each(a.hosts) ja, bookings b, json_each(b.hosts) jb
			WHERE a.created >= {:since} AND a.id <> b.id AND ja.value = jb.value
			AND b.start >= strftime('%Y-%m-%d %H:%M:%fZ', a.start, '-1 day') AND b.start < a.end AND a.start < b.end
			AND a.status IN `+c.LiveStatusesSQL+` AND b.status IN `+c.LiveStatusesSQL+`) AS n,
		(SELECT COUNT(*) FROM bookings WHERE created >= {:since}) AS m`, dbx.Params{"since": c.UTCString(t)})
}

// countOverlaps opens the (stopped) server's data dir and runs a query
// answering n (overlaps) and m (bookings looked at).
func countOverlaps(dir, query string, params dbx.Params) (doubles, count int, err error) {
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		return 0, 0, err
	}
	defer app.ResetBootstrapState()
	var row struct {
		N int `db:"n"`
		M int `db:"m"`
	}
	err = app.DB().NewQuery(query).Bind(params).One(&row)
	return row.N, row.M, err
}

// officeWeekly is Monday to Friday, 09:00–17:00 (UTC): 16 slots a day.
const officeWeekly = `{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}`

func inOffice(t time.Time) bool {
	wd := t.Weekday()
	return wd != time.Saturday && wd != time.Sunday && t.Hour() >= 9 && t.Hour() < 17
}

// slotAt is the k-th 30-minute slot from `from` on the chosen schedule.
func slotAt(k int64, from time.Time, office bool) time.Time {
	if !office {
		return from.Add(time.Duration(k) * 30 * time.Minute)
	}
	day := from.Truncate(24 * time.Hour)
	for {
		if wd := day.Weekday(); wd != time.Saturday && wd != time.Sunday {
			if k < 16 {
				return day.Add(9*time.Hour + time.Duration(k)*30*time.Minute)
			}
			k -= 16
		}
		day = day.AddDate(0, 0, 1)
	}
}
