package hooks

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
)

// TestKeptViews: ids are read once per version; an id the read does not
// find is not kept (read again next time); a read error is the answer.
func TestKeptViews(t *testing.T) {
	var kept sync.Map
	var reads [][]string
	read := func(ids []string) (map[string]string, error) {
		reads = append(reads, slices.Sorted(slices.Values(ids)))
		out := map[string]string{}
		for _, id := range ids {
			if id != "gone" {
				out[id] = "view of " + id
			}
		}
		return out, nil
	}
	scenarios := []struct {
		name     string
		version  uint64
		ids      []string
		wantRead []string // nil: no read
		want     map[string]string
	}{
		{"first read", 1, []string{"a", "b"}, []string{"a", "b"}, map[string]string{"a": "view of a", "b": "view of b"}},
		{"kept", 1, []string{"b", "a"}, nil, map[string]string{"a": "view of a", "b": "view of b"}},
		{"one new id", 1, []string{"a", "c"}, []string{"c"}, map[string]string{"a": "view of a", "c": "view of c"}},
		{"missing ids are not kept", 1, []string{"a", "gone"}, []string{"gone"}, map[string]string{"a": "view of a"}},
		{"missing ids are read again", 1, []string{"gone"}, []string{"gone"}, map[string]string{}},
		{"a change reads again", 2, []string{"a", "b"}, []string{"a", "b"}, map[string]string{"a": "view of a", "b": "view of b"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			reads = nil
			got, err := keptViews(&kept, sc.version, sc.ids, read)
			if err != nil {
				t.Fatal(err)
			}
			var wantReads [][]string
			if sc.wantRead != nil {
				wantReads = [][]string{sc.wantRead}
			}
			if !slices.EqualFunc(reads, wantReads, slices.Equal) {
				t.Errorf("reads %v, want %v", reads, wantReads)
			}
			if len(got) != len(sc.want) {
				t.Fatalf("got %v, want %v", got, sc.want)
			}
			for k, v := range sc.want {
				if got[k] != v {
					t.Errorf("got %v, want %v", got, sc.want)
				}
			}
		})
	}
	failed := errors.New("database is locked")
	if _, err := keptViews(&kept, 3, []string{"a"}, func([]string) (map[string]string, error) { return nil, failed }); !errors.Is(err, failed) {
		t.Fatalf("a failed read answered %v, want the error", err)
	}
}

// bookedListApp is bookingApp served over HTTP with one booking and an
// admin API key: the app (to clean up), its host, the URL and the key.
func bookedListApp(t *testing.T) (*tests.TestApp, string, string, string) {
	t.Helper()
	app, host := bookingApp(t, nil)
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: time.Minute}
	key := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	if code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil); code != 201 {
		t.Fatalf("setup: %d %v", code, body)
	}
	return app, host, url, key
}

// TestAdminListSeesSetupChanges: the admin list keeps event type and host
// views between requests, and shows a renamed host and a retitled event
// type at once.
func TestAdminListSeesSetupChanges(t *testing.T) {
	app, host, url, key := bookedListApp(t)
	defer app.Cleanup()
	list := func() string {
		t.Helper()
		code, body := call(t, "GET", url+"/api/admin/bookings", key, "")
		if code != 200 {
			t.Fatalf("list: %d %s", code, body)
		}
		return body
	}
	if body := list(); !strings.Contains(body, `"host_names":["Alice"]`) {
		t.Fatalf("first list: %s", body)
	}
	list() // kept now

	h, err := app.FindRecordById(c.Hosts, host)
	if err != nil {
		t.Fatal(err)
	}
	h.Set(c.HostsName, "Alicia")
	if err := app.Save(h); err != nil {
		t.Fatal(err)
	}
	et, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	et.Set(c.EventTypesTitle, "A longer call")
	if err := app.Save(et); err != nil {
		t.Fatal(err)
	}
	if body := list(); !strings.Contains(body, `"host_names":["Alicia"]`) || !strings.Contains(body, `"A longer call"`) {
		t.Fatalf("list after renaming: %s", body)
	}
}

// TestAdminListDatabaseFailureIs500: when the bookings, or the hosts a
// page names, cannot be read, the list answers 500, never a page short of
// them or an empty one.
func TestAdminListDatabaseFailureIs500(t *testing.T) {
	app, _, url, key := bookedListApp(t)
	defer app.Cleanup()
	v, _ := testServers.Load(core.App(app))
	srv := v.(*server)
	for _, table := range []string{c.Bookings, c.Hosts} {
		t.Run(table, func(t *testing.T) {
			srv.slots.invalidate() // nothing kept: the page reads every table
			if _, err := app.DB().NewQuery("ALTER TABLE " + table + " RENAME TO broken_" + table).Execute(); err != nil {
				t.Fatal(err)
			}
			code, body := call(t, "GET", url+"/api/admin/bookings", key, "")
			if _, err := app.DB().NewQuery("ALTER TABLE broken_" + table + " RENAME TO " + table).Execute(); err != nil {
				t.Fatal(err)
			}
			if code != http.StatusInternalServerError {
				t.Fatalf("%s unreadable: %d %s, want 500", table, code, body)
			}
			if code, body := call(t, "GET", url+"/api/admin/bookings", key, ""); code != 200 || !strings.Contains(body, `"totalItems":1`) {
				t.Fatalf("after repair: %d %s", code, body)
			}
		})
	}
}
