package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/queue"
	"github.com/slotbase/slotbase/internal/testenv"
)

// webhookEnv is a slotbase app on a settable clock with host Alice and event
// type "call", a superuser, a loopback receiver and a job worker the test
// drives by hand (booking events and webhook deliveries only).
type webhookEnv struct {
	t     *testing.T
	app   *tests.TestApp
	url   string
	auth  string
	clock *queueClock
	w     *queue.Worker
	recv  *webhookReceiver
}

func newWebhookEnv(t *testing.T) *webhookEnv {
	t.Helper()
	clock := &queueClock{now: testNow}
	cfg := Config{NoDemo: true, Now: clock.Now}
	app := seeded(t, cfg)
	t.Cleanup(app.Cleanup)
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, nil)
	url := serveHTTP(t, app)
	_, auth := mkSuperuser(t, app, "root@example.com")
	w := newQueueWorker(app, clock)
	w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error { return fanOut(app, j) })
	s := &server{app: app, cfg: &cfg, worker: w, now: clock.Now}
	w.Handle(KindWebhookDeliver, s.handleWebhookDeliver)
	recv := &webhookReceiver{answers: map[string][]int{}}
	recv.srv = httptest.NewServer(recv)
	t.Cleanup(recv.srv.Close)
	return &webhookEnv{t: t, app: app, url: url, auth: auth, clock: clock, w: w, recv: recv}
}

// runOnce runs one batch of due jobs and returns how many ran.
func (env *webhookEnv) runOnce() int {
	env.t.Helper()
	n, err := env.w.RunOnce(context.Background())
	if err != nil {
		env.t.Fatal(err)
	}
	return n
}

// mkWebhook creates a webhook through the records API (as the admin UI
// does) for the receiver's path and returns its record as answered.
func (env *webhookEnv) mkWebhook(path string, events ...string) map[string]any {
	env.t.Helper()
	code, w := apiCall(env.t, "POST", env.url+"/api/collections/webhooks/records", env.auth, map[string]any{
		"name": "receiver " + path, "url": env.recv.srv.URL + path, "events": events, "active": true})
	if code != 200 {
		env.t.Fatalf("create webhook: %d %v", code, w)
	}
	return w
}

// book makes a booking at start and returns its id and manage token.
func (env *webhookEnv) book(start string) (string, string) {
	env.t.Helper()
	b := goodBooking()
	b["start"] = start
	code, out := postJSON(env.t, &http.Client{Timeout: 10 * time.Second}, env.url+"/api/bookings", b, nil)
	if code != 201 {
		env.t.Fatalf("booking: %d %v", code, out)
	}
	return out["id"].(string), out["manage_token"].(string)
}

// deliveries returns the delivery log of a webhook, oldest first.
func (env *webhookEnv) deliveries(webhookID string) []*core.Record {
	env.t.Helper()
	var out []*core.Record
	err := env.app.RecordQuery(c.WebhookDeliveries).AndWhere(dbx.HashExp{c.WebhookDeliveriesWebhook: webhookID}).OrderBy("rowid ASC").All(&out)
	if err != nil {
		env.t.Fatal(err)
	}
	return out
}

// webhookReceiver is a loopback endpoint that records what it receives and
// answers each path from a script of statuses (200 once the script ends).
type webhookReceiver struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers map[string][]int
	got     []receivedDelivery
}

// receivedDelivery is one request the receiver got.
type receivedDelivery struct {
	path   string
	header http.Header
	body   []byte
}

func (rc *webhookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.got = append(rc.got, receivedDelivery{path: r.URL.Path, header: r.Header.Clone(), body: body})
	status := http.StatusOK
	if script := rc.answers[r.URL.Path]; len(script) > 0 {
		status, rc.answers[r.URL.Path] = script[0], script[1:]
	}
	rc.mu.Unlock()
	w.WriteHeader(status)
	_, _ = io.WriteString(w, "receiver says "+http.StatusText(status))
}

func (rc *webhookReceiver) received() []receivedDelivery {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]receivedDelivery(nil), rc.got...)
}

