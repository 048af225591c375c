package icsfeed

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// feed wraps VEVENT/VTIMEZONE lines (one string per line) in a VCALENDAR.
func feed(lines ...string) []byte {
	all := append([]string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//test//EN"}, lines...)
	all = append(all, "END:VCALENDAR", "")
	return []byte(strings.Join(all, "\r\n"))
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// customEastern is a VTIMEZONE under a made-up name with the US Eastern rules.
var customEastern = []string{
	"BEGIN:VTIMEZONE", "TZID:Custom Eastern (made up)",
	"BEGIN:STANDARD", "DTSTART:19701101T020000", "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU",
	"TZOFFSETFROM:-0400", "TZOFFSETTO:-0500", "END:STANDARD",
	"BEGIN:DAYLIGHT", "DTSTART:19700308T020000", "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU",
	"TZOFFSETFROM:-0500", "TZOFFSETTO:-0400", "END:DAYLIGHT",
	"END:VTIMEZONE",
}

func TestExpand(t *testing.T) {
	berlin := mustZone("Europe/Berlin")
	scenarios := []struct {
		name  string
		lines []string
		want  [][2]string // start, end (UTC)
	}{
		{
			// 09:00 New York every Thursday: 14:00Z in EST, 13:00Z once
			// the US changes to EDT on Sunday 2026-03-08 (Berlin, the
			// host's zone, changes only on 2026-03-29: it plays no part).
			// 12 March moves to Friday 13 March 11:00; 19 March is gone.
			name: "weekly New York across DST, one moved, one excluded",
			lines: []string{
				"BEGIN:VEVENT", "UID:weekly@test", "DTSTAMP:20260101T000000Z",
				"DTSTART;TZID=America/New_York:20260226T090000", "DTEND;TZID=America/New_York:20260226T100000",
				"RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=America/New_York:20260319T090000", "END:VEVENT",
				"BEGIN:VEVENT", "UID:weekly@test", "DTSTAMP:20260101T000000Z",
				"RECURRENCE-ID;TZID=America/New_York:20260312T090000",
				"DTSTART;TZID=America/New_York:20260313T110000", "DTEND;TZID=America/New_York:20260313T120000", "END:VEVENT",
			},
			want: [][2]string{
				{"2026-02-26T14:00:00Z", "2026-02-26T15:00:00Z"},
				{"2026-03-05T14:00:00Z", "2026-03-05T15:00:00Z"},
				{"2026-03-13T15:00:00Z", "2026-03-13T16:00:00Z"},
				{"2026-03-26T13:00:00Z", "2026-03-26T14:00:00Z"},
			},
		},
		{
			name: "a cancelled override removes its occurrence",
			lines: []string{
				"BEGIN:VEVENT", "UID:c@test", "DTSTART:20260302T100000Z", "DURATION:PT30M", "RRULE:FREQ=DAILY;COUNT=3", "END:VEVENT",
				"BEGIN:VEVENT", "UID:c@test", "RECURRENCE-ID:20260303T100000Z", "DTSTART:20260303T100000Z", "DURATION:PT30M", "STATUS:CANCELLED", "END:VEVENT",
			},
			want: [][2]string{
				{"2026-03-02T10:00:00Z", "2026-03-02T10:30:00Z"},
				{"2026-03-04T10:00:00Z", "2026-03-04T10:30:00Z"},
			},
		},
		{
			// Whole local days in the host's zone (Berlin): CET is UTC+1,
			// and the two-day event spans Berlin's change to CEST (UTC+2)
			// on 29 March.
			name: "all-day events are whole days in the host's zone",
			lines: []string{
				"BEGIN:VEVENT", "UID:day@test", "DTSTART;VALUE=DATE:20260310", "DTEND;VALUE=DATE:20260311", "END:VEVENT",
				"BEGIN:VEVENT", "UID:days@test", "DTSTART;VALUE=DATE:20260328", "DTEND;VALUE=DATE:20260330", "END:VEVENT",
				"BEGIN:VEVENT", "UID:noend@test", "DTSTART;VALUE=DATE:20260315", "END:VEVENT",
			},
			want: [][2]string{
				{"2026-03-09T23:00:00Z", "2026-03-10T23:00:00Z"},
				{"2026-03-14T23:00:00Z", "2026-03-15T23:00:00Z"},
				{"2026-03-27T23:00:00Z", "2026-03-29T22:00:00Z"},
			},
		},
		{
			// UNTIL is inclusive and in UTC: 09:00 New York (EST) is 14:00Z.
			name: "UNTIL rule",
			lines: []string{
				"BEGIN:VEVENT", "UID:until@test", "DTSTART;TZID=America/New_York:20260302T090000", "DURATION:PT1H",
				"RRULE:FREQ=DAILY;UNTIL=20260304T140000Z", "END:VEVENT",
			},
			want: [][2]string{
				{"2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"},
				{"2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z"},
				{"2026-03-04T14:00:00Z", "2026-03-04T15:00:00Z"},
			},
		},
		{
			name: "COUNT rule with RDATE",
			lines: []string{
				"BEGIN:VEVENT", "UID:count@test", "DTSTART:20260302T080000Z", "DTEND:20260302T083000Z",
				"RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=2", "RDATE:20260305T120000Z,20260306T120000Z", "END:VEVENT",
			},
			want: [][2]string{
				{"2026-03-02T08:00:00Z", "2026-03-02T08:30:00Z"},
				{"2026-03-05T12:00:00Z", "2026-03-05T12:30:00Z"},
				{"2026-03-06T12:00:00Z", "2026-03-06T12:30:00Z"},
				{"2026-03-16T08:00:00Z", "2026-03-16T08:30:00Z"},
			},
		},
		{
			// A TZID only the feed's VTIMEZONE defines, with US Eastern
			// rules: 09:00 is 14:00Z before 8 March and 13:00Z after; a
			// fixed +05:30 zone puts 10:00 at 04:30Z.
			name: "VTIMEZONE with custom TZID names",
			lines: append(append([]string{}, customEastern...),
				"BEGIN:VTIMEZONE", "TZID:India Standard Time", "BEGIN:STANDARD", "DTSTART:16010101T000000",
				"TZOFFSETFROM:+0530", "TZOFFSETTO:+0530", "END:STANDARD", "END:VTIMEZONE",
				"BEGIN:VEVENT", "UID:custom@test", `DTSTART;TZID="Custom Eastern (made up)":20260305T090000`,
				`DTEND;TZID="Custom Eastern (made up)":20260305T093000`, "RRULE:FREQ=WEEKLY;COUNT=2", "END:VEVENT",
				"BEGIN:VEVENT", "UID:india@test", "DTSTART;TZID=India Standard Time:20260305T100000",
				"DTEND;TZID=India Standard Time:20260305T110000", "END:VEVENT",
			),
			want: [][2]string{
				{"2026-03-05T04:30:00Z", "2026-03-05T05:30:00Z"},
				{"2026-03-05T14:00:00Z", "2026-03-05T14:30:00Z"},
				{"2026-03-12T13:00:00Z", "2026-03-12T13:30:00Z"},
			},
		},
		{
			// Floating times are the host's (Berlin, UTC+1 in March).
			name: "transparent and cancelled skipped, floating in the host's zone",
			lines: []string{
				"BEGIN:VEVENT", "UID:free@test", "DTSTART:20260305T100000Z", "DURATION:PT1H", "TRANSP:TRANSPARENT", "END:VEVENT",
				"BEGIN:VEVENT", "UID:gone@test", "DTSTART:20260305T110000Z", "DURATION:PT1H", "STATUS:CANCELLED", "END:VEVENT",
				"BEGIN:VEVENT", "UID:floating@test", "DTSTART:20260305T100000", "DTEND:20260305T101500", "END:VEVENT",
			},
			want: [][2]string{{"2026-03-05T09:00:00Z", "2026-03-05T09:15:00Z"}},
		},
		{
			name: "only blocks in the window",
			lines: []string{
				"BEGIN:VEVENT", "UID:old@test", "DTSTART:20250101T100000Z", "DURATION:PT1H", "END:VEVENT",
				"BEGIN:VEVENT", "UID:far@test", "DTSTART:20280101T100000Z", "DURATION:PT1H", "END:VEVENT",
				"BEGIN:VEVENT", "UID:daily@test", "DTSTART:20200101T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY", "END:VEVENT",
			},
			want: nil, // checked by count below
		},
	}
	opt := Options{From: utc("2026-02-20T00:00:00Z"), To: utc("2026-04-01T00:00:00Z"), Host: berlin}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			res, err := Expand(feed(sc.lines...), opt)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Skipped) > 0 {
				t.Fatalf("skipped: %v", res.Skipped)
			}
			if sc.want == nil { // the daily series: 20 Feb .. 31 Mar, 40 days
				if len(res.Blocks) != 40 {
					t.Fatalf("got %d blocks, want 40 (the daily series in the window only)", len(res.Blocks))
				}
				return
			}
			var got [][2]string
			for _, b := range res.Blocks {
				got = append(got, [2]string{b.Start.Format(time.RFC3339), b.End.Format(time.RFC3339)})
			}
			if len(got) != len(sc.want) {
				t.Fatalf("got %v\nwant %v", got, sc.want)
			}
			for i := range got {
				if got[i] != sc.want[i] {
					t.Fatalf("block %d: got %v\nwant %v (all: %v)", i, got[i], sc.want[i], got)
				}
			}
		})
	}
}

