package e2e

import (
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// TestAdminUISignInAndBookingDoor: a superuser signs in to PocketBase's admin
// UI at /_/ in a real browser (the body limit once broke every sign-in), and
// a booking change sent with the UI's own session — what its record form
// sends — goes through slotbase's booking door: a taken start is a field
// error, a cancellation is audited and queues the invitee's mail.
func TestAdminUISignInAndBookingDoor(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, "Northwind Clinic", "#0f766e", func(s *seeder) {
		host := s.host("Ada Byron", "UTC", weekdays9to5)
		s.eventType("consult", "First consultation", host, map[string]any{c.EventTypesQuestions: consultQuestions})
	})
	if out, err := exec.Command(testenv.Binary(t), "superuser", "upsert", "root@example.com", "a-long-password-123", "--dir", dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	srv := startServer(t, dir)
	start := nextWeekday(time.Now().UTC().AddDate(0, 0, 2)).Format("2006-01-02") + "T10:00:00Z"
	taken := nextWeekday(time.Now().UTC().AddDate(0, 0, 2)).Format("2006-01-02") + "T11:00:00Z"
	postBooking(t, srv, start, "invitee@example.com", 201)
	postBooking(t, srv, taken, "other@example.com", 201)
	id := findRecords(t, dir, c.Bookings, "email = 'invitee@example.com'", nil)[0].Id

	b := newBrowser(t, "UTC", desktop)
	b.do(chromedp.Navigate(srv.URL + "/_/"))
	b.waitFor("the sign-in form", `document.querySelector("#login_identity") && document.querySelector("#login_pass")`)
	b.do(chromedp.SendKeys(chromedp.CSS("#login_identity"), "root@example.com"),
		chromedp.SendKeys(chromedp.CSS("#login_pass"), "a-long-password-123"))
	b.eval(`document.querySelector("form.auth-with-password-form").requestSubmit(), true`, nil) // as the Login button does
	b.waitFor("the signed-in admin UI", `Object.keys(localStorage).some(k => (localStorage.getItem(k) || "").includes('"token"'))`)
	b.waitFor("the collections list", `document.body.innerText.includes("bookings")`)
	if body := b.text(`document.body.innerText`); strings.Contains(body, "\nusers\n") {
		t.Errorf("the unused users collection is still listed:\n%.400s", body)
	}

	// A PATCH with the UI's session, as its record form sends it.
	patch := func(body string) (int, string) {
		var out struct {
			Status int
			Body   string
		}
		b.eval(`(async () => {
			const raw = Object.keys(localStorage).map(k => localStorage.getItem(k)).find(v => (v || "").includes('"token"'));
			const token = JSON.parse(raw).token;
			const res = await fetch("/api/collections/bookings/records/`+id+`", {method: "PATCH",
				headers: {"Content-Type": "application/json", "Authorization": token}, body: `+jsString(body)+`});
			return {Status: res.status, Body: await res.text()};
		})()`, &out)
		return out.Status, out.Body
	}
	if code, body := patch(`{"start":"` + strings.Replace(strings.TrimSuffix(taken, "Z"), "T", " ", 1) + `.000Z"}`); code != 400 || !strings.Contains(body, `"start"`) {
		t.Fatalf("moving onto a taken slot from the admin UI = %d %s, want 400 naming start", code, body)
	}
	if code, body := patch(`{"status":"cancelled","cancel_reason":"Host ill"}`); code != 200 || !strings.Contains(body, `"status":"cancelled"`) {
		t.Fatalf("cancelling from the admin UI = %d %s", code, body)
	}
	b.checkConsole()
	if n := len(findRecords(t, dir, c.AuditLog, "record_id = {:id} && action = 'booking.cancelled' && actor_kind = 'superuser'", map[string]any{"id": id})); n != 1 {
		t.Errorf("%d audit entries for the admin UI's cancellation, want 1", n)
	}
	if n := len(findRecords(t, dir, c.Jobs, "booking = {:id} && kind = 'booking.event' && payload ~ {:ev}", map[string]any{"id": id, "ev": `"event":"cancelled"`})); n != 1 {
		t.Errorf("%d cancellation events queued, want 1", n)
	}
}

// nextWeekday is t, or the Monday after it when t falls on a weekend.
func nextWeekday(t time.Time) time.Time {
	for t.Weekday() == time.Saturday || t.Weekday() == time.Sunday {
		t = t.AddDate(0, 0, 1)
	}
	return t
}
