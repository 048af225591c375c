package hooks

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
	"github.com/slotbase/slotbase/internal/testenv"
)

const inviteStructure = "multipart/mixed[multipart/alternative[text/plain,text/html,text/calendar],application/ics]"

// TestEmailBookingLifecycle books, reschedules and cancels against a real
// SMTP server: each step mails the invitee (in their zone, with the manage
// link) and the host (in theirs, with the admin link), and the invites read
// by python3-icalendar keep one UID while SEQUENCE grows and the cancel says
// METHOD:CANCEL.
func TestEmailBookingLifecycle(t *testing.T) {
	port := testenv.FreePort(t)
	sink := testenv.StartSMTPSink(t, port)
	env := newEmailEnv(t, port, nil)
	id, token := env.book(t, "2026-03-03T10:00:00Z", "Bob Ó'Brien & Co", "bob@example.com", "America/New_York",
		"<script>alert(1)</script>\nSecond line")
	env.drain(t)

	got := sink.Messages(t)
	if len(got) != 2 {
		t.Fatalf("%d mails after booking, want 2 (invitee and host)", len(got))
	}
	invitee, host := byRecipient(t, got, "bob@example.com"), byRecipient(t, got, "alice@example.com")
	for _, m := range []testenv.SinkMessage{invitee, host} {
		if m.MailFrom != "bookings@acme.test" || m.Msg.From.Address != "bookings@acme.test" || m.Msg.From.Name != "Acme Bookings" {
			t.Errorf("sender: envelope %q, header %v", m.MailFrom, m.Msg.From)
		}
		if m.Msg.Structure != inviteStructure {
			t.Errorf("structure %s", m.Msg.Structure)
		}
		if m.Msg.Part("text/calendar").Params["method"] != "REQUEST" {
			t.Errorf("calendar part %v", m.Msg.Part("text/calendar").Params)
		}
		if m.Msg.Header.Get("References") != "<booking-"+id+"@acme.test>" {
			t.Errorf("references %q", m.Msg.Header.Get("References"))
		}
	}
	expectMail(t, invitee.Msg, "Confirmed: Meeting call with Alice on Mar 3, 2026, 5:00 AM (UTC-05:00)",
		"Thank you for booking with Acme.",
		"When: Tuesday, March 3, 2026, 5:00 AM–5:30 AM (America/New_York, UTC-05:00)",
		"Reschedule or cancel: https://book.acme.test/manage#"+token,
		"Notes: <script>alert(1)</script>\n    Second line",
		"See you soon,\nThe Acme team\nAcme Clinic")
	if invitee.Msg.To.Name != "Bob Ó'Brien & Co" || invitee.Msg.ReplyTo == nil || invitee.Msg.ReplyTo.Address != "alice@example.com" {
		t.Errorf("invitee to %v reply-to %v", invitee.Msg.To, invitee.Msg.ReplyTo)
	}
	if html := invitee.Msg.HTML(); strings.Contains(html, "<script>") || !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") ||
		!strings.Contains(html, `href="https://book.acme.test/manage#`+token+`"`) {
		t.Errorf("invitee html does not escape the notes or lacks the link:\n%s", html)
	}
	expectMail(t, host.Msg, "New booking: Meeting call with Bob Ó'Brien & Co on Mar 3, 2026, 10:00 AM (UTC+00:00)",
		"When: Tuesday, March 3, 2026, 10:00 AM–10:30 AM (Europe/London, UTC+00:00)",
		"With: Bob Ó'Brien & Co <bob@example.com>",
		"Open the booking: https://admin.acme.test/admin/#/bookings/"+id)
	if strings.Contains(string(host.Raw), token[3:]) || strings.Contains(host.Msg.Text(), "manage#") {
		t.Error("the host's mail carries the invitee's manage link")
	}

	// Reschedule, then cancel: each mails both again with the next SEQUENCE.
	if code, body := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+token+"/reschedule", map[string]any{"start": "2026-03-04T14:00:00Z"}, nil); code != http.StatusOK {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	env.drain(t)
	if code, body := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+token+"/cancel", map[string]any{"reason": "Something came up"}, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d %v", code, body)
	}
	env.drain(t)
	got = sink.Messages(t)
	if len(got) != 6 {
		t.Fatalf("%d mails after reschedule and cancel, want 6", len(got))
	}
	moved, cancelled := got[2:4], got[4:6]
	expectMail(t, byRecipient(t, moved, "bob@example.com").Msg, "Rescheduled: Meeting call with Alice on Mar 4, 2026, 9:00 AM (UTC-05:00)",
		"When: Wednesday, March 4, 2026, 9:00 AM–9:30 AM (America/New_York, UTC-05:00)",
		"Was: Tuesday, March 3, 2026, 5:00 AM–5:30 AM (America/New_York, UTC-05:00)",
		"Reschedule or cancel: https://book.acme.test/manage#"+token)
	expectMail(t, byRecipient(t, moved, "alice@example.com").Msg, "Rescheduled: Meeting call with Bob Ó'Brien & Co on Mar 4, 2026, 2:00 PM (UTC+00:00)",
		"Bob Ó'Brien & Co moved their booking")
	expectMail(t, byRecipient(t, cancelled, "bob@example.com").Msg, "Cancelled: Meeting call with Alice on Mar 4, 2026, 9:00 AM (UTC-05:00)",
		"You cancelled your booking with Alice.", "Reason: Something came up", "Book another time: https://book.acme.test/call")
	expectMail(t, byRecipient(t, cancelled, "alice@example.com").Msg, "Cancelled: Meeting call with Bob Ó'Brien & Co on Mar 4, 2026, 2:00 PM (UTC+00:00)",
		"Bob Ó'Brien & Co cancelled their booking; the time is free again.")

	// The invites, as an independent parser reads them: the calendar part
	// and the attachment of every mail, in order.
	var objects [][]byte
	for _, m := range got {
		cal, att := m.Msg.Part("text/calendar"), m.Msg.Part("application/ics")
		if cal == nil || att == nil || string(cal.Body) != string(att.Body) || att.Filename != "invite.ics" {
			t.Fatalf("mail to %v: calendar part and attachment differ or are missing", m.RcptTos)
		}
		objects = append(objects, cal.Body)
	}
	infos := parseICS(t, objects...)
	want := []struct {
		method, status, start, end string
		seq                        int
	}{
		{"REQUEST", "CONFIRMED", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", 0},
		{"REQUEST", "CONFIRMED", "2026-03-04T14:00:00Z", "2026-03-04T14:30:00Z", 1},
		{"CANCEL", "CANCELLED", "2026-03-04T14:00:00Z", "2026-03-04T14:30:00Z", 2},
	}
	for i, info := range infos {
		w := want[i/2]
		if info.UID != id+"@slotbase" || info.Method != w.method || info.Status != w.status || info.Sequence != w.seq ||
			info.DTStart != w.start || info.DTEnd != w.end {
			t.Errorf("invite %d: %+v, want %+v", i, info, w)
		}
		if info.Organizer != "mailto:alice@example.com" || len(info.Attendees) != 1 || info.Attendees[0] != "mailto:bob@example.com" {
			t.Errorf("invite %d: organizer %q attendees %v", i, info.Organizer, info.Attendees)
		}
		if (info.Alarms == 1) != (w.method == "REQUEST") || info.Summary != "Meeting call with Alice" {
			t.Errorf("invite %d: alarms %d summary %q", i, info.Alarms, info.Summary)
		}
	}

	// Every mail has its own Message-ID and its email_log record.
	ids := map[string]bool{}
	for _, m := range got {
		ids[m.Msg.MessageID] = true
	}
	if sent := env.emailLog(t, "booking = {:b} && status = 'sent'", map[string]any{"b": id}); len(ids) != 6 || len(sent) != 6 {
		t.Fatalf("%d distinct Message-IDs, %d email_log records; want 6 and 6", len(ids), len(sent))
	}

	// The reminders of both times come due: the booking is cancelled, so
	// they are skipped (and logged), never sent.
	env.clock.Add(4 * 24 * time.Hour)
	env.drain(t)
	if n := len(sink.Messages(t)); n != 6 {
		t.Fatalf("%d mails after the reminders came due, want still 6", n)
	}
	if skipped := env.emailLog(t, "booking = {:b} && kind = 'reminder' && status = 'skipped'", map[string]any{"b": id}); len(skipped) != 4 {
		t.Fatalf("%d skipped reminders, want 4 (two offsets × two times)", len(skipped))
	}
}

