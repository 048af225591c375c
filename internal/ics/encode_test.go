package ics_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
)

// sample is a booking with everything set: a start given in another zone,
// text that needs escaping and folding, a CN that needs quoting and cleaning.
func sample() ics.Event {
	return ics.Event{
		UID:         "k3x9q2@slotbase",
		Stamp:       time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC),
		Start:       time.Date(2026, 3, 2, 15, 0, 0, 0, time.FixedZone("CET", 3600)),
		End:         time.Date(2026, 3, 2, 14, 30, 0, 0, time.UTC),
		Summary:     "Intro call: Ana Host & Bob O'Neil",
		Description: "Notes from Bob:\r\nPlease bring the Q3 numbers, the draft contract; and the café menu.\n\nManage: https://book.example.com/manage/tok123",
		Location:    "Café Central, Room 4; 2nd floor",
		URL:         "https://book.example.com/manage/tok123",
		Organizer:   ics.Person{Name: "Ana Host", Email: "ana@example.com"},
		Attendees:   []ics.Person{{Name: `Bob "Bobby" O'Neil, Jr.`, Email: "bob@example.com"}},
		Alarm:       15 * time.Minute,
	}
}

// head and the VEVENT lines shared by both golden files.
var (
	head = []string{
		"BEGIN:VCALENDAR",
		"VERSION:2.0",
		"PRODID:-//slotbase//slotbase//EN",
		"CALSCALE:GREGORIAN",
	}
	body = []string{
		"DTSTAMP:20260301T093000Z",
		"DTSTART:20260302T140000Z",
		"DTEND:20260302T143000Z",
		"SUMMARY:Intro call: Ana Host & Bob O'Neil",
		`DESCRIPTION:Notes from Bob:\nPlease bring the Q3 numbers\, the draft contra`,
		` ct\; and the café menu.\n\nManage: https://book.example.com/manage/tok123`,
		`LOCATION:Café Central\, Room 4\; 2nd floor`,
		"URL:https://book.example.com/manage/tok123",
		"ORGANIZER;CN=Ana Host:mailto:ana@example.com",
	}
)

func lines(parts ...[]string) []string {
	var all []string
	for _, p := range parts {
		all = append(all, p...)
	}
	return all
}

func TestBytesGolden(t *testing.T) {
	scenarios := []struct {
		name   string
		method ics.Method
		edit   func(*ics.Event)
		want   []string
	}{
		{"request", ics.Request, func(*ics.Event) {}, lines(head, []string{
			"METHOD:REQUEST",
			"BEGIN:VEVENT",
			"UID:k3x9q2@slotbase",
			"SEQUENCE:0",
		}, body, []string{
			`ATTENDEE;CN="Bob Bobby O'Neil, Jr.";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACT`,
			" ION;RSVP=TRUE:mailto:bob@example.com",
			"STATUS:CONFIRMED",
			"BEGIN:VALARM",
			"ACTION:DISPLAY",
			"DESCRIPTION:Intro call: Ana Host & Bob O'Neil",
			"TRIGGER:-PT15M",
			"END:VALARM",
			"END:VEVENT",
			"END:VCALENDAR",
		})},
		{"cancel", ics.Cancel, func(e *ics.Event) { e.Sequence = 1; e.Status = ics.StatusConfirmed }, lines(head, []string{
			"METHOD:CANCEL",
			"BEGIN:VEVENT",
			"UID:k3x9q2@slotbase",
			"SEQUENCE:1",
		}, body, []string{
			`ATTENDEE;CN="Bob Bobby O'Neil, Jr.";ROLE=REQ-PARTICIPANT:mailto:bob@example`,
			" .com",
			"STATUS:CANCELLED",
			"END:VEVENT",
			"END:VCALENDAR",
		})},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			e := sample()
			s.edit(&e)
			got, err := ics.Bytes(s.method, e)
			if err != nil {
				t.Fatal(err)
			}
			want := strings.Join(s.want, "\r\n") + "\r\n"
			if string(got) != want {
				gl, wl := strings.Split(string(got), "\r\n"), strings.Split(want, "\r\n")
				for i := 0; i < len(gl) || i < len(wl); i++ {
					if i >= len(gl) || i >= len(wl) || gl[i] != wl[i] {
						t.Fatalf("line %d differs\n got: %q\nwant: %q\nfull output:\n%s", i+1, at(gl, i), at(wl, i), got)
					}
				}
			}
			checkWire(t, got)
		})
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "<none>"
}

