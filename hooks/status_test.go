package hooks

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tools/types"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks/capture"
	"github.com/slotbase/slotbase/internal/buildinfo"
)

// TestHealthCarriesVersion: /api/health keeps PocketBase's answer (status,
// message, the superuser's extra data) and adds the release.
func TestHealthCarriesVersion(t *testing.T) {
	app := seeded(t, Config{Now: fixedClock(testNow)})
	defer app.Cleanup()
	url := serveHTTP(t, app)
	want := buildinfo.Get().Version
	code, body := apiCall(t, "GET", url+"/api/health", "", nil)
	if code != http.StatusOK || body["version"] != want || body["message"] != "API is healthy." || body["code"] != float64(200) {
		t.Fatalf("anonymous health = %d %v, want 200 with version %q", code, body, want)
	}
	if data, _ := body["data"].(map[string]any); len(data) != 0 {
		t.Fatalf("anonymous health shows data: %v", data)
	}
	code, body = apiCall(t, "GET", url+"/api/health", superuserToken(t, app), nil)
	if data, _ := body["data"].(map[string]any); code != http.StatusOK || body["version"] != want || data["canBackup"] != true {
		t.Fatalf("superuser health = %d %v", code, body)
	}
	req, _ := http.NewRequest(http.MethodHead, url+"/api/health", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("HEAD /api/health = %d", res.StatusCode)
	}
}

// TestAdminStatus: the readiness report sees a dead job, a connection that
// needs a reconnect, a failing e-mail and the job worker's heartbeat; with
// all of them gone it says ok.
func TestAdminStatus(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	admin := superuserToken(t, app)
	status := func() map[string]any {
		t.Helper()
		code, body := apiCall(t, "GET", url+"/api/admin/status", admin, nil)
		if code != http.StatusOK {
			t.Fatalf("status: %d %v", code, body)
		}
		return body
	}
	reasons := func(body map[string]any) string {
		var out []string
		for _, r := range body["reasons"].([]any) {
			out = append(out, r.(string))
		}
		return strings.Join(out, "\n")
	}

	// No worker has run in this process yet.
	body := status()
	if w := body["worker"].(map[string]any); body["status"] != "degraded" || w["alive"] != false || w["last_beat"] != nil ||
		!strings.Contains(reasons(body), "job worker is not running") {
		t.Fatalf("before the worker ran: %v", body)
	}
	if body["version"] != buildinfo.Get().Version {
		t.Fatalf("version = %v", body["version"])
	}
	drainJobs(t, serverOf(app))
	body = status()
	if w := body["worker"].(map[string]any); body["status"] != "ok" || w["alive"] != true || w["last_beat"] == nil {
		t.Fatalf("with a live worker and nothing wrong: %v", body)
	}

	// Now things go wrong.
	save(t, app, c.Jobs, map[string]any{c.JobsKind: KindGcalWrite, c.JobsStatus: c.JobDead, c.JobsPayload: `{}`,
		c.JobsRunAfter: "2026-03-01 00:00:00.000Z", c.JobsLastError: "calendar gone"})
	save(t, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionNeedsReconnect, c.CalendarConnectionsLastError: "token revoked"})
	mail := save(t, app, c.Jobs, map[string]any{c.JobsKind: KindEmailSend, c.JobsStatus: c.JobPending, c.JobsPayload: `{}`,
		c.JobsRunAfter: "2026-03-01 23:00:00.000Z", c.JobsAttempts: 3, c.JobsLastError: "dial tcp: connection refused"})
	// updated is stamped with the real clock; the report counts back from
	// the test's fixed one.
	if _, err := app.DB().NewQuery("UPDATE jobs SET updated = {:t} WHERE id = {:id}").
		Bind(map[string]any{"t": "2026-03-01 23:30:00.000Z", "id": mail.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	body = status()
	all := reasons(body)
	jobs := body["jobs"].(map[string]any)
	cals := body["calendars"].(map[string]any)
	if body["status"] != "degraded" || jobs["dead"].(map[string]any)[KindGcalWrite] != float64(1) || cals["needs_reconnect"] != float64(1) ||
		body["mail"].(map[string]any)["failures_24h"] != float64(1) || jobs["due"] != float64(1) || jobs["oldest_due_kind"] != KindEmailSend ||
		jobs["oldest_due_seconds"] != float64(3600) {
		t.Fatalf("with a dead job, a lost calendar and a failing mail: %v", body)
	}
	for _, want := range []string{"1 gcal.write job(s) failed for good", "Alice's google calendar needs a reconnect", "1 e-mail(s) failed to send"} {
		if !strings.Contains(all, want) {
			t.Errorf("reasons lack %q:\n%s", want, all)
		}
	}
	if got := cals["connections"].([]any)[0].(map[string]any)["host_name"]; got != "Alice" {
		t.Errorf("connection host = %v", got)
	}
	// A mail job failing more than 24 hours ago is not counted.
	if _, err := app.DB().NewQuery("UPDATE jobs SET updated = {:t} WHERE id = {:id}").
		Bind(map[string]any{"t": "2026-02-28 23:59:00.000Z", "id": mail.Id}).Execute(); err != nil {
		t.Fatal(err)
	}
	if n := status()["mail"].(map[string]any)["failures_24h"]; n != float64(0) {
		t.Errorf("an old failure counted: %v", n)
	}

	// Only admins read it.
	if code, _ := apiCall(t, "GET", url+"/api/admin/status", "", nil); code != http.StatusUnauthorized {
		t.Errorf("anonymous status = %d", code)
	}
	if code, _ := apiCall(t, "GET", url+"/api/admin/status", hostToken(t, app, host), nil); code != http.StatusForbidden {
		t.Errorf("host status = %d", code)
	}
}

// TestWorkerHeartbeatGoesStale: the beat is the worker's last claim.
func TestWorkerHeartbeatGoesStale(t *testing.T) {
	clock := &queueClock{now: testNow}
	app := seeded(t, Config{Now: clock.Now})
	defer app.Cleanup()
	srv := serverOf(app)
	if _, err := srv.worker.RunOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	if st := srv.readiness(app); !st.Worker.Alive {
		t.Fatalf("just after a claim: %+v", st.Worker)
	}
	clock.Add(workerStaleAfter + 1)
	if st := srv.readiness(app); st.Worker.Alive || !slices.ContainsFunc(st.Reasons, func(r string) bool { return strings.Contains(r, "worker") }) {
		t.Fatalf("after %s without a claim: %+v %v", workerStaleAfter, st.Worker, st.Reasons)
	}
}

func TestReplicaState(t *testing.T) {
	yes, no := true, false
	scenarios := []struct {
		name  string
		st    capture.Status
		state string
	}{
		{"off", capture.Status{}, replicaOff},
		{"streaming", capture.Status{Enabled: true, Connected: &yes, LagSeconds: 2}, replicaOK},
		{"behind", capture.Status{Enabled: true, Connected: &yes, LagSeconds: 61}, replicaLagging},
		{"failing", capture.Status{Enabled: true, Connected: &no, LastError: "connection refused", LastErrorAt: types.NowDateTime()}, replicaError},
		{"not connected", capture.Status{Enabled: true, Connected: &no}, replicaError},
		{"refused", capture.Status{Enabled: true, Connected: &no, State: capture.StateRefused, Reason: "another data dir", LastError: "replica: PostgreSQL holds the replica of another data dir"}, replicaRefused},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if got, problem := replicaState(s.st); got != s.state || (got == replicaOK || got == replicaOff) != (problem == "") {
				t.Fatalf("replicaState = %q, %q; want %q", got, problem, s.state)
			}
		})
	}
}