// TestEmailApproval: an event type that needs approval mails a request
// (no invite yet) and asks the host; the host's approval sends the invite,
// with the manage link even though an admin acted; a decline sends none.
func TestEmailApproval(t *testing.T) {
	env := newEmailEnv(t, 0, map[string]any{c.EventTypesRequiresConfirmation: true})
	id, token := env.book(t, "2026-03-03T11:00:00Z", "Carol", "carol@example.com", "Europe/Paris", "")
	declinedID, _ := env.book(t, "2026-03-03T12:00:00Z", "Dan", "dan@example.com", "Europe/London", "")
	env.drain(t)

	inbox := readMailDir(t, env)
	if len(inbox) != 4 {
		t.Fatalf("%d mails, want 4", len(inbox))
	}
	request := mailTo(t, inbox, "carol@example.com", "Request received")
	expectMail(t, request, "Request received: Meeting call with Alice on Mar 3, 2026, 12:00 PM (UTC+01:00)",
		"once it is confirmed", "Reschedule or cancel: https://book.acme.test/manage#"+token)
	if request.Structure != "multipart/alternative[text/plain,text/html]" {
		t.Errorf("a request carries no invite: %s", request.Structure)
	}
	expectMail(t, mailTo(t, inbox, "alice@example.com", "Approval needed: Meeting call with Carol"), "",
		"Confirm or decline: https://admin.acme.test/admin/#/bookings/"+id)

	// An admin confirms one and declines the other through the admin API.
	key := mkKey(t, env.app, []string{"bookings:write"}, time.Time{})
	for path, want := range map[string]int{"/" + id + "/confirm": http.StatusOK, "/" + declinedID + "/decline": http.StatusOK} {
		if code, body := call(t, http.MethodPost, env.url+"/api/admin/bookings"+path, key, `{"reason":"Fully booked that day"}`); code != want {
			t.Fatalf("POST %s: %d %s", path, code, body)
		}
	}
	env.drain(t)
	inbox = readMailDir(t, env)
	if len(inbox) != 8 {
		t.Fatalf("%d mails, want 8", len(inbox))
	}
	approved := mailTo(t, inbox, "carol@example.com", "Confirmed:")
	expectMail(t, approved, "Confirmed: Meeting call with Alice on Mar 3, 2026, 12:00 PM (UTC+01:00)",
		"Alice confirmed your booking. The calendar invitation is attached.",
		"Reschedule or cancel: https://book.acme.test/manage#"+token)
	if approved.Structure != inviteStructure || approved.Part("text/calendar").Params["method"] != "REQUEST" {
		t.Errorf("approval: %s %v", approved.Structure, approved.Part("text/calendar"))
	}
	if !strings.Contains(string(approved.Part("text/calendar").Body), "SEQUENCE:1\r\n") {
		t.Error("the approval's invite must carry the new sequence")
	}
	declined := mailTo(t, inbox, "dan@example.com", "Declined:")
	expectMail(t, declined, "Declined: Meeting call with Alice on Mar 3, 2026, 12:00 PM (UTC+00:00)",
		"could not accept", "Reason: Fully booked that day", "Book another time: https://book.acme.test/call")
	if declined.Part("text/calendar") != nil {
		t.Error("a declined request gets no invite (it never had one)")
	}
	mailTo(t, inbox, "alice@example.com", "Confirmed: Meeting call with Carol")
	mailTo(t, inbox, "alice@example.com", "Declined: Meeting call with Dan")

	// Reminders start with the approval (a request gets none), for the
	// approved booking only.
	for bookingID, want := range map[string]int{id: 2, declinedID: 0} {
		jobs, err := env.app.FindRecordsByFilter(c.Jobs, "booking = {:b} && status = 'pending' && payload ~ '\"reminder\"'", "", 0, 0, map[string]any{"b": bookingID})
		if err != nil || len(jobs) != want {
			t.Errorf("booking %s: %d pending reminders (%v), want %d", bookingID, len(jobs), err, want)
		}
	}
}

