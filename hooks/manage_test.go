package hooks

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

func TestManageBooking(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}

	_, mine := postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	other := goodBooking()
	other["start"], other["email"], other["name"] = "2026-03-02T14:00:00Z", "other@example.com", "Other Person"
	_, theirs := postJSON(t, client, url+"/api/bookings", other, nil)
	token, otherToken := mine["manage_token"].(string), theirs["manage_token"].(string)
	manage := url + "/api/bookings/manage/"

	var got map[string]any
	if code := getJSON(t, manage+token, &got); code != 200 || got["id"] != mine["id"] || got["email"] != "zoe+test@example.com" || got["manage_token"] != nil {
		t.Fatalf("GET own booking: %d %v", code, got)
	}
	if hosts, _ := got["hosts"].([]any); len(hosts) != 1 || hosts[0] != "Alice" {
		t.Fatalf("hosts shown as %v", got["hosts"])
	}

	// Wrong, malformed and foreign tokens: 404 with no data.
	flipped := token[:len(token)-1] + map[bool]string{true: "A", false: "B"}[token[len(token)-1] != 'A']
	for _, bad := range []string{"nope", "mt_short", flipped, strings.ToUpper(token), token + "x"} {
		for _, path := range []string{"", "/ics"} {
			res, err := http.Get(manage + bad + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 404 || strings.Contains(string(body), "zoe") || strings.Contains(string(body), "Other") {
				t.Fatalf("token %q%s: %d %s", bad, path, res.StatusCode, body)
			}
		}
		if code, _ := postJSON(t, client, manage+bad+"/cancel", map[string]any{}, nil); code != 404 {
			t.Fatalf("cancel with token %q: %d", bad, code)
		}
	}
	// One booking's token never reaches the other.
	if code := getJSON(t, manage+otherToken, &got); code != 200 || got["id"] != theirs["id"] {
		t.Fatalf("other token: %v", got)
	}

	// ICS while booked: a REQUEST with a stable UID.
	res, err := http.Get(manage + token + "/ics")
	if err != nil {
		t.Fatal(err)
	}
	ics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	uid := "UID:" + mine["id"].(string) + "@slotbase"
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") || !strings.Contains(string(ics), "METHOD:REQUEST") || !strings.Contains(string(ics), uid) || !strings.Contains(string(ics), "DTSTART:20260302T100000Z") {
		t.Fatalf("ics: %d %s\n%s", res.StatusCode, res.Header, ics)
	}

	// Reschedule: onto a taken slot → 409; to a free one → moved, same id.
	if code, body := postJSON(t, client, manage+token+"/reschedule", map[string]any{"start": "2026-03-02T14:00:00Z"}, nil); code != 409 {
		t.Fatalf("reschedule onto a taken slot: %d %v", code, body)
	}
	for name, body := range map[string]any{
		"no offset": map[string]any{"start": "2026-03-02T15:00:00"}, "past": map[string]any{"start": "2026-03-01T15:00:00Z"},
		"unknown field": map[string]any{"start": "2026-03-02T15:00:00Z", "x": 1}, "same time": map[string]any{"start": "2026-03-02T10:00:00Z"},
	} {
		if code, _ := postJSON(t, client, manage+token+"/reschedule", body, nil); code != 400 {
			t.Errorf("reschedule %s: %d, want 400", name, code)
		}
	}
	code, moved := postJSON(t, client, manage+token+"/reschedule", map[string]any{"start": "2026-03-02T15:00:00Z"}, nil)
	if code != 200 || moved["id"] != mine["id"] || moved["start"] != "2026-03-02T15:00:00Z" || moved["rescheduled_from"] != "2026-03-02T10:00:00Z" {
		t.Fatalf("reschedule: %d %v", code, moved)
	}
	r, _ := app.FindRecordById(c.Bookings, mine["id"].(string))
	if c.NewBooking(r).Sequence() != 1 {
		t.Fatalf("sequence after reschedule = %d", c.NewBooking(r).Sequence())
	}
	// The old time is free again, the new one is taken.
	if code, _ := postJSON(t, client, url+"/api/bookings", goodBooking(), nil); code != 201 {
		t.Fatalf("old slot after reschedule: %d", code)
	}
	late := goodBooking()
	late["start"] = "2026-03-02T15:00:00Z"
	if code, _ := postJSON(t, client, url+"/api/bookings", late, nil); code != 409 {
		t.Fatalf("new slot after reschedule still bookable: %d", code)
	}

	// Cancel: the seat is free at once; a second cancel is refused.
	code, cancelled := postJSON(t, client, manage+token+"/cancel", map[string]any{"reason": "Something came up"}, nil)
	if code != 200 || cancelled["status"] != "cancelled" || cancelled["cancel_reason"] != "Something came up" {
		t.Fatalf("cancel: %d %v", code, cancelled)
	}
	if code, _ := postJSON(t, client, url+"/api/bookings", late, nil); code != 201 {
		t.Fatalf("cancelled slot not bookable again: %d", code)
	}
	if code, _ := postJSON(t, client, manage+token+"/cancel", map[string]any{}, nil); code != 409 {
		t.Fatalf("second cancel: %d", code)
	}
	if code, _ := postJSON(t, client, manage+token+"/reschedule", map[string]any{"start": "2026-03-03T15:00:00Z"}, nil); code != 409 {
		t.Fatalf("reschedule of a cancelled booking: %d", code)
	}
	if code, _ := postJSON(t, client, manage+otherToken+"/cancel", map[string]any{"reason": strings.Repeat("r", 2001)}, nil); code != 400 {
		t.Fatalf("2001-character reason: %d", code)
	}
	res, _ = http.Get(manage + token + "/ics")
	ics, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(ics), "METHOD:CANCEL") || !strings.Contains(string(ics), uid) || !strings.Contains(string(ics), "SEQUENCE:2") {
		t.Fatalf("ics after cancel:\n%s", ics)
	}
	// The other booking is untouched by all of this.
	if code := getJSON(t, manage+otherToken, &got); code != 200 || got["status"] != "confirmed" || got["start"] != "2026-03-02T14:00:00Z" {
		t.Fatalf("other booking changed: %v", got)
	}
}
