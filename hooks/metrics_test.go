package hooks

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
)

// scrape fetches /metrics from base with the Authorization header auth.
func scrape(t testing.TB, base, auth string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// sample is the value of one series in a scrape, written as Prometheus
// prints it (labels sorted by name): `slotbase_bookings_total{outcome="201"}`.
// A series that is absent fails the test.
func sample(t testing.TB, body, series string) float64 {
	t.Helper()
	for line := range strings.Lines(body) {
		if rest, ok := strings.CutPrefix(line, series+" "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return v
		}
	}
	t.Fatalf("no series %s in the scrape:\n%s", series, body)
	return 0
}

// serverOf is the server register made for app.
func serverOf(app core.App) *server {
	v, _ := testServers.Load(app)
	return v.(*server)
}

// drainJobs runs due jobs until none is due.
func drainJobs(t *testing.T, srv *server) {
	t.Helper()
	for range 100 {
		n, err := srv.worker.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

// TestMetricsAfterBookingLoad drives bookings through the real HTTP
// handlers (new slots, slots taken twice, bad input, then a rate limit),
// runs the jobs they made, and finds the scrape agreeing with the database
// and with what the clients saw.
func TestMetricsAfterBookingLoad(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	srv := serverOf(app)
	admin := superuserToken(t, app)

	slotsURL := url + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-06&tz=Europe/London"
	for range 2 { // a miss, then a hit
		if code := getJSON(t, slotsURL, nil); code != http.StatusOK {
			t.Fatalf("slots: %d", code)
		}
	}

	seen := map[int]int{} // status → answers the clients got
	var tokens []string
	book := func(body map[string]any) {
		code, out := postJSON(t, http.DefaultClient, url+"/api/bookings", body, nil)
		seen[code]++
		if tok, _ := out["manage_token"].(string); code == http.StatusCreated && tok != "" {
			tokens = append(tokens, tok)
		}
	}
	for i := range 30 {
		b := goodBooking()
		b["email"] = fmt.Sprintf("guest%d@example.com", i)
		switch {
		case i%5 == 4: // bad input
			b["email"] = "not-an-e-mail"
		case i%5 == 3: // the slot the previous request took
			b["start"] = fmt.Sprintf("2026-03-03T%02d:00:00Z", 9+(i-1)/5)
		default:
			b["start"] = fmt.Sprintf("2026-03-%02dT%02d:%02d:00Z", 3+i%3, 9+i/5, 0)
		}
		book(b)
	}
	if seen[http.StatusCreated] == 0 || seen[http.StatusConflict] == 0 || seen[http.StatusBadRequest] != 6 {
		t.Fatalf("the load did not provoke every outcome: %v", seen)
	}
	// Then a rate limit of one booking an hour per address: 429s.
	settings := app.Settings()
	settings.RateLimits.Enabled = true
	settings.RateLimits.Rules = []core.RateLimitRule{{Label: "POST /api/bookings", MaxRequests: 1, Duration: 3600}}
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		b := goodBooking()
		b["start"], b["email"] = fmt.Sprintf("2026-03-06T%02d:00:00Z", 9+i), fmt.Sprintf("late%d@example.com", i)
		book(b)
	}
	if seen[http.StatusTooManyRequests] < 2 {
		t.Fatalf("no rate limit reached: %v", seen)
	}
	// The invitee opens their booking by its private link.
	if code := getJSON(t, url+"/api/bookings/manage/"+tokens[0], nil); code != http.StatusOK {
		t.Fatalf("manage: %d", code)
	}
	drainJobs(t, srv) // confirmation e-mails (files: no SMTP) and their log rows
	// A job that failed for good.
	save(t, app, c.Jobs, map[string]any{c.JobsKind: KindWebhookDeliver, c.JobsStatus: c.JobDead, c.JobsPayload: `{}`, c.JobsRunAfter: "2026-03-01 00:00:00.000Z", c.JobsLastError: "gone"})

	code, body := scrape(t, url, admin)
	if code != http.StatusOK {
		t.Fatalf("scrape: %d %s", code, body)
	}
	for status, outcome := range map[int]string{201: "201", 400: "400", 409: "409", 429: "429"} {
		if got := sample(t, body, `slotbase_bookings_total{outcome="`+outcome+`"}`); got != float64(seen[status]) {
			t.Errorf("bookings_total{%s} = %v, clients saw %d", outcome, got, seen[status])
		}
	}
	if rows := countBookings(t, app, "id != ''"); sample(t, body, `slotbase_bookings_total{outcome="201"}`) != float64(rows) {
		t.Errorf("bookings_total{201} = %v, booking rows = %d", sample(t, body, `slotbase_bookings_total{outcome="201"}`), rows)
	}
	posts := float64(0)
	for _, class := range []string{"2xx", "4xx"} {
		posts += sample(t, body, `slotbase_http_requests_total{code="`+class+`",method="POST",route="/api/bookings"}`)
	}
	if total := float64(seen[201] + seen[400] + seen[409] + seen[429]); posts != total {
		t.Errorf("http_requests_total for POST /api/bookings = %v, want %v", posts, total)
	}
	if hits, misses := sample(t, body, "slotbase_slot_cache_hits_total"), sample(t, body, "slotbase_slot_cache_misses_total"); hits < 1 || misses < 1 {
		t.Errorf("slot cache counters did not move: %v hits, %v misses", hits, misses)
	}
	sample(t, body, `slotbase_http_requests_total{code="2xx",method="GET",route="/api/bookings/manage/{token}"}`)
	for _, tok := range tokens {
		if strings.Contains(body, tok) {
			t.Fatalf("the scrape holds a manage token")
		}
	}

	// Job and mail series equal the database.
	stats, err := c.JobQueueStats(app, testNow)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range stats {
		if got := sample(t, body, fmt.Sprintf(`slotbase_jobs{kind=%q,status=%q}`, st.Kind, st.Status)); got != float64(st.Count) {
			t.Errorf("jobs{%s,%s} = %v, database has %d", st.Kind, st.Status, got, st.Count)
		}
	}
	if got := sample(t, body, `slotbase_jobs_dead{kind="webhook.deliver"}`); got != 1 {
		t.Errorf("jobs_dead{webhook.deliver} = %v, want 1", got)
	}
	for _, status := range []string{c.EmailSent, c.EmailSkipped} {
		n, err := app.CountRecords(c.EmailLog, dbx.HashExp{c.EmailLogStatus: status})
		if err != nil {
			t.Fatal(err)
		}
		if got := sample(t, body, `slotbase_mails_total{status="`+status+`"}`); got != float64(n) {
			t.Errorf("mails_total{%s} = %v, email_log has %d", status, got, n)
		}
		if status == c.EmailSent && n == 0 {
			t.Errorf("no e-mail was sent: the test proves nothing about mails")
		}
	}
	if got := sample(t, body, `slotbase_job_runs_total{kind="email.send",outcome="ok"}`); got < 1 {
		t.Errorf("job_runs_total{email.send,ok} = %v", got)
	}
	if sample(t, body, `slotbase_database_bytes{file="data.db"}`) <= 0 || sample(t, body, `slotbase_collector_success{collector="jobs"}`) != 1 {
		t.Errorf("database size or collector state missing")
	}
	sample(t, body, "go_goroutines")
	sample(t, body, `slotbase_replica_enabled`)
}

// TestMetricsAccess: the token, a superuser or an admin-scoped key reach
// /metrics; nobody else does.
func TestMetricsAccess(t *testing.T) {
	const token = "metrics-token-0123456789"
	app := seeded(t, Config{MetricsToken: token, Now: fixedClock(testNow)})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	host := mkHost(t, app, "Hope", "UTC", weekdays9to5)
	adminKey, _, err := createAPIKey(app, systemActor, "monitoring", []string{apikey.ScopeAdmin}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	readKey, _, err := createAPIKey(app, systemActor, "reader", []string{apikey.ScopeBookingsRead}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	scenarios := []struct {
		name, auth string
		want       int
	}{
		{"nothing", "", http.StatusUnauthorized},
		{"wrong token", "Bearer metrics-token-0123456780", http.StatusUnauthorized},
		{"token without Bearer", token, http.StatusUnauthorized},
		{"token as a prefix", "Bearer " + token[:len(token)-1], http.StatusUnauthorized},
		{"host", hostToken(t, app, host), http.StatusForbidden},
		{"key without the admin scope", "Bearer " + readKey, http.StatusForbidden},
		{"right token", "Bearer " + token, http.StatusOK},
		{"superuser", superuserToken(t, app), http.StatusOK},
		{"admin key", "Bearer " + adminKey, http.StatusOK},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := scrape(t, url, s.auth)
			if code != s.want {
				t.Fatalf("GET /metrics = %d, want %d: %.300s", code, s.want, body)
			}
			if s.want == http.StatusOK && !strings.Contains(body, "slotbase_build_info{") {
				t.Fatalf("not a scrape: %.300s", body)
			}
			if s.want != http.StatusOK && strings.Contains(body, "slotbase_") {
				t.Fatalf("metrics leaked to %s", s.name)
			}
		})
	}
}

// TestMetricsTokenTooShort: a guessable token stops the start.
func TestMetricsTokenTooShort(t *testing.T) {
	t.Setenv("SLOTBASE_METRICS_TOKEN", "short")
	if _, err := ConfigFromEnv(); err == nil || !strings.Contains(err.Error(), "SLOTBASE_METRICS_TOKEN") {
		t.Fatalf("ConfigFromEnv = %v, want an error naming SLOTBASE_METRICS_TOKEN", err)
	}
}

func TestRouteLabel(t *testing.T) {
	for pattern, want := range map[string]string{
		"GET /api/bookings/manage/{token}": "/api/bookings/manage/{token}",
		"POST /api/bookings":               "/api/bookings",
		"/{path...}":                       "/{path...}",
		"":                                 "unmatched",
	} {
		if got := routeLabel(pattern); got != want {
			t.Errorf("routeLabel(%q) = %q, want %q", pattern, got, want)
		}
	}
	if methodLabel("BREW") != "OTHER" || methodLabel("PATCH") != "PATCH" {
		t.Errorf("methodLabel does not bound the methods")
	}
}

// TestGrafanaDashboardSeries: every series deploy/grafana-dashboard.json
// queries is one slotbase exports.
func TestGrafanaDashboardSeries(t *testing.T) {
	raw, err := os.ReadFile("../deploy/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string `json:"title"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &dash); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	app := seeded(t, Config{Now: fixedClock(testNow)})
	defer app.Cleanup()
	families, err := serverOf(app).metrics.registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	exported := map[string]bool{}
	for _, f := range families { // Go's, the process's, and series with a value now
		exported[f.GetName()] = true
	}
	for _, file := range []string{"metrics.go", "metrics_collect.go"} { // labelled series appear once used
		src, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`(?:Name: |NewDesc\()"(slotbase_[a-z_]+)"`).FindAllStringSubmatch(string(src), -1) {
			exported[m[1]] = true
		}
	}
	name := regexp.MustCompile(`\b(slotbase|go|process)_[a-z_]+`)
	queried := 0
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			for _, series := range name.FindAllString(target.Expr, -1) {
				queried++
				base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(series, "_bucket"), "_count"), "_sum")
				if !exported[series] && !exported[base] {
					t.Errorf("panel %q queries %s, which slotbase does not export", p.Title, series)
				}
			}
		}
	}
	if queried < 20 {
		t.Fatalf("only %d series queried: the dashboard was not read", queried)
	}
}

// TestMetricsCollectorFailureKeepsScrape: a part of the state that cannot
// be read shows as slotbase_collector_success 0; the rest is still served.
func TestMetricsCollectorFailureKeepsScrape(t *testing.T) {
	app := seeded(t, Config{Now: fixedClock(testNow)})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	admin := superuserToken(t, app)
	if _, err := app.DB().NewQuery("ALTER TABLE calendar_connections RENAME TO calendar_connections_gone").Execute(); err != nil {
		t.Fatal(err)
	}
	code, body := scrape(t, url, admin)
	if code != http.StatusOK {
		t.Fatalf("scrape with a broken collector = %d %s", code, body)
	}
	if sample(t, body, `slotbase_collector_success{collector="calendars"}`) != 0 || sample(t, body, `slotbase_collector_success{collector="jobs"}`) != 1 {
		t.Fatalf("collector state wrong:\n%s", body)
	}
	sample(t, body, `slotbase_jobs_due{kind="email.send"}`)
}
