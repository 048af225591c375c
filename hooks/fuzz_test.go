package hooks

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	c "github.com/slotbase/slotbase/collections"
)

// FuzzCreateBooking posts arbitrary bodies and Idempotency-Keys to the real
// handler stack: never a panic, never a 5xx.
//
//	go test -run=^$ -fuzz=FuzzCreateBooking -fuzztime=60s ./hooks
func FuzzCreateBooking(f *testing.F) {
	app, _ := bookingApp(f, map[string]any{c.EventTypesQuestions: `[{"id":"company","label":"Company","type":"text","required":true},{"id":"n","label":"N","type":"number"},{"id":"tags","label":"Tags","type":"multiselect","options":["a","b"]}]`})
	f.Cleanup(app.Cleanup)
	mux := testMux(f, app)
	good := goodBooking()
	good["answers"] = map[string]any{"company": "ACME", "n": 3, "tags": []string{"a"}}
	f.Add(mustJSON(good), "")
	f.Add(mustJSON(good), "key-1")
	f.Add(`{"event_type":"call","start":"2026-03-02T10:00:00+14:00","name":"\u0000","email":"a@b.c\r\nBcc: x"}`, "")
	f.Add(`{"answers":{"n":1e999,"tags":[1,{}]}}`, "k")
	f.Add(`{"start":"9999-12-31T23:59:59Z","timezone":"../../etc/passwd"}`, "")
	f.Add(`[`, "")
	f.Add(`{"event_type":"call","event_type":"call"}`, "")
	f.Fuzz(func(t *testing.T, body, key string) {
		req := httptest.NewRequest(http.MethodPost, "/api/bookings", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" && !strings.ContainsAny(key, "\r\n\x00") {
			req.Header.Set("Idempotency-Key", key)
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("status %d for body %q key %q: %s", rec.Code, body, key, rec.Body)
		}
	})
}

// FuzzSlotsQuery sends arbitrary query values to GET /api/slots: never a
// panic, never a 5xx.
//
//	go test -run=^$ -fuzz=FuzzSlotsQuery -fuzztime=60s ./hooks
func FuzzSlotsQuery(f *testing.F) {
	app, _ := bookingApp(f, nil)
	f.Cleanup(app.Cleanup)
	mux := testMux(f, app)
	f.Add("call", "2026-03-02", "2026-03-31", "Europe/London")
	f.Add("call", "9999-12-30", "9999-12-31", "UTC")
	f.Add("call", "1900-01-01", "1900-01-02", "Pacific/Chatham")
	f.Add("call", "2026-02-29", "2026-03-01", "Local")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, slug, from, to, tz string) {
		q := url.Values{"event_type": {slug}, "from": {from}, "to": {to}, "tz": {tz}}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/slots?"+q.Encode(), nil))
		if rec.Code >= 500 {
			t.Fatalf("status %d for %v: %s", rec.Code, q, rec.Body)
		}
	})
}
