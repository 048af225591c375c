package hooks

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/slotbase/slotbase/internal/priority"
)

// TestRequestClass lists what the priority gate makes of each kind of path.
func TestRequestClass(t *testing.T) {
	scenarios := []struct {
		path, auth string
		want       class
	}{
		{"/", "", classPublic},
		{"/intro", "", classPublic},
		{"/app.js", "", classPublic},
		{"/api/health", "", classPublic},
		{"/api/slots", "", classPublic},
		{"/api/public/event-types", "", classPublic},
		{"/api/bookings", "", classPublic},
		{"/api/bookings/manage/tok/cancel", "", classPublic},
		{"/ics/feed.ics", "", classPublic},
		{"/api/slots/live", "", classNone},
		{"/api/realtime", "", classNone},
		{"/metrics", "Bearer x", classNone},
		{"/api/admin/debug/pprof/profile", "Bearer x", classNone},
		{"/_/", "", classNone},
		{"/api/google/callback", "", classNone},
		{"/api/admin/bookings", "Bearer sb_x", classBackground},
		{"/api/admin/bookings.csv", "Bearer sb_x", classBackground},
		{"/api/host/bookings", "token", classBackground},
		{"/api/collections/bookings/records", "token", classBackground},
		{"/api/admin/bookings", "", classNone}, // refused at once: it must not queue
	}
	for _, s := range scenarios {
		r := httptest.NewRequest(http.MethodGet, s.path, nil)
		if s.auth != "" {
			r.Header.Set("Authorization", s.auth)
		}
		if got := requestClass(&core.RequestEvent{Event: router.Event{Request: r}}); got != s.want {
			t.Errorf("%s (auth %q): class %d, want %d", s.path, s.auth, got, s.want)
		}
	}
}

// TestAdminWaitsForPublicWork: while a public request is in flight and
// another background unit runs, an admin request waits for admission; once
// the public side is idle it runs and answers. The outbox's admission is
// the same gate (TestWorkerAdmit in internal/queue covers the worker side).
func TestAdminWaitsForPublicWork(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	held, release := make(chan struct{}), make(chan struct{})
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		se.Router.GET("/api/public/test-hold", func(e *core.RequestEvent) error {
			close(held)
			<-release
			return e.String(http.StatusOK, "ok")
		})
		return se.Next()
	})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	url := serveHTTP(t, app)
	t.Cleanup(unblock) // registered after the server's Close: runs before it, so a failing test does not hang there
	v, ok := testServers.Load(core.App(app))
	if !ok {
		t.Fatal("no server registered for the test app")
	}
	s := v.(*server)
	// A gate whose starvation guard lies far beyond the test, so only the
	// public side going idle can let the admin request in.
	gate, err := priority.New(3, 10*time.Second, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.gate.Store(gate)
	key, _, err := createAPIKey(app, systemActor, "prio", []string{"bookings:read"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}

	publicDone := make(chan int, 1)
	go func() { publicDone <- get(t, url+"/api/public/test-hold", "") }()
	<-held
	if st := gate.Stats(); st.Public != 1 {
		t.Fatalf("public in flight: %+v", st)
	}
	job, err := gate.Enter(context.Background()) // e.g. an outbox job running
	if err != nil {
		t.Fatal(err)
	}
	adminDone := make(chan int, 1)
	go func() { adminDone <- get(t, url+"/api/admin/bookings", "Bearer "+key) }()
	waitUntil(t, "the admin request waits for admission", func() bool { return gate.Stats().Waiting == 1 })
	select {
	case code := <-adminDone:
		t.Fatalf("the admin request answered %d while public work ran", code)
	default:
	}
	unblock()
	if code := <-publicDone; code != http.StatusOK {
		t.Fatalf("public request: %d", code)
	}
	if code := <-adminDone; code != http.StatusOK {
		t.Fatalf("admin request once the public side is idle: %d", code)
	}
	job.Leave()
	if st := gate.Stats(); st.Public != 0 || st.Running != 0 || st.Waiting != 0 || st.Waited != 1 {
		t.Fatalf("at the end: %+v", st)
	}
	// /metrics says the same (the scrape itself is neither public nor background).
	code, body := scrape(t, url, "Bearer "+superuserToken(t, app))
	if code != http.StatusOK {
		t.Fatalf("/metrics: %d", code)
	}
	for series, want := range map[string]float64{
		"slotbase_background_waited_total": 1, "slotbase_background_admitted_total": 2,
		"slotbase_public_in_flight": 0, "slotbase_background_running": 0, "slotbase_group_commit_aborted_total": 0,
	} {
		if got := sample(t, body, series); got != want {
			t.Errorf("%s = %v, want %v", series, got, want)
		}
	}
	if w := sample(t, body, "slotbase_background_wait_seconds_total"); w <= 0 {
		t.Errorf("slotbase_background_wait_seconds_total = %v, want the admin request's wait", w)
	}
}

// get sends a GET and returns the status (the body is drained).
func get(t *testing.T, url, auth string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode
}

// TestParseAdminYield: --adminYield takes off (or 0) or K within bounds,
// and the error says what it accepts.
func TestParseAdminYield(t *testing.T) {
	scenarios := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"3", 3, true}, {" 0.5 ", 0.5, true}, {"100", 100, true},
		{"off", -1, true}, {"0", -1, true}, {"false", -1, true},
		{"on", 0, false}, {"0.01", 0, false}, {"101", 0, false}, {"fast", 0, false},
	}
	for _, s := range scenarios {
		got, err := parseAdminYield(s.in)
		if (err == nil) != s.ok || (s.ok && got != s.want) {
			t.Errorf("parseAdminYield(%q) = %v, %v; want %v (ok %v)", s.in, got, err, s.want, s.ok)
		}
	}
	if _, err := parseAdminYield("fast"); err == nil || !strings.Contains(err.Error(), "between 0.1 and 100") {
		t.Errorf("the error should say what is accepted: %v", err)
	}
}
