package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/testenv"
)

// TestNoSecretInLogsOrData (issue 13, finding 3): a full booking, manage and
// admin-API run against the real binary, then a scan of auxiliary.db,
// data.db (with their WAL files) and everything the process printed for any
// manage token or API key the run issued. The request log must still hold
// the requests, with the secrets masked.
func TestNoSecretInLogsOrData(t *testing.T) {
	dir := t.TempDir()
	prepareDataDir(t, dir)
	out, err := exec.Command(testenv.Binary(t), "apikey", "create", "--name", "scan", "--scopes", "admin", "--dir", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("apikey create: %v\n%s", err, out)
	}
	key := strings.Fields(string(out))[0]
	srv := testenv.StartServer(t, dir, "--rateLimits", "off")
	client := &http.Client{Timeout: 30 * time.Second}
	do := func(method, path, bearer string, body any, header ...string) (int, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			raw, _ := json.Marshal(body)
			rd = bytes.NewReader(raw)
		}
		req, _ := http.NewRequest(method, srv.URL+path, rd)
		req.Header.Set("Content-Type", "application/json")
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer res.Body.Close()
		m := map[string]any{}
		raw, _ := io.ReadAll(res.Body)
		_ = json.Unmarshal(raw, &m)
		return res.StatusCode, m
	}

	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	var tokens []string
	for i, idem := range []string{"", "idem-scan-1"} {
		booking := map[string]any{"event_type": "open", "start": start.Add(time.Duration(i) * time.Hour).Format(time.RFC3339),
			"name": "Scan Person", "email": "scan@example.com", "timezone": "UTC"}
		code, b := do("POST", "/api/bookings", "", booking, "Idempotency-Key", idem)
		tok, _ := b["manage_token"].(string)
		if code != 201 || tok == "" {
			t.Fatalf("booking: %d %v", code, b)
		}
		tokens = append(tokens, tok)
	}
	manage := "/api/bookings/manage/"
	for _, step := range []struct {
		method, path string
		body         any
		want         int
	}{
		{"GET", manage + tokens[0], nil, 200},
		{"GET", manage + tokens[0] + "/ics", nil, 200},
		{"POST", manage + tokens[0] + "/reschedule", map[string]any{"start": start.Add(5 * time.Hour).Format(time.RFC3339)}, 200},
		{"POST", manage + tokens[1] + "/cancel", map[string]any{"reason": "scan"}, 200},
		{"GET", manage + tokens[1] + "x", nil, 404},
	} {
		if code, b := do(step.method, step.path, "", step.body); code != step.want {
			t.Fatalf("%s %s = %d %v, want %d", step.method, step.path, code, b, step.want)
		}
	}
	if code, b := do("GET", "/api/admin/bookings", key, nil); code != 200 {
		t.Fatalf("admin list with the key: %d %v", code, b)
	}
	if code, _ := do("GET", "/api/admin/bookings?key="+key+"&token="+tokens[0], "", nil); code != 401 {
		t.Fatalf("a key in the query string must not be accepted: %d", code)
	}
	if code, _ := do("GET", "/api/health?x="+key, "", nil); code != 200 {
		t.Fatalf("health: %d", code)
	}
	srv.Stop() // a clean stop flushes PocketBase's batched request log

	secrets := append([]string{key}, tokens...)
	scan := func(name string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s holds the secret %s…", name, s[:8])
			}
		}
	}
	for _, f := range []string{"data.db", "data.db-wal", "auxiliary.db", "auxiliary.db-wal"} {
		if data, err := os.ReadFile(filepath.Join(dir, f)); err == nil {
			scan(f, data)
		}
	}
	scan("the process output", []byte(srv.Output()))

	// The log is there, masked: the scan above is not passing on an empty log.
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	var urls []string
	if err := app.AuxDB().NewQuery("SELECT json_extract(data, '$.url') FROM _logs WHERE json_extract(data, '$.type') = 'request'").Column(&urls); err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(urls, "\n")
	for _, want := range []string{manage + "mt_[redacted]/reschedule", manage + "mt_[redacted]/cancel", "/api/admin/bookings?key=[redacted]&token=[redacted]"} {
		if !strings.Contains(joined, want) {
			t.Errorf("request log lacks %q; it holds:\n%s", want, joined)
		}
	}
}