// TestEmailWithoutSMTP: a fresh install (SMTP off) writes each mail as an
// .eml file under <pb_data>/mail and records where.
func TestEmailWithoutSMTP(t *testing.T) {
	env := newEmailEnv(t, 0, nil)
	id, _ := env.book(t, "2026-03-03T10:00:00Z", "Bob", "bob@example.com", "Europe/London", "")
	env.drain(t)
	files, _ := filepath.Glob(filepath.Join(env.app.DataDir(), "mail", "*.eml"))
	if len(files) != 2 {
		t.Fatalf("%d .eml files, want 2: %v", len(files), files)
	}
	for _, r := range env.emailLog(t, "booking = {:b}", map[string]any{"b": id}) {
		if r.GetString(c.EmailLogTransport) != "file" || !strings.HasPrefix(r.GetString(c.EmailLogFile), filepath.Join(env.app.DataDir(), "mail")) {
			t.Errorf("email_log: %v", r.PublicExport())
		}
	}
	for _, f := range files {
		raw, _ := os.ReadFile(f)
		if m, err := mailtest.Parse(raw); err != nil || m.Structure != inviteStructure {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// TestEmailSuperseded: changes made while the worker was behind send only
// the mail that tells the booking's state now.
func TestEmailSuperseded(t *testing.T) {
	env := newEmailEnv(t, 0, nil)
	id, token := env.book(t, "2026-03-03T10:00:00Z", "Bob", "bob@example.com", "Europe/London", "")
	if code, _ := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+token+"/cancel", map[string]any{}, nil); code != http.StatusOK {
		t.Fatal("cancel failed")
	}
	env.drain(t)
	inbox := readMailDir(t, env)
	if len(inbox) != 2 || !strings.HasPrefix(inbox[0].Subject, "Cancelled:") || !strings.HasPrefix(inbox[1].Subject, "Cancelled:") {
		t.Fatalf("want only the two cancellations, got %d mails", len(inbox))
	}
	skipped := env.emailLog(t, "booking = {:b} && status = 'skipped'", map[string]any{"b": id})
	if len(skipped) != 2 || !strings.HasPrefix(skipped[0].GetString(c.EmailLogNote), "superseded") {
		t.Fatalf("skipped: %d", len(skipped))
	}

	// Mails that could not go out before the meeting ended never go out.
	late, _ := env.book(t, "2026-03-02T09:00:00Z", "Late", "late@example.com", "Europe/London", "")
	env.clock.Add(10 * time.Hour)
	env.drain(t)
	if n := len(readMailDir(t, env)); n != 2 {
		t.Fatalf("%d mails, want still 2", n)
	}
	for _, r := range env.emailLog(t, "booking = {:b}", map[string]any{"b": late}) {
		want := "the meeting is over"
		if r.GetString(c.EmailLogKind) == "reminder" { // its 1 h reminder came due at 08:00
			want = "reminder after the meeting started"
		}
		if r.GetString(c.EmailLogStatus) != c.EmailSkipped || r.GetString(c.EmailLogNote) != want {
			t.Fatalf("late mail: %s %q", r.GetString(c.EmailLogStatus), r.GetString(c.EmailLogNote))
		}
	}
}

// readMailDir parses every .eml file under <pb_data>/mail, in name order.
func readMailDir(t *testing.T, env *emailEnv) []*mailtest.Message {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(env.app.DataDir(), "mail", "*.eml"))
	var out []*mailtest.Message
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		m, err := mailtest.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, m)
	}
	return out
}

