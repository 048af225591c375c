package ics_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
)

// A confirmation e-mail attaches the invitation with the Content-Type of
// its method.
func ExampleBytes() {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.FixedZone("EST", -5*3600))
	b, err := ics.Bytes(ics.Request, ics.Event{
		UID:       "r4nd0m1d@slotbase",
		Stamp:     time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC),
		Start:     start,
		End:       start.Add(30 * time.Minute),
		Summary:   "Intro call, 30 min",
		Location:  "https://meet.example.com/abc",
		Organizer: ics.Person{Name: "Ana Host", Email: "ana@example.com"},
		Attendees: []ics.Person{{Name: "Bob O'Neil", Email: "bob@example.com"}},
		Alarm:     15 * time.Minute,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("Content-Type:", ics.Request.ContentType())
	fmt.Print(strings.ReplaceAll(string(b), "\r\n", "\n"))
	// Output:
	// Content-Type: text/calendar; charset=UTF-8; method=REQUEST
	// BEGIN:VCALENDAR
	// VERSION:2.0
	// PRODID:-//slotbase//slotbase//EN
	// CALSCALE:GREGORIAN
	// METHOD:REQUEST
	// BEGIN:VEVENT
	// UID:r4nd0m1d@slotbase
	// SEQUENCE:0
	// DTSTAMP:20260301T120000Z
	// DTSTART:20260302T140000Z
	// DTEND:20260302T143000Z
	// SUMMARY:Intro call\, 30 min
	// LOCATION:https://meet.example.com/abc
	// ORGANIZER;CN=Ana Host:mailto:ana@example.com
	// ATTENDEE;CN=Bob O'Neil;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE
	//  :mailto:bob@example.com
	// STATUS:CONFIRMED
	// BEGIN:VALARM
	// ACTION:DISPLAY
	// DESCRIPTION:Intro call\, 30 min
	// TRIGGER:-PT15M
	// END:VALARM
	// END:VEVENT
	// END:VCALENDAR
}

// Cancelling a booking sends the same UID with a higher Sequence.
func ExampleEncode_cancel() {
	start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
	var buf bytes.Buffer
	err := ics.Encode(&buf, ics.Cancel, ics.Event{
		UID: "r4nd0m1d@slotbase", Sequence: 1,
		Stamp: start.Add(-time.Hour), Start: start, End: start.Add(30 * time.Minute),
		Organizer: ics.Person{Email: "ana@example.com"},
		Attendees: []ics.Person{{Email: "bob@example.com"}},
	})
	fmt.Println(err, strings.Contains(buf.String(), "\r\nSTATUS:CANCELLED\r\n"))
	// Output: <nil> true
}

// Parse reads our own output back, unfolded, for checks in tests.
func ExampleParse() {
	b, _ := ics.Bytes(ics.Publish, ics.Event{
		UID: "x@slotbase", Stamp: time.Unix(0, 0), Start: time.Unix(3600, 0), End: time.Unix(7200, 0),
		Summary:   "Lunch; then a walk, maybe\nsee you",
		Organizer: ics.Person{Email: "ana@example.com"},
	})
	props, err := ics.Parse(bytes.NewReader(b))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range props {
		if p.Name == "SUMMARY" {
			text, _ := p.Text()
			fmt.Printf("%s %q\n", p.Value, text)
		}
	}
	// Output: Lunch\; then a walk\, maybe\nsee you "Lunch; then a walk, maybe\nsee you"
}