// TestRateLimitFlagAsTyped (finding 4): `--rateLimits off` switches the
// limits off and serves on the given address (it used to be taken as a
// domain, starting on :443); nonsense is an error, not a guess.
func TestRateLimitFlagAsTyped(t *testing.T) {
	for _, args := range [][]string{{"--rateLimits", "off"}, {"--rateLimits=off"}, {"--rateLimits=false"}, {"--rateLimits", "0"}} {
		dir := t.TempDir()
		srv := testenv.StartServer(t, dir, append([]string{"--no-demo"}, args...)...)
		srv.Stop()
		if rateLimitsEnabled(t, dir) {
			t.Errorf("%v left rate limits on", args)
		}
	}
	dir := t.TempDir()
	srv := testenv.StartServer(t, dir, "--no-demo", "--rateLimits", "on")
	srv.Stop()
	if !rateLimitsEnabled(t, dir) {
		t.Error("--rateLimits on left them off")
	}

	cmd := exec.Command(testenv.Binary(t), "serve", "--dir", t.TempDir(), "--http", testenv.FreeAddr(t), "--rateLimits", "maybe")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), `"maybe" is not on or off`) {
		t.Errorf("--rateLimits maybe: err %v, output:\n%s", err, out)
	}
	cmd = exec.Command(testenv.Binary(t), "serve", "--dir", t.TempDir(), "--http", testenv.FreeAddr(t))
	cmd.Env = append(os.Environ(), "SLOTBASE_RATE_LIMITS=sometimes")
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "SLOTBASE_RATE_LIMITS") {
		t.Errorf("SLOTBASE_RATE_LIMITS=sometimes: err %v, output:\n%s", err, out)
	}
}

// TestRateLimitEnvOff: SLOTBASE_RATE_LIMITS=off as the README says.
func TestRateLimitEnvOff(t *testing.T) {
	t.Setenv("SLOTBASE_RATE_LIMITS", "off") // StartServer passes the environment on
	dir := t.TempDir()
	srv := testenv.StartServer(t, dir, "--no-demo")
	srv.Stop()
	if rateLimitsEnabled(t, dir) {
		t.Error("SLOTBASE_RATE_LIMITS=off left rate limits on")
	}
}

func rateLimitsEnabled(t *testing.T, dir string) bool {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	return app.Settings().RateLimits.Enabled
}

// TestDockerBuildContextAndProductionStart (finding 7): the image build sees
// no local data, key or binary, and a production start has no demo data and
// a Go memory limit below the Machine's memory.
func TestDockerBuildContextAndProductionStart(t *testing.T) {
	raw, err := os.ReadFile(".dockerignore")
	if err != nil {
		t.Fatal(".dockerignore:", err)
	}
	var patterns []string
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			patterns = append(patterns, line)
		}
	}
	// Docker's matching for the forms we use: a pattern names a path or a
	// folder (whose whole content it then excludes); "**/" is any depth.
	ignored := func(path string) bool {
		parts := strings.Split(path, "/")
		for _, p := range patterns {
			p = strings.TrimPrefix(strings.TrimSuffix(p, "/"), "/")
			re := regexp.QuoteMeta(p)
			re = strings.ReplaceAll(re, `\*\*/`, `(.*/)?`)
			re = strings.ReplaceAll(re, `\*`, `[^/]*`)
			rx := regexp.MustCompile("^" + re + "$")
			for i := 1; i <= len(parts); i++ {
				if rx.MatchString(strings.Join(parts[:i], "/")) {
					return true
				}
			}
		}
		return false
	}
	for _, path := range []string{"pb_data/data.db", "pb_data/slotbase.key", "bin/slotbase", "slotbase", "e2e/testdata/artifacts/x.png", "other/pb_data/data.db", "backup.key", ".git/config", "pb_data_old/data.db"} {
		if !ignored(path) {
			t.Errorf(".dockerignore lets %s into the build context", path)
		}
	}
	for _, path := range []string{"main.go", "go.mod", "hooks/register.go", "pb_public/index.html", "deploy/entrypoint.sh"} {
		if ignored(path) {
			t.Errorf(".dockerignore keeps the source %s out", path)
		}
	}

	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`(?m)^CMD \[(.*)\]$`).FindStringSubmatch(string(docker))
	if cmd == nil || !strings.Contains(cmd[1], `"--no-demo"`) {
		t.Errorf("the image's CMD must start without demo data: %v", cmd)
	}
	var fly struct {
		Env map[string]string `toml:"env"`
		VM  []struct {
			Memory string `toml:"memory"`
		} `toml:"vm"`
	}
	if _, err := toml.DecodeFile("fly.toml", &fly); err != nil {
		t.Fatal(err)
	}
	if on := strings.ToLower(fly.Env["SLOTBASE_NO_DEMO"]); on != "on" && on != "true" && on != "1" {
		t.Errorf("fly.toml [env] SLOTBASE_NO_DEMO = %q, want on", fly.Env["SLOTBASE_NO_DEMO"])
	}
	mem := regexp.MustCompile(`^(\d+)mb$`).FindStringSubmatch(strings.ToLower(fly.VM[0].Memory))
	limit := regexp.MustCompile(`^(\d+)MiB$`).FindStringSubmatch(fly.Env["GOMEMLIMIT"])
	if mem == nil || limit == nil || atoi(limit[1])*1024*1024 >= atoi(mem[1])*1000*1000*9/10 {
		t.Errorf("GOMEMLIMIT %q must be set in MiB and well below the Machine's %q", fly.Env["GOMEMLIMIT"], fly.VM[0].Memory)
	}
	if !strings.Contains(string(docker), "GOMEMLIMIT="+fly.Env["GOMEMLIMIT"]) {
		t.Errorf("the Dockerfile's GOMEMLIMIT differs from fly.toml's %q", fly.Env["GOMEMLIMIT"])
	}
}

