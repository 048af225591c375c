package icsfeed

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/teambition/rrule-go"
)

// A wall time is a local date-time reading without a zone, kept in a
// time.Time in UTC (so recurrence rules step in wall-clock time, never
// across a DST change). A zone turns wall times into instants and back.
type zone interface {
	instant(wall time.Time) time.Time
	wall(instant time.Time) time.Time
}

// locZone is an IANA zone (or UTC, or the host's zone for floating times).
type locZone struct{ loc *time.Location }

func (z locZone) instant(w time.Time) time.Time {
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), z.loc).UTC()
}

func (z locZone) wall(t time.Time) time.Time { return asWall(t.In(z.loc)) }

// asWall keeps t's local reading as a wall time.
func asWall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}

// vtimezone is a zone defined only by the feed's VTIMEZONE: its STANDARD
// and DAYLIGHT observances, each starting at onsets (DTSTART, RRULE, RDATE
// in the wall time before the change) and giving TZOFFSETTO from then on.
type vtimezone struct {
	tzid        string
	observances []observance
}

type observance struct {
	start    time.Time // wall
	from, to time.Duration
	rule     *rrule.RRule // nil: only start and rdates
	rdates   []time.Time  // wall
}

// lastOnset is the latest onset of o at or before wall w.
func (o observance) lastOnset(w time.Time) (time.Time, bool) {
	var best time.Time
	if !o.start.After(w) {
		best = o.start
	}
	if o.rule != nil {
		if t := o.rule.Before(w, true); !t.IsZero() && t.After(best) {
			best = t
		}
	}
	for _, r := range o.rdates {
		if !r.After(w) && r.After(best) {
			best = r
		}
	}
	return best, !best.IsZero()
}

// offset is the UTC offset in force at wall time w: TZOFFSETTO of the
// observance with the latest onset at or before w, else TZOFFSETFROM of
// the earliest observance.
func (z *vtimezone) offset(w time.Time) time.Duration {
	var best time.Time
	off, found := time.Duration(0), false
	for _, o := range z.observances {
		if t, ok := o.lastOnset(w); ok && (!found || t.After(best)) {
			best, off, found = t, o.to, true
		}
	}
	if found {
		return off
	}
	first := z.observances[0]
	for _, o := range z.observances[1:] {
		if o.start.Before(first.start) {
			first = o
		}
	}
	return first.from
}

func (z *vtimezone) instant(w time.Time) time.Time { return w.Add(-z.offset(w)) }

func (z *vtimezone) wall(t time.Time) time.Time {
	w := t.Add(z.offset(t)) // a guess: the offset at the instant read as a wall time
	return t.Add(z.offset(w))
}

// parseVTimezone reads one VTIMEZONE component.
func parseVTimezone(c *ical.Component) (*vtimezone, error) {
	tzid := c.Props.Get(ical.PropTimezoneID)
	if tzid == nil || tzid.Value == "" {
		return nil, fmt.Errorf("VTIMEZONE: no TZID")
	}
	z := &vtimezone{tzid: tzid.Value}
	for _, child := range c.Children {
		if child.Name != ical.CompTimezoneStandard && child.Name != ical.CompTimezoneDaylight {
			continue
		}
		o, err := parseObservance(child)
		if err != nil {
			return nil, fmt.Errorf("VTIMEZONE %q: %s: %w", z.tzid, child.Name, err)
		}
		z.observances = append(z.observances, o)
	}
	if len(z.observances) == 0 {
		return nil, fmt.Errorf("VTIMEZONE %q: no STANDARD or DAYLIGHT", z.tzid)
	}
	return z, nil
}