func TestEncodeInvalid(t *testing.T) {
	scenarios := []struct {
		name   string
		method ics.Method
		edit   func(*ics.Event)
		want   string // error prefix after "ics: invalid event: "
	}{
		{"unknown method", "REPLY", func(*ics.Event) {}, "method:"},
		{"no uid", ics.Request, func(e *ics.Event) { e.UID = "" }, "uid: required"},
		{"uid with CRLF", ics.Request, func(e *ics.Event) { e.UID = "a\r\nX:1" }, "uid:"},
		{"negative sequence", ics.Request, func(e *ics.Event) { e.Sequence = -1 }, "sequence:"},
		{"no stamp", ics.Request, func(e *ics.Event) { e.Stamp = time.Time{} }, "stamp: required"},
		{"no start", ics.Request, func(e *ics.Event) { e.Start = time.Time{} }, "start: required"},
		{"no end", ics.Request, func(e *ics.Event) { e.End = time.Time{} }, "end: required"},
		{"end equals start", ics.Request, func(e *ics.Event) { e.End = e.Start }, "end:"},
		{"end within the same second", ics.Request, func(e *ics.Event) { e.End = e.Start.Add(time.Millisecond) }, "end:"},
		{"end before start", ics.Request, func(e *ics.Event) { e.End = e.Start.Add(-time.Hour) }, "end:"},
		{"five-digit year", ics.Request, func(e *ics.Event) { e.End = e.End.AddDate(10000, 0, 0) }, "end: year"},
		{"unknown status", ics.Request, func(e *ics.Event) { e.Status = "confirmed" }, "status:"},
		{"cancelled request", ics.Request, func(e *ics.Event) { e.Status = ics.StatusCancelled }, "status:"},
		{"negative alarm", ics.Request, func(e *ics.Event) { e.Alarm = -time.Minute }, "alarm:"},
		{"fractional alarm", ics.Request, func(e *ics.Event) { e.Alarm = 1500 * time.Millisecond }, "alarm:"},
		{"javascript url", ics.Request, func(e *ics.Event) { e.URL = "javascript:alert(1)" }, "url:"},
		{"relative url", ics.Request, func(e *ics.Event) { e.URL = "/manage/tok" }, "url:"},
		{"url with CRLF", ics.Request, func(e *ics.Event) { e.URL = "https://x.test/a\r\nX-EVIL:1" }, "url:"},
		{"url with space", ics.Request, func(e *ics.Event) { e.URL = "https://x.test/?q=a b" }, "url:"},
		{"no organizer", ics.Publish, func(e *ics.Event) { e.Organizer.Email = "" }, "organizer.email: required"},
		{"organizer with CRLF", ics.Request, func(e *ics.Event) { e.Organizer.Email = "ana@x.test\r\nX-EVIL:1" }, "organizer.email:"},
		{"request without attendees", ics.Request, func(e *ics.Event) { e.Attendees = nil }, "attendees:"},
		{"cancel without attendees", ics.Cancel, func(e *ics.Event) { e.Attendees = nil }, "attendees:"},
		{"second attendee bad", ics.Request, func(e *ics.Event) {
			e.Attendees = append(e.Attendees, ics.Person{Name: "Eve", Email: "eve"})
		}, "attendees[1].email:"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			e := sample()
			s.edit(&e)
			var buf bytes.Buffer
			err := ics.Encode(&buf, s.method, e)
			if !errors.Is(err, ics.ErrInvalidEvent) {
				t.Fatalf("err = %v, want ErrInvalidEvent", err)
			}
			if msg := strings.TrimPrefix(err.Error(), "ics: invalid event: "); !strings.HasPrefix(msg, s.want) {
				t.Errorf("err = %q, want field prefix %q", err, s.want)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes for an invalid event", buf.Len())
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestEncodeWriter(t *testing.T) {
	want, err := ics.Bytes(ics.Request, sample())
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := ics.Encode(&buf, ics.Request, sample()); err != nil || !bytes.Equal(buf.Bytes(), want) {
		t.Fatalf("Encode = %v, output equal to Bytes: %v", err, bytes.Equal(buf.Bytes(), want))
	}
	if err := ics.Encode(failingWriter{}, ics.Request, sample()); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Encode to a failing writer = %v", err)
	}
}
