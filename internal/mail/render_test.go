package mail_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/mail"
)

func notice(t testing.TB, k mail.Kind, r mail.Role) mail.Notice {
	return mail.Notice{
		Kind: k, Role: r, Zone: zone(t, "Europe/London"),
		Brand: mail.Branding{OrgName: "Acme & Co", Color: "#112233", Intro: "Thanks for booking with Acme.", Signature: "Best,\nThe Acme team"},
		Title: "Intro call", Description: "A first chat.", Location: "Room 1",
		Start: start, End: start.Add(30 * time.Minute),
		Hosts:   []string{"Ana"},
		Invitee: mail.Address{Name: "Bob", Email: "bob@example.com"},
		Notes:   "Line one\nLine two", ManageURL: "https://book.example.com/manage#sb_tok",
		AdminURL: "https://book.example.com/_/#/x", BookURL: "https://book.example.com/intro",
	}
}

func TestRender(t *testing.T) {
	when := "Tuesday, March 3, 2026, 10:00 AM–10:30 AM (Europe/London, UTC+00:00)"
	scenarios := []struct {
		kind    mail.Kind
		role    mail.Role
		edit    func(*mail.Notice)
		subject string
		has     []string // in the text body
		hasNot  []string
	}{
		{mail.Confirmed, mail.ToInvitee, nil, "Confirmed: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Thanks for booking with Acme.", "When: " + when, "Reschedule or cancel: https://book.example.com/manage#sb_tok", "About: A first chat.", "Notes: Line one\n    Line two", "Best,\nThe Acme team\nAcme & Co"},
			[]string{"_/#"}},
		{mail.Confirmed, mail.ToHost, nil, "New booking: Intro call with Bob on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Bob booked Intro call with you.", "With: Bob <bob@example.com>", "Open the booking: https://book.example.com/_/#/x"},
			[]string{"manage#", "Thanks for booking"}},
		{mail.Requested, mail.ToInvitee, nil, "Request received: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"once it is confirmed", "Reschedule or cancel:"}, nil},
		{mail.Requested, mail.ToHost, nil, "Approval needed: Intro call with Bob on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Confirm or decline: https://book.example.com/_/#/x"}, nil},
		{mail.Approved, mail.ToInvitee, func(n *mail.Notice) { n.Invite = true }, "Confirmed: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Ana confirmed your booking. The calendar invitation is attached."}, nil},
		{mail.Declined, mail.ToInvitee, func(n *mail.Notice) { n.Reason = "Fully booked" }, "Declined: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"could not accept", "Reason: Fully booked", "Book another time: https://book.example.com/intro"},
			[]string{"manage#", "About:"}},
		{mail.Rescheduled, mail.ToInvitee, func(n *mail.Notice) { n.PreviousStart = start.Add(-24 * time.Hour) },
			"Rescheduled: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"When: " + when, "Was: Monday, March 2, 2026, 10:00 AM–10:30 AM (Europe/London, UTC+00:00)"}, nil},
		{mail.Rescheduled, mail.ToHost, nil, "Rescheduled: Intro call with Bob on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Bob moved their booking"}, []string{"Was:"}},
		{mail.Cancelled, mail.ToInvitee, func(n *mail.Notice) { n.Reason = "Sick"; n.Invite = true }, "Cancelled: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"You cancelled your booking with Ana.", "Reason: Sick", "removes it from your calendar", "Book another time:"},
			[]string{"manage#"}},
		{mail.Cancelled, mail.ToInvitee, func(n *mail.Notice) { n.ByHost = true }, "Cancelled: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Ana cancelled your booking."}, nil},
		{mail.Cancelled, mail.ToHost, nil, "Cancelled: Intro call with Bob on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Bob cancelled their booking; the time is free again."}, nil},
		{mail.Reminder, mail.ToInvitee, nil, "Reminder: Intro call with Ana on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"A reminder of your booking with Ana.", "Reschedule or cancel:"}, []string{"Thanks for booking"}},
		{mail.Confirmed, mail.ToHost, func(n *mail.Notice) { n.Zone = zone(t, "America/New_York") },
			"New booking: Intro call with Bob on Mar 3, 2026, 5:00 AM (UTC-05:00)",
			[]string{"When: Tuesday, March 3, 2026, 5:00 AM–5:30 AM (America/New_York, UTC-05:00)"}, nil},
		{mail.Confirmed, mail.ToInvitee, func(n *mail.Notice) { n.Hosts = []string{"Ana", "Bo", "Cy"}; n.Location = "google_meet" },
			"Confirmed: Intro call with Ana, Bo and Cy on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Where: Google Meet"}, nil},
		{mail.Confirmed, mail.ToHost, func(n *mail.Notice) {
			n.Answers = []mail.Answer{{"Company", "Initech"}, {"Empty", ""}}
		}, "New booking: Intro call with Bob on Mar 3, 2026, 10:00 AM (UTC+00:00)",
			[]string{"Company: Initech"}, []string{"Empty:"}},
	}
	for _, sc := range scenarios {
		t.Run(string(sc.kind)+"/"+string(sc.role), func(t *testing.T) {
			n := notice(t, sc.kind, sc.role)
			if sc.edit != nil {
				sc.edit(&n)
			}
			got, err := mail.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			if got.Subject != sc.subject {
				t.Errorf("subject %q\n   want %q", got.Subject, sc.subject)
			}
			for _, s := range sc.has {
				if !strings.Contains(got.Text, s) {
					t.Errorf("text lacks %q:\n%s", s, got.Text)
				}
			}
			for _, s := range sc.hasNot {
				if strings.Contains(got.Text, s) || strings.Contains(got.HTML, s) {
					t.Errorf("must not contain %q:\n%s", s, got.Text)
				}
			}
			if !strings.Contains(got.HTML, "background:#112233") || !strings.Contains(got.HTML, "Acme &amp; Co") {
				t.Errorf("html lacks the branding")
			}
		})
	}
}

