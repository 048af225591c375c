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

// A host's hours: the schedule their host record points to and its date
// overrides, edited by the host (/api/host/schedule, /api/host/overrides)
// or by an admin (/api/admin/hosts/{id}/schedule, …/overrides). Writes are
// validated by the same record hooks as the admin UI's (validate.go) and
// run in one transaction with their audit entry. A host's edit of a
// schedule other hosts share is refused (409): it would move their hours
// too; an admin may make it, and the reply says the schedule is shared.

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

// overrideEdit is the body of PUT …/overrides/{date}.
type overrideEdit struct {
	Intervals json.RawMessage `json:"intervals"`
	Reason    string          `json:"reason"`
}

// overrideRangeEdit is the body of POST …/overrides: the same override on
// every date from From to To inclusive (a holiday week in one go).
type overrideRangeEdit struct {
	From      string          `json:"from"`
	To        string          `json:"to"`
	Intervals json.RawMessage `json:"intervals"`
	Reason    string          `json:"reason"`
}

// maxOverrideRange bounds the dates one range write sets.
const maxOverrideRange = 366

// hoursScope says whose hours a route reads and writes: the signed-in
// host's (hostHours) or the host an admin names in the path (adminHours).
type hoursScope struct {
	// hostID is the host whose hours the request is about; a failure has
	// been answered.
	hostID func(e *core.RequestEvent) (string, error)
	// admin may change a schedule other hosts share.
	admin bool
}

var (
	hostHours  = hoursScope{hostID: func(e *core.RequestEvent) (string, error) { return hostOf(e).Id, nil }}
	adminHours = hoursScope{admin: true, hostID: pathHostID}
)

// pathHostID is the route's {id} when it names a host (else 404).
func pathHostID(e *core.RequestEvent) (string, error) {
	id := e.Request.PathValue("id")
	if _, err := e.App.FindRecordById(c.Hosts, id); errors.Is(err, sql.ErrNoRows) {
		return "", e.NotFoundError("No such host.", nil)
	} else if err != nil {
		return "", e.InternalServerError("", fmt.Errorf("host %s: %w", id, err))
	}
	return id, nil
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

// writable is ownSchedule for a change: errScheduleShared when other
// hosts use it and the scope is a host's.
func (h hoursScope) writable(tx core.App, hostID string) (*c.Schedule, bool, error) {
	sched, shared, err := ownSchedule(tx, hostID)
	if err != nil {
		return nil, false, err
	}
	if shared && !h.admin {
		return nil, false, errScheduleShared
	}
	return sched, shared, nil
}

func newScheduleReply(s *c.Schedule, shared bool) scheduleReply {
	return scheduleReply{ID: s.Id, Name: s.Name(), Timezone: s.Timezone(), Weekly: s.WeeklyJSON(), Shared: shared}
}

func newOverrideReply(o *c.DateOverride) overrideReply {
	return overrideReply{Date: o.Date(), Intervals: o.IntervalsJSON(), Reason: o.GetString(c.DateOverridesReason)}
}

// schedule answers GET …/schedule.
func (h hoursScope) schedule(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
	sched, shared, err := ownSchedule(e.App, hostID)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, newScheduleReply(sched, shared))
}

