package slots

import (
	"bytes"
	"encoding/json"
	"slices"
	"time"
)

// dayKeys are the JSON keys of Weekly, indexed by time.Weekday.
var dayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// weekOrder lists the weekdays Monday first, the order of Weekly's JSON.
var weekOrder = [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

// Weekly holds the windows of each weekday, indexed by time.Weekday. A nil or
// empty entry means closed that day.
type Weekly [7][]Window

// ParseWeekly parses the weekly JSON of a schedule, e.g.
// {"mon":[["09:00","17:00"]],"tue":[["09:00","12:00"],["13:00","17:00"]]}.
// Keys are mon, tue, wed, thu, fri, sat, sun; an unknown key is an error
// naming it; a missing day (and `null`) is closed. Each day follows
// ParseWindows; errors start with the day key and wrap ErrInvalidWindow.
func ParseWeekly(data []byte) (Weekly, error) {
	var w Weekly
	var days map[string]json.RawMessage
	if err := json.Unmarshal(data, &days); err != nil {
		return w, newError(ErrInvalidWindow, `weekly: want a JSON object like {"mon":[["09:00","17:00"]]}`)
	}
	keys := make([]string, 0, len(days))
	for key := range days {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	for _, key := range keys {
		if slices.Index(dayKeys[:], key) < 0 {
			return w, newError(ErrInvalidWindow,
				"unknown day %q: want mon, tue, wed, thu, fri, sat or sun", key)
		}
	}
	for _, wd := range weekOrder {
		raw, ok := days[dayKeys[wd]]
		if !ok {
			continue
		}
		ws, err := ParseWindowsJSON(raw)
		if err != nil {
			return Weekly{}, newError(ErrInvalidWindow, "%s: %s", dayKeys[wd], err.Error())
		}
		w[wd] = ws
	}
	return w, nil
}

// MarshalJSON writes w in the form ParseWeekly reads, all seven days from
// Monday on, closed days as [].
func (w Weekly) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, wd := range weekOrder {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"` + dayKeys[wd] + `":[`)
		for j, win := range w[wd] {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`["` + formatClock(win.Start) + `","` + formatClock(win.End) + `"]`)
		}
		b.WriteByte(']')
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON parses data with ParseWeekly.
func (w *Weekly) UnmarshalJSON(data []byte) error {
	v, err := ParseWeekly(data)
	if err != nil {
		return err
	}
	*w = v
	return nil
}

// Schedule is a host's availability in its own zone.
type Schedule struct {
	// Location is the schedule's zone; windows are wall-clock times in it.
	Location *time.Location
	// Weekly holds the windows of each weekday.
	Weekly Weekly
	// Overrides replace the weekly windows of single dates: a present key
	// replaces that date's windows, an empty slice closes the date.
	Overrides map[Date][]Window
}

// Validate checks that s has a location and only well-formed windows. It
// does not reject overlapping windows (ParseWindows does); Compute unions them.
func (s Schedule) Validate() error {
	if s.Location == nil {
		return newError(ErrInvalidInput, "schedule: location is missing")
	}
	for wd, ws := range s.Weekly {
		for i, w := range ws {
			if err := w.Validate(); err != nil {
				return newError(ErrInvalidInput, "schedule: %s: window %d: %s", dayKeys[wd], i, err.Error())
			}
		}
	}
	for d, ws := range s.Overrides {
		if d.Month < time.January || d.Month > time.December || d.Day < 1 || d.Day > daysIn(d.Year, d.Month) {
			return newError(ErrInvalidInput, "schedule: override %s: not a valid date", d)
		}
		for i, w := range ws {
			if err := w.Validate(); err != nil {
				return newError(ErrInvalidInput, "schedule: override %s: window %d: %s", d, i, err.Error())
			}
		}
	}
	return nil
}

// windowsOn returns the windows of the date with day number day.
func (s *Schedule) windowsOn(day int64) []Window {
	if len(s.Overrides) > 0 {
		if ws, ok := s.Overrides[dateFromDays(day)]; ok {
			return ws
		}
	}
	return s.Weekly[weekdayOfDays(day)]
}

// appendAvailability appends the host's available time within [lo, hi)
// (Unix nanoseconds) as sorted, merged spans. Every date whose windows can
// reach into [lo, hi) is visited: a window of date d covers wall readings in
// [d 00:00, d+2 00:00) and readings differ from UTC by < maxZoneOffset.
func (s *Schedule) appendAvailability(dst []span, z *zoneCursor, lo, hi int64) []span {
	first := len(dst)
	loSec, hiSec := floorDiv(lo, 1e9), floorDiv(hi, 1e9)+1
	for day := floorDiv(loSec-maxZoneOffset, secondsPerDay) - 2; day <= floorDiv(hiSec+maxZoneOffset, secondsPerDay); day++ {
		base := day * secondsPerDay
		for _, w := range s.windowsOn(day) {
			dst = z.appendWallRange(dst, base+int64(w.Start)*60, base+int64(w.dayEnd())*60, lo, hi)
		}
	}
	return mergeSpans(dst, first)
}

// mergeSpans sorts dst[first:] by start (the spans arrive almost sorted) and
// merges overlapping or touching spans in place.
func mergeSpans(dst []span, first int) []span {
	insertionSortSpans(dst[first:])
	return dst[:first+len(unionSpans(dst[first:]))]
}

// Interval is a half-open stretch of time [Start, End) in UTC.
type Interval struct{ Start, End time.Time }

// Open returns the schedule's open time within [from, to) in UTC, sorted
// and merged: its weekly windows and date overrides turned into instants
// in its zone exactly as Compute does (DST gaps and overlaps, windows past
// midnight). Calendars draw working hours from it.
func (s *Schedule) Open(from, to time.Time) []Interval {
	if s.Location == nil || !from.Before(to) {
		return nil
	}
	z := zoneCursor{loc: s.Location}
	spans := s.appendAvailability(nil, &z, toNanos(from), toNanos(to))
	out := make([]Interval, len(spans))
	for i, sp := range spans {
		out[i] = Interval{time.Unix(0, sp.lo).UTC(), time.Unix(0, sp.hi).UTC()}
	}
	return out
}
