package mail_test

import (
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
)

// FuzzMessage renders and builds a booking e-mail from random names, notes,
// titles and reasons: the result always parses with net/mail and
// mime/multipart, has exactly slotbase's headers (nothing injected), keeps
// its one recipient, and shows the notes as text in both bodies.
func FuzzMessage(f *testing.F) {
	f.Add("Bob", "Ana", "Intro call", "See you", "")
	f.Add("Eve\r\nBcc: victim@example.com", "Ana\nX-Evil: 1", "Call\r\n\r\n<html>", "line\r\n.\r\nMAIL FROM:<x@y>", "=?utf-8?q?=0D=0A?=")
	f.Add("Zoë Ó'Brien-Łukasiewicz 山田", "François", "Café ☕ — 30 min", "Notes with émojis 🎉\n\ttab", "Ünïcödé")
	f.Add(strings.Repeat("x", 500), strings.Repeat("é", 300), strings.Repeat("y ", 400), strings.Repeat("z", 3000), "\x00\x1b[31m")
	f.Add("\"quoted\" <a@b>, c@d", "<script>", "a;b,c\\d", "<b>bold</b> & ampersand", "\u2028\u2029\u0085")
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		f.Fatal(err)
	}
	data, err := ics.Bytes(ics.Request, ics.Event{
		UID: "b1@slotbase", Stamp: stamp, Start: start, End: start.Add(time.Hour), Summary: "x",
		Organizer: ics.Person{Email: "ana@example.com"}, Attendees: []ics.Person{{Email: "bob@example.com"}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, host, title, notes, reason string) {
		for _, kind := range []mail.Kind{mail.Confirmed, mail.Cancelled} {
			n := mail.Notice{
				Kind: kind, Role: mail.ToHost, Zone: london, Title: title, Start: start, End: start.Add(time.Hour),
				Hosts: []string{host}, Invitee: mail.Address{Name: name, Email: "bob@example.com"},
				Notes: notes, Reason: reason, Brand: mail.Branding{OrgName: host, Signature: reason},
			}
			content, err := mail.Render(n)
			if err != nil {
				if mail.HeaderText(title, 200) == "" {
					return // a title of nothing but spaces and controls is refused
				}
				t.Fatalf("render: %v", err)
			}
			m := mail.Message{
				ID: "x-host-j0b@example.com", Date: stamp,
				From: mail.Address{Name: host, Email: "noreply@example.com"}, To: mail.Address{Name: name, Email: "ana@example.com"},
				ReplyTo: mail.Address{Name: name, Email: "bob@example.com"},
				Subject: content.Subject, Text: content.Text, HTML: content.HTML,
				Invite: &mail.Invite{Method: ics.Request, Data: data},
			}
			raw, err := m.Bytes()
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			got, err := mailtest.Parse(raw)
			if err != nil {
				t.Fatalf("parse: %v\n%q", err, raw)
			}
			checkHeaderSet(t, got)
			if got.To.Address != "ana@example.com" || got.From.Address != "noreply@example.com" || got.ReplyTo.Address != "bob@example.com" {
				t.Fatalf("addresses: %v %v %v", got.To, got.From, got.ReplyTo)
			}
			if got.Subject != content.Subject || strings.ContainsAny(got.Subject, "\r\n") {
				t.Fatalf("subject %q, want %q", got.Subject, content.Subject)
			}
			if want := mail.HeaderText(name, mail.MaxName); got.To.Name != want && got.To.Name != strings.ReplaceAll(want, `\`, "\u29f5") {
				t.Fatalf("to name %q, want %q", got.To.Name, want)
			}
			if got.Structure != "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]" {
				t.Fatalf("structure %s", got.Structure)
			}
			if string(got.Part("text/calendar").Body) != string(data) {
				t.Fatal("the invite changed on the way")
			}
			text := strings.ReplaceAll(got.Text(), "\r\n", "\n")
			for _, line := range nonBlankLines(notes) {
				if !strings.Contains(text, line) {
					t.Fatalf("text body lacks the notes line %q", line)
				}
			}
			html := strings.ReplaceAll(got.HTML(), "\r\n", "\n")
			if html != strings.ToValidUTF8(content.HTML, "\uFFFD") {
				t.Fatal("the html body changed on the way")
			}
			if strings.Contains(html, "<script") || strings.Contains(html, "<b>") {
				t.Fatalf("user text became markup:\n%s", html)
			}
		}
	})
}

// nonBlankLines are the lines of s as the text body shows them: control
// characters other than tab dropped, tabs as four spaces, trailing spaces cut.
func nonBlankLines(s string) []string {
	var out []string
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	for _, l := range strings.Split(s, "\n") {
		l = strings.Map(func(r rune) rune {
			if r != '\t' && unicode.IsControl(r) {
				return -1
			}
			return r
		}, l)
		if l = strings.TrimRight(strings.ReplaceAll(l, "\t", "    "), " "); strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
