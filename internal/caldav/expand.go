package caldav

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"

	"github.com/slotbase/slotbase/internal/calendar"
)

// BookingProperty marks the VEVENTs slotbase writes for its own bookings
// (PutEvent sets it). They do not count as busy time: the booking itself
// blocks its slot, and a reschedule must be able to move over it.
const BookingProperty = "X-SLOTBASE-BOOKING"

// maxOccurrences bounds the expansion of one recurring event in one
// window; maxSteps bounds the occurrences walked to reach the window (an
// hourly rule from 1970 must not stall a sync).
const (
	maxOccurrences = 5000
	maxSteps       = 500000
)

// decodeCalendar parses iCalendar data. go-ical's decoder can panic on
// malformed content lines (found by FuzzBusyFromCalendar: "0;0=0"), and
// calendar data comes from servers we do not control: a panic becomes an
// error.
func decodeCalendar(data []byte) (cal *ical.Calendar, err error) {
	defer recoverParse(&err)
	return ical.NewDecoder(bytes.NewReader(data)).Decode()
}

// recoverParse turns a panic of a parser into *err.
func recoverParse(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("unparseable iCalendar data (%v)", r)
	}
}

// BusyBlock is a span of a host's CalDAV calendar that blocks slots.
// SourceID is unique within one connection: "<object key>/<start>".
type BusyBlock = calendar.BusyBlock

// ObjectKey is a short, stable key of one calendar object (its path on
// the server): the prefix of the source ids of all its blocks, so that a
// changed or deleted object's blocks are replaced by prefix.
func ObjectKey(objectPath string) string {
	sum := sha256.Sum256([]byte(objectPath))
	return hex.EncodeToString(sum[:8])
}

// BusyFromCalendar expands one calendar object (all VEVENTs sharing a UID:
// the master with its RRULE/RDATE/EXDATE and its RECURRENCE-ID overrides)
// into the busy blocks that overlap [from, to). Cancelled and transparent
// events and occurrences, and slotbase's own booking events, do not count.
// loc reads all-day and floating times. key prefixes the source ids.
func BusyFromCalendar(cal *ical.Calendar, key string, from, to time.Time, loc *time.Location) ([]BusyBlock, error) {
	if loc == nil {
		loc = time.UTC
	}
	from, to = from.UTC(), to.UTC()
	var masters []*ical.Component
	overrides := map[string]map[int64]*ical.Component{} // uid → original start (unix) → override
	for _, comp := range cal.Children {
		if comp.Name != ical.CompEvent {
			continue
		}
		uid := propText(comp, ical.PropUID)
		if rid := comp.Props.Get(ical.PropRecurrenceID); rid != nil {
			t, err := rid.DateTime(loc)
			if err != nil {
				return nil, fmt.Errorf("event %q: RECURRENCE-ID: %w", uid, err)
			}
			if overrides[uid] == nil {
				overrides[uid] = map[int64]*ical.Component{}
			}
			overrides[uid][t.Unix()] = comp
			continue
		}
		masters = append(masters, comp)
	}
	var out []BusyBlock
	add := func(s, e time.Time) {
		if s.Before(to) && e.After(from) {
			out = append(out, BusyBlock{SourceID: key + "/" + s.UTC().Format("20060102T150405Z"), Start: s.UTC(), End: e.UTC()})
		}
	}
	for _, m := range masters {
		uid := propText(m, ical.PropUID)
		if strings.EqualFold(propText(m, ical.PropStatus), string(ical.EventCancelled)) {
			delete(overrides, uid) // a cancelled series takes its moved instances with it
			continue
		}
		if counts(m) {
			starts, span, err := occurrences(m, from, to, loc)
			if err != nil {
				return nil, fmt.Errorf("event %q: %w", uid, err)
			}
			for _, s := range starts {
				if _, moved := overrides[uid][s.Unix()]; moved {
					continue // the override below says where it went (or that it was cancelled)
				}
				add(s, span(s))
			}
		}
	}
	// An override counts on its own (it may move an occurrence into or out
	// of the window, or cancel it), even when its master is transparent or
	// missing (a server may send only the changed instance).
	for uid, os := range overrides {
		for _, o := range os {
			if !counts(o) {
				continue
			}
			s, e, err := eventSpan(o, loc)
			if err != nil {
				return nil, fmt.Errorf("event %q override: %w", uid, err)
			}
			add(s, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Start.Before(out[j].Start) })
	return dedupe(out), nil
}

// counts reports whether an event makes the host busy.
func counts(ev *ical.Component) bool {
	if strings.EqualFold(propText(ev, ical.PropStatus), string(ical.EventCancelled)) {
		return false
	}
	if strings.EqualFold(propText(ev, ical.PropTransparency), "TRANSPARENT") {
		return false
	}
	return ev.Props.Get(BookingProperty) == nil
}

// eventSpan reads an event's [start, end): DTEND, or DTSTART+DURATION, or
// (RFC 5545 defaults) one day for an all-day event and zero otherwise.
func eventSpan(ev *ical.Component, loc *time.Location) (time.Time, time.Time, error) {
	sp := ev.Props.Get(ical.PropDateTimeStart)
	if sp == nil {
		return time.Time{}, time.Time{}, fmt.Errorf("DTSTART: missing")
	}
	start, err := sp.DateTime(loc)
	if err != nil {
		return time.Time{}, time.Time{}, fmt.Errorf("DTSTART: %w", err)
	}
	if ep := ev.Props.Get(ical.PropDateTimeEnd); ep != nil {
		end, err := ep.DateTime(loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("DTEND: %w", err)
		}
		return start, end, nil
	}
	if dp := ev.Props.Get(ical.PropDuration); dp != nil {
		d, err := dp.Duration()
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("DURATION: %w", err)
		}
		return start, start.Add(d), nil
	}
	if isDate(sp) {
		return start, start.AddDate(0, 0, 1), nil
	}
	return start, start, nil
}

