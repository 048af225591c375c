package main

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/slotbase/slotbase/internal/testenv"
)

// TestAPIKeyCLI creates, lists and revokes a key with the real binary while
// a server uses the same data dir.
func TestAPIKeyCLI(t *testing.T) {
	dir := t.TempDir()
	prepareDataDir(t, dir)
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(testenv.Binary(t), append(args, "--dir", dir)...).CombinedOutput()
		if err != nil {
			t.Fatalf("slotbase %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	out := run("apikey", "create", "--name", "reporting", "--scopes", "bookings:read")
	key := strings.Fields(out)[0]
	if !strings.HasPrefix(key, "sb_") {
		t.Fatalf("create printed %q", out)
	}
	if bad, err := exec.Command(testenv.Binary(t), "apikey", "create", "--name", "x", "--scopes", "root", "--dir", dir).CombinedOutput(); err == nil || !strings.Contains(string(bad), "scopes") {
		t.Fatalf("unknown scope accepted: %s", bad)
	}
	srv := testenv.StartServer(t, dir, "--rateLimits=false")
	get := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/admin/bookings", nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := get(); code != 200 {
		t.Fatalf("new key: %d", code)
	}
	list := run("apikey", "list")
	if !strings.Contains(list, "reporting") || strings.Contains(list, key) || !strings.Contains(list, key[3:11]) {
		t.Fatalf("list shows the key or not its prefix:\n%s", list)
	}
	run("apikey", "revoke", key[3:11])
	if code := get(); code != 401 {
		t.Fatalf("revoked key: %d", code)
	}
	if strings.Contains(srv.Output(), key) {
		t.Fatal("the server logged the key")
	}
}
