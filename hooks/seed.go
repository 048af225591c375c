package hooks

import (
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// demoWeekly is the demo schedule: Monday to Friday, 09:00–17:00.
const demoWeekly = `{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}`

// DemoSlug is the slug of the event type the first run creates.
const DemoSlug = "intro"

// SeedFirstRun creates the settings record and, unless noDemo, a demo host,
// schedule and event type, all in one transaction. It does nothing when the
// settings record exists already, so a second start (or an admin who deleted
// the demo) changes nothing. It reports whether it created anything.
func SeedFirstRun(app core.App, zone string, noDemo bool) (bool, error) {
	if _, err := time.LoadLocation(zone); err != nil || zone == "" || zone == "Local" {
		return false, fmt.Errorf("timezone: %q is not an IANA time zone", zone)
	}
	seeded := false
	err := app.RunInTransaction(func(tx core.App) error {
		n, err := tx.CountRecords(c.Settings)
		if err != nil || n > 0 {
			return err
		}
		seeded = true
		settings, err := newRecord(tx, c.Settings, map[string]any{
			c.SettingsOrgName:    "slotbase demo",
			c.SettingsTimezone:   zone,
			c.SettingsBrandColor: "#2554c7",
			// No email_from_name: e-mails come from the organisation's name.
			c.SettingsDefaultLanguage: i18n.Default,
		})
		if err != nil {
			return err
		}
		if err := tx.Save(settings); err != nil || noDemo {
			return err
		}
		return seedDemo(tx, zone)
	})
	return seeded, err
}

func seedDemo(tx core.App, zone string) error {
	schedule, err := newRecord(tx, c.Schedules, map[string]any{
		c.SchedulesName:     "Weekdays 9–5",
		c.SchedulesTimezone: zone,
		c.SchedulesWeekly:   demoWeekly,
	})
	if err != nil {
		return err
	}
	if err := tx.Save(schedule); err != nil {
		return err
	}
	host, err := newRecord(tx, c.Hosts, map[string]any{
		c.HostsName:     "Demo Host",
		c.HostsEmail:    "host@example.com",
		c.HostsTimezone: zone,
		c.HostsSchedule: schedule.Id,
		c.HostsActive:   true,
	})
	if err != nil {
		return err
	}
	if err := tx.Save(host); err != nil {
		return err
	}
	intro, err := newRecord(tx, c.EventTypes, map[string]any{
		c.EventTypesSlug:        DemoSlug,
		c.EventTypesTitle:       "30-minute intro call",
		c.EventTypesDescription: "A short call to get to know each other.",
		c.EventTypesDuration:    30,
		c.EventTypesSlotStep:    30,
		c.EventTypesMinNotice:   120,
		c.EventTypesHorizonDays: 60,
		c.EventTypesSeats:       1,
		c.EventTypesHosts:       []string{host.Id},
		c.EventTypesAssignment:  c.AssignmentSingle,
		c.EventTypesLocation:    "Video call (link follows by e-mail)",
		c.EventTypesQuestions:   `[]`,
		c.EventTypesActive:      true,
		// German and Japanese variants, so the languages show in the demo.
		c.EventTypesTranslations: demoTranslations,
	})
	if err != nil {
		return err
	}
	return tx.Save(intro)
}

// demoTranslations are the demo event type's texts in German and Japanese.
const demoTranslations = `{
  "de": {"title": "30-minütiges Kennenlerngespräch", "description": "Ein kurzes Gespräch, um einander kennenzulernen.", "questions": {}},
  "ja": {"title": "30分の顔合わせ通話", "description": "お互いを知るための短い通話です。", "questions": {}}
}`

// newRecord builds a record of collection with the given field values.
func newRecord(app core.App, collection string, values map[string]any) (*core.Record, error) {
	col, err := app.FindCachedCollectionByNameOrId(collection)
	if err != nil {
		return nil, err
	}
	r := core.NewRecord(col)
	for k, v := range values {
		r.Set(k, v)
	}
	return r, nil
}
