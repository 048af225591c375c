package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
)

var (
	start = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	stamp = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
)

// invite returns a calendar object for method m.
func invite(t testing.TB, m ics.Method) *mail.Invite {
	t.Helper()
	data, err := ics.Bytes(m, ics.Event{
		UID: "b1@slotbase", Sequence: 1, Stamp: stamp, Start: start, End: start.Add(30 * time.Minute),
		Summary: "Intro call", Organizer: ics.Person{Name: "Ana", Email: "ana@example.com"},
		Attendees: []ics.Person{{Name: "Bob", Email: "bob@example.com"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &mail.Invite{Method: m, Data: data}
}

func baseMessage() mail.Message {
	return mail.Message{
		ID: "confirmed-invitee-j0b@example.com", Thread: "booking-b1@example.com", Date: stamp,
		From:    mail.Address{Name: "Acme Bookings", Email: "noreply@example.com"},
		To:      mail.Address{Name: "Bob Ó'Brien", Email: "bob@example.com"},
		ReplyTo: mail.Address{Name: "Ana", Email: "ana@example.com"},
		Subject: "Confirmed: Intro call — Tue 3 Mar 2026, 10:00 GMT",
		Text:    "Hello Bob,\nsee you then.\n", HTML: "<p>Hello Bob</p>",
	}
}

func TestMessageStructure(t *testing.T) {
	scenarios := []struct {
		name      string
		edit      func(*mail.Message)
		structure string
		method    string
	}{
		{"text only", func(m *mail.Message) { m.HTML = "" }, "text/plain", ""},
		{"text and html", func(m *mail.Message) {}, "multipart/alternative[text/plain,text/html]", ""},
		{"invite", func(m *mail.Message) { m.Invite = invite(t, ics.Request) },
			"multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]", "REQUEST"},
		{"cancel", func(m *mail.Message) { m.Invite = invite(t, ics.Cancel) },
			"multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]", "CANCEL"},
		{"invite without html", func(m *mail.Message) { m.HTML = ""; m.Invite = invite(t, ics.Request) },
			"multipart/mixed[multipart/alternative[text/plain,text/calendar],application/ics]", "REQUEST"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := baseMessage()
			sc.edit(&m)
			raw, err := m.Bytes()
			if err != nil {
				t.Fatal(err)
			}
			got, err := mailtest.Parse(raw)
			if err != nil {
				t.Fatalf("%v\n%s", err, raw)
			}
			if got.Structure != sc.structure {
				t.Fatalf("structure %s, want %s", got.Structure, sc.structure)
			}
			if got.MessageID != m.ID || got.Header.Get("References") != "<booking-b1@example.com>" {
				t.Errorf("ids: %q %q", got.MessageID, got.Header.Get("References"))
			}
			if got.Subject != m.Subject || got.To.Address != "bob@example.com" || got.To.Name != "Bob Ó'Brien" ||
				got.From.Address != "noreply@example.com" || got.ReplyTo == nil || got.ReplyTo.Address != "ana@example.com" {
				t.Errorf("headers: subject %q to %v from %v reply-to %v", got.Subject, got.To, got.From, got.ReplyTo)
			}
			if d, err := got.Header.Date(); err != nil || !d.Equal(stamp) {
				t.Errorf("date %v %v", d, err)
			}
			if got.Header.Get("Auto-Submitted") != "auto-generated" || got.Header.Get("User-Agent") != "" {
				t.Errorf("auto-submitted %q, user-agent %q", got.Header.Get("Auto-Submitted"), got.Header.Get("User-Agent"))
			}
			if got.Text() != strings.ReplaceAll(m.Text, "\n", "\r\n") {
				t.Errorf("text %q", got.Text())
			}
			if m.HTML != "" && got.HTML() != m.HTML {
				t.Errorf("html %q", got.HTML())
			}
			if sc.method == "" {
				return
			}
			cal, att := got.Part("text/calendar"), got.Part("application/ics")
			if cal.Params["method"] != sc.method || cal.Params["charset"] != "UTF-8" || string(cal.Body) != string(m.Invite.Data) {
				t.Errorf("calendar part: %v %q", cal.Params, cal.Body)
			}
			if att.Disposition != "attachment" || att.Filename != mail.InviteFilename || string(att.Body) != string(m.Invite.Data) {
				t.Errorf("attachment: %s %q", att.Disposition, att.Filename)
			}
		})
	}
}

func TestMessageInvalid(t *testing.T) {
	scenarios := []struct {
		name, field string
		edit        func(*mail.Message)
	}{
		{"no id", "id", func(m *mail.Message) { m.ID = "" }},
		{"id with a newline", "id", func(m *mail.Message) { m.ID = "a\r\nBcc: x@example.com" }},
		{"id with brackets", "id", func(m *mail.Message) { m.ID = "<a@b>" }},
		{"bad thread", "thread", func(m *mail.Message) { m.Thread = "x y@z" }},
		{"no date", "date", func(m *mail.Message) { m.Date = time.Time{} }},
		{"no from", "from", func(m *mail.Message) { m.From.Email = "" }},
		{"to with a display name", "to", func(m *mail.Message) { m.To.Email = "Eve <eve@example.com>" }},
		{"to with a second address", "to", func(m *mail.Message) { m.To.Email = "bob@example.com, eve@example.com" }},
		{"to with a newline", "to", func(m *mail.Message) { m.To.Email = "bob@example.com\r\nBcc: eve@example.com" }},
		{"bad reply-to", "reply_to", func(m *mail.Message) { m.ReplyTo.Email = "not an address" }},
		{"no text", "text", func(m *mail.Message) { m.Text = " \n" }},
		{"unknown method", "invite.method", func(m *mail.Message) { m.Invite = &mail.Invite{Method: "REPLY", Data: []byte("x")} }},
		{"method mismatch", "invite.data", func(m *mail.Message) { m.Invite = invite(t, ics.Request); m.Invite.Method = ics.Cancel }},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			m := baseMessage()
			sc.edit(&m)
			_, err := m.Bytes()
			if !errors.Is(err, mail.ErrInvalidMessage) || !strings.Contains(err.Error(), ": "+sc.field+": ") {
				t.Fatalf("err = %v, want ErrInvalidMessage naming %s", err, sc.field)
			}
		})
	}
}

// TestNoHeaderInjection: names and subjects with line breaks stay inside
// their header; the message has exactly the headers slotbase writes.
func TestNoHeaderInjection(t *testing.T) {
	evil := []string{
		"Eve\r\nBcc: victim@example.com",
		"Eve\nBcc: victim@example.com",
		"Eve\rBcc: victim@example.com",
		"Eve\u2028Bcc: victim@example.com",
		"=?utf-8?q?Eve=0D=0ABcc:_victim@example.com?=",
		"\"Eve\" <eve@example.com>, victim@example.com",
		strings.Repeat("A", 2000) + "\r\nBcc: victim@example.com",
	}
	for i, s := range evil {
		m := baseMessage()
		m.To.Name, m.From.Name, m.ReplyTo.Name, m.Subject = s, s, s, "Hi "+s
		raw, err := m.Bytes()
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got, err := mailtest.Parse(raw)
		if err != nil {
			t.Fatalf("%d: %v\n%s", i, err, raw)
		}
		checkHeaderSet(t, got)
		if got.To.Address != "bob@example.com" || got.From.Address != "noreply@example.com" || got.ReplyTo.Address != "ana@example.com" {
			t.Fatalf("%d: addresses changed: %v %v %v", i, got.To, got.From, got.ReplyTo)
		}
		if strings.ContainsAny(got.Subject, "\r\n") || strings.ContainsAny(got.To.Name, "\r\n") {
			t.Fatalf("%d: a line break survived: %q %q", i, got.Subject, got.To.Name)
		}
	}
}

// wantHeaders are the only headers a slotbase message has.
var wantHeaders = map[string]bool{
	"Auto-Submitted": true, "Content-Type": true, "Date": true, "From": true, "Message-Id": true,
	"Mime-Version": true, "References": true, "Reply-To": true, "Subject": true, "To": true,
	"X-Auto-Response-Suppress": true, "Content-Transfer-Encoding": true,
}

func checkHeaderSet(t testing.TB, m *mailtest.Message) {
	t.Helper()
	for k, v := range m.Header {
		if !wantHeaders[k] {
			t.Fatalf("unexpected header %s: %q", k, v)
		}
		if len(v) != 1 {
			t.Fatalf("header %s appears %d times", k, len(v))
		}
	}
}
