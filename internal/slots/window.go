package slots

import (
	"encoding/json"
	"fmt"
	"strings"
)

// MinutesPerDay is the number of wall-clock minutes of a civil day; a Window
// end of MinutesPerDay means "24:00", the next midnight.
const MinutesPerDay = 1440

// Window is a wall-clock interval on one local date, in minutes since
// midnight: Start in [0, 1440), End in [0, 1440]. End <= Start means End is on
// the next day (the window spans midnight); End 1440 is "24:00". A window
// never has zero length: Start == End is invalid.
type Window struct{ Start, End int }

// Validate reports whether w is a well-formed window.
func (w Window) Validate() error {
	switch {
	case w.Start < 0 || w.Start >= MinutesPerDay:
		return newError(ErrInvalidWindow, "start %d: must be between 0 and 1439 minutes", w.Start)
	case w.End < 0 || w.End > MinutesPerDay:
		return newError(ErrInvalidWindow, "end %d: must be between 0 and 1440 minutes", w.End)
	case w.Start == w.End:
		return newError(ErrInvalidWindow, "start and end are equal (zero-length window)")
	}
	return nil
}

// Spans reports whether w ends on the next day.
func (w Window) Spans() bool { return w.End <= w.Start }

// dayEnd returns the end in minutes from the window's own midnight (> 1440
// when the window spans midnight).
func (w Window) dayEnd() int {
	if w.End <= w.Start {
		return w.End + MinutesPerDay
	}
	return w.End
}

// String formats w as "HH:MM-HH:MM".
func (w Window) String() string {
	return formatClock(w.Start) + "-" + formatClock(w.End)
}

// ParseWindows parses one day's windows, e.g. [["09:00","17:00"],["22:00","02:00"]].
// Times are H:MM or HH:MM (hours 00-23, minutes 00-59); "24:00" is accepted
// only as an end; an end at or before the start means the next day. It rejects
// zero-length windows and windows of the day that overlap each other
// ("windows 0 and 1 overlap"); touching windows are fine. Errors name the
// window index and reason and wrap ErrInvalidWindow. The windows are returned
// in input order; an empty raw means closed.
func ParseWindows(raw [][]string) ([]Window, error) {
	ws := make([]Window, 0, len(raw))
	for i, pair := range raw {
		if len(pair) != 2 {
			return nil, newError(ErrInvalidWindow, "window %d: want [start, end], got %d values", i, len(pair))
		}
		start, err := parseClock(pair[0], false)
		if err != nil {
			return nil, newError(ErrInvalidWindow, "window %d: start %q: %s", i, pair[0], err.Error())
		}
		end, err := parseClock(pair[1], true)
		if err != nil {
			return nil, newError(ErrInvalidWindow, "window %d: end %q: %s", i, pair[1], err.Error())
		}
		if start == end {
			return nil, newError(ErrInvalidWindow, "window %d: start and end are equal (zero-length window)", i)
		}
		ws = append(ws, Window{Start: start, End: end})
	}
	if err := checkOverlaps(ws); err != nil {
		return nil, err
	}
	return ws, nil
}

// checkOverlaps rejects two windows of one day that share a minute.
func checkOverlaps(ws []Window) error {
	for i := range ws {
		for j := i + 1; j < len(ws); j++ {
			a, b := ws[i], ws[j]
			if a.Start < b.dayEnd() && b.Start < a.dayEnd() {
				return newError(ErrInvalidWindow, "windows %d and %d overlap", i, j)
			}
		}
	}
	return nil
}

// ParseWindowsJSON is ParseWindows for JSON text such as `[["09:00","17:00"]]`.
// `[]` (and `null`) mean closed all day.
func ParseWindowsJSON(data []byte) ([]Window, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(data, &items); err != nil {
		return nil, newError(ErrInvalidWindow, `windows: want a JSON array like [["09:00","17:00"]]`)
	}
	raw := make([][]string, len(items))
	for i, item := range items {
		if err := json.Unmarshal(item, &raw[i]); err != nil || raw[i] == nil {
			return nil, newError(ErrInvalidWindow, `window %d: want ["HH:MM","HH:MM"]`, i)
		}
	}
	return ParseWindows(raw)
}

// FormatWindows turns windows back into the [["HH:MM","HH:MM"], …] form that
// ParseWindows reads. It returns an empty, non-nil slice for no windows.
func FormatWindows(ws []Window) [][]string {
	out := make([][]string, len(ws))
	for i, w := range ws {
		out[i] = []string{formatClock(w.Start), formatClock(w.End)}
	}
	return out
}

// parseClock parses "H:MM" or "HH:MM" into minutes since midnight; "24:00"
// only when asEnd.
func parseClock(s string, asEnd bool) (int, error) {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon > 2 || len(s) != colon+3 {
		return 0, fmt.Errorf("want H:MM or HH:MM")
	}
	h, ok1 := digits(s[:colon])
	m, ok2 := digits(s[colon+1:])
	if !ok1 || !ok2 {
		return 0, fmt.Errorf("want H:MM or HH:MM with digits only")
	}
	if m > 59 {
		return 0, fmt.Errorf("minutes must be 00-59")
	}
	if h == 24 && m == 0 {
		if !asEnd {
			return 0, fmt.Errorf("24:00 is allowed only as an end")
		}
		return MinutesPerDay, nil
	}
	if h > 23 {
		return 0, fmt.Errorf("hours must be 00-23")
	}
	return h*60 + m, nil
}

// formatClock formats minutes since midnight as "HH:MM" (1440 as "24:00").
func formatClock(m int) string {
	if m < 0 || m > MinutesPerDay {
		return fmt.Sprintf("?%d", m)
	}
	return string([]byte{byte('0' + m/600), byte('0' + m/60%10), ':', byte('0' + m%60/10), byte('0' + m%10)})
}
