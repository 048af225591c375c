package hooks

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// goodBooking is a valid request for Monday 2 March 2026 10:00 London.
func goodBooking() map[string]any {
	return map[string]any{
		"event_type": "call", "start": "2026-03-02T10:00:00Z", "name": "Zoë Ñúñez 李",
		"email": "zoe+test@example.com", "timezone": "America/New_York", "notes": "Hello",
	}
}

func TestCreateBooking(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}

	code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	if code != http.StatusCreated {
		t.Fatalf("status %d: %v", code, body)
	}
	token, _ := body["manage_token"].(string)
	if body["status"] != "confirmed" || body["start"] != "2026-03-02T10:00:00Z" || body["end"] != "2026-03-02T10:30:00Z" || !booking.WellFormedToken(token) {
		t.Fatalf("reply %v", body)
	}
	id := body["id"].(string)
	r, err := app.FindRecordById(c.Bookings, id)
	if err != nil {
		t.Fatal(err)
	}
	if r.GetString(c.BookingsManageTokenHash) != booking.HashToken(token) || r.GetString(c.BookingsName) != "Zoë Ñúñez 李" || r.GetStringSlice(c.BookingsHosts)[0] != host {
		t.Fatalf("stored booking %v", r.FieldsData())
	}
	// The token itself is stored nowhere: look at the raw row.
	var raw []dbx.NullStringMap
	if err := app.DB().NewQuery("SELECT * FROM bookings").All(&raw); err != nil {
		t.Fatal(err)
	}
	for _, row := range raw {
		for col, v := range row {
			if strings.Contains(v.String, token) || strings.Contains(v.String, token[3:]) {
				t.Fatalf("column %s holds the manage token", col)
			}
		}
	}
	jobs, err := app.FindRecordsByFilter(c.Jobs, "booking = {:id}", "", 0, 0, dbx.Params{"id": id})
	if err != nil || len(jobs) != 1 || jobs[0].GetString(c.JobsKind) != KindBookingEvent || !strings.Contains(jobs[0].GetString(c.JobsPayload), `"created"`) {
		t.Fatalf("jobs of the booking: %v %v", jobs, err)
	}
	if payload := jobs[0].GetString(c.JobsPayload); strings.Contains(payload, token[3:]) || !strings.Contains(payload, `"token":"v1.`) {
		t.Fatalf("the job must carry the manage token sealed, never in clear: %s", payload)
	}

	code, body = postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	if code != http.StatusConflict || !strings.Contains(body["message"].(string), "no longer available") {
		t.Fatalf("second booking of the slot: %d %v", code, body)
	}

	// Times the event type never offers are the client's mistake (400 on
	// start, saying why); 409 is kept for a slot that was free and got taken.
	for _, s := range []struct{ name, start, why string }{
		{"not on the grid", "2026-03-02T10:10:00Z", "not a time this event type offers"},
		{"outside the hours", "2026-03-02T18:00:00Z", "outside the hosts' hours"},
		{"weekend", "2026-03-07T10:00:00Z", "outside the hosts' hours"},
		{"beyond the horizon", "2026-06-01T10:00:00Z", "too far ahead: this event type takes bookings at most 60 days ahead"},
		{"too soon", "2026-03-01T10:00:00Z", "past"},
	} {
		req := goodBooking()
		req["start"] = s.start
		code, body := postJSON(t, client, url+"/api/bookings", req, nil)
		if code != http.StatusBadRequest || !strings.Contains(strings.ToLower(mustJSON(body["data"])), s.why) {
			t.Errorf("%s: %d %v, want 400 on start saying %q", s.name, code, body, s.why)
		}
	}
	// An offset other than Z names the same instant.
	req := goodBooking()
	req["start"] = "2026-03-02T05:30:00-05:00"
	if code, body := postJSON(t, client, url+"/api/bookings", req, nil); code != http.StatusCreated || body["start"] != "2026-03-02T10:30:00Z" {
		t.Fatalf("offset start: %d %v", code, body)
	}
}

func TestCreateBookingPendingHoldsSeat(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{c.EventTypesRequiresConfirmation: true})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	if code != 201 || body["status"] != "pending" {
		t.Fatalf("%d %v", code, body)
	}
	if code, _ := postJSON(t, client, url+"/api/bookings", goodBooking(), nil); code != 409 {
		t.Fatalf("pending booking does not hold its seat: %d", code)
	}
}

func TestCreateBookingMinNotice(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{c.EventTypesMinNotice: 24 * 60})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	if code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil); code != 400 || !strings.Contains(mustJSON(body), "too soon: this event type takes bookings at least 1 day ahead") {
		t.Fatalf("slot within the notice period: %d %v, want 400 saying it is too soon", code, body)
	}
	req := goodBooking()
	req["start"] = "2026-03-03T10:00:00Z"
	if code, body := postJSON(t, client, url+"/api/bookings", req, nil); code != 201 {
		t.Fatalf("slot after the notice period: %d %v", code, body)
	}
}

