package icsfeed

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// Expand reads an iCalendar feed and returns its busy blocks inside the
// window. An event it cannot read is skipped (and named in Skipped); a
// feed that is not iCalendar at all is an error wrapping ErrSyntax.
func Expand(data []byte, opt Options) (Result, error) {
	if opt.Host == nil {
		return Result{}, errors.New("icsfeed: Options.Host: required")
	}
	if !opt.From.Before(opt.To) {
		return Result{}, errors.New("icsfeed: Options.From: must be before To")
	}
	if opt.MaxBlocks <= 0 {
		opt.MaxBlocks = DefaultMaxBlocks
	}
	var comps []*ical.Component
	dec := ical.NewDecoder(bytes.NewReader(data))
	for {
		cal, err := dec.Decode()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Result{}, fmt.Errorf("%w: %v", ErrSyntax, err)
		}
		comps = append(comps, cal.Children...)
	}
	if len(comps) == 0 {
		return Result{}, fmt.Errorf("%w: no VCALENDAR", ErrSyntax)
	}
	x := expander{opt: opt, zones: zones{feed: map[string]*vtimezone{}}, seen: map[string]bool{}}
	var masters, overrides []*ical.Component
	for _, c := range comps {
		switch c.Name {
		case ical.CompTimezone:
			z, err := parseVTimezone(c)
			if err != nil {
				x.res.Skipped = append(x.res.Skipped, err.Error())
				continue
			}
			x.zones.feed[z.tzid] = z
		case ical.CompEvent:
			if c.Props.Get(ical.PropRecurrenceID) != nil {
				overrides = append(overrides, c)
			} else {
				masters = append(masters, c)
			}
		}
	}
	byUID := map[string][]*ical.Component{}
	for _, o := range overrides {
		uid := uidOf(o)
		byUID[uid] = append(byUID[uid], o)
	}
	for _, m := range masters {
		uid := uidOf(m)
		if err := x.series(uid, m, byUID[uid]); err != nil {
			if errors.Is(err, ErrTooMany) {
				return Result{}, err
			}
			x.res.Skipped = append(x.res.Skipped, fmt.Sprintf("event %q: %v", uid, err))
		}
		delete(byUID, uid)
	}
	// Overrides whose series is not in the feed stand on their own.
	for uid, os := range byUID {
		for _, o := range os {
			if err := x.single(uid, o); err != nil {
				if errors.Is(err, ErrTooMany) {
					return Result{}, err
				}
				x.res.Skipped = append(x.res.Skipped, fmt.Sprintf("event %q: %v", uid, err))
			}
		}
	}
	sort.Slice(x.res.Blocks, func(i, j int) bool {
		a, b := x.res.Blocks[i], x.res.Blocks[j]
		if !a.Start.Equal(b.Start) {
			return a.Start.Before(b.Start)
		}
		return a.SourceID < b.SourceID
	})
	return x.res, nil
}

type expander struct {
	opt   Options
	zones zones
	res   Result
	seen  map[string]bool
}

// when is one DTSTART-like value: its wall reading, its zone, and whether
// it is a whole day (VALUE=DATE).
type when struct {
	wall   time.Time
	zone   zone
	allDay bool
}

// key identifies an occurrence for EXDATE and RECURRENCE-ID matching: the
// instant, or the date of an all-day occurrence.
func (w when) key() time.Time {
	if w.allDay {
		return w.wall
	}
	return w.zone.instant(w.wall)
}

// parseWhen reads one value of a date property (p gives VALUE and TZID).
func (x *expander) parseWhen(p *ical.Prop, value string) (when, error) {
	value = strings.TrimSpace(value)
	wall, err := parseWall(value)
	if err != nil {
		return when{}, err
	}
	switch {
	case len(value) == 8 || strings.EqualFold(p.Params.Get(ical.ParamValue), "DATE"):
		return when{wall: truncDay(wall), zone: locZone{x.opt.Host}, allDay: true}, nil
	case strings.HasSuffix(value, "Z"):
		return when{wall: wall, zone: locZone{time.UTC}}, nil
	case p.Params.Get(ical.PropTimezoneID) != "":
		z, err := x.zones.lookup(p.Params.Get(ical.PropTimezoneID))
		if err != nil {
			return when{}, err
		}
		return when{wall: wall, zone: z}, nil
	default: // floating: the host's zone
		return when{wall: wall, zone: locZone{x.opt.Host}}, nil
	}
}

