package hooks

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	neturl "net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// countingBody is an endless request body that counts what the server read.
type countingBody struct{ read atomic.Int64 }

func (b *countingBody) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' ' // white space: a JSON decoder reads on, looking for a value
	}
	b.read.Add(int64(len(p)))
	return len(p), nil
}

// TestBodyLimitBeforeRead (issue 13, finding 1): a stranger's 30 MiB body is
// refused with 413 on every public and generic route, having read nothing
// when the length is declared and at most the limit when it is chunked.
func TestBodyLimitBeforeRead(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	mux := testMux(t, app)
	const huge = 30 << 20
	token := "/api/bookings/manage/mt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
	routes := []struct{ method, path string }{
		{"POST", "/api/bookings"},
		{"POST", token + "/cancel"},
		{"POST", token + "/reschedule"},
		{"GET", "/api/slots?event_type=call&from=2026-03-02&to=2026-03-03&tz=UTC"},
		{"POST", "/api/collections/bookings/records"},
		{"PATCH", "/api/collections/bookings/records/abcdefghijklmno"},
		{"POST", "/api/collections/hosts/records"},
		{"POST", "/api/collections/_superusers/auth-with-password"},
		{"POST", "/api/collections/_superusers/request-password-reset"},
		{"POST", "/api/batch"},
		{"POST", "/api/admin/bookings/abcdefghijklmno/confirm"},
		{"POST", "/api/admin/api-keys"},
	}
	for _, rt := range routes {
		for _, declared := range []bool{true, false} {
			body := &countingBody{}
			req := httptest.NewRequest(rt.method, rt.path, io.LimitReader(body, huge))
			req.Header.Set("Content-Type", "application/json")
			if declared {
				req.ContentLength = huge
			} else {
				req.ContentLength = -1
			}
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, req)
			// A declared length over the limit is refused unread; a chunked
			// body is cut at the limit (413), refused for what its first
			// bytes say (400, 401, 404) or ignored (GET), never read on.
			if (declared && rec.Code != http.StatusRequestEntityTooLarge) || rec.Code >= 500 {
				t.Errorf("%s %s (declared %v) = %d %.200s, want 413 (declared) or no 5xx", rt.method, rt.path, declared, rec.Code, rec.Body)
			}
			if limit := int64(anonymousBodyLimit + 64<<10); body.read.Load() > limit {
				t.Errorf("%s %s (declared %v) read %d bytes of a stranger's body, want at most %d", rt.method, rt.path, declared, body.read.Load(), limit)
			}
		}
	}
}

// TestBodyLimitKeepsNormalUse: a booking, and a superuser's larger record
// update (PocketBase's own limits apply to superusers).
func TestBodyLimitKeepsNormalUse(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 30 * time.Second}
	if code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil); code != 201 {
		t.Fatalf("booking: %d %v", code, body)
	}
	et, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	desc := strings.Repeat("long description ", 20_000) // ~330 KiB, over the anonymous limit
	code, body := call(t, "PATCH", url+"/api/collections/event_types/records/"+et.Id, superuserToken(t, app), mustJSON(map[string]any{"description": desc}))
	if code == http.StatusRequestEntityTooLarge {
		t.Fatalf("superuser update refused by the anonymous limit: %d %s", code, body)
	}
	code, _ = call(t, "PATCH", url+"/api/collections/event_types/records/"+et.Id, "", mustJSON(map[string]any{"description": desc}))
	if code != http.StatusRequestEntityTooLarge {
		t.Fatalf("anonymous 330 KiB update = %d, want 413", code)
	}
}

// TestNoPublicSignUp (finding 2): the unused users collection is gone, so
// nobody signs up and nobody makes the organisation send verification or
// reset mails to a stranger's address.
func TestNoPublicSignUp(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	if _, err := app.FindCollectionByNameOrId("users"); err == nil {
		t.Fatal("the users collection still exists")
	}
	for _, path := range []string{"/records", "/request-verification", "/request-password-reset", "/auth-with-password"} {
		body := `{"email":"victim@example.com","password":"12345678aA!","passwordConfirm":"12345678aA!","identity":"victim@example.com"}`
		if code, out := call(t, "POST", url+"/api/collections/users"+path, "", body); code != http.StatusNotFound {
			t.Errorf("POST users%s = %d %s, want 404", path, code, out)
		}
	}
	if n := app.TestMailer.TotalSend(); n != 0 {
		t.Fatalf("%d mails sent to a stranger", n)
	}
}

// TestAdminSearchIsLiteral (finding 5): % and _ in the search match
// themselves, not every booking.
func TestAdminSearchIsLiteral(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	plain, percent := goodBooking(), goodBooking()
	percent["start"], percent["notes"], percent["email"] = "2026-03-02T11:00:00Z", "100% sure", "pct_1@example.com"
	for _, b := range []map[string]any{plain, percent} {
		if code, body := postJSON(t, client, url+"/api/bookings", b, nil); code != 201 {
			t.Fatalf("booking: %d %v", code, body)
		}
	}
	token := superuserToken(t, app)
	scenarios := []struct {
		q    string
		want int
	}{
		{"%", 1}, {"_", 1}, {"%25", 0}, {`\`, 0}, {"hello", 1}, {"zoe", 1}, {"", 2},
	}
	for _, s := range scenarios {
		var out struct {
			TotalItems int `json:"totalItems"`
		}
		code, body := call(t, "GET", url+"/api/admin/bookings?q="+queryEscape(s.q), token, "")
		if code != 200 {
			t.Fatalf("q=%q: %d %s", s.q, code, body)
		}
		decodeInto(t, body, &out)
		if out.TotalItems != s.want {
			t.Errorf("q=%q matched %d bookings, want %d", s.q, out.TotalItems, s.want)
		}
	}
}

// TestIdempotentReplayShowsCurrentState (finding 6): a retry after the
// booking was cancelled says cancelled, not confirmed.
func TestIdempotentReplayShowsCurrentState(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	key := map[string]string{"Idempotency-Key": "replay-after-cancel"}
	code, first := postJSON(t, client, url+"/api/bookings", goodBooking(), key)
	if code != 201 || first["status"] != "confirmed" {
		t.Fatalf("first: %d %v", code, first)
	}
	if code, body := postJSON(t, client, url+"/api/bookings/manage/"+first["manage_token"].(string)+"/cancel", map[string]any{"reason": "changed my mind"}, nil); code != 200 {
		t.Fatalf("cancel: %d %v", code, body)
	}
	code, replay := postJSON(t, client, url+"/api/bookings", goodBooking(), key)
	if code != 201 || replay["id"] != first["id"] || replay["status"] != "cancelled" || replay["cancel_reason"] != "changed my mind" {
		t.Fatalf("replay after cancel = %d %v, want the cancelled booking", code, replay)
	}
	if n := countBookings(t, app, "id != ''"); n != 1 {
		t.Fatalf("%d bookings, want 1", n)
	}
}

func queryEscape(s string) string { return neturl.QueryEscape(s) }

func decodeInto(t *testing.T, body string, into any) {
	t.Helper()
	if err := json.Unmarshal([]byte(body), into); err != nil {
		t.Fatalf("%v in %s", err, body)
	}
}