// mailTo finds the one message to address whose subject starts with prefix.
func mailTo(t *testing.T, inbox []*mailtest.Message, address, prefix string) *mailtest.Message {
	t.Helper()
	var found *mailtest.Message
	for _, m := range inbox {
		if m.To.Address == address && strings.HasPrefix(m.Subject, prefix) {
			if found != nil {
				t.Fatalf("two mails to %s starting %q", address, prefix)
			}
			found = m
		}
	}
	if found == nil {
		t.Fatalf("no mail to %s starting %q", address, prefix)
	}
	return found
}

// byRecipient finds the one message whose envelope goes to address.
func byRecipient(t *testing.T, msgs []testenv.SinkMessage, address string) testenv.SinkMessage {
	t.Helper()
	var found []testenv.SinkMessage
	for _, m := range msgs {
		if len(m.RcptTos) == 1 && m.RcptTos[0] == address && m.Msg.To.Address == address {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails to %s, want 1", len(found), address)
	}
	return found[0]
}

// expectMail checks the subject (unless empty) and that the text body
// contains each of has.
func expectMail(t *testing.T, m *mailtest.Message, subject string, has ...string) {
	t.Helper()
	if subject != "" && m.Subject != subject {
		t.Errorf("subject %q\n   want %q", m.Subject, subject)
	}
	text := strings.ReplaceAll(m.Text(), "\r\n", "\n")
	for _, s := range has {
		if !strings.Contains(text, s) {
			t.Errorf("mail %q lacks %q:\n%s", m.Subject, s, text)
		}
	}
}
