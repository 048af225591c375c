package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/testenv"
)

// previousRelease is the commit whose binary made the data dirs this
// release must open (bump it with each release).
const previousRelease = "70f547c"

// previousBinary builds slotbase at previousRelease once into
// $HOME/.cache/slotbase-test/upgrade/<commit>/ and returns its path.
func previousBinary(t *testing.T) string {
	t.Helper()
	home, err := os.UserHomeDir()
	if err != nil {
		t.Fatal(err)
	}
	cache := filepath.Join(home, ".cache", "slotbase-test", "upgrade", previousRelease)
	bin := filepath.Join(cache, "slotbase")
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	src := t.TempDir()
	archive := exec.Command("sh", "-c", "git archive "+previousRelease+" | tar -x -C "+src)
	if out, err := archive.CombinedOutput(); err != nil {
		testenv.Missing(t, fmt.Sprintf("commit %s in this clone (git archive: %v %s; fetch the full history)", previousRelease, err, out))
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", bin+".tmp", ".")
	build.Dir = src
	build.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-buildvcs=false")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building %s: %v\n%s", previousRelease, err, out)
	}
	if err := os.Rename(bin+".tmp", bin); err != nil {
		t.Fatal(err)
	}
	return bin
}

// appliedMigrations lists the migrations a data dir has applied.
func appliedMigrations(t *testing.T, dir string) map[string]bool {
	t.Helper()
	var files []string
	readDataDir(t, dir, func(app core.App) {
		if err := app.DB().Select("file").From(core.DefaultMigrationsTable).Column(&files); err != nil {
			t.Fatal(err)
		}
	})
	out := map[string]bool{}
	for _, f := range files {
		out[f] = true
	}
	return out
}

// bookDemo books the first free slot of the demo event type.
func bookDemo(t *testing.T, base string) (id, token string) {
	t.Helper()
	from := time.Now().UTC().AddDate(0, 0, 1).Format("2006-01-02")
	to := time.Now().UTC().AddDate(0, 0, 14).Format("2006-01-02")
	res, err := http.Get(base + "/api/slots?event_type=" + "intro" + "&from=" + from + "&to=" + to + "&tz=UTC")
	if err != nil {
		t.Fatal(err)
	}
	var slots struct {
		Days []struct {
			Slots []struct{ Start string } `json:"slots"`
		} `json:"days"`
	}
	err = json.NewDecoder(res.Body).Decode(&slots)
	res.Body.Close()
	start := ""
	for _, d := range slots.Days {
		if len(d.Slots) > 0 && start == "" {
			start = d.Slots[0].Start
		}
	}
	if err != nil || start == "" {
		t.Fatalf("no free slot of the demo in two weeks: %v %+v", err, slots)
	}
	body, _ := json.Marshal(map[string]any{"event_type": "intro", "start": start, "name": "Upgrade", "email": "upgrade@example.com", "timezone": "UTC"})
	res, err = http.Post(base+"/api/bookings", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		ID          string `json:"id"`
		ManageToken string `json:"manage_token"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("booking: %d %v", res.StatusCode, err)
	}
	return out.ID, out.ManageToken
}

// TestUpgradeFromPreviousRelease opens a data dir made by the previous
// release with this binary: its migrations run at start, the booking made
// before is there and can be cancelled through its link, and `migrate
// history` shows every migration applied, the new ones included.
func TestUpgradeFromPreviousRelease(t *testing.T) {
	old := previousBinary(t)
	dir := t.TempDir()

	// The previous release: first run with the demo, one booking.
	addr := testenv.FreeAddr(t)
	cmd := exec.Command(old, "serve", "--dir", dir, "--http", addr, "--timezone", "UTC", "--rateLimits=false")
	var oldOut syncBuf
	cmd.Stdout, cmd.Stderr = &oldOut, &oldOut
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + addr
	waitHealthy(t, "the previous release", base)
	id, token := bookDemo(t, base)
	_ = cmd.Process.Signal(os.Interrupt)
	if err := cmd.Wait(); err != nil {
		t.Logf("previous release stopped: %v", err)
	}
	before := appliedMigrations(t, dir)

	// This release on the same dir.
	srv := testenv.StartServer(t, dir, "--rateLimits=false")
	if code, body := srv.Get(t, "/api/bookings/manage/"+token); code != http.StatusOK || !strings.Contains(body, id) {
		t.Fatalf("the booking made by %s: %d %s", previousRelease, code, body)
	}
	res, err := http.Post(srv.URL+"/api/bookings/manage/"+token+"/cancel", "application/json", strings.NewReader(`{"reason":"upgrade test"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("cancel after the upgrade: %d", res.StatusCode)
	}
	if code, body := srv.Get(t, "/api/bookings/manage/"+token); code != http.StatusOK || !strings.Contains(body, `"cancelled"`) {
		t.Fatalf("after cancel: %d %s", code, body)
	}
	srv.Stop()

	out, err := exec.Command(testenv.Binary(t), "migrate", "history", "--json", "--dir", dir).Output()
	if err != nil {
		t.Fatalf("migrate history: %v", err)
	}
	var hist []struct {
		File    string     `json:"file"`
		Applied *time.Time `json:"applied"`
		Known   bool       `json:"known"`
	}
	if err := json.Unmarshal(out, &hist); err != nil {
		t.Fatalf("migrate history --json: %v\n%s", err, out)
	}
	var added []string
	listed := map[string]bool{}
	for _, m := range hist {
		listed[m.File] = true
		if m.Applied == nil || !m.Known {
			t.Errorf("after the upgrade: %+v, want every migration known and applied", m)
		}
		if !before[m.File] {
			added = append(added, m.File)
		}
	}
	for f := range before {
		if !listed[f] {
			t.Errorf("migrate history lacks %s, applied by %s", f, previousRelease)
		}
	}
	t.Logf("migrations new since %s, applied at the upgrade: %v", previousRelease, added)
}