// editSchedule answers PATCH …/schedule ({"timezone"?, "weekly"?}): 200
// with the schedule, 400 naming the bad field.
func (h hoursScope) editSchedule(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
	var req scheduleEdit
	if err := decodeLimited(e.Request.Body, &req, hoursBodyLimit); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	var sched *c.Schedule
	var shared bool
	err = e.App.RunInTransaction(func(tx core.App) error {
		var err error
		if sched, shared, err = h.writable(tx, hostID); err != nil {
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
	return e.JSON(http.StatusOK, newScheduleReply(sched, shared))
}

// overrides answers GET …/overrides?from=&to= (dates, both optional and
// inclusive) with the overrides of the host's schedule.
func (h hoursScope) overrides(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
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
	sched, _, err := ownSchedule(e.App, hostID)
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

// putOverride answers PUT …/overrides/{date} ({"intervals": [["09:00",
// "12:00"]] or [], "reason"?}): 201 when the date had no override, else
// 200; 400 naming the bad field.
func (h hoursScope) putOverride(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
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
		sched, _, err := h.writable(tx, hostID)
		if err != nil {
			return err
		}
		o, created, err = setOverride(tx, actorOf(e), sched.Id, date, req.Intervals, req.Reason)
		return err
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

// putOverrideRange answers POST …/overrides ({"from","to","intervals",
// "reason"?}): the same override on every date of the range, inclusive, in
// one transaction (all or none), 200 with them; 400 naming the bad field.
func (h hoursScope) putOverrideRange(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
	var req overrideRangeEdit
	if err := decodeLimited(e.Request.Body, &req, hoursBodyLimit); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	dates, errs := dateRange(req.From, req.To, maxOverrideRange)
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	items := make([]overrideReply, 0, len(dates))
	err = e.App.RunInTransaction(func(tx core.App) error {
		sched, _, err := h.writable(tx, hostID)
		if err != nil {
			return err
		}
		for _, date := range dates {
			o, _, err := setOverride(tx, actorOf(e), sched.Id, date, req.Intervals, req.Reason)
			if err != nil {
				return err
			}
			items = append(items, newOverrideReply(c.NewDateOverride(o)))
		}
		return nil
	})
	if err != nil {
		return hoursError(e, err)
	}
	return e.JSON(http.StatusOK, map[string]any{"items": items})
}

// dateRange lists the dates from..to inclusive (at most limit of them), or
// the field errors.
func dateRange(from, to string, limit int) ([]string, map[string]error) {
	errs := map[string]error{}
	lo, err := slots.ParseDate(from)
	if err != nil {
		errs["from"] = fieldErr("must be a date YYYY-MM-DD")
	}
	hi, err := slots.ParseDate(to)
	if err != nil {
		errs["to"] = fieldErr("must be a date YYYY-MM-DD")
	}
	if len(errs) > 0 {
		return nil, errs
	}
	var dates []string
	for d := lo; !hi.Before(d); d = d.AddDays(1) {
		if len(dates) == limit {
			return nil, map[string]error{"to": fieldErr(fmt.Sprintf("must be at most %d days after from", limit-1))}
		}
		dates = append(dates, d.String())
	}
	if len(dates) == 0 {
		return nil, map[string]error{"to": fieldErr("must not be before from")}
	}
	return dates, nil
}

// setOverride creates or replaces, in tx, the override of schedule on date
// and audits it; created says it is new. Null intervals are refused by the
// validation hook (validate.go), as every other write's are.
func setOverride(tx core.App, actor Actor, schedule, date string, intervals json.RawMessage, reason string) (*core.Record, bool, error) {
	found, err := c.FindScheduleOverride(tx, schedule, date)
	var o *core.Record
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if o, err = newRecord(tx, c.DateOverrides, map[string]any{c.DateOverridesSchedule: schedule, c.DateOverridesDate: date}); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, err
	default:
		o = found.Record
	}
	o.Set(c.DateOverridesIntervals, types.JSONRaw(intervals))
	o.Set(c.DateOverridesReason, reason)
	action, created := ActionRecordUpdated, o.IsNew()
	if created {
		action = ActionRecordCreated
	}
	return o, created, auditedSave(tx, actor, action, o)
}

// deleteOverride answers DELETE …/overrides/{date}: 204, or 404 when the
// date has no override.
func (h hoursScope) deleteOverride(e *core.RequestEvent) error {
	hostID, err := h.hostID(e)
	if err != nil {
		return err
	}
	date, err := pathDate(e)
	if err != nil {
		return err
	}
	err = e.App.RunInTransaction(func(tx core.App) error {
		sched, _, err := h.writable(tx, hostID)
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
