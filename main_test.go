package main

import (
	"maps"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks"
	"github.com/slotbase/slotbase/internal/testenv"
)

// TestFirstRunBinary runs the real binary on an empty data dir: the banner,
// health, the demo event type and the page; a second start changes nothing.
func TestFirstRunBinary(t *testing.T) {
	dir := t.TempDir()
	srv := testenv.StartServer(t, dir, "--timezone", "Asia/Kolkata")
	for path, want := range map[string]string{
		"/api/health":             "healthy",
		"/api/public/event-types": `"slug":"intro"`,
		"/":                       "/api/public/event-types",
		"/intro":                  "<html",
	} {
		if code, body := srv.Get(t, path); code != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s = %d %q, want 200 with %q", path, code, body, want)
		}
	}
	out := srv.Output()
	for _, want := range []string{"Booking page: " + srv.URL + "/", "Dashboard:    " + srv.URL + "/admin/", "Admin UI:     " + srv.URL + "/_/", srv.URL + "/intro", "superuser upsert"} {
		if !strings.Contains(out, want) {
			t.Errorf("banner lacks %q:\n%s", want, out)
		}
	}
	srv.Stop()
	before := countRecords(t, dir)

	srv = testenv.StartServer(t, dir, "--timezone", "UTC", "--no-demo")
	srv.Stop()
	if after := countRecords(t, dir); !maps.Equal(after, before) {
		t.Fatalf("second start changed the data: %v → %v", before, after)
	}
	if before[c.EventTypes] != 1 || before[c.Hosts] != 1 || before[c.Settings] != 1 {
		t.Fatalf("first run made %v", before)
	}
}

// TestNoDemoBinary: --no-demo creates settings only.
func TestNoDemoBinary(t *testing.T) {
	dir := t.TempDir()
	srv := testenv.StartServer(t, dir, "--no-demo")
	if code, body := srv.Get(t, "/api/public/event-types"); code != 200 || !strings.Contains(body, `"items":[]`) {
		t.Fatalf("event types = %d %s", code, body)
	}
	srv.Stop()
	if n := countRecords(t, dir); n[c.Settings] != 1 || n[c.EventTypes] != 0 || n[c.Hosts] != 0 {
		t.Fatalf("--no-demo made %v", n)
	}
}

func countRecords(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	out := map[string]int64{}
	for _, name := range []string{c.Settings, c.Hosts, c.Schedules, c.EventTypes, c.Bookings} {
		n, err := app.CountRecords(name)
		if err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

// flyConfig is the part of fly.toml the code must agree with.
type flyConfig struct {
	Mounts []struct {
		Source      string `toml:"source"`
		Destination string `toml:"destination"`
	} `toml:"mounts"`
	HTTPService struct {
		InternalPort       int    `toml:"internal_port"`
		AutoStopMachines   string `toml:"auto_stop_machines"`
		AutoStartMachines  bool   `toml:"auto_start_machines"`
		MinMachinesRunning int    `toml:"min_machines_running"`
		Concurrency        struct {
			HardLimit int `toml:"hard_limit"`
		} `toml:"concurrency"`
		Checks []struct {
			Method string `toml:"method"`
			Path   string `toml:"path"`
		} `toml:"checks"`
	} `toml:"http_service"`
}

// TestFlyConfigAgreesWithCode reads fly.toml and the Dockerfile and checks the
// port, the data dir on the volume and the health check against the binary.
func TestFlyConfigAgreesWithCode(t *testing.T) {
	var fly flyConfig
	if _, err := toml.DecodeFile("fly.toml", &fly); err != nil {
		t.Fatal(err)
	}
	docker, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	cmd := regexp.MustCompile(`(?m)^CMD \[(.*)\]$`).FindStringSubmatch(string(docker))
	if cmd == nil {
		t.Fatal("Dockerfile has no CMD [...]")
	}
	args := regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(cmd[1], -1)
	flags := map[string]string{}
	for i := 0; i+1 < len(args); i++ {
		if strings.HasPrefix(args[i][1], "--") {
			flags[args[i][1]] = args[i+1][1]
		}
	}
	if want := ":" + strconv.Itoa(fly.HTTPService.InternalPort); !strings.HasSuffix(flags["--http"], want) {
		t.Errorf("Dockerfile --http %q does not listen on fly internal_port %d", flags["--http"], fly.HTTPService.InternalPort)
	}
	if len(fly.Mounts) != 1 || fly.Mounts[0].Destination != flags["--dir"] {
		t.Errorf("fly mounts %+v, Dockerfile --dir %q: pb_data must live on the one volume", fly.Mounts, flags["--dir"])
	}
	if fly.HTTPService.AutoStopMachines != "off" || fly.HTTPService.MinMachinesRunning < 1 || !fly.HTTPService.AutoStartMachines {
		t.Errorf("machines must stay up (auto_stop off, min 1, auto_start on): %+v", fly.HTTPService)
	}
	// Open live-update streams count as requests (and connections): they must not fill the Machine.
	if cc := fly.HTTPService.Concurrency; cc.HardLimit < hooks.DefaultLiveStreams+200 {
		t.Errorf("fly hard_limit %d leaves no room for %d live streams and ordinary requests", cc.HardLimit, hooks.DefaultLiveStreams)
	}
	if len(fly.HTTPService.Checks) == 0 {
		t.Fatal("fly.toml has no HTTP health check")
	}
	srv := testenv.StartServer(t, t.TempDir(), "--no-demo")
	for _, check := range fly.HTTPService.Checks {
		if code, _ := srv.Get(t, check.Path); check.Method != "GET" || code != 200 {
			t.Errorf("health check %s %s answers %d, want GET 200", check.Method, check.Path, code)
		}
	}
}
