package hooks

import (
	"encoding/csv"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
)

// call sends an admin request with an optional bearer and returns status and body.
func call(t *testing.T, method, url, bearer, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

func mkKey(t *testing.T, app core.App, scopes []string, expires time.Time) string {
	t.Helper()
	key, _, err := createAPIKey(app, systemActor, "test "+strings.Join(scopes, ","), scopes, expires)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func TestAdminScopeMatrix(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{c.EventTypesRequiresConfirmation: true})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	_, b := postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	id := b["id"].(string)

	read := mkKey(t, app, []string{apikey.ScopeBookingsRead}, time.Time{})
	write := mkKey(t, app, []string{apikey.ScopeBookingsWrite}, time.Time{})
	admin := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	expired := mkKey(t, app, []string{apikey.ScopeAdmin}, testNow.Add(-time.Minute))
	revoked := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	prefix, _ := apikey.Parse(revoked)
	r, _ := app.FindFirstRecordByData(c.APIKeys, c.APIKeysPrefix, prefix)
	r.Set(c.APIKeysRevoked, true)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	wrongSecret := read[:len(read)-4] + map[bool]string{true: "AAAA", false: "BBBB"}[!strings.HasSuffix(read, "AAAA")]

	list, confirm := url+"/api/admin/bookings", url+"/api/admin/bookings/"+id+"/confirm"
	scenarios := []struct {
		name, method, url, key string
		want                   int
	}{
		{"no credentials", "GET", list, "", 401},
		{"malformed key", "GET", list, "sb_nope", 401},
		{"wrong secret", "GET", list, wrongSecret, 401},
		{"expired", "GET", list, expired, 401},
		{"revoked", "GET", list, revoked, 401},
		{"read may list", "GET", list, read, 200},
		{"write may not list", "GET", list, write, 403},
		{"read may not confirm", "POST", confirm, read, 403},
		{"availability needs its scope", "GET", url + "/api/admin/availability?host=x&from=2026-03-02&to=2026-03-02&tz=UTC", write, 403},
		{"admin may do all", "GET", list + ".csv", admin, 200},
		{"write may confirm", "POST", confirm, write, 200},
		{"a key cannot create keys", "POST", url + "/api/admin/api-keys", admin, 401},
	}
	for _, s := range scenarios {
		if code, body := call(t, s.method, s.url, s.key, "{}"); code != s.want {
			t.Errorf("%s: %d, want %d: %s", s.name, code, s.want, body)
		}
	}
	// No key is stored in clear anywhere in the row.
	var rows []dbx.NullStringMap
	if err := app.DB().NewQuery("SELECT * FROM api_keys").All(&rows); err != nil {
		t.Fatal(err)
	}
	for _, row := range rows {
		for col, v := range row {
			for _, k := range []string{read, write, admin, read[12:]} {
				if strings.Contains(v.String, k) {
					t.Fatalf("api_keys.%s holds a key in clear", col)
				}
			}
		}
	}
	// last_used was recorded for the key that got through.
	pr, _ := apikey.Parse(read)
	if r, _ := app.FindFirstRecordByData(c.APIKeys, c.APIKeysPrefix, pr); r.GetDateTime(c.APIKeysLastUsed).IsZero() {
		t.Fatal("last_used not recorded")
	}
}

func TestAdminBadKeysAreRateLimited(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	good := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	bad, _, _, _ := apikey.New()
	for i := range badKeyLimit {
		if code, _ := call(t, "GET", url+"/api/admin/bookings", bad, ""); code != 401 {
			t.Fatalf("bad key %d: %d", i, code)
		}
	}
	if code, _ := call(t, "GET", url+"/api/admin/bookings", bad, ""); code != 429 {
		t.Fatalf("after %d bad keys: %d, want 429", badKeyLimit, code)
	}
	if code, _ := call(t, "GET", url+"/api/admin/bookings", good, ""); code != 429 {
		t.Fatalf("a blocked address may not try keys at all for a minute: %d", code)
	}
}

func TestAdminBookingsAPI(t *testing.T) {
	app, host := bookingApp(t, map[string]any{c.EventTypesRequiresConfirmation: true})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}
	key := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	ids := map[string]string{}
	for i, name := range []string{"Ann Able", "=1+2 Bob", "Cy Clone"} {
		b := goodBooking()
		b["name"], b["email"] = name, "p"+itoa(i)+"@example.com"
		b["start"] = time.Date(2026, 3, 2, 9+i, 0, 0, 0, time.UTC).Format(time.RFC3339)
		code, body := postJSON(t, client, url+"/api/bookings", b, nil)
		if code != 201 {
			t.Fatalf("setup: %d %v", code, body)
		}
		ids[name] = body["id"].(string)
	}
	code, body := call(t, "GET", url+"/api/admin/bookings?status=pending&perPage=2&page=1", key, "")
	if code != 200 || !strings.Contains(body, `"totalItems":3`) || strings.Count(body, `"id":`) != 2 {
		t.Fatalf("list page 1: %d %s", code, body)
	}
	if code, body = call(t, "GET", url+"/api/admin/bookings?q=clone&host="+host, key, ""); !strings.Contains(body, `"totalItems":1`) || !strings.Contains(body, "Cy Clone") {
		t.Fatalf("text search: %d %s", code, body)
	}
	for name, q := range map[string]string{"status": "status=maybe", "perPage": "perPage=0", "from": "from=yesterday"} {
		if code, body := call(t, "GET", url+"/api/admin/bookings?"+q, key, ""); code != 400 || !strings.Contains(body, `"`+name+`":{`) {
			t.Errorf("bad %s: %d %s", name, code, body)
		}
	}
	// Approve one, decline one; a second decline is refused.
	if code, body := call(t, "POST", url+"/api/admin/bookings/"+ids["Ann Able"]+"/confirm", key, "{}"); code != 200 || !strings.Contains(body, `"status":"confirmed"`) {
		t.Fatalf("confirm: %d %s", code, body)
	}
	if code, _ := call(t, "POST", url+"/api/admin/bookings/"+ids["Cy Clone"]+"/decline", key, `{"reason":"full"}`); code != 200 {
		t.Fatalf("decline: %d", code)
	}
	if code, _ := call(t, "POST", url+"/api/admin/bookings/"+ids["Cy Clone"]+"/decline", key, "{}"); code != 409 {
		t.Fatalf("second decline: %d", code)
	}
	if code, _ := call(t, "POST", url+"/api/admin/bookings/nosuchbooking12/cancel", key, "{}"); code != 404 {
		t.Fatalf("unknown booking: %d", code)
	}
	// Reschedule outside the hours needs force.
	if code, _ := call(t, "POST", url+"/api/admin/bookings/"+ids["Ann Able"]+"/reschedule", key, `{"start":"2026-03-02T20:00:00Z"}`); code != 400 {
		t.Fatalf("reschedule outside hours without force: %d", code)
	}
	if code, body := call(t, "POST", url+"/api/admin/bookings/"+ids["Ann Able"]+"/reschedule", key, `{"start":"2026-03-02T20:00:00Z","force":true}`); code != 200 || !strings.Contains(body, `"start":"2026-03-02T20:00:00Z"`) {
		t.Fatalf("forced reschedule: %d %s", code, body)
	}
	// CSV: every booking once, formulas defused.
	code, body = call(t, "GET", url+"/api/admin/bookings.csv", key, "")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if code != 200 || err != nil || len(rows) != 4 || rows[0][0] != "id" {
		t.Fatalf("csv: %d %v %q", code, err, body)
	}
	if !strings.Contains(body, "'=1+2 Bob") {
		t.Fatalf("a formula reached the CSV: %s", body)
	}
	// Availability preview for the host: 16 half-hours on Monday less the confirmed/pending ones.
	code, body = call(t, "GET", url+"/api/admin/availability?host="+host+"&from=2026-03-02&to=2026-03-02&tz=UTC", key, "")
	if code != 200 || strings.Count(body, `"start":`) != 15 {
		t.Fatalf("availability: %d %s", code, body)
	}
}
