package ics

import (
	"fmt"
	"io"
	"net/url"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Encode writes a complete VCALENDAR with one VEVENT for method m: CRLF line
// endings, lines folded at 75 octets, TEXT escaped, times in UTC. It
// validates e first; on an invalid event it writes nothing and returns an
// error wrapping ErrInvalidEvent that names the field.
func Encode(w io.Writer, m Method, e Event) error {
	b, err := Bytes(m, e)
	if err != nil {
		return err
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("ics: write: %w", err)
	}
	return nil
}

// Bytes returns what Encode would write.
func Bytes(m Method, e Event) ([]byte, error) {
	v, err := check(m, e)
	if err != nil {
		return nil, err
	}
	var w contentWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + escapeText(v.prodID))
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + string(m))
	writeEvent(&w, m, e, v)
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}

// writeEvent writes e's VEVENT as checked for method m.
func writeEvent(w *contentWriter, m Method, e Event, v checked) {
	w.line("BEGIN:VEVENT")
	w.line("UID:" + escapeText(e.UID))
	w.line("SEQUENCE:" + strconv.Itoa(e.Sequence))
	w.line("DTSTAMP:" + formatTime(e.Stamp))
	w.line("DTSTART:" + formatTime(e.Start))
	w.line("DTEND:" + formatTime(e.End))
	w.line("SUMMARY:" + escapeText(e.Summary))
	if s := escapeText(e.Description); s != "" {
		w.line("DESCRIPTION:" + s)
	}
	if s := escapeText(e.Location); s != "" {
		w.line("LOCATION:" + s)
	}
	if v.url != "" {
		w.line("URL:" + v.url)
	}
	w.line("ORGANIZER" + cn(e.Organizer) + ":" + v.organizer)
	for i, a := range e.Attendees {
		switch m {
		case Request:
			w.line("ATTENDEE" + cn(a) + ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:" + v.attendees[i])
		case Cancel:
			w.line("ATTENDEE" + cn(a) + ";ROLE=REQ-PARTICIPANT:" + v.attendees[i])
		}
	}
	w.line("STATUS:" + v.status)
	if e.Alarm > 0 && m != Cancel {
		reminder := e.Summary
		if cleanText(reminder) == "" {
			reminder = "Reminder"
		}
		w.line("BEGIN:VALARM")
		w.line("ACTION:DISPLAY")
		w.line("DESCRIPTION:" + escapeText(reminder))
		w.line("TRIGGER:" + formatTrigger(e.Alarm))
		w.line("END:VALARM")
	}
	w.line("END:VEVENT")
}

// cn returns the ";CN=…" parameter for p, or "" when p has no usable name.
func cn(p Person) string {
	if v := paramValue(p.Name); v != "" {
		return ";CN=" + v
	}
	return ""
}

// checked holds the values check derived from a valid event.
type checked struct {
	prodID, status, url string
	organizer           string   // mailto: URI
	attendees           []string // mailto: URIs, in Event.Attendees order
}

// check validates m and e and derives what Bytes writes besides plain text.
func check(m Method, e Event) (checked, error) {
	v := checked{prodID: e.ProdID, status: e.Status}
	if m != Publish && m != Request && m != Cancel {
		return v, invalid("method", "must be PUBLISH, REQUEST or CANCEL, not %q", m)
	}
	if e.UID == "" {
		return v, invalid("uid", "required")
	}
	if !utf8.ValidString(e.UID) || containsControl(e.UID) {
		return v, invalid("uid", "must be valid UTF-8 without control characters")
	}
	if e.Sequence < 0 {
		return v, invalid("sequence", "must be 0 or more, not %d", e.Sequence)
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"stamp", e.Stamp}, {"start", e.Start}, {"end", e.End}} {
		if f.t.IsZero() {
			return v, invalid(f.name, "required")
		}
		if y := f.t.UTC().Year(); y < 1 || y > 9999 {
			return v, invalid(f.name, "year must be between 1 and 9999, not %d", y)
		}
	}
	if !e.Start.Truncate(time.Second).Before(e.End.Truncate(time.Second)) {
		return v, invalid("end", "must be at least one second after start")
	}
	switch {
	case m == Cancel:
		v.status = StatusCancelled
	case v.status == "":
		v.status = StatusConfirmed
	case v.status == StatusCancelled && m == Request:
		return v, invalid("status", "CANCELLED needs method CANCEL, not REQUEST")
	case v.status != StatusConfirmed && v.status != StatusTentative && v.status != StatusCancelled:
		return v, invalid("status", "must be CONFIRMED, TENTATIVE or CANCELLED, not %q", v.status)
	}
	if e.Alarm < 0 || e.Alarm%time.Second != 0 {
		return v, invalid("alarm", "must be 0 or a positive whole number of seconds, not %s", e.Alarm)
	}
	if e.URL != "" {
		u, err := url.Parse(e.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return v, invalid("url", "must be an absolute http or https URL")
		}
		v.url = u.String()
		for i := 0; i < len(v.url); i++ {
			if c := v.url[i]; c <= ' ' || c >= 0x7f {
				return v, invalid("url", "must be ASCII without spaces (percent-encode the rest)")
			}
		}
	}
	var err error
	if v.organizer, err = address("organizer.email", e.Organizer.Email); err != nil {
		return v, err
	}
	if m != Publish { // PUBLISH writes no attendees, so none are checked
		if len(e.Attendees) == 0 {
			return v, invalid("attendees", "at least one required for %s", m)
		}
		for i, a := range e.Attendees {
			addr, err := address(fmt.Sprintf("attendees[%d].email", i), a.Email)
			if err != nil {
				return v, err
			}
			v.attendees = append(v.attendees, addr)
		}
	}
	if v.prodID == "" {
		v.prodID = DefaultProdID
	}
	return v, nil
}

// address validates email for field and returns it as a mailto: URI.
func address(field, email string) (string, error) {
	if email == "" {
		return "", invalid(field, "required")
	}
	uri, ok := mailto(email)
	if !ok {
		return "", invalid(field, "must be a plain address like name@example.com")
	}
	return uri, nil
}

func containsControl(s string) bool {
	for _, r := range s {
		if unicode.IsControl(r) {
			return true
		}
	}
	return false
}