func parseObservance(c *ical.Component) (observance, error) {
	var o observance
	var err error
	for name, dst := range map[string]*time.Duration{ical.PropTimezoneOffsetFrom: &o.from, ical.PropTimezoneOffsetTo: &o.to} {
		p := c.Props.Get(name)
		if p == nil {
			return o, fmt.Errorf("no %s", name)
		}
		if *dst, err = parseOffset(p.Value); err != nil {
			return o, fmt.Errorf("%s: %w", name, err)
		}
	}
	p := c.Props.Get(ical.PropDateTimeStart)
	if p == nil {
		return o, fmt.Errorf("no DTSTART")
	}
	if o.start, err = parseWall(p.Value); err != nil {
		return o, fmt.Errorf("DTSTART: %w", err)
	}
	if r := c.Props.Get(ical.PropRecurrenceRule); r != nil {
		opt, err := rrule.StrToROption(r.Value)
		if err != nil {
			return o, fmt.Errorf("RRULE: %w", err)
		}
		opt.Dtstart = o.start
		if !opt.Until.IsZero() { // UNTIL is UTC here: compare it as the wall time before the change
			opt.Until = opt.Until.Add(o.from)
		}
		if o.rule, err = rrule.NewRRule(*opt); err != nil {
			return o, fmt.Errorf("RRULE: %w", err)
		}
	}
	for _, rp := range c.Props.Values(ical.PropRecurrenceDates) {
		for _, v := range strings.Split(rp.Value, ",") {
			w, err := parseWall(v)
			if err != nil {
				return o, fmt.Errorf("RDATE: %w", err)
			}
			o.rdates = append(o.rdates, w)
		}
	}
	sort.Slice(o.rdates, func(i, j int) bool { return o.rdates[i].Before(o.rdates[j]) })
	return o, nil
}

// parseOffset reads a UTC offset such as "+0100", "-0500" or "+053000".
func parseOffset(v string) (time.Duration, error) {
	if len(v) != 5 && len(v) != 7 || (v[0] != '+' && v[0] != '-') {
		return 0, fmt.Errorf("%q: want ±HHMM or ±HHMMSS", v)
	}
	n, err := strconv.Atoi(v[1:])
	if err != nil {
		return 0, fmt.Errorf("%q: want ±HHMM or ±HHMMSS", v)
	}
	if len(v) == 5 {
		n *= 100
	}
	d := time.Duration(n/10000)*time.Hour + time.Duration(n/100%100)*time.Minute + time.Duration(n%100)*time.Second
	if d >= 24*time.Hour {
		return 0, fmt.Errorf("%q: beyond 24 hours", v)
	}
	if v[0] == '-' {
		d = -d
	}
	return d, nil
}

// parseWall reads a DATE ("20250301") or a local DATE-TIME
// ("20250301T090000"; a trailing Z is read as the same wall reading).
func parseWall(v string) (time.Time, error) {
	v = strings.TrimSuffix(strings.TrimSpace(v), "Z")
	layout := "20060102T150405"
	if len(v) == 8 {
		layout = "20060102"
	}
	t, err := time.Parse(layout, v)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q: not an iCalendar date or date-time", v)
	}
	return t, nil
}

// zones resolves TZIDs: an IANA name first (Outlook and Apple write
// VTIMEZONEs for them too, sometimes with stale rules), then the feed's own
// VTIMEZONE, then an IANA name at the end of a path-like TZID
// ("/mozilla.org/20050126_1/America/New_York").
type zones struct {
	feed  map[string]*vtimezone
	cache map[string]zone
}

func (zs *zones) lookup(tzid string) (zone, error) {
	if z, ok := zs.cache[tzid]; ok {
		return z, nil
	}
	z, err := zs.resolve(tzid)
	if err != nil {
		return nil, err
	}
	if zs.cache == nil {
		zs.cache = map[string]zone{}
	}
	zs.cache[tzid] = z
	return z, nil
}

func (zs *zones) resolve(tzid string) (zone, error) {
	if loc, err := time.LoadLocation(tzid); err == nil && tzid != "" && tzid != "Local" {
		return locZone{loc}, nil
	}
	if z, ok := zs.feed[tzid]; ok {
		return z, nil
	}
	parts := strings.Split(strings.Trim(tzid, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if loc, err := time.LoadLocation(strings.Join(parts[i:], "/")); err == nil && strings.Contains(strings.Join(parts[i:], "/"), "/") {
			return locZone{loc}, nil
		}
	}
	return nil, fmt.Errorf("TZID %q: neither an IANA zone nor defined by a VTIMEZONE in the feed", tzid)
}
