package booking

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
)

func sampleView() View {
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	return View{
		ID: "b1", Status: Confirmed, Start: start, End: start.Add(30 * time.Minute), Sequence: 2,
		EventType: EventTypeView{ID: "et1", Slug: "intro", Title: "Intro call", Description: "Let's talk.", Location: "Room 4",
			Duration: 30 * time.Minute, Questions: []Question{
				{ID: "company", Label: "Company", Type: "text"},
				{ID: "topics", Label: "Topics", Type: "multi"},
				{ID: "first", Label: "First visit?", Type: "checkbox"},
			}},
		Hosts:   []HostView{{ID: "h1", Name: "Alice", Email: "alice@example.com", Timezone: "Europe/London"}, {ID: "h2", Name: "Bo", Email: "bo@example.com"}},
		Invitee: Person{Name: "=HYPERLINK(1)", Email: "zoe@example.com", Timezone: "Asia/Tokyo"},
		Notes:   "Hello", Answers: map[string]any{"company": "Acme", "topics": []any{"a", "b"}, "first": true, "gone": "x"},
		Created: start.Add(-time.Hour), Updated: start.Add(-time.Minute),
	}
}

func TestLabelledAnswers(t *testing.T) {
	got := sampleView().LabelledAnswers()
	want := []Answer{{"Company", "Acme"}, {"Topics", "a, b"}, {"First visit?", "yes"}}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("answer %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestRenderers(t *testing.T) {
	v := sampleView()
	reply, _ := json.Marshal(InviteeReply(v))
	for _, want := range []string{`"hosts":["Alice","Bo"]`, `"start":"2026-03-03T10:00:00Z"`, `"event_type":{"slug":"intro","title":"Intro call","duration":30,"location":"Room 4"}`} {
		if !strings.Contains(string(reply), want) {
			t.Errorf("invitee reply lacks %s: %s", want, reply)
		}
	}
	if strings.Contains(string(reply), "manage_token") || strings.Contains(string(reply), "alice@example.com") {
		t.Errorf("invitee reply shows a token or host addresses: %s", reply)
	}
	admin, _ := json.Marshal(AdminJSON(v))
	if !strings.Contains(string(admin), `"event_type":"et1","event_slug":"intro","event_title":"Intro call","hosts":["h1","h2"],"host_names":["Alice","Bo"]`) || !strings.Contains(string(admin), `"created":"2026-03-03T09:00:00Z"`) {
		t.Errorf("admin JSON: %s", admin)
	}
	hook, _ := json.Marshal(WebhookJSON(v))
	if !strings.Contains(string(hook), `"hosts":[{"id":"h1","name":"Alice","email":"alice@example.com"}`) || !strings.Contains(string(hook), `"sequence":2`) {
		t.Errorf("webhook JSON: %s", hook)
	}
	row := CSVRow(v)
	if len(row) != len(CSVHeader) || row[2] != "h1 h2" || row[6] != "'=HYPERLINK(1)" {
		t.Errorf("CSV row %q (a formula must be defused, hosts space-separated)", row)
	}
	if !slices.Equal(row[12:], []string{"", "", "", ""}) {
		t.Errorf("CSV payment columns of a free booking: %q", row[12:])
	}
	v.Payment = &PaymentView{Status: "partially_refunded", Amount: 25125, Refunded: 12500, Currency: "kwd"}
	if row := CSVRow(v); !slices.Equal(row[12:], []string{"partially_refunded", "25.125", "KWD", "12.500"}) {
		t.Errorf("CSV payment columns: %q", row[12:])
	}
	summary, desc := HostCalendarEntry(v)
	if summary != "Intro call with =HYPERLINK(1)" || !strings.Contains(desc, "Topics: a, b\n") || !strings.Contains(desc, "booking b1") {
		t.Errorf("host calendar entry %q / %q", summary, desc)
	}
}

func TestInviteFollowsStatus(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	scenarios := []struct {
		status Status
		method ics.Method
		state  string
	}{
		{Pending, ics.Request, ics.StatusTentative},
		{Confirmed, ics.Request, ics.StatusConfirmed},
		{Cancelled, ics.Cancel, ics.StatusCancelled},
		{Declined, ics.Cancel, ics.StatusCancelled},
	}
	for _, s := range scenarios {
		v := sampleView()
		v.Status = s.status
		method, ev, err := Invite(v, now)
		if err != nil || method != s.method || ev.Status != s.state || ev.UID != "b1@slotbase" || ev.Sequence != 2 ||
			ev.Summary != "Intro call with Alice" || len(ev.Attendees) != 2 || ev.Organizer.Email != "alice@example.com" {
			t.Errorf("%s: %s %+v %v", s.status, method, ev, err)
		}
	}
	v := sampleView()
	v.Hosts = nil
	if _, _, err := Invite(v, now); err == nil {
		t.Error("an invite without an organiser must be an error")
	}
}
