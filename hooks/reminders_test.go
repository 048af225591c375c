package hooks

import (
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
)

// TestReminders walks an injected clock through four days in 15-minute
// steps, running the worker at each: every reminder goes out once, at its
// offset before the start (24 h and 1 h by default, per event type
// otherwise); a cancelled booking gets none; a rescheduled one gets them for
// its new time only; an offset already past when booking is left out.
func TestReminders(t *testing.T) {
	env := newEmailEnv(t, 0, nil)
	mkEventType(t, env.app, "quick", []string{env.host}, map[string]any{c.EventTypesReminderOffsets: []int{30}})
	bookType := func(slug, start, email string) (string, string) {
		t.Helper()
		code, body := postJSON(t, http.DefaultClient, env.url+"/api/bookings", map[string]any{
			"event_type": slug, "start": start, "name": strings.Split(email, "@")[0], "email": email, "timezone": "Europe/London",
		}, nil)
		if code != http.StatusCreated {
			t.Fatalf("booking %s: %d %v", start, code, body)
		}
		return body["id"].(string), body["manage_token"].(string)
	}
	bookType("call", "2026-03-04T10:00:00Z", "bob@example.com")
	_, carolToken := bookType("call", "2026-03-04T11:00:00Z", "carol@example.com")
	_, danToken := bookType("call", "2026-03-04T12:00:00Z", "dan@example.com")
	bookType("quick", "2026-03-04T13:00:00Z", "erin@example.com")
	bookType("call", "2026-03-02T09:30:00Z", "eve@example.com") // 24 h before is already past
	env.drain(t)
	if code, _ := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+carolToken+"/cancel", map[string]any{}, nil); code != http.StatusOK {
		t.Fatal("cancel failed")
	}
	if code, _ := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+danToken+"/reschedule", map[string]any{"start": "2026-03-05T15:00:00Z"}, nil); code != http.StatusOK {
		t.Fatal("reschedule failed")
	}
	env.drain(t)

	sent := map[string][]string{} // recipient → clock times its reminders went out
	seen := map[string]bool{}
	for end := testNow.Add(4 * 24 * time.Hour); env.clock.Now().Before(end); env.clock.Add(15 * time.Minute) {
		env.drain(t)
		for _, r := range env.emailLog(t, "kind = 'reminder' && status = 'sent'", nil) {
			if !seen[r.Id] {
				seen[r.Id] = true
				if at := r.GetDateTime(c.EmailLogAt).Time(); !at.Equal(env.clock.Now()) {
					t.Errorf("email_log at %s, clock %s", at, env.clock.Now())
				}
				sent[r.GetString(c.EmailLogRecipient)] = append(sent[r.GetString(c.EmailLogRecipient)], env.clock.Now().Format("Mon 15:04"))
			}
		}
	}
	want := map[string][]string{
		"bob@example.com":  {"Tue 10:00", "Wed 09:00"},
		"dan@example.com":  {"Wed 15:00", "Thu 14:00"}, // the new time, Thursday 15:00
		"erin@example.com": {"Wed 12:30"},              // "quick": 30 minutes only
		"eve@example.com":  {"Mon 08:30"},              // booked 9.5 h ahead: the 1 h reminder only
	}
	for who, times := range want {
		if !slices.Equal(sent[who], times) {
			t.Errorf("reminders to %s at %v, want %v", who, sent[who], times)
		}
	}
	if len(sent["carol@example.com"]) != 0 {
		t.Errorf("a cancelled booking got reminders at %v", sent["carol@example.com"])
	}
	if len(sent) != len(want) {
		t.Errorf("reminders went to %v", sent)
	}

	// Dan's reminders show his new time; the old time's were skipped.
	for _, r := range env.emailLog(t, "kind = 'reminder' && recipient = 'dan@example.com' && status = 'sent'", nil) {
		raw, err := os.ReadFile(r.GetString(c.EmailLogFile))
		if err != nil {
			t.Fatal(err)
		}
		m, err := mailtest.Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		expectMail(t, m, "Reminder: Meeting call with Alice on Mar 5, 2026, 3:00 PM (UTC+00:00)",
			"When: Thursday, March 5, 2026, 3:00 PM–3:30 PM (Europe/London, UTC+00:00)", "Reschedule or cancel: https://book.acme.test/manage#"+danToken)
	}
	for who, n := range map[string]int{"dan@example.com": 2, "carol@example.com": 2} {
		if skipped := env.emailLog(t, "kind = 'reminder' && recipient = {:r} && status = 'skipped'", map[string]any{"r": who}); len(skipped) != n {
			t.Errorf("%d skipped reminders for %s, want %d", len(skipped), who, n)
		}
	}
	if n := len(env.emailLog(t, "kind = 'reminder' && status = 'sent'", nil)); n != 6 {
		t.Errorf("%d reminders sent, want 6", n)
	}
}

func TestReminderOffsets(t *testing.T) {
	scenarios := []struct {
		raw     string
		want    []int
		wantErr string
	}{
		{"", []int{1440, 60}, ""},
		{"null", []int{1440, 60}, ""},
		{"[]", []int{}, ""},
		{"[30]", []int{30}, ""},
		{"[10080, 1440, 60, 15, 5]", []int{10080, 1440, 60, 15, 5}, ""},
		{"[0]", nil, "between 1 and 43200"},
		{"[43201]", nil, "between 1 and 43200"},
		{"[60, 60]", nil, "appears twice"},
		{"[1, 2, 3, 4, 5, 6]", nil, "at most 5"},
		{"[1.5]", nil, "whole minutes"},
		{`{"a":1}`, nil, "whole minutes"},
	}
	for _, sc := range scenarios {
		got, err := parseReminderOffsets([]byte(sc.raw))
		if sc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), sc.wantErr) {
				t.Errorf("%s: err %v, want %q", sc.raw, err, sc.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, sc.want) {
			t.Errorf("%s: %v %v, want %v", sc.raw, got, err, sc.want)
		}
	}

	// Saving an event type checks them (admin UI and API alike).
	env := newEmailEnv(t, 0, nil)
	r, err := env.app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	r.Set(c.EventTypesReminderOffsets, []int{0})
	if err := env.app.Save(r); err == nil || !strings.Contains(err.Error(), "reminder_offsets") {
		t.Fatalf("saved bad reminder_offsets: %v", err)
	}
	r.Set(c.EventTypesReminderOffsets, []int{120, 15})
	if err := env.app.Save(r); err != nil {
		t.Fatal(err)
	}
}
