package ics_test

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/slotbase/slotbase/internal/ics"
)

// FuzzEncode feeds arbitrary names, e-mails and texts to Encode and checks
// that the output is well-formed, parses, holds exactly the properties we
// write (nothing injected) and reads back the input text.
func FuzzEncode(f *testing.F) {
	seeds := [][5]string{
		{"Bob O'Neil", "bob@example.com", "Intro call", "Notes, with; punctuation\\", "Room 4"},
		{"Eve\r\nATTENDEE:mailto:evil@x", "eve@example.com\r\nX-EVIL:1", "a\r\nEND:VEVENT", "b\nBEGIN:VEVENT", "c\rUID:x"},
		{`"quoted" name;x:y,z`, "ü+tag@exämple.de", strings.Repeat("é", 80), strings.Repeat("李", 60), strings.Repeat("😀", 40)},
		{"", "", "", "", ""},
		{"\xff\xfe", "a@b", "\x00\x07\x7f\u0085\u2028", "tab\there", "\\n literal"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4])
	}
	f.Fuzz(func(t *testing.T, name, email, summary, description, location string) {
		start := time.Date(2026, 3, 2, 14, 0, 0, 0, time.UTC)
		e := ics.Event{
			UID: "fuzz@slotbase", Stamp: start.Add(-time.Hour), Start: start, End: start.Add(time.Hour),
			Summary: summary, Description: description, Location: location,
			Organizer: ics.Person{Name: name, Email: "host@example.com"},
			Attendees: []ics.Person{{Name: name, Email: email}},
			Alarm:     10 * time.Minute,
		}
		b, err := ics.Bytes(ics.Request, e)
		if err != nil {
			// Only the fuzzed address may be refused; retry with a good one
			// so the text checks still run.
			if !errors.Is(err, ics.ErrInvalidEvent) || !strings.Contains(err.Error(), "attendees[0].email") {
				t.Fatalf("unexpected error: %v", err)
			}
			email = "guest@example.com"
			e.Attendees[0].Email = email
			if b, err = ics.Bytes(ics.Request, e); err != nil {
				t.Fatal(err)
			}
		}
		checkWire(t, b)
		props, err := ics.Parse(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("Parse: %v\n%s", err, b)
		}
		ev, alarm := split(t, props)
		for _, p := range props {
			if !allowed[p.Name] {
				t.Fatalf("unexpected property %s in\n%s", p.Name, b)
			}
		}
		if n := countLines(props, "BEGIN", "VEVENT"); n != 1 {
			t.Fatalf("%d BEGIN:VEVENT", n)
		}
		if len(ev["ATTENDEE"]) != 1 || len(ev["ORGANIZER"]) != 1 {
			t.Fatalf("want 1 ATTENDEE and 1 ORGANIZER, got %d and %d", len(ev["ATTENDEE"]), len(ev["ORGANIZER"]))
		}
		checkText(t, ev, "SUMMARY", summary)
		checkText(t, ev, "DESCRIPTION", description)
		checkText(t, ev, "LOCATION", location)
		reminder := wantText(summary)
		if reminder == "" {
			reminder = "Reminder"
		}
		checkText(t, alarm, "DESCRIPTION", reminder)
		a := ev["ATTENDEE"][0]
		if got, want := a.Params["CN"], wantParam(name); got != want {
			t.Errorf("CN = %q, want %q", got, want)
		}
		addr, err := url.PathUnescape(strings.TrimPrefix(a.Value, "mailto:"))
		if err != nil || !strings.HasPrefix(a.Value, "mailto:") || addr != email {
			t.Errorf("ATTENDEE value %q does not decode to %q (%v)", a.Value, email, err)
		}
	})
}

// allowed lists every property name Encode writes, BEGIN/END included.
var allowed = map[string]bool{}

func init() {
	for _, n := range strings.Fields(`BEGIN END VERSION PRODID CALSCALE METHOD UID SEQUENCE
		DTSTAMP DTSTART DTEND SUMMARY DESCRIPTION LOCATION URL ORGANIZER ATTENDEE STATUS ACTION TRIGGER`) {
		allowed[n] = true
	}
}

// checkWire checks the physical form of b: CRLF after every line, no bare
// CR or LF, no empty line, every physical line at most 75 octets and valid
// UTF-8 on its own.
func checkWire(t testing.TB, b []byte) {
	t.Helper()
	s := string(b)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("output does not end with CRLF: %q", s)
	}
	for i, line := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		switch {
		case line == "":
			t.Fatalf("line %d is empty", i+1)
		case strings.ContainsAny(line, "\r\n"):
			t.Fatalf("line %d has a bare CR or LF: %q", i+1, line)
		case len(line) > 75:
			t.Fatalf("line %d has %d octets: %q", i+1, len(line), line)
		case !utf8.ValidString(line):
			t.Fatalf("line %d is not valid UTF-8: %q", i+1, line)
		}
	}
}

// split returns the properties directly inside the VEVENT and those inside
// its VALARM, by name.
func split(t testing.TB, props []ics.Property) (event, alarm map[string][]ics.Property) {
	t.Helper()
	event, alarm = map[string][]ics.Property{}, map[string][]ics.Property{}
	var path []string
	for _, p := range props {
		switch p.Name {
		case "BEGIN":
			path = append(path, p.Value)
		case "END":
			path = path[:len(path)-1]
		default:
			switch strings.Join(path, "/") {
			case "VCALENDAR/VEVENT":
				event[p.Name] = append(event[p.Name], p)
			case "VCALENDAR/VEVENT/VALARM":
				alarm[p.Name] = append(alarm[p.Name], p)
			}
		}
	}
	return event, alarm
}

func countLines(props []ics.Property, name, value string) int {
	n := 0
	for _, p := range props {
		if p.Name == name && p.Value == value {
			n++
		}
	}
	return n
}

// checkText checks that props holds name once with TEXT value wantText(in),
// or not at all when that is empty and name is optional.
func checkText(t testing.TB, props map[string][]ics.Property, name, in string) {
	t.Helper()
	want, got := wantText(in), props[name]
	if len(got) == 0 && want == "" && name != "SUMMARY" {
		return
	}
	if len(got) != 1 {
		t.Fatalf("%d %s properties, want 1", len(got), name)
	}
	text, err := got[0].Text()
	if err != nil || text != want {
		t.Errorf("%s = %q (%v), want %q", name, text, err, want)
	}
}

// wantText is what a TEXT value must read back as: invalid UTF-8 replaced,
// CRLF and CR turned into LF, other control characters but HTAB removed.
func wantText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == '\r' && strings.HasPrefix(s[i+1:], "\n"):
			// the LF that follows stands for both
		case r == '\r' || r == '\n':
			b.WriteByte('\n')
		case r == '\t' || !unicode.Is(unicode.Cc, r):
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wantParam is what a CN must read back as: line breaks and tabs as
// spaces, DQUOTEs and other control characters removed, trimmed.
func wantParam(s string) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\r\n", " ")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			b.WriteByte(' ')
		case r != '"' && !unicode.Is(unicode.Cc, r):
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}
