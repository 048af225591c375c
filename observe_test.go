package main

import (
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/slotbase/slotbase/internal/testenv"
)

// TestVersionFromMakeBuild builds the binary the way a release is built
// (`make build`) and finds the checkout's commit in `slotbase --version`.
func TestVersionFromMakeBuild(t *testing.T) {
	if testenv.Short() {
		t.Skip("builds a second binary (-short)")
	}
	head, err := exec.Command("git", "rev-parse", "HEAD").Output()
	if err != nil {
		testenv.Missing(t, "git with this checkout")
	}
	if _, err := exec.LookPath("make"); err != nil {
		testenv.Missing(t, "make")
	}
	bin := filepath.Join(t.TempDir(), "slotbase")
	if out, err := exec.Command("make", "-s", "build", "BIN="+bin).CombinedOutput(); err != nil {
		t.Fatalf("make build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	line := strings.TrimSpace(string(out))
	commit := strings.TrimSpace(string(head))[:12]
	for _, want := range []string{"slotbase ", "(commit " + commit + ", built 20", "Z, " + runtime.Version() + ")"} {
		if !strings.Contains(line, want) {
			t.Errorf("--version = %q, want it to contain %q", line, want)
		}
	}
	if strings.Contains(line, "untracked") || strings.Contains(line, "dev ") {
		t.Errorf("--version = %q: the build's stamp was lost", line)
	}
}

// TestVersionUnstamped: a plain `go build` says what it knows, never
// PocketBase's "(untracked)".
func TestVersionUnstamped(t *testing.T) {
	out, err := exec.Command(testenv.Binary(t), "--version").CombinedOutput()
	if err != nil {
		t.Fatalf("--version: %v\n%s", err, out)
	}
	if line := string(out); !strings.HasPrefix(line, "slotbase dev") || strings.Contains(line, "untracked") {
		t.Fatalf("--version = %q", line)
	}
}

// TestMetricsListenerBinary: --metricsHttp serves GET /metrics without
// credentials on its own address, while the public one still asks for them.
func TestMetricsListenerBinary(t *testing.T) {
	metricsAddr := testenv.FreeAddr(t)
	srv := testenv.StartServer(t, t.TempDir(), "--no-demo", "--metricsHttp", metricsAddr)
	var body string
	deadline := time.Now().Add(time.Minute)
	for {
		res, err := http.Get("http://" + metricsAddr + "/metrics")
		if err == nil {
			raw, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				t.Fatalf("private GET /metrics = %d %s", res.StatusCode, raw)
			}
			body = string(raw)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the metrics listener never answered: %v\n%s", err, srv.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
	for _, want := range []string{"slotbase_build_info{", `slotbase_collector_success{collector="jobs"} 1`, "process_resident_memory_bytes"} {
		if !strings.Contains(body, want) {
			t.Errorf("private scrape lacks %q", want)
		}
	}
	if code, _ := srv.Get(t, "/metrics"); code != http.StatusUnauthorized {
		t.Errorf("public GET /metrics without credentials = %d, want 401", code)
	}
	if res, err := http.Get("http://" + metricsAddr + "/api/health"); err == nil {
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("the metrics listener serves more than /metrics: /api/health = %d", res.StatusCode)
		}
	}
	srv.Stop()
}

// TestFlyMetricsConfig: fly.toml points Fly's Prometheus at the private
// metrics listener, whose port is not the public service's.
func TestFlyMetricsConfig(t *testing.T) {
	var fly struct {
		Env     map[string]string `toml:"env"`
		Metrics struct {
			Port int    `toml:"port"`
			Path string `toml:"path"`
		} `toml:"metrics"`
		HTTPService struct {
			InternalPort int `toml:"internal_port"`
		} `toml:"http_service"`
	}
	if _, err := toml.DecodeFile("fly.toml", &fly); err != nil {
		t.Fatal(err)
	}
	_, port, err := net.SplitHostPort(fly.Env["SLOTBASE_METRICS_HTTP"])
	if err != nil {
		t.Fatalf("fly.toml [env] SLOTBASE_METRICS_HTTP = %q: %v", fly.Env["SLOTBASE_METRICS_HTTP"], err)
	}
	if fly.Metrics.Path != "/metrics" || port != strconv.Itoa(fly.Metrics.Port) || fly.Metrics.Port == fly.HTTPService.InternalPort {
		t.Fatalf("fly.toml [metrics] = %+v, SLOTBASE_METRICS_HTTP port %s, public port %d", fly.Metrics, port, fly.HTTPService.InternalPort)
	}
}