// occurrences returns the starts of the master's occurrences that may
// overlap [from, to), and how to compute an occurrence's end from its
// start. All-day events keep their length in days (a day across a DST
// change is 23 or 25 hours); timed events keep their exact duration.
func occurrences(m *ical.Component, from, to time.Time, loc *time.Location) ([]time.Time, func(time.Time) time.Time, error) {
	start, end, err := eventSpan(m, loc)
	if err != nil {
		return nil, nil, err
	}
	dur := end.Sub(start)
	span := func(s time.Time) time.Time { return s.Add(dur) }
	if isDate(m.Props.Get(ical.PropDateTimeStart)) {
		y1, m1, d1 := start.Date()
		y2, m2, d2 := end.Date()
		days := int(time.Date(y2, m2, d2, 0, 0, 0, 0, time.UTC).Sub(time.Date(y1, m1, d1, 0, 0, 0, 0, time.UTC)).Hours() / 24)
		span = func(s time.Time) time.Time { return s.In(loc).AddDate(0, 0, days) }
		dur = time.Duration(days+1) * 25 * time.Hour // generous lower bound of the search window
	}
	set, err := recurrenceSet(m, start, loc)
	if err != nil {
		return nil, nil, err
	}
	if set == nil {
		return []time.Time{start}, span, nil
	}
	var starts []time.Time
	it := set.Iterator()
	for step := 0; ; step++ {
		s, ok := it()
		if !ok || !s.Before(to) {
			break
		}
		if step >= maxSteps {
			return nil, nil, fmt.Errorf("RRULE: more than %d occurrences before the window ends", maxSteps)
		}
		if s.Add(dur).After(from) {
			starts = append(starts, s)
			if len(starts) > maxOccurrences {
				return nil, nil, fmt.Errorf("RRULE: more than %d occurrences in the window", maxOccurrences)
			}
		}
	}
	return starts, span, nil
}

// recurrenceSet builds the event's RRULE + RDATE − EXDATE set anchored at
// start in start's zone (so weekly 10:00 stays 10:00 across DST), or nil
// when the event does not recur. RDATE/EXDATE may list several values.
func recurrenceSet(m *ical.Component, start time.Time, loc *time.Location) (*rrule.Set, error) {
	opt, err := m.Props.RecurrenceRule()
	if err != nil {
		return nil, fmt.Errorf("RRULE: %w", err)
	}
	rdates, err := dateList(m, ical.PropRecurrenceDates, loc)
	if err != nil {
		return nil, err
	}
	if opt == nil && len(rdates) == 0 {
		return nil, nil
	}
	set := &rrule.Set{}
	if opt != nil {
		opt.Dtstart = start
		r, err := rrule.NewRRule(*opt)
		if err != nil {
			return nil, fmt.Errorf("RRULE: %w", err)
		}
		set.RRule(r)
	}
	set.RDate(start)
	for _, d := range rdates {
		set.RDate(d)
	}
	exdates, err := dateList(m, ical.PropExceptionDates, loc)
	if err != nil {
		return nil, err
	}
	for _, d := range exdates {
		set.ExDate(d)
	}
	return set, nil
}

// dateList reads every value of a multi-valued date property (EXDATE, RDATE).
func dateList(m *ical.Component, name string, loc *time.Location) ([]time.Time, error) {
	var out []time.Time
	for _, p := range m.Props.Values(name) {
		for _, v := range strings.Split(p.Value, ",") {
			one := p
			one.Value = strings.TrimSpace(v)
			if one.Value == "" {
				continue
			}
			t, err := one.DateTime(loc)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, t)
		}
	}
	return out, nil
}

func isDate(p *ical.Prop) bool {
	return p != nil && (p.ValueType() == ical.ValueDate || (p.Params.Get(ical.ParamValue) == "" && len(p.Value) == len("20060102")))
}

func propText(c *ical.Component, name string) string {
	if p := c.Props.Get(name); p != nil {
		return p.Value
	}
	return ""
}

// dedupe drops blocks with a source id already seen (an RDATE equal to an
// RRULE occurrence, an override that did not move).
func dedupe(bs []BusyBlock) []BusyBlock {
	seen := map[string]bool{}
	out := bs[:0]
	for _, b := range bs {
		if !seen[b.SourceID] {
			seen[b.SourceID] = true
			out = append(out, b)
		}
	}
	return out
}
