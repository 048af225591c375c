package hooks

import (
	"net/http"
	"strings"
	"testing"

	c "github.com/slotbase/slotbase/collections"
)

// TestEmailReleasedHost: a round-robin booking moved to a time only another
// host has free tells the host it left that the meeting is off, with a
// CANCEL of the invite they had (their previous time, their UID).
func TestEmailReleasedHost(t *testing.T) {
	env := newEmailEnv(t, 0, nil)
	bob := mkHost(t, env.app, "Bob", "Europe/London", `{"mon":[["18:00","21:00"]]}`)
	et, _ := c.FindActiveEventType(env.app, "call")
	et.Set(c.EventTypesHosts, []string{env.host, bob})
	et.Set(c.EventTypesAssignment, c.AssignmentRoundRobin)
	if err := env.app.Save(et); err != nil {
		t.Fatal(err)
	}
	id, token := env.book(t, "2026-03-02T10:00:00Z", "Zoe", "zoe@example.com", "Europe/London", "") // only Alice works then
	env.drain(t)
	code, moved := postJSON(t, http.DefaultClient, env.url+"/api/bookings/manage/"+token+"/reschedule", map[string]any{"start": "2026-03-02T18:00:00Z"}, nil)
	if code != 200 {
		t.Fatalf("reschedule: %d %v", code, moved)
	}
	r, _ := env.app.FindRecordById(c.Bookings, id)
	if hosts := r.GetStringSlice(c.BookingsHosts); len(hosts) != 1 || hosts[0] != bob {
		t.Fatalf("after the move the host is %v, want Bob", hosts)
	}
	env.drain(t)
	inbox := readMailDir(t, env)
	gone := mailTo(t, inbox, "alice@example.com", "Cancelled:")
	invite := gone.Part("text/calendar")
	if invite == nil {
		t.Fatalf("Alice's cancellation has no calendar part: %s", gone.Structure)
	}
	for _, want := range []string{"METHOD:CANCEL", "DTSTART:20260302T100000Z", "UID:" + id + "@slotbase", "mailto:alice@example.com"} {
		if !strings.Contains(string(invite.Body), want) {
			t.Fatalf("Alice's CANCEL lacks %q:\n%s", want, invite.Body)
		}
	}
	expectMail(t, gone, "", "another host")
	mailTo(t, inbox, "bob@example.com", "Rescheduled:")
	// A second drain sends nothing more.
	if n := env.drain(t); n != 0 {
		t.Fatalf("%d more jobs ran", n)
	}
}
