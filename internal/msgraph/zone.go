package msgraph

import (
	"strings"
	"time"
)

// graphTime is Graph's dateTimeTimeZone: a wall time and the zone it is in.
type graphTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// wallLayout reads Graph's "2024-05-01T09:00:00.0000000" (no offset).
const wallLayout = "2006-01-02T15:04:05.9999999"

// instant is t as a UTC instant; fallback reads an unknown zone name.
func (t graphTime) instant(fallback *time.Location) (time.Time, bool) {
	w, err := time.ParseInLocation(wallLayout, t.DateTime, zone(t.TimeZone, fallback))
	if err != nil {
		return time.Time{}, false
	}
	return w.UTC(), true
}

// parseDate reads the calendar date of a Graph wall time.
func parseDate(dt string) (time.Time, bool) {
	if len(dt) < 10 {
		return time.Time{}, false
	}
	d, err := time.Parse("2006-01-02", dt[:10])
	return d, err == nil
}

// midnight is the first instant of date d in loc, in UTC (a day whose
// midnight falls in a DST gap starts at the first instant after it).
func midnight(d time.Time, loc *time.Location) time.Time {
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).UTC()
}

// windowsZones maps the Windows zone names Outlook most often reports to
// IANA names (CLDR windowsZones, territory 001). Graph also accepts and
// returns IANA names, which load directly.
var windowsZones = map[string]string{
	"utc":                            "UTC",
	"tzone://microsoft/utc":          "UTC",
	"gmt standard time":              "Europe/London",
	"greenwich standard time":        "Atlantic/Reykjavik",
	"w. europe standard time":        "Europe/Berlin",
	"romance standard time":          "Europe/Paris",
	"central europe standard time":   "Europe/Budapest",
	"central european standard time": "Europe/Warsaw",
	"e. europe standard time":        "Europe/Chisinau",
	"fle standard time":              "Europe/Kiev",
	"russian standard time":          "Europe/Moscow",
	"eastern standard time":          "America/New_York",
	"central standard time":          "America/Chicago",
	"mountain standard time":         "America/Denver",
	"us mountain standard time":      "America/Phoenix",
	"pacific standard time":          "America/Los_Angeles",
	"alaskan standard time":          "America/Anchorage",
	"hawaiian standard time":         "Pacific/Honolulu",
	"e. south america standard time": "America/Sao_Paulo",
	"india standard time":            "Asia/Kolkata",
	"china standard time":            "Asia/Shanghai",
	"tokyo standard time":            "Asia/Tokyo",
	"singapore standard time":        "Asia/Singapore",
	"aus eastern standard time":      "Australia/Sydney",
	"new zealand standard time":      "Pacific/Auckland",
}

// zone resolves a Graph zone name (IANA or Windows); unknown → fallback.
func zone(name string, fallback *time.Location) *time.Location {
	name = strings.TrimSpace(name)
	if name == "" {
		return fallback
	}
	if iana, ok := windowsZones[strings.ToLower(name)]; ok {
		name = iana
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return fallback
}
