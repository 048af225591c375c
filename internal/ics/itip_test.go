package ics_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
)

// encodeParse encodes e for m, checks the wire form and parses it back.
func encodeParse(t *testing.T, m ics.Method, e ics.Event) (event, alarm map[string][]ics.Property) {
	t.Helper()
	b, err := ics.Bytes(m, e)
	if err != nil {
		t.Fatal(err)
	}
	checkWire(t, b)
	props, err := ics.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("Parse: %v\n%s", err, b)
	}
	for _, p := range props {
		if !allowed[p.Name] {
			t.Fatalf("unexpected property %s in\n%s", p.Name, b)
		}
	}
	return split(t, props)
}

func TestMethods(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no zone data:", err)
	}
	scenarios := []struct {
		name       string
		method     ics.Method
		edit       func(*ics.Event)
		status     string
		attendees  int
		trigger    string // "" means no VALARM
		alarmText  string
		properties map[string]string // extra raw values to check; "" means absent
	}{
		{name: "publish omits attendees", method: ics.Publish, edit: func(e *ics.Event) {
			e.Attendees = append(e.Attendees, ics.Person{Email: "not an address"})
		}, status: "CONFIRMED", trigger: "-PT15M", alarmText: "Intro call: Ana Host & Bob O'Neil"},
		{name: "publish of a cancelled booking", method: ics.Publish, edit: func(e *ics.Event) {
			e.Status, e.Attendees = ics.StatusCancelled, nil
		}, status: "CANCELLED", trigger: "-PT15M", alarmText: "Intro call: Ana Host & Bob O'Neil"},
		{name: "tentative request, two attendees", method: ics.Request, edit: func(e *ics.Event) {
			e.Status = ics.StatusTentative
			e.Attendees = append(e.Attendees, ics.Person{Email: "carol@example.com"})
		}, status: "TENTATIVE", attendees: 2, trigger: "-PT15M", alarmText: "Intro call: Ana Host & Bob O'Neil"},
		{name: "cancel has no alarm", method: ics.Cancel, edit: func(e *ics.Event) { e.Sequence = 2 },
			status: "CANCELLED", attendees: 1, properties: map[string]string{"SEQUENCE": "2"}},
		{name: "empty optional texts", method: ics.Request, edit: func(e *ics.Event) {
			e.Summary, e.Description, e.Location, e.URL = "", "\x00\x07", "", ""
			e.Alarm = 90 * time.Minute
		}, status: "CONFIRMED", attendees: 1, trigger: "-PT1H30M", alarmText: "Reminder",
			properties: map[string]string{"SUMMARY": "", "DESCRIPTION": "", "LOCATION": "", "URL": ""}},
		{name: "zones and fractions become UTC seconds", method: ics.Request, edit: func(e *ics.Event) {
			e.Start = time.Date(2026, 3, 29, 3, 0, 0, 999, paris) // just after the spring-forward gap
			e.End = e.Start.Add(30*time.Minute + 500*time.Millisecond)
			e.Stamp = time.Date(2026, 3, 1, 10, 0, 0, 0, paris)
			e.Alarm = 0
		}, status: "CONFIRMED", attendees: 1, properties: map[string]string{
			"DTSTART": "20260329T010000Z", "DTEND": "20260329T013000Z", "DTSTAMP": "20260301T090000Z",
		}},
		{name: "custom prodid and plain names", method: ics.Request, edit: func(e *ics.Event) {
			e.ProdID = "-//Acme//Booking, v2//EN"
			e.Attendees = []ics.Person{{Name: "", Email: "ü+tag@example.com"}}
			e.Alarm = 24 * time.Hour
		}, status: "CONFIRMED", attendees: 1, trigger: "-P1D", alarmText: "Intro call: Ana Host & Bob O'Neil"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			e := sample()
			s.edit(&e)
			ev, alarm := encodeParse(t, s.method, e)
			if got := ev["STATUS"]; len(got) != 1 || got[0].Value != s.status {
				t.Errorf("STATUS = %v, want %s", got, s.status)
			}
			if got := len(ev["ATTENDEE"]); got != s.attendees {
				t.Errorf("%d ATTENDEE, want %d", got, s.attendees)
			}
			for _, a := range ev["ATTENDEE"] {
				wantRSVP := map[ics.Method]string{ics.Request: "TRUE"}[s.method]
				if a.Params["ROLE"] != "REQ-PARTICIPANT" || a.Params["RSVP"] != wantRSVP {
					t.Errorf("ATTENDEE params = %v", a.Params)
				}
			}
			if got := alarm["TRIGGER"]; s.trigger == "" && len(got) != 0 || s.trigger != "" && (len(got) != 1 || got[0].Value != s.trigger) {
				t.Errorf("TRIGGER = %v, want %q", got, s.trigger)
			}
			if s.trigger != "" {
				checkText(t, alarm, "DESCRIPTION", s.alarmText)
				if a := alarm["ACTION"]; len(a) != 1 || a[0].Value != "DISPLAY" {
					t.Errorf("ACTION = %v", a)
				}
			}
			for name, want := range s.properties {
				got := ev[name]
				if want == "" && len(got) > 0 && got[0].Value != "" || want != "" && (len(got) != 1 || got[0].Value != want) {
					t.Errorf("%s = %v, want %q", name, got, want)
				}
			}
		})
	}
}

// TestNoInjection puts content-line breaks and parameter delimiters into
// every caller-supplied string: the output must hold exactly the properties
// Encode writes, once each, with the attack text inside one value.
func TestNoInjection(t *testing.T) {
	attacks := []string{
		"x\r\nATTENDEE:mailto:evil@x",
		"x\nEND:VEVENT\nBEGIN:VEVENT\nUID:evil",
		"x\rX-EVIL;A=1:2",
		"x\";X-EVIL=1:mailto:evil@x",
		"x\r\n ATTENDEE:continued",
		"x\u2028\u0085\x0bATTENDEE:mailto:evil@x",
	}
	fields := map[string]func(*ics.Event, string){
		"summary":        func(e *ics.Event, s string) { e.Summary = s },
		"description":    func(e *ics.Event, s string) { e.Description = s },
		"location":       func(e *ics.Event, s string) { e.Location = s },
		"prodid":         func(e *ics.Event, s string) { e.ProdID = s },
		"organizer name": func(e *ics.Event, s string) { e.Organizer.Name = s },
		"attendee name":  func(e *ics.Event, s string) { e.Attendees[0].Name = s },
	}
	for field, set := range fields {
		for _, attack := range attacks {
			t.Run(field+"/"+attack, func(t *testing.T) {
				e := sample()
				set(&e, attack)
				ev, alarm := encodeParse(t, ics.Request, e)
				for name, props := range ev {
					if len(props) != 1 {
						t.Errorf("%d %s properties, want 1", len(props), name)
					}
				}
				if len(ev) != 12 || len(alarm) != 3 {
					t.Errorf("VEVENT has %d property names, VALARM %d; want 12 and 3", len(ev), len(alarm))
				}
				switch field {
				case "organizer name":
					if got := ev["ORGANIZER"][0].Params["CN"]; got != wantParam(attack) {
						t.Errorf("CN = %q, want %q", got, wantParam(attack))
					}
				case "attendee name":
					if got := ev["ATTENDEE"][0].Params["CN"]; got != wantParam(attack) {
						t.Errorf("CN = %q, want %q", got, wantParam(attack))
					}
				case "prodid":
				default:
					checkText(t, ev, map[string]string{"summary": "SUMMARY", "description": "DESCRIPTION", "location": "LOCATION"}[field], attack)
				}
			})
		}
	}
}
