package caldav

import (
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-ical"
)

func parseCal(t testing.TB, body string) *ical.Calendar {
	t.Helper()
	s := "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//t//EN\n" + body + "END:VCALENDAR\n"
	cal, err := ical.NewDecoder(strings.NewReader(strings.ReplaceAll(s, "\n", "\r\n"))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	return cal
}

func TestBusyFromCalendar(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	scenarios := []struct {
		name string
		loc  *time.Location
		body string
		want []string // "start/end" in UTC, RFC 3339
	}{
		{
			name: "all-day recurring across the DST change keeps whole local days",
			loc:  berlin,
			body: "BEGIN:VEVENT\nUID:a\nDTSTART;VALUE=DATE:20260328\nDTEND;VALUE=DATE:20260329\nRRULE:FREQ=DAILY;COUNT=2\nEND:VEVENT\n",
			want: []string{"2026-03-27T23:00:00Z/2026-03-28T23:00:00Z", "2026-03-28T23:00:00Z/2026-03-29T22:00:00Z"},
		},
		{
			name: "RDATE and EXDATE lists with several values",
			body: "BEGIN:VEVENT\nUID:b\nDTSTART:20260302T090000Z\nDURATION:PT30M\nRRULE:FREQ=DAILY;COUNT=3\nEXDATE:20260303T090000Z,20260304T090000Z\nRDATE:20260310T090000Z,20260311T090000Z\nEND:VEVENT\n",
			want: []string{"2026-03-02T09:00:00Z/2026-03-02T09:30:00Z", "2026-03-10T09:00:00Z/2026-03-10T09:30:00Z", "2026-03-11T09:00:00Z/2026-03-11T09:30:00Z"},
		},
		{
			name: "an override with STATUS:CANCELLED removes its occurrence",
			body: "BEGIN:VEVENT\nUID:c\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nEND:VEVENT\nBEGIN:VEVENT\nUID:c\nRECURRENCE-ID:20260309T090000Z\nDTSTART:20260309T090000Z\nDTEND:20260309T100000Z\nSTATUS:CANCELLED\nEND:VEVENT\n",
			want: []string{"2026-03-02T09:00:00Z/2026-03-02T10:00:00Z"},
		},
		{
			name: "an occurrence moved into the window from outside counts, one moved out does not",
			body: "BEGIN:VEVENT\nUID:d\nDTSTART:20260223T090000Z\nDTEND:20260223T100000Z\nRRULE:FREQ=WEEKLY;COUNT=6\nEND:VEVENT\n" +
				"BEGIN:VEVENT\nUID:d\nRECURRENCE-ID:20260223T090000Z\nDTSTART:20260303T120000Z\nDTEND:20260303T130000Z\nEND:VEVENT\n" +
				"BEGIN:VEVENT\nUID:d\nRECURRENCE-ID:20260330T090000Z\nDTSTART:20260402T090000Z\nDTEND:20260402T100000Z\nEND:VEVENT\n",
			want: []string{"2026-03-02T09:00:00Z/2026-03-02T10:00:00Z", "2026-03-03T12:00:00Z/2026-03-03T13:00:00Z", "2026-03-09T09:00:00Z/2026-03-09T10:00:00Z", "2026-03-16T09:00:00Z/2026-03-16T10:00:00Z", "2026-03-23T09:00:00Z/2026-03-23T10:00:00Z"},
		},
		{
			name: "a cancelled series takes its moved occurrences with it",
			body: "BEGIN:VEVENT\nUID:c2\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nSTATUS:CANCELLED\nEND:VEVENT\nBEGIN:VEVENT\nUID:c2\nRECURRENCE-ID:20260309T090000Z\nDTSTART:20260310T090000Z\nDTEND:20260310T100000Z\nEND:VEVENT\n",
			want: nil,
		},
		{
			name: "a transparent master with an opaque override counts only the override",
			body: "BEGIN:VEVENT\nUID:e\nDTSTART:20260302T090000Z\nDTEND:20260302T100000Z\nRRULE:FREQ=WEEKLY;COUNT=2\nTRANSP:TRANSPARENT\nEND:VEVENT\nBEGIN:VEVENT\nUID:e\nRECURRENCE-ID:20260309T090000Z\nDTSTART:20260309T090000Z\nDTEND:20260309T100000Z\nTRANSP:OPAQUE\nEND:VEVENT\n",
			want: []string{"2026-03-09T09:00:00Z/2026-03-09T10:00:00Z"},
		},
		{
			name: "floating time reads in the calendar's zone; slotbase's own events are free",
			loc:  berlin,
			body: "BEGIN:VEVENT\nUID:f\nDTSTART:20260305T090000\nDTEND:20260305T100000\nEND:VEVENT\nBEGIN:VEVENT\nUID:g\nDTSTART:20260306T090000Z\nDTEND:20260306T100000Z\nX-SLOTBASE-BOOKING:g\nEND:VEVENT\n",
			want: []string{"2026-03-05T08:00:00Z/2026-03-05T09:00:00Z"},
		},
		{
			name: "UNTIL bounds a rule; an event ending at the window start does not count",
			body: "BEGIN:VEVENT\nUID:h\nDTSTART:20260228T230000Z\nDTEND:20260301T000000Z\nEND:VEVENT\nBEGIN:VEVENT\nUID:i\nDTSTART:20260330T090000Z\nDTEND:20260330T100000Z\nRRULE:FREQ=DAILY;UNTIL=20260331T090000Z\nEND:VEVENT\n",
			want: []string{"2026-03-30T09:00:00Z/2026-03-30T10:00:00Z", "2026-03-31T09:00:00Z/2026-03-31T10:00:00Z"},
		},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			bs, err := BusyFromCalendar(parseCal(t, s.body), "k", from, to, s.loc)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, b := range bs {
				got = append(got, b.Start.Format(time.RFC3339)+"/"+b.End.Format(time.RFC3339))
			}
			if strings.Join(got, " ") != strings.Join(s.want, " ") {
				t.Fatalf("got  %v\nwant %v", got, s.want)
			}
		})
	}
}