func atoi(s string) int {
	n := 0
	for _, ch := range s {
		n = n*10 + int(ch-'0')
	}
	return n
}

// TestRequestLogKeepsWhatMatters (issue 18, request logging): a stranger's
// successful reads of the public API (a live stream too) leave no
// request-log row (they were a third of the CPU under load), while errors,
// writes and manage links are logged; --logPublicReads on keeps the reads
// too.
func TestRequestLogKeepsWhatMatters(t *testing.T) {
	logged := func(extra ...string) []string {
		t.Helper()
		dir := t.TempDir()
		prepareDataDir(t, dir)
		srv := testenv.StartServer(t, dir, append([]string{"--rateLimits", "off"}, extra...)...)
		from := time.Now().UTC().AddDate(0, 0, 3).Format("2006-01-02")
		for _, path := range []string{"/api/health", "/api/public/event-types", "/api/slots?event_type=open&from=" + from + "&to=" + from + "&tz=UTC",
			"/api/slots?event_type=open&from=bad&to=" + from + "&tz=UTC"} {
			srv.Get(t, path)
		}
		body := `{"event_type":"open","start":"` + from + `T10:00:00Z","name":"Log","email":"log@example.com","timezone":"UTC"}`
		res, err := http.Post(srv.URL+"/api/bookings", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		// A live stream (opened, its "ready" read, closed) is a quiet read; a bad slug is logged.
		if res, err = http.Get(srv.URL + "/api/slots/live?event_type=open"); err != nil {
			t.Fatal(err)
		}
		if line, err := bufio.NewReader(res.Body).ReadString('\n'); err != nil || !strings.HasPrefix(line, "retry: ") {
			t.Fatalf("live stream: %d %q %v", res.StatusCode, line, err)
		}
		res.Body.Close()
		srv.Get(t, "/api/slots/live?event_type=nope")
		waitForLogRow(t, dir, "GET /api/slots/live?event_type=nope") // the last request's row: every earlier one is written
		srv.Stop()                                                   // and anything later is flushed
		return requestLogRows(t, dir)
	}
	has := func(rows []string, prefix string) bool {
		for _, r := range rows {
			if strings.HasPrefix(r, prefix) {
				return true
			}
		}
		return false
	}
	quiet := logged()
	for _, want := range []string{"POST /api/bookings", "GET /api/slots?event_type=open&from=bad", "GET /api/slots/live?event_type=nope 400"} {
		if !has(quiet, want) {
			t.Errorf("the log lacks %q: %v", want, quiet)
		}
	}
	for _, unwanted := range []string{"GET /api/health", "GET /api/public/event-types", "GET /api/slots?event_type=open&from=2", "GET /api/slots/live?event_type=open "} {
		if has(quiet, unwanted) {
			t.Errorf("a successful public read was logged (%q): %v", unwanted, quiet)
		}
	}
	if all := logged("--logPublicReads", "on"); !has(all, "GET /api/health") || !has(all, "GET /api/public/event-types") {
		t.Errorf("--logPublicReads on did not log the reads: %v", all)
	}
}
