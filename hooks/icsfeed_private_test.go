package hooks

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	c "github.com/slotbase/slotbase/collections"
)

// getFeed fetches a private feed URL: the status and, on 200, its events
// by UID with their STATUS, parsed with go-ical.
func getFeed(t *testing.T, url string) (int, map[string]string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return res.StatusCode, nil
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Fatalf("feed content type %q", ct)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	out := map[string]string{}
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		status, _ := ev.Props.Text(ical.PropStatus)
		out[uid] = status
	}
	return res.StatusCode, out
}

// A host's private feed lists their live bookings under the invites' UIDs
// (pending ones TENTATIVE); a cancelled booking leaves it; a rotated
// token's old URL is 404, a revoked one too; the token never reaches the
// request log.
func TestICSPrivateFeed(t *testing.T) {
	x := newICSEnv(t)
	x.app.Settings().Logs.MaxDays = 5 // the test app keeps no request log by default
	mkEventType(t, x.app, "approve", []string{x.host}, map[string]any{c.EventTypesRequiresConfirmation: true})
	book := func(slug, start string) (string, string) {
		code, b := postJSON(t, http.DefaultClient, x.base+"/api/bookings", map[string]any{"event_type": slug, "start": start,
			"name": "Ann", "email": "ann@example.com", "timezone": "Europe/Berlin"}, nil)
		if code != http.StatusCreated {
			t.Fatalf("booking %s at %s: %d %v", slug, start, code, b)
		}
		return b["id"].(string), b["manage_token"].(string)
	}
	confirmed, token := book("call", "2026-03-03T09:00:00Z")
	other, _ := book("call", "2026-03-04T09:00:00Z")
	pending, _ := book("approve", "2026-03-05T09:00:00Z")

	if code, _ := getFeed(t, x.base+"/ics/icf_nothing-here.ics"); code != http.StatusNotFound {
		t.Fatalf("unknown token: %d, want 404", code)
	}
	code, b := apiCall(t, "POST", x.base+"/api/admin/hosts/"+x.host+"/ics-feed", x.suAuth, nil)
	if code != http.StatusCreated {
		t.Fatalf("admin creates the feed: %d %v", code, b)
	}
	adminURL := b["url"].(string)
	stored, _ := x.app.FindRecordById(c.Hosts, x.host)
	if h := stored.GetString(c.HostsICSFeedTokenHash); h == "" || strings.Contains(adminURL, h) || strings.Contains(h, b["token"].(string)) {
		t.Fatalf("the token must be stored only hashed: %q", h)
	}
	code, events := getFeed(t, adminURL)
	want := map[string]string{confirmed + "@slotbase": "CONFIRMED", other + "@slotbase": "CONFIRMED", pending + "@slotbase": "TENTATIVE"}
	if code != 200 || len(events) != 3 {
		t.Fatalf("feed: %d %v, want %v", code, events, want)
	}
	for uid, status := range want {
		if events[uid] != status {
			t.Fatalf("feed: %v, want %v", events, want)
		}
	}

	if code, b := postJSON(t, http.DefaultClient, x.base+"/api/bookings/manage/"+token+"/cancel", map[string]any{"reason": "clash"}, nil); code != 200 {
		t.Fatalf("cancel: %d %v", code, b)
	}
	if _, events := getFeed(t, adminURL); len(events) != 2 || events[confirmed+"@slotbase"] != "" {
		t.Fatalf("after the cancel: %v", events)
	}

	// The host rotates the feed: the admin's URL stops working.
	saveHostAccount(t, x.app, x.host)
	code, b = apiCall(t, "POST", x.base+"/api/collections/host_users/auth-with-password", "", map[string]any{"identity": "alice@example.com", "password": hostPassword})
	if code != 200 {
		t.Fatalf("host sign-in: %d %v", code, b)
	}
	hostAuth := b["token"].(string)
	code, b = apiCall(t, "POST", x.base+"/api/host/ics-feed", hostAuth, nil)
	if code != http.StatusCreated {
		t.Fatalf("host rotates: %d %v", code, b)
	}
	hostURL := b["url"].(string)
	if code, _ := getFeed(t, adminURL); code != http.StatusNotFound {
		t.Fatalf("old URL after the rotation: %d, want 404", code)
	}
	if code, events := getFeed(t, hostURL); code != 200 || len(events) != 2 {
		t.Fatalf("new URL: %d %v", code, events)
	}
	if code, b := apiCall(t, "DELETE", x.base+"/api/host/ics-feed", hostAuth, nil); code != http.StatusNoContent {
		t.Fatalf("host revokes: %d %v", code, b)
	}
	if code, _ := getFeed(t, hostURL); code != http.StatusNotFound {
		t.Fatalf("revoked URL: %d, want 404", code)
	}

	// The request log holds the feed requests, masked.
	secrets := []string{adminURL[strings.Index(adminURL, "/ics/")+5:], hostURL[strings.Index(hostURL, "/ics/")+5:]}
	var urls []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		urls = nil
		if err := x.app.AuxDB().NewQuery("SELECT json_extract(data, '$.url') FROM _logs WHERE json_extract(data, '$.type') = 'request' AND json_extract(data, '$.url') LIKE '/ics/%'").Column(&urls); err != nil {
			t.Fatal(err)
		}
		if len(urls) >= 5 || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond) // the request log is written in batches every 3 s
	}
	if len(urls) < 5 {
		t.Fatalf("the request log holds %d feed requests, want 5: %v", len(urls), urls)
	}
	for _, u := range urls {
		for _, s := range secrets {
			if strings.Contains(u, strings.TrimSuffix(s, ".ics")) {
				t.Fatalf("the request log holds a feed token: %s", u)
			}
		}
		if u != "/ics/[redacted]" {
			t.Fatalf("logged feed URL %q, want /ics/[redacted]", u)
		}
	}
}