func TestBusyFromCalendarErrorsNameTheProperty(t *testing.T) {
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	scenarios := []struct{ name, body, want string }{
		{"unknown TZID", "BEGIN:VEVENT\nUID:a\nDTSTART;TZID=Mars/Olympus:20260302T090000\nDTEND:20260302T100000Z\nEND:VEVENT\n", "DTSTART"},
		{"bad RRULE", "BEGIN:VEVENT\nUID:a\nDTSTART:20260302T090000Z\nRRULE:FREQ=SOMETIMES\nEND:VEVENT\n", "RRULE"},
		{"no DTSTART", "BEGIN:VEVENT\nUID:a\nSUMMARY:x\nEND:VEVENT\n", "DTSTART"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			_, err := BusyFromCalendar(parseCal(t, s.body), "k", from, from.AddDate(0, 1, 0), nil)
			if err == nil || !strings.Contains(err.Error(), s.want) {
				t.Fatalf("err = %v, want one naming %s", err, s.want)
			}
		})
	}
}

// FuzzBusyFromCalendar: any data decodes or fails without panicking (the
// corpus keeps go-ical's decoder panic it found), and any parseable object expands without panicking,
// within the window and with positive-or-zero spans.
func FuzzBusyFromCalendar(f *testing.F) {
	f.Add("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;TZID=America/New_York:20260302T090000\r\nDURATION:PT1H\r\nRRULE:FREQ=HOURLY;INTERVAL=1\r\nEXDATE:20260302T140000Z\r\nEND:VEVENT\r\n")
	f.Add("BEGIN:VEVENT\r\nUID:a\r\nDTSTART;VALUE=DATE:20260302\r\nRRULE:FREQ=YEARLY\r\nEND:VEVENT\r\n")
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(0, 0, 60)
	f.Fuzz(func(t *testing.T, body string) {
		cal, err := decodeCalendar([]byte("BEGIN:VCALENDAR\r\n" + body + "END:VCALENDAR\r\n"))
		if err != nil {
			return
		}
		bs, err := BusyFromCalendar(cal, "k", from, to, nil)
		if err != nil {
			return
		}
		for _, b := range bs {
			if !b.Start.Before(to) || !b.End.After(from) || b.End.Before(b.Start) {
				t.Fatalf("block %v outside [%v, %v) or reversed", b, from, to)
			}
		}
	})
}
