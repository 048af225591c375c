package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/slots"
)

// A host's own hours: the schedule their host record points to and its
// date overrides (/api/host/schedule, /api/host/overrides). Writes are
// validated by the same record hooks as the admin UI's (validate.go), run
// in one transaction with their audit entry, and refused (409) on a
// schedule other hosts share: an edit would move their hours too.

// hoursBodyLimit bounds a schedule or override body: the weekly JSON field
// holds up to 20,000 bytes.
const hoursBodyLimit = 64 << 10

// Errors of the host's hours routes.
var (
	// errScheduleShared refuses a host's edit of a schedule other hosts use.
	errScheduleShared = errors.New("the schedule is shared with other hosts")
	// errNoOverride: the date has no override to delete.
	errNoOverride = errors.New("no override on this date")
)

// scheduleReply is a schedule as the host API shows it.
type scheduleReply struct {
	ID       string          `json:"id"`
	Name     string          `json:"name"`
	Timezone string          `json:"timezone"`
	Weekly   json.RawMessage `json:"weekly"`
	// Shared says other hosts use this schedule too (the host can read it,
	// not change it).
	Shared bool `json:"shared"`
}

// scheduleEdit is the body of PATCH /api/host/schedule; absent fields stay.
type scheduleEdit struct {
	Timezone *string         `json:"timezone"`
	Weekly   json.RawMessage `json:"weekly"`
}

// overrideReply is a date override as the host API shows it.
type overrideReply struct {
	Date      string          `json:"date"`
	Intervals json.RawMessage `json:"intervals"`
	Reason    string          `json:"reason"`
}

// overrideEdit is the body of PUT /api/host/overrides/{date}.
type overrideEdit struct {
	Intervals json.RawMessage `json:"intervals"`
	Reason    string          `json:"reason"`
}

// ownSchedule loads, in app, the schedule of host hostID (re-read, so an
// admin's reassignment counts) and whether other hosts share it.
func ownSchedule(app core.App, hostID string) (*c.Schedule, bool, error) {
	hr, err := app.FindRecordById(c.Hosts, hostID)
	if err != nil {
		return nil, false, fmt.Errorf("loading host %s: %w", hostID, err)
	}
	id := c.NewHost(hr).ScheduleID()
	sr, err := app.FindRecordById(c.Schedules, id)
	if err != nil {
		return nil, false, fmt.Errorf("schedule %s of host %s: %w", id, hostID, err)
	}
	others, err := c.CountHostsOnSchedule(app, id, hostID)
	if err != nil {
		return nil, false, err
	}
	return c.NewSchedule(sr), others > 0, nil
}

// writableSchedule is ownSchedule for a change: errScheduleShared when
// other hosts use it.
func writableSchedule(tx core.App, hostID string) (*c.Schedule, error) {
	sched, shared, err := ownSchedule(tx, hostID)
	if err != nil {
		return nil, err
	}
	if shared {
		return nil, errScheduleShared
	}
	return sched, nil
}

func newScheduleReply(s *c.Schedule, shared bool) scheduleReply {
	return scheduleReply{ID: s.Id, Name: s.Name(), Timezone: s.Timezone(), Weekly: s.WeeklyJSON(), Shared: shared}
}

func newOverrideReply(o *c.DateOverride) overrideReply {
	return overrideReply{Date: o.Date(), Intervals: o.IntervalsJSON(), Reason: o.GetString(c.DateOverridesReason)}
}

// handleHostSchedule answers GET /api/host/schedule.
func (s *server) handleHostSchedule(e *core.RequestEvent) error {
	sched, shared, err := ownSchedule(e.App, hostOf(e).Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, newScheduleReply(sched, shared))
}

// handleHostScheduleEdit answers PATCH /api/host/schedule ({"timezone"?,
// "weekly"?}): 200 with the schedule, 400 naming the bad field.
func (s *server) handleHostScheduleEdit(e *core.RequestEvent) error {
	var req scheduleEdit
	if err := decodeLimited(e.Request.Body, &req, hoursBodyLimit); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	var sched *c.Schedule
	err := e.App.RunInTransaction(func(tx core.App) error {
		var err error
		if sched, err = writableSchedule(tx, hostOf(e).Id); err != nil {
			return err
		}
		if req.Timezone != nil {
			sched.Set(c.SchedulesTimezone, *req.Timezone)
		}
		if req.Weekly != nil {
			sched.Set(c.SchedulesWeekly, types.JSONRaw(req.Weekly))
		}
		return auditedSave(tx, actorOf(e), ActionRecordUpdated, sched.Record)
	})
	if err != nil {
		return hoursError(e, err)
	}
	return e.JSON(http.StatusOK, newScheduleReply(sched, false))
}