func TestExpandStableSourceIDs(t *testing.T) {
	lines := []string{"BEGIN:VEVENT", "UID:s@test", "DTSTART:20260302T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY;COUNT=3", "SUMMARY:a", "END:VEVENT"}
	opt := Options{From: utc("2026-03-01T00:00:00Z"), To: utc("2026-04-01T00:00:00Z"), Host: time.UTC}
	a, err := Expand(feed(lines...), opt)
	if err != nil {
		t.Fatal(err)
	}
	lines[5] = "SUMMARY:edited"
	b, err := Expand(feed(lines...), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Blocks) != 3 || len(b.Blocks) != 3 {
		t.Fatalf("got %d and %d blocks, want 3", len(a.Blocks), len(b.Blocks))
	}
	seen := map[string]bool{}
	for i := range a.Blocks {
		if a.Blocks[i].SourceID != b.Blocks[i].SourceID || seen[a.Blocks[i].SourceID] {
			t.Fatalf("source ids not stable and unique: %v / %v", a.Blocks, b.Blocks)
		}
		seen[a.Blocks[i].SourceID] = true
	}
}

func TestExpandErrors(t *testing.T) {
	opt := Options{From: utc("2026-03-01T00:00:00Z"), To: utc("2026-04-01T00:00:00Z"), Host: time.UTC}
	if _, err := Expand([]byte("<html>not a calendar</html>"), opt); !errors.Is(err, ErrSyntax) {
		t.Fatalf("html: got %v, want ErrSyntax", err)
	}
	res, err := Expand(feed(
		"BEGIN:VEVENT", "UID:bad@test", "DTSTART;TZID=Nowhere/Special:20260302T100000", "DURATION:PT1H", "END:VEVENT",
		"BEGIN:VEVENT", "UID:good@test", "DTSTART:20260302T100000Z", "DURATION:PT1H", "END:VEVENT",
	), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Blocks) != 1 || len(res.Skipped) != 1 || !strings.Contains(res.Skipped[0], "Nowhere/Special") {
		t.Fatalf("an unknown TZID skips only its event, named: %+v", res)
	}
	small := opt
	small.MaxBlocks = 5
	if _, err := Expand(feed("BEGIN:VEVENT", "UID:d@test", "DTSTART:20260302T100000Z", "DURATION:PT1H", "RRULE:FREQ=DAILY", "END:VEVENT"), small); !errors.Is(err, ErrTooMany) {
		t.Fatalf("got %v, want ErrTooMany", err)
	}
}
