package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// Working defaults of a new event type, for the fields left at zero when it
// is created (in the admin UI, the records API or Go). PocketBase cannot
// tell an unset number from a 0, so notice and horizon take theirs only
// when both are 0; either can be set to 0 afterwards.
const (
	defaultDuration    = 30     // minutes
	defaultMinNotice   = 4 * 60 // minutes: four hours' notice
	defaultHorizonDays = 60     // bookable up to two months ahead
	defaultSeats       = 1      // one invitee per slot
)

// bindEventTypeDefaults fills a new event type's unset fields with working
// defaults before it is validated: 30 minutes, one seat, four hours'
// notice, 60 days ahead, and single assignment for one host (round robin
// for several).
func bindEventTypeDefaults(app core.App) {
	app.OnRecordCreate(c.EventTypes).BindFunc(func(e *core.RecordEvent) error {
		r := e.Record
		if r.GetInt(c.EventTypesDuration) == 0 {
			r.Set(c.EventTypesDuration, defaultDuration)
		}
		if r.GetInt(c.EventTypesSeats) == 0 {
			r.Set(c.EventTypesSeats, defaultSeats)
		}
		if r.GetInt(c.EventTypesMinNotice) == 0 && r.GetInt(c.EventTypesHorizonDays) == 0 {
			r.Set(c.EventTypesMinNotice, defaultMinNotice)
			r.Set(c.EventTypesHorizonDays, defaultHorizonDays)
		}
		if r.GetString(c.EventTypesAssignment) == "" {
			if len(r.GetStringSlice(c.EventTypesHosts)) > 1 {
				r.Set(c.EventTypesAssignment, c.AssignmentRoundRobin)
			} else {
				r.Set(c.EventTypesAssignment, c.AssignmentSingle)
			}
		}
		return e.Next()
	})
}