// handleHostOverrides answers GET /api/host/overrides?from=&to= (dates,
// both optional and inclusive) with the overrides of the host's schedule.
func (s *server) handleHostOverrides(e *core.RequestEvent) error {
	q := e.Request.URL.Query()
	errs := map[string]error{}
	for _, name := range []string{"from", "to"} {
		if v := q.Get(name); v != "" {
			if _, err := slots.ParseDate(v); err != nil {
				errs[name] = fieldErr("must be a date YYYY-MM-DD")
			}
		}
	}
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	sched, _, err := ownSchedule(e.App, hostOf(e).Id)
	if err != nil {
		return e.InternalServerError("", err)
	}
	found, err := c.FindScheduleOverrides(e.App, sched.Id, q.Get("from"), q.Get("to"))
	if err != nil {
		return e.InternalServerError("", err)
	}
	items := make([]overrideReply, len(found))
	for i, o := range found {
		items[i] = newOverrideReply(o)
	}
	return e.JSON(http.StatusOK, map[string]any{"schedule": sched.Id, "items": items})
}

// handleHostOverridePut answers PUT /api/host/overrides/{date}
// ({"intervals": [["09:00","12:00"]] or [], "reason"?}): 201 when the
// date had no override, else 200; 400 naming the bad field.
func (s *server) handleHostOverridePut(e *core.RequestEvent) error {
	date, err := pathDate(e)
	if err != nil {
		return err
	}
	var req overrideEdit
	if err := decodeLimited(e.Request.Body, &req, hoursBodyLimit); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	var o *core.Record
	created := false
	err = e.App.RunInTransaction(func(tx core.App) error {
		sched, err := writableSchedule(tx, hostOf(e).Id)
		if err != nil {
			return err
		}
		found, err := c.FindScheduleOverride(tx, sched.Id, date)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			if o, err = newRecord(tx, c.DateOverrides, map[string]any{c.DateOverridesSchedule: sched.Id, c.DateOverridesDate: date}); err != nil {
				return err
			}
		case err != nil:
			return err
		default:
			o = found.Record
		}
		intervals := types.JSONRaw(req.Intervals) // absent: null, refused by the validation hook
		o.Set(c.DateOverridesIntervals, intervals)
		o.Set(c.DateOverridesReason, req.Reason)
		action := ActionRecordUpdated
		if created = o.IsNew(); created {
			action = ActionRecordCreated
		}
		return auditedSave(tx, actorOf(e), action, o)
	})
	if err != nil {
		return hoursError(e, err)
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return e.JSON(status, newOverrideReply(c.NewDateOverride(o)))
}

// handleHostOverrideDelete answers DELETE /api/host/overrides/{date}: 204,
// or 404 when the date has no override.
func (s *server) handleHostOverrideDelete(e *core.RequestEvent) error {
	date, err := pathDate(e)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		sched, err := writableSchedule(tx, hostOf(e).Id)
		if err != nil {
			return err
		}
		found, err := c.FindScheduleOverride(tx, sched.Id, date)
		if errors.Is(err, sql.ErrNoRows) {
			return errNoOverride
		} else if err != nil {
			return err
		}
		return auditedDelete(tx, actorOf(e), found.Record)
	})
	if errors.Is(err, errNoOverride) {
		return e.NotFoundError("No override on this date.", safeFields(map[string]error{"date": fieldErr("has no override")}))
	} else if err != nil {
		return hoursError(e, err)
	}
	return e.NoContent(http.StatusNoContent)
}

// pathDate is the route's {date}; a bad one has been answered (400).
func pathDate(e *core.RequestEvent) (string, error) {
	date := e.Request.PathValue("date")
	if _, err := slots.ParseDate(date); err != nil {
		return "", badRequest(e, map[string]error{"date": fieldErr("must be a date YYYY-MM-DD")})
	}
	return date, nil
}

// hoursError maps a schedule or override write's error to a status: 400
// with the validation hooks' field errors, 409 for a shared schedule, 500
// for anything else.
func hoursError(e *core.RequestEvent, err error) error {
	var fields validation.Errors
	switch {
	case errors.As(err, &fields):
		return badRequest(e, map[string]error(fields))
	case errors.Is(err, errScheduleShared):
		return e.Error(http.StatusConflict, "Your schedule is shared with other hosts, so only an admin can change it (or give you your own).", nil)
	}
	return e.InternalServerError("", err)
}

// decodeLimited decodes one JSON object of known fields from at most limit
// bytes of body.
func decodeLimited(body io.Reader, dst any, limit int64) error {
	dec := json.NewDecoder(io.LimitReader(body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil && !errors.Is(err, io.EOF) {
		return fieldErr("must be one JSON object with known fields: " + err.Error())
	}
	return nil
}
