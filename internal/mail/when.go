package mail

import (
	"strings"
	"time"
)

// When writes a meeting's time span in loc with the zone named, e.g.
// "Tuesday, 3 March 2026, 10:00–10:30 (Europe/London, GMT)". A span that
// ends on another local day names both days; a zone without an abbreviation
// shows its offset ("UTC+03"); a nil loc means UTC.
func When(start, end time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s, e := start.In(loc), end.In(loc)
	var b strings.Builder
	b.WriteString(s.Format("Monday, 2 January 2006, 15:04"))
	if sameDay(s, e) {
		b.WriteString("–" + e.Format("15:04"))
	} else {
		b.WriteString(" – " + e.Format("Monday, 2 January 2006, 15:04"))
	}
	b.WriteString(" (" + zoneLabel(s, e, loc) + ")")
	return b.String()
}

// ShortWhen is the start alone, short enough for a subject line, e.g.
// "Tue 3 Mar 2026, 10:00 GMT".
func ShortWhen(start time.Time, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	s := start.In(loc)
	return s.Format("Mon 2 Jan 2006, 15:04") + " " + abbrev(s)
}

// zoneLabel is "Europe/London, GMT", or just "UTC"; when a meeting crosses
// a DST change both abbreviations are shown ("GMT/BST").
func zoneLabel(s, e time.Time, loc *time.Location) string {
	a := abbrev(s)
	if b := abbrev(e); b != a {
		a += "/" + b
	}
	if name := loc.String(); name != "" && name != a && name != "Local" {
		return name + ", " + a
	}
	return a
}

// abbrev is t's zone abbreviation, or "UTC±hh[:mm]" for zones that have none
// (Go writes those as "+03").
func abbrev(t time.Time) string {
	a := t.Format("MST")
	if strings.HasPrefix(a, "+") || strings.HasPrefix(a, "-") {
		a = "UTC" + t.Format("-07:00")
		a = strings.TrimSuffix(a, ":00")
	}
	return a
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