// readmeVerifier is the Python verification snippet of README.md: the test
// checks signatures with exactly what receivers are told to run.
func readmeVerifier(t *testing.T) string {
	t.Helper()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)```python\n(.*?def verify_slotbase_signature.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal("README.md has no python block defining verify_slotbase_signature")
	}
	return string(m[1])
}

// pythonVerifies runs the README's Python verifier (tolerance off: the
// test clock is not the wall clock) on one delivery.
func pythonVerifies(t *testing.T, snippet, secret, header string, body []byte) bool {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err != nil {
		testenv.Missing(t, "python3 (the independent signature verifier)")
	}
	script := snippet + "\nimport os, sys\nsys.exit(0 if verify_slotbase_signature(os.environ['SECRET'], os.environ['SIG'], sys.stdin.buffer.read(), 0) else 3)\n"
	cmd := exec.Command(python, "-c", script)
	cmd.Env = append(os.Environ(), "SECRET="+secret, "SIG="+header)
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		return false
	}
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	return true
}

// opensslHMAC computes hex HMAC-SHA256(secret, "<t>.<body>") with openssl,
// as the README's shell recipe does.
func opensslHMAC(t *testing.T, secret, ts string, body []byte) string {
	t.Helper()
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		testenv.Missing(t, "openssl (the independent HMAC)")
	}
	cmd := exec.Command(openssl, "dgst", "-sha256", "-hmac", secret, "-r")
	cmd.Stdin = io.MultiReader(strings.NewReader(ts+"."), bytes.NewReader(body))
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))[0]
}

func TestWebhookSignedDeliveryWithRetries(t *testing.T) {
	env := newWebhookEnv(t)
	hook := env.mkWebhook("/crm", "booking.created", "booking.cancelled")
	hookID := hook["id"].(string)
	secret, _ := hook["secret"].(string) // hidden, but superusers see it
	if !regexp.MustCompile(`^whsec_[0-9a-f]{64}$`).MatchString(secret) {
		t.Fatalf("generated secret %q", secret)
	}
	env.recv.answers["/crm"] = []int{500, 500, 200}
	bookingID, token := env.book("2026-03-02T10:00:00Z")

	if n := env.runOnce(); n != 1 { // the booking.event fan-out
		t.Fatalf("fan-out ran %d jobs", n)
	}
	// Attempt 1 and 2 get 500; the queue waits 5 s, then 10 s (Base 10 s, no jitter).
	steps := []struct {
		advance    time.Duration
		wantStatus string
	}{{0, c.JobPending}, {5 * time.Second, c.JobPending}, {10 * time.Second, c.JobDone}}
	for i, s := range steps {
		env.clock.Add(s.advance)
		if n := env.runOnce(); n != 1 {
			t.Fatalf("attempt %d: ran %d jobs", i+1, n)
		}
		if got := len(env.recv.received()); got != i+1 {
			t.Fatalf("attempt %d: receiver got %d requests", i+1, got)
		}
		if i < 2 && env.runOnce() != 0 {
			t.Fatalf("attempt %d: retried before its backoff", i+1)
		}
	}
	got := env.recv.received()
	deliveryID := got[0].header.Get(HeaderWebhookDelivery)
	if job := jobByID(t, env.app, deliveryID); job.Status() != c.JobDone || job.Attempts() != 3 {
		t.Fatalf("delivery job: %s after %d attempts", job.Status(), job.Attempts())
	}
	snippet := readmeVerifier(t)
	for i, d := range got {
		if d.header.Get(HeaderWebhookDelivery) != deliveryID || !bytes.Equal(d.body, got[0].body) {
			t.Errorf("attempt %d: delivery %q or body differs from the first attempt", i+1, d.header.Get(HeaderWebhookDelivery))
		}
		if d.header.Get(HeaderWebhookEvent) != "booking.created" || d.header.Get("Content-Type") != "application/json" {
			t.Errorf("attempt %d: headers %v", i+1, d.header)
		}
		sig := d.header.Get(HeaderWebhookSignature)
		if !pythonVerifies(t, snippet, secret, sig, d.body) {
			t.Errorf("attempt %d: the README's Python verifier rejects %q", i+1, sig)
		}
		ts := regexp.MustCompile(`^t=(\d+),v1=([0-9a-f]{64})$`).FindStringSubmatch(sig)
		if ts == nil || ts[2] != opensslHMAC(t, secret, ts[1], d.body) {
			t.Errorf("attempt %d: openssl disagrees with %q", i+1, sig)
		}
	}
	// The verifier is not a yes-machine: a changed body, secret or timestamp fails.
	tampered := bytes.Replace(got[2].body, []byte("confirmed"), []byte("cancelled"), 1)
	sig := got[2].header.Get(HeaderWebhookSignature)
	if pythonVerifies(t, snippet, secret, sig, tampered) || pythonVerifies(t, snippet, "whsec_other", sig, got[2].body) ||
		pythonVerifies(t, snippet, secret, strings.Replace(sig, "t=1", "t=2", 1), got[2].body) {
		t.Error("the verifier accepts a forged delivery")
	}

	// The payload: a stable id, the event, the booking's public fields, no token.
	var p map[string]any
	if err := json.Unmarshal(got[0].body, &p); err != nil {
		t.Fatal(err)
	}
	if p["id"] != deliveryID || p["event"] != "booking.created" || p["created_at"] != "2026-03-02T00:00:00Z" {
		t.Errorf("envelope: %v", p)
	}
	var payload struct{ Booking map[string]any }
	_ = json.Unmarshal(got[0].body, &payload)
	if payload.Booking["id"] != bookingID || payload.Booking["status"] != "confirmed" || payload.Booking["start"] != "2026-03-02T10:00:00Z" ||
		payload.Booking["email"] != "zoe+test@example.com" || payload.Booking["event_type"].(map[string]any)["slug"] != "call" {
		t.Errorf("booking: %v", payload.Booking)
	}
	if hosts, _ := payload.Booking["hosts"].([]any); len(hosts) != 1 || hosts[0].(map[string]any)["name"] != "Alice" {
		t.Errorf("hosts: %v", payload.Booking["hosts"])
	}
	r, _ := env.app.FindRecordById(c.Bookings, bookingID)
	for _, secret := range []string{token, r.GetString(c.BookingsManageTokenHash), "manage_token", "idempotency", "idempotent"} {
		if bytes.Contains(got[0].body, []byte(secret)) {
			t.Errorf("the payload contains %q: %s", secret, got[0].body)
		}
	}

	// The delivery log: three attempts, one success.
	log := env.deliveries(hookID)
	if len(log) != 3 {
		t.Fatalf("delivery log has %d entries, want 3", len(log))
	}
	for i, want := range []int{500, 500, 200} {
		d := log[i]
		if d.GetInt(c.WebhookDeliveriesStatusCode) != want || d.GetInt(c.WebhookDeliveriesAttempt) != i+1 ||
			d.GetString(c.WebhookDeliveriesDelivery) != deliveryID || d.GetString(c.WebhookDeliveriesBooking) != bookingID ||
			d.GetString(c.WebhookDeliveriesEvent) != "booking.created" || (d.GetString(c.WebhookDeliveriesError) == "") != (want == 200) {
			t.Errorf("log %d: status %d attempt %d error %q", i, d.GetInt(c.WebhookDeliveriesStatusCode), d.GetInt(c.WebhookDeliveriesAttempt), d.GetString(c.WebhookDeliveriesError))
		}
	}
	if e := log[0].GetString(c.WebhookDeliveriesError); !strings.Contains(e, "HTTP 500") || !strings.Contains(e, "receiver says") {
		t.Errorf("error of a 500: %q", e)
	}

	// A fan-out that runs again (its completion was lost) enqueues nothing new.
	if err := fanOut(env.app, queue.Job{ID: jobOfKind(t, env.app, KindBookingEvent), Payload: mustPayload(t, env.app, KindBookingEvent)}); err != nil {
		t.Fatal(err)
	}
	if n := env.runOnce(); n != 0 {
		t.Fatalf("a repeated fan-out delivered again (%d jobs)", n)
	}
}

func TestWebhookDisabledOrDeletedGetsNothing(t *testing.T) {
	env := newWebhookEnv(t)
	disabled := env.mkWebhook("/disabled", "booking.created", "booking.cancelled")["id"].(string)
	deleted := env.mkWebhook("/deleted", "booking.created")["id"].(string)
	flaky := env.mkWebhook("/flaky", "booking.created")["id"].(string)
	cancelOnly := env.mkWebhook("/cancel-only", "booking.cancelled")["id"].(string)
	env.recv.answers["/flaky"] = []int{503}
	_, token := env.book("2026-03-02T10:00:00Z")
	env.runOnce() // fan-out: deliveries to /disabled, /deleted and /flaky; /cancel-only is not subscribed
	env.runOnce() // /disabled and /deleted get 200, /flaky 503
	if got := len(env.recv.received()); got != 3 {
		t.Fatalf("first round: %d requests", got)
	}

	// The admin disables one webhook, deletes another and disables the flaky
	// one between its attempts.
	patch := func(id string, body map[string]any) {
		if code, out := apiCall(t, "PATCH", env.url+"/api/collections/webhooks/records/"+id, env.auth, body); code != 200 {
			t.Fatalf("patch: %d %v", code, out)
		}
	}
	patch(disabled, map[string]any{"active": false})
	patch(flaky, map[string]any{"active": false})
	if code, out := apiCall(t, "DELETE", env.url+"/api/collections/webhooks/records/"+deleted, env.auth, nil); code != 204 {
		t.Fatalf("delete: %d %v", code, out)
	}
	env.clock.Add(time.Minute)
	if n := env.runOnce(); n != 1 { // the flaky retry: dropped, not sent
		t.Fatalf("retry round ran %d jobs", n)
	}
	code, _ := postJSON(t, &http.Client{Timeout: 10 * time.Second}, env.url+"/api/bookings/manage/"+token+"/cancel", map[string]any{}, nil)
	if code != 200 {
		t.Fatalf("cancel: %d", code)
	}
	env.clock.Add(time.Minute)
	for env.runOnce() > 0 {
	}

	got := env.recv.received()
	if len(got) != 4 || got[3].path != "/cancel-only" || got[3].header.Get(HeaderWebhookEvent) != "booking.cancelled" {
		for _, d := range got {
			t.Logf("%s %s", d.path, d.header.Get(HeaderWebhookEvent))
		}
		t.Fatalf("after disabling: %d requests, want only the cancellation to /cancel-only", len(got))
	}
	flakyLog := env.deliveries(flaky)
	if len(flakyLog) != 2 || flakyLog[0].GetInt(c.WebhookDeliveriesStatusCode) != 503 ||
		flakyLog[1].GetInt(c.WebhookDeliveriesStatusCode) != 0 || !strings.HasPrefix(flakyLog[1].GetString(c.WebhookDeliveriesError), "not sent") {
		t.Fatalf("flaky log: %d entries", len(flakyLog))
	}
	if n := len(env.deliveries(deleted)); n != 0 {
		t.Fatalf("a deleted webhook keeps %d log entries", n) // cascade
	}
	if n := len(env.deliveries(cancelOnly)); n != 1 {
		t.Fatalf("cancel-only log: %d", n)
	}
	pending, _ := env.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && status != 'done'", "", 0, 0, map[string]any{"k": KindWebhookDeliver})
	if len(pending) != 0 {
		t.Fatalf("%d webhook jobs not done", len(pending))
	}
}

func TestWebhookRecordRules(t *testing.T) {
	env := newWebhookEnv(t)
	records := env.url + "/api/collections/webhooks/records"
	scenarios := []struct {
		name, url string
		want      int
	}{
		{"https", "https://hooks.example.com/slotbase", 200},
		{"http with port", "http://127.0.0.1:9/x", 200},
		{"ftp", "ftp://example.com/x", 400},
		{"javascript", "javascript:alert(1)", 400},
		{"credentials in the URL", "https://user:pw@example.com/x", 400},
		{"relative", "/hooks", 400},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, out := apiCall(t, "POST", records, env.auth, map[string]any{"name": s.name, "url": s.url, "events": []string{"booking.created"}, "active": true})
			if code != s.want {
				t.Fatalf("%d %v", code, out)
			}
			if s.want == 400 {
				if data, _ := out["data"].(map[string]any); data["url"] == nil {
					t.Fatalf("no url field error: %v", out)
				}
			}
		})
	}
	// An admin-chosen secret is kept; clearing it rotates it.
	code, w := apiCall(t, "POST", records, env.auth, map[string]any{"name": "mine", "url": "https://x.example/h", "secret": "my-own-secret-123", "events": []string{"booking.created"}})
	if code != 200 || w["secret"] != "my-own-secret-123" {
		t.Fatalf("own secret: %d %v", code, w)
	}
	code, w = apiCall(t, "PATCH", records+"/"+w["id"].(string), env.auth, map[string]any{"secret": ""})
	if s, _ := w["secret"].(string); code != 200 || !strings.HasPrefix(s, "whsec_") {
		t.Fatalf("rotated secret: %d %v", code, w)
	}
	// The secret never reaches the audit log.
	entries := auditEntries(t, env.app, c.Webhooks, w["id"].(string))
	if len(entries) != 2 || strings.Contains(entries[0].Raw+entries[1].Raw, "my-own-secret") || strings.Contains(entries[1].Raw, w["secret"].(string)) ||
		changeOf(entries[1], c.WebhooksSecret) != `{"old":"[redacted]","new":"[redacted]"}` {
		t.Fatalf("audit of webhook secrets: %+v", entries)
	}
	// Anonymous clients cannot see webhooks at all.
	if code, _ := apiCall(t, "GET", records, "", nil); code != 403 {
		t.Fatalf("anonymous list: %d", code)
	}
}

func TestWebhookRetrySchedule(t *testing.T) {
	failure := errors.New("HTTP 502")
	at := testNow
	scenarios := []struct {
		name     string
		attempts int
		now      time.Time
		want     string // retry, defer or dead
	}{
		{"first failure", 1, at.Add(time.Second), "retry"},
		{"still in the backoff phase", webhookPatience - 1, at.Add(3 * time.Minute), "retry"},
		{"patience spent", webhookPatience, at.Add(5 * time.Minute), "defer"},
		{"many deferrals later", 40, at.Add(20 * time.Hour), "defer"},
		{"a day after the event", 50, at.Add(webhookGiveUp), "dead"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			err := webhookRetry(queue.Job{Attempts: s.attempts}, webhookJob{At: at}, failure, s.now)
			var deferred *queue.DeferError
			got := "retry"
			switch {
			case errors.Is(err, queue.ErrPermanent):
				got = "dead"
			case errors.As(err, &deferred):
				got = "defer"
				if !deferred.Until.Equal(s.now.Add(webhookRetryEvery)) {
					t.Errorf("deferred until %s", deferred.Until)
				}
			}
			if got != s.want || !errors.Is(err, failure) && got != "defer" {
				t.Fatalf("%v: %s, want %s", err, got, s.want)
			}
		})
	}
}

// jobOfKind returns the id of the only job of kind.
func jobOfKind(t *testing.T, app core.App, kind string) string {
	t.Helper()
	r, err := app.FindFirstRecordByData(c.Jobs, c.JobsKind, kind)
	if err != nil {
		t.Fatal(err)
	}
	return r.Id
}

// mustPayload returns the payload of the only job of kind.
func mustPayload(t *testing.T, app core.App, kind string) []byte {
	t.Helper()
	r, err := app.FindFirstRecordByData(c.Jobs, c.JobsKind, kind)
	if err != nil {
		t.Fatal(err)
	}
	return c.NewJob(r).PayloadJSON()
}
