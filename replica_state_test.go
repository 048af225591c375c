package main

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/testenv"
)

// fullStatus is `replica status --json` with the fields of issue 19.
type fullStatus struct {
	Enabled bool   `json:"enabled"`
	State   string `json:"state"`
	Reason  string `json:"reason"`
	Target  string `json:"target"`
	URLFrom string `json:"url_from"`
}

// replicaStatusJSON runs `replica status --json` on dir with extra args, in
// an environment without SLOTBASE_POSTGRES_URL (a `fly ssh` shell).
func replicaStatusJSON(t *testing.T, dir string, extra ...string) (fullStatus, string) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), append([]string{"replica", "status", "--json", "--dir", dir}, extra...)...)
	cmd.Env = withoutEnv("SLOTBASE_POSTGRES_URL")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("replica status: %v\n%s", err, out)
	}
	var st fullStatus
	if i := bytes.IndexByte(out, '{'); i < 0 || json.Unmarshal(out[i:], &st) != nil {
		t.Fatalf("replica status --json:\n%s", out)
	}
	return st, string(out)
}

func withoutEnv(name string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, name+"=") {
			env = append(env, kv)
		}
	}
	return env
}

// TestReplicaCommandsFindSavedURL: after serving with --postgres, `replica
// status` and `replica verify` work without the URL (the server saved it
// sealed), never print or store it in clear, and serving without a URL
// forgets it.
func TestReplicaCommandsFindSavedURL(t *testing.T) {
	pg := testenv.PostgresDatabase(t)
	u, _ := url.Parse(pg)
	u.User = url.UserPassword(u.User.Username(), "s3cret-replica-pass") // trust auth ignores it; it must never show
	pgURL := u.String()
	dir := t.TempDir()
	prepareDataDir(t, dir)
	srv := testenv.StartServer(t, dir, "--postgres", pgURL)
	waitCaughtUp(t, dir, pgURL)
	srv.Stop()

	st, out := replicaStatusJSON(t, dir)
	if !st.Enabled || st.State != "streaming" || st.URLFrom != "saved by the server" || st.Target == "" {
		t.Fatalf("status without the URL: %+v\n%s", st, out)
	}
	cmd := exec.Command(testenv.Binary(t), "replica", "verify", "--dir", dir)
	cmd.Env = withoutEnv("SLOTBASE_POSTGRES_URL")
	vout, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(vout), "verify: clean") {
		t.Fatalf("verify without the URL: %v\n%s", err, vout)
	}
	for _, text := range []string{out, string(vout), srv.Output(), stateTableText(t, dir)} {
		if strings.Contains(text, "s3cret-replica-pass") {
			t.Fatalf("the replica URL's password shows in clear:\n%s", text)
		}
	}

	srv = testenv.StartServer(t, dir) // without --postgres: the replica is off
	srv.Stop()
	if st, out := replicaStatusJSON(t, dir); st.Enabled || st.State != "off" {
		t.Fatalf("after serving without a URL: %+v\n%s", st, out)
	}
}

// stateTableText is the replica state table's content.
func stateTableText(t *testing.T, dir string) string {
	t.Helper()
	var rows []struct {
		Key   string `db:"key"`
		Value string `db:"value"`
	}
	readDataDir(t, dir, func(app core.App) {
		if err := app.DB().NewQuery("SELECT key, value FROM _slotbase_replica_state").All(&rows); err != nil {
			t.Fatal(err)
		}
	})
	b, _ := json.Marshal(rows)
	if !strings.Contains(string(b), "url_sealed") {
		t.Fatalf("no sealed URL saved: %s", b)
	}
	return string(b)
}

// TestReplicaRefusalIsReported: a fresh data dir served against a
// PostgreSQL that holds another data dir's replica does not stream, and
// says so: state "refused" with the reason in /api/admin/replica,
// /api/admin/status and `replica status`, and `replica verify` exits
// non-zero.
func TestReplicaRefusalIsReported(t *testing.T) {
	pg := testenv.PostgresDatabase(t)
	first := t.TempDir()
	prepareDataDir(t, first)
	srv := testenv.StartServer(t, first, "--postgres", pg)
	waitCaughtUp(t, first, pg)
	srv.Stop()

	fresh := t.TempDir()
	prepareDataDir(t, fresh)
	if out, err := slotbaseCmd(t, "superuser", "upsert", "root@example.com", "a-long-password-123", "--dir", fresh); err != nil {
		t.Fatalf("superuser: %v\n%s", err, out)
	}
	srv = testenv.StartServer(t, fresh, "--postgres", pg)
	token := superuserToken(t, srv.URL)
	var live fullStatus
	pollUntil(t, "the server to report the refusal", func() bool {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/admin/replica", nil)
		req.Header.Set("Authorization", token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET /api/admin/replica: %d", res.StatusCode)
		}
		live = fullStatus{}
		_ = json.NewDecoder(res.Body).Decode(&live)
		return live.State == "refused"
	})
	if !strings.Contains(live.Reason, "another data dir") {
		t.Errorf("refusal reason %q", live.Reason)
	}
	// The readiness report says it too.
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/admin/status", nil)
	req.Header.Set("Authorization", token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var status struct {
		Status  string
		Reasons []string
		Replica struct{ State string }
	}
	_ = json.NewDecoder(res.Body).Decode(&status)
	res.Body.Close()
	if status.Replica.State != "refused" || status.Status != "degraded" || !strings.Contains(strings.Join(status.Reasons, " "), "another data dir") {
		t.Errorf("GET /api/admin/status = %+v", status)
	}
	srv.Stop()

	if st, out := replicaStatusJSON(t, fresh); st.State != "refused" || !strings.Contains(st.Reason, "replica restore") {
		t.Errorf("replica status: %+v\n%s", st, out)
	}
	out, err := slotbaseCmd(t, "replica", "verify", "--dir", fresh, "--postgres", pg)
	if err == nil || !strings.Contains(out, "refused") {
		t.Errorf("replica verify on a refused replica: err %v\n%s", err, out)
	}
	if st, out := replicaStatusJSON(t, first); st.State != "streaming" {
		t.Errorf("the replica's own data dir: %+v\n%s", st, out)
	}
}

// superuserToken signs in the test superuser.
func superuserToken(t *testing.T, base string) string {
	t.Helper()
	res, err := http.Post(base+"/api/collections/_superusers/auth-with-password", "application/json",
		strings.NewReader(`{"identity":"root@example.com","password":"a-long-password-123"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || out.Token == "" {
		t.Fatalf("superuser sign-in: %d %v", res.StatusCode, err)
	}
	return out.Token
}
