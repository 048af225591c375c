package hooks

import (
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/slots"
)

// MaxSlotRangeDays is the longest range GET /api/slots answers.
const MaxSlotRangeDays = 62

// Years a slot query may ask about (the engine works within 1900–2199).
const (
	minSlotYear = 1970
	maxSlotYear = 2199
)

// slotsResponse is the body of GET /api/slots.
type slotsResponse struct {
	Timezone string    `json:"timezone"`
	Days     []slotDay `json:"days"`
}

type slotDay struct {
	Date  string     `json:"date"`
	Slots []slotJSON `json:"slots"`
}

type slotJSON struct {
	Start     string `json:"start"`
	End       string `json:"end"`
	SeatsLeft int    `json:"seats_left"`
}

// slotsQuery is a validated GET /api/slots query.
type slotsQuery struct {
	slug     string
	from, to slots.Date
	loc      *time.Location
}

// parseSlotsQuery validates the query string; errors are per field.
func parseSlotsQuery(r *http.Request) (slotsQuery, map[string]error) {
	q := r.URL.Query()
	var out slotsQuery
	errs := map[string]error{}
	if out.slug = q.Get("event_type"); out.slug == "" {
		errs["event_type"] = fieldErr("is required (an event type slug)")
	}
	var err error
	if out.from, err = slots.ParseDate(q.Get("from")); err != nil {
		errs["from"] = fieldErr("must be a date as YYYY-MM-DD")
	} else if out.from.Year < minSlotYear || out.from.Year > maxSlotYear {
		errs["from"] = fieldErr("must be a date between 1970 and 2199")
	}
	if out.to, err = slots.ParseDate(q.Get("to")); err != nil {
		errs["to"] = fieldErr("must be a date as YYYY-MM-DD")
	} else if out.to.Year < minSlotYear || out.to.Year > maxSlotYear {
		errs["to"] = fieldErr("must be a date between 1970 and 2199")
	}
	if tz := q.Get("tz"); tz == "" {
		errs["tz"] = fieldErr("is required (an IANA time zone such as Europe/London)")
	} else if out.loc, err = loadZone(tz); err != nil {
		errs["tz"] = fieldErr("unknown time zone " + quote(tz) + " (use an IANA name such as Europe/London)")
	}
	if errs["from"] == nil && errs["to"] == nil {
		switch n := out.from.DaysUntil(out.to); {
		case n < 0:
			errs["to"] = fieldErr("must not be before from")
		case n >= MaxSlotRangeDays:
			errs["to"] = fieldErr("must be less than 62 days after from")
		}
	}
	return out, errs
}

// handleSlots answers GET /api/slots: the free slots of an event type,
// grouped by the viewer's local day.
func (s *server) handleSlots(e *core.RequestEvent) error {
	q, errs := parseSlotsQuery(e.Request)
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	now := s.now()
	key := q.slug + "|" + q.from.String() + "|" + q.to.String() + "|" + q.loc.String()
	e.Response.Header().Set("Cache-Control", "no-store")
	if body, ok := s.slots.get(key, now); ok {
		return body.write(e)
	}
	version := s.slots.current()
	answer, err := s.slots.compute(key, version, func() (slotAnswer, error) {
		et, err := s.slots.eventType(e.App, q.slug)
		if errors.Is(err, sql.ErrNoRows) {
			return slotAnswer{notFound: true}, nil
		} else if err != nil {
			return slotAnswer{}, err
		}
		from := slots.DayStart(q.from, q.loc)
		to := slots.DayStart(q.to.AddDays(1), q.loc)
		av, err := c.LoadAvailabilityFrom(et, from, to, s.slots.hostSetup(e.App), s.slots.blockers(e.App, now))
		if err != nil {
			return slotAnswer{}, err
		}
		found, err := slots.Compute(av.Rules, av.Hosts, slots.Query{From: from, To: to, Now: now})
		if err != nil {
			if errors.Is(err, slots.ErrInvalidRules) {
				e.App.Logger().Error("event type rules are invalid", "event_type", et.Slug(), "error", err)
			}
			return slotAnswer{}, err
		}
		plain, err := json.Marshal(newSlotsResponse(found, q))
		if err != nil {
			return slotAnswer{}, err
		}
		body := newSlotBody(plain)
		until := now.Add(maxSlotCacheAge)
		if len(found) > 0 {
			if first := found[0].Start.Add(-av.Rules.MinNotice); first.Before(until) {
				until = first
			}
		}
		s.slots.put(key, version, until, body, now)
		return slotAnswer{body: body}, nil
	})
	switch {
	case err != nil:
		return e.InternalServerError("", err)
	case answer.notFound:
		return e.NotFoundError("No active event type "+quote(q.slug)+".", nil)
	}
	return answer.body.write(e)
}

// newSlotsResponse groups slots on the viewer's days of q.
func newSlotsResponse(found []slots.Slot, q slotsQuery) slotsResponse {
	days := slots.GroupByDay(found, q.loc, q.from, q.to)
	res := slotsResponse{Timezone: q.loc.String(), Days: make([]slotDay, len(days))}
	for i, d := range days {
		res.Days[i] = slotDay{Date: d.Date.String(), Slots: make([]slotJSON, len(d.Slots))}
		for j, sl := range d.Slots {
			res.Days[i].Slots[j] = slotJSON{Start: rfc3339(sl.Start), End: rfc3339(sl.End), SeatsLeft: sl.SeatsLeft}
		}
	}
	return res
}

// rfc3339 formats an instant as RFC 3339 in UTC.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }
