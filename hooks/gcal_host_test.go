package hooks

import (
	"net/http"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// saveHostAccount stores a host_users account with hostPassword for hostID
// (for the tests that are not about the invitation).
func saveHostAccount(t *testing.T, app core.App, hostID string) *core.Record {
	t.Helper()
	hr, err := app.FindRecordById(c.Hosts, hostID)
	if err != nil {
		t.Fatal(err)
	}
	col, err := app.FindCollectionByNameOrId(c.HostUsers)
	if err != nil {
		t.Fatal(err)
	}
	r := core.NewRecord(col)
	r.Set(c.HostUsersHost, hostID)
	r.SetEmail(c.NewHost(hr).Email())
	r.SetPassword(hostPassword)
	if err := app.Save(r); err != nil {
		t.Fatal(err)
	}
	return r
}

// hostToken stores a host_users account for hostID and returns its token.
func hostToken(t *testing.T, app core.App, hostID string) string {
	t.Helper()
	tok, err := saveHostAccount(t, app, hostID).NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// TestHostConnectsOwnGoogle: a host connects, syncs and disconnects their
// own Google Calendar and cannot reach another host's.
func TestHostConnectsOwnGoogle(t *testing.T) {
	g := newGcalEnv(t)
	bob := mkHost(t, g.app, "Bob", "Europe/London", weekdays9to5)
	alice, bobs := hostToken(t, g.app, g.host), hostToken(t, g.app, bob)
	own := func(auth string) map[string]any {
		t.Helper()
		code, body := apiCall(t, "GET", g.base+"/api/host/google", auth, nil)
		if code != http.StatusOK || body["configured"] != true {
			t.Fatalf("own connection: %d %v", code, body)
		}
		return body["connection"].(map[string]any)
	}
	if cn := own(alice); cn["status"] != "not_connected" || cn["host"] != g.host {
		t.Fatalf("before connecting: %v", cn)
	}
	if code, _ := apiCall(t, "POST", g.base+"/api/host/google/sync", alice, nil); code != http.StatusNotFound {
		t.Fatalf("sync without a connection: %d", code)
	}

	g.connectVia("/api/host/google/connect", alice, g.host) // the consent's state names Alice's host
	if cn := own(alice); cn["status"] != c.ConnectionConnected || cn["account"] == "" {
		t.Fatalf("after connecting: %v", cn)
	}
	if cn := own(bobs); cn["status"] != "not_connected" || cn["host"] != bob {
		t.Fatalf("Bob sees %v", cn)
	}
	for _, path := range []string{"/api/host/google/sync", "/api/host/google/disconnect"} {
		if code, _ := apiCall(t, "POST", g.base+path, bobs, nil); code != http.StatusNotFound {
			t.Errorf("Bob %s: %d, want 404 (he has no connection)", path, code)
		}
	}
	if g.connection().status() != c.ConnectionConnected {
		t.Fatal("Bob's requests touched Alice's connection")
	}
	if code, _ := apiCall(t, "GET", g.base+"/api/host/google", g.suAuth, nil); code != http.StatusForbidden {
		t.Fatalf("a superuser on the host route: %d", code)
	}
	if code, _ := apiCall(t, "POST", g.base+"/api/host/google/sync", alice, nil); code != http.StatusAccepted {
		t.Fatalf("sync: %d", code)
	}
	if code, body := apiCall(t, "POST", g.base+"/api/host/google/disconnect", alice, nil); code != http.StatusOK || body["status"] != c.ConnectionDisconnected {
		t.Fatalf("disconnect: %d %v", code, body)
	}
	if g.connection().status() != c.ConnectionDisconnected {
		t.Fatal("still connected")
	}
}