func truncDay(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// prop reads the first value of the date property name of c.
func (x *expander) prop(c *ical.Component, name string) (when, bool, error) {
	p := c.Props.Get(name)
	if p == nil {
		return when{}, false, nil
	}
	w, err := x.parseWhen(p, p.Value)
	if err != nil {
		return when{}, true, fmt.Errorf("%s: %w", name, err)
	}
	return w, true, nil
}

// list reads every value of the (possibly repeated, comma-separated) date
// property name of c; a PERIOD value counts by its start.
func (x *expander) list(c *ical.Component, name string) ([]when, error) {
	var out []when
	for i := range c.Props.Values(name) {
		p := &c.Props.Values(name)[i]
		for _, v := range strings.Split(p.Value, ",") {
			v, _, _ = strings.Cut(v, "/")
			w, err := x.parseWhen(p, v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out = append(out, w)
		}
	}
	return out, nil
}

// span is an event's start and length: a real duration for timed events,
// whole days for all-day ones.
type span struct {
	start when
	dur   time.Duration
	days  int
}

func (x *expander) spanOf(c *ical.Component) (span, error) {
	start, ok, err := x.prop(c, ical.PropDateTimeStart)
	if err != nil {
		return span{}, err
	}
	if !ok {
		return span{}, errors.New("no DTSTART")
	}
	s := span{start: start}
	end, hasEnd, err := x.prop(c, ical.PropDateTimeEnd)
	if err != nil {
		return span{}, err
	}
	switch {
	case hasEnd && start.allDay:
		s.days = int(truncDay(end.wall).Sub(start.wall).Hours()+1) / 24
	case hasEnd:
		s.dur = end.zone.instant(end.wall).Sub(start.zone.instant(start.wall))
	case c.Props.Get(ical.PropDuration) != nil:
		d, err := c.Props.Get(ical.PropDuration).Duration()
		if err != nil {
			return span{}, fmt.Errorf("DURATION: %w", err)
		}
		if start.allDay {
			s.days = int(d.Hours()) / 24
		} else {
			s.dur = d
		}
	case start.allDay:
		s.days = 1
	}
	return s, nil
}

// blocks reports whether c counts as busy: not TRANSP:TRANSPARENT and not
// STATUS:CANCELLED.
func blocks(c *ical.Component) bool {
	if p := c.Props.Get(ical.PropTransparency); p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "TRANSPARENT") {
		return false
	}
	if p := c.Props.Get(ical.PropStatus); p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED") {
		return false
	}
	return true
}

// add appends the occurrence of uid with original start key, starting at
// wall w in the span's zone, when it lies in the window.
func (x *expander) add(uid string, key time.Time, allDay bool, w when, s span) error {
	var start, end time.Time
	if w.allDay {
		start = locZone{x.opt.Host}.instant(w.wall)
		end = locZone{x.opt.Host}.instant(w.wall.AddDate(0, 0, s.days))
	} else {
		start = w.zone.instant(w.wall)
		end = start.Add(s.dur)
	}
	if !end.After(start) || !end.After(x.opt.From) || !start.Before(x.opt.To) {
		return nil
	}
	layout := "20060102T150405Z"
	if allDay {
		layout = "20060102"
	}
	id := "ics/" + uidHash(uid) + "/" + key.UTC().Format(layout)
	if x.seen[id] {
		return nil
	}
	x.seen[id] = true
	if len(x.res.Blocks) >= x.opt.MaxBlocks {
		return fmt.Errorf("%w: more than %d in the window", ErrTooMany, x.opt.MaxBlocks)
	}
	x.res.Blocks = append(x.res.Blocks, Block{SourceID: id, Start: start.UTC(), End: end.UTC()})
	return nil
}

// single adds a non-recurring event (or an override without its series).
func (x *expander) single(uid string, c *ical.Component) error {
	if !blocks(c) {
		return nil
	}
	s, err := x.spanOf(c)
	if err != nil {
		return err
	}
	key := s.start
	if rid, ok, err := x.prop(c, ical.PropRecurrenceID); err != nil {
		return err
	} else if ok {
		key = rid
	}
	return x.add(uid, key.key(), key.allDay, s.start, s)
}