func TestCreateBookingBadInput(t *testing.T) {
	questions := `[{"id":"company","label":"Company","type":"text","required":true},{"id":"size","label":"Size","type":"select","options":["1-10","11-50"]}]`
	factory := func(t testing.TB) *tests.TestApp {
		app, _ := bookingApp(t, map[string]any{c.EventTypesQuestions: questions})
		return app
	}
	with := func(k string, v any) string {
		m := goodBooking()
		m["answers"] = map[string]any{"company": "ACME"}
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
		return mustJSON(m)
	}
	scenarios := []struct {
		name, body, field string
	}{
		{"malformed JSON", `{"event_type":`, "body"},
		{"not an object", `[1,2]`, "body"},
		{"empty body", ``, "body"},
		{"oversized body", `{"notes":"` + strings.Repeat("x", 70<<10) + `"}`, "body"},
		{"unknown field", with("foo", "bar"), "foo"},
		{"wrong type", with("start", 12), "start"},
		{"missing name", with("name", nil), "name"},
		{"control characters in name", with("name", "Eve\u0007"), "name"},
		{"newline in name", with("name", "Eve\r\nBcc: x@evil.test"), "name"},
		{"10 KB name", with("name", strings.Repeat("N", 10<<10)), "name"},
		{"header injection in email", with("email", "a@example.com\r\nBcc: x@evil.test"), "email"},
		{"two addresses", with("email", "a@example.com, x@evil.test"), "email"},
		{"display name", with("email", "Eve <eve@example.com>"), "email"},
		{"not an email", with("email", "nobody"), "email"},
		{"past date", with("start", "2026-03-01T10:00:00Z"), "start"},
		{"local time without offset", with("start", "2026-03-02T10:00:00"), "start"},
		{"date only", with("start", "2026-03-02"), "start"},
		{"unknown zone", with("timezone", "Europe/Atlantis"), "timezone"},
		{"Local zone", with("timezone", "Local"), "timezone"},
		{"unknown event type", with("event_type", "nope"), "event_type"},
		{"notes too long", with("notes", strings.Repeat("n", 5001)), "notes"},
		{"start off the slot grid", with("start", "2026-03-02T10:10:00Z"), "start"},
		{"start outside working hours", with("start", "2026-03-02T18:00:00Z"), "start"},
		{"start past the horizon", with("start", "2026-06-01T10:00:00Z"), "start"},
		{"missing required answer", with("answers", map[string]any{}), "answers.company"},
		{"bad select option", with("answers", map[string]any{"company": "ACME", "size": "1000"}), "answers.size"},
		{"unknown answer", with("answers", map[string]any{"company": "ACME", "color": "red"}), "answers"},
	}
	for _, s := range scenarios {
		(&tests.ApiScenario{
			Name: s.name, Method: http.MethodPost, URL: "/api/bookings", Body: strings.NewReader(s.body),
			Headers:        map[string]string{"Content-Type": "application/json"},
			TestAppFactory: factory, ExpectedStatus: 400,
			ExpectedContent: []string{`"` + s.field + `":{"code":`},
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if n := countBookings(t, app, "id != ''"); n != 0 {
					t.Fatalf("a bad request stored %d bookings", n)
				}
			},
		}).Test(t)
	}
	ok := &tests.ApiScenario{
		Name: "the same request with good answers", Method: http.MethodPost, URL: "/api/bookings",
		Body: strings.NewReader(with("answers", map[string]any{"company": "ACME", "size": "11-50"})), TestAppFactory: factory,
		ExpectedStatus: 201, ExpectedContent: []string{`"company":"ACME"`, `"size":"11-50"`},
	}
	ok.Test(t)
}

func TestIdempotencyKey(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	key := map[string]string{"Idempotency-Key": "retry-me-123"}

	code1, first := postJSON(t, client, url+"/api/bookings", goodBooking(), key)
	code2, second := postJSON(t, client, url+"/api/bookings", goodBooking(), key)
	if code1 != 201 || code2 != 201 || first["id"] != second["id"] || first["manage_token"] != second["manage_token"] {
		t.Fatalf("retry did not get the first answer: %d %v / %d %v", code1, first, code2, second)
	}
	if n := countBookings(t, app, "id != ''"); n != 1 {
		t.Fatalf("%d bookings after a retried request, want 1", n)
	}
	// The replayed token works.
	var got map[string]any
	if code := getJSON(t, url+"/api/bookings/manage/"+second["manage_token"].(string), &got); code != 200 || got["id"] != first["id"] {
		t.Fatalf("replayed token: %d %v", code, got)
	}
	other := goodBooking()
	other["start"] = "2026-03-02T11:00:00Z"
	if code, body := postJSON(t, client, url+"/api/bookings", other, key); code != 400 || !strings.Contains(mustJSON(body), "Idempotency-Key") {
		t.Fatalf("key reused with another request: %d %v", code, body)
	}
	if code, _ := postJSON(t, client, url+"/api/bookings", other, map[string]string{"Idempotency-Key": "bad key"}); code != 400 {
		t.Fatalf("malformed key accepted: %d", code)
	}
	if code, _ := postJSON(t, client, url+"/api/bookings", other, map[string]string{"Idempotency-Key": "another"}); code != 201 {
		t.Fatalf("a new key books: %d", code)
	}
}
