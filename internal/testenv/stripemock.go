package testenv

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// StripeMock is Stripe's own API mock (github.com/stripe/stripe-mock, built
// by scripts/test.sh into ~/.cache/slotbase-test/stripe-mock) on a loopback
// port, behind a recording proxy: URL is the proxy (the API base a client
// is given), Requests what reached it, and Fail makes requests whose path
// starts with a prefix fail as an unreachable Stripe would (502).
type StripeMock struct {
	// URL is the API base, e.g. http://127.0.0.1:41234.
	URL string

	mu       sync.Mutex
	requests []StripeRequest
	failing  []string
}

// StripeRequest is one API call the mock received.
type StripeRequest struct {
	Method, Path string
	// Form is the decoded form body (Stripe's API takes form-encoded bodies).
	Form url.Values
	// IdempotencyKey is the Idempotency-Key header.
	IdempotencyKey string
	// Authorization is the Authorization header (tests check the key is sent).
	Authorization string
}

// StartStripeMock runs stripe-mock (SLOTBASE_TEST_STRIPE_MOCK, else the
// cached build) until the test ends and returns once it answers. A missing
// binary skips the test (fails under CI=true).
func StartStripeMock(t testing.TB) *StripeMock {
	t.Helper()
	bin := os.Getenv("SLOTBASE_TEST_STRIPE_MOCK")
	if bin == "" {
		if home, err := os.UserHomeDir(); err == nil {
			bin = filepath.Join(home, ".cache", "slotbase-test", "stripe-mock", "stripe-mock")
		}
	}
	if _, err := os.Stat(bin); err != nil {
		Missing(t, "stripe-mock (GOBIN=~/.cache/slotbase-test/stripe-mock go install github.com/stripe/stripe-mock@v0.203.0, or set SLOTBASE_TEST_STRIPE_MOCK)")
	}
	addr := FreeAddr(t)
	out := &syncBuffer{}
	// stripe-mock also serves HTTPS on the fixed port 12112 unless HTTP is
	// asked for with -http-port (all interfaces): with -http-addr it still
	// binds 12112, and two test processes then collide. Its HTTPS side goes
	// to a port of the system's choosing on loopback instead.
	cmd := exec.Command(bin, "-http-addr", addr, "-https-addr", "127.0.0.1:0")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	upstream := "http://" + addr
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(upstream + "/v1/charges")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case <-done:
			t.Fatalf("stripe-mock exited: %s", out.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("stripe-mock not answering after a minute: %v; %s", err, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	m := &StripeMock{}
	target, _ := url.Parse(upstream)
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		m.mu.Lock()
		m.requests = append(m.requests, StripeRequest{Method: r.Method, Path: r.URL.Path, Form: form,
			IdempotencyKey: r.Header.Get("Idempotency-Key"), Authorization: r.Header.Get("Authorization")})
		fail := false
		for _, p := range m.failing {
			fail = fail || strings.HasPrefix(r.URL.Path, p)
		}
		m.mu.Unlock()
		if fail {
			http.Error(w, `{"error":{"type":"api_error","message":"stripe is down (test)"}}`, http.StatusBadGateway)
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	m.URL = srv.URL
	return m
}

// Requests returns the calls received so far whose path starts with prefix.
func (m *StripeMock) Requests(prefix string) []StripeRequest {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []StripeRequest
	for _, r := range m.requests {
		if strings.HasPrefix(r.Path, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// Fail makes calls whose path starts with prefix answer 502 until Heal.
func (m *StripeMock) Fail(prefix string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failing = append(m.failing, prefix)
}

// Heal lets every call through again.
func (m *StripeMock) Heal() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.failing = nil
}