// series adds the occurrences of master m (RRULE and RDATE, minus EXDATE)
// with overrides (RECURRENCE-ID) in place of the occurrences they replace.
func (x *expander) series(uid string, m *ical.Component, overrides []*ical.Component) error {
	s, err := x.spanOf(m)
	if err != nil {
		return err
	}
	starts := []time.Time{s.start.wall}
	if r := m.Props.Get(ical.PropRecurrenceRule); r != nil {
		more, err := x.ruleStarts(r.Value, s)
		if err != nil {
			return fmt.Errorf("RRULE: %w", err)
		}
		starts = append(starts, more...)
	}
	rdates, err := x.list(m, ical.PropRecurrenceDates)
	if err != nil {
		return err
	}
	exdates, err := x.list(m, ical.PropExceptionDates)
	if err != nil {
		return err
	}
	excluded := map[time.Time]bool{}
	for _, e := range exdates {
		excluded[e.key()] = true
	}
	replaced := map[time.Time]*ical.Component{}
	for _, o := range overrides {
		rid, _, err := x.prop(o, ical.PropRecurrenceID)
		if err != nil {
			return err
		}
		replaced[rid.key()] = o
	}
	occurrences := make([]when, 0, len(starts)+len(rdates))
	for _, w := range starts {
		occurrences = append(occurrences, when{wall: w, zone: s.start.zone, allDay: s.start.allDay})
	}
	occurrences = append(occurrences, rdates...)
	masterBusy := blocks(m)
	for _, occ := range occurrences {
		k := occ.key()
		if excluded[k] || replaced[k] != nil || !masterBusy {
			continue
		}
		if err := x.add(uid, k, occ.allDay, occ, s); err != nil {
			return err
		}
	}
	for _, o := range overrides {
		if err := x.single(uid, o); err != nil {
			return err
		}
	}
	return nil
}

// ruleStarts expands rule (in wall time, so a weekly 09:00 stays 09:00
// local across DST changes) over the window, widened by the event's length
// and a day on each side for zone offsets.
func (x *expander) ruleStarts(rule string, s span) ([]time.Time, error) {
	opt, err := rrule.StrToROption(rule)
	if err != nil {
		return nil, err
	}
	if opt.Freq > rrule.HOURLY { // MINUTELY, SECONDLY: not calendar events
		return nil, fmt.Errorf("FREQ: %s is not supported (at most HOURLY)", opt.Freq)
	}
	opt.Dtstart = s.start.wall
	if !opt.Until.IsZero() {
		untilValue := ruleValue(rule, "UNTIL")
		switch {
		case len(untilValue) == 8 && !s.start.allDay: // a date: through the end of that day
			opt.Until = opt.Until.Add(24*time.Hour - time.Second)
		case strings.HasSuffix(untilValue, "Z"): // UTC: as a wall time in the event's zone
			opt.Until = s.start.zone.wall(opt.Until)
		}
	}
	r, err := rrule.NewRRule(*opt)
	if err != nil {
		return nil, err
	}
	length := s.dur + time.Duration(s.days)*24*time.Hour
	from := asWall(x.opt.From).Add(-length - 48*time.Hour)
	to := asWall(x.opt.To).Add(48 * time.Hour)
	var out []time.Time
	it := r.Iterator()
	for {
		t, ok := it()
		if !ok || t.After(to) {
			break
		}
		if t.Before(from) {
			continue
		}
		if len(out) >= maxPerSeries {
			return nil, fmt.Errorf("more than %d occurrences in the window", maxPerSeries)
		}
		out = append(out, t)
	}
	return out, nil
}

// ruleValue is the raw value of part name in an RRULE ("" when absent).
func ruleValue(rule, name string) string {
	for _, part := range strings.Split(rule, ";") {
		if k, v, ok := strings.Cut(part, "="); ok && strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func uidOf(c *ical.Component) string {
	if p := c.Props.Get(ical.PropUID); p != nil && p.Value != "" {
		return p.Value
	}
	// No UID (invalid, but seen): stable enough per start and summary.
	var start, summary string
	if p := c.Props.Get(ical.PropDateTimeStart); p != nil {
		start = p.Value
	}
	if p := c.Props.Get(ical.PropSummary); p != nil {
		summary = p.Value
	}
	return "no-uid:" + start + ":" + summary
}

func uidHash(uid string) string {
	sum := sha256.Sum256([]byte(uid))
	return hex.EncodeToString(sum[:12])
}