// TestRenderEscapes: whatever users type is text in the HTML body, never
// markup, and the brand colour cannot break out of its style attribute.
func TestRenderEscapes(t *testing.T) {
	n := notice(t, mail.Confirmed, mail.ToHost)
	n.Invitee.Name = `<img src=x onerror=alert(1)>`
	n.Notes = "<script>alert('x')</script>\n\"quoted\" & more"
	n.Title = `Call</title><script>`
	n.Answers = []mail.Answer{{`<b>Q</b>`, `<i>A</i>`}}
	n.Brand.Color = `red;background:url(javascript:alert(1))`
	n.Brand.Signature = "<a href=\"javascript:alert(1)\">x</a>"
	n.AdminURL = "javascript:alert(1)"
	got, err := mail.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "<img", "<b>", "<i>", "<a ", "url(javascript"} {
		if strings.Contains(got.HTML, bad) {
			t.Errorf("html contains %q", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "&lt;img src=x onerror=alert(1)&gt;", "background:" + mail.DefaultColor} {
		if !strings.Contains(got.HTML, good) {
			t.Errorf("html lacks %q", good)
		}
	}
	if strings.Contains(got.Text, "Open the booking") {
		t.Errorf("a javascript: link became an action")
	}
	if !strings.Contains(got.Text, "<script>alert('x')</script>") {
		t.Errorf("the text body shows the notes as typed:\n%s", got.Text)
	}
}

func TestRenderInvalid(t *testing.T) {
	scenarios := []struct {
		name, field string
		edit        func(*mail.Notice)
	}{
		{"unknown kind", "kind", func(n *mail.Notice) { n.Kind = "bogus" }},
		{"unknown role", "role", func(n *mail.Notice) { n.Role = "admin" }},
		{"end before start", "end", func(n *mail.Notice) { n.End = n.Start }},
		{"no title", "title", func(n *mail.Notice) { n.Title = " \r\n" }},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			n := notice(t, mail.Confirmed, mail.ToInvitee)
			sc.edit(&n)
			if _, err := mail.Render(n); !errors.Is(err, mail.ErrInvalidMessage) || !strings.Contains(err.Error(), sc.field) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}
