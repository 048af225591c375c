package ics

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

func TestFeedBytes(t *testing.T) {
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ev := func(uid string) Event {
		return Event{UID: uid, Stamp: start, Start: start, End: start.Add(time.Hour), Summary: "Call",
			Organizer: Person{Email: "host@example.com"}, Attendees: []Person{{Email: "x@example.com"}}}
	}
	b, err := FeedBytes("Bookings", "", []Event{ev("a@slotbase"), ev("b@slotbase")})
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(b, []byte("BEGIN:VEVENT")); n != 2 {
		t.Fatalf("%d VEVENTs, want 2:\n%s", n, b)
	}
	for _, want := range []string{"METHOD:PUBLISH", "X-WR-CALNAME:Bookings", "UID:a@slotbase", "UID:b@slotbase"} {
		if !bytes.Contains(b, []byte(want)) {
			t.Fatalf("no %q in\n%s", want, b)
		}
	}
	if bytes.Contains(b, []byte("ATTENDEE")) {
		t.Fatalf("PUBLISH carries no ATTENDEE:\n%s", b)
	}
	bad := ev("")
	if _, err := FeedBytes("x", "", []Event{ev("a"), bad}); !errors.Is(err, ErrInvalidEvent) {
		t.Fatalf("got %v, want ErrInvalidEvent", err)
	}
}
