package hooks

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/apikey"
)

// TestPprofForOperatorsOnly: profiles are there for an admin key or a
// superuser, refused to everyone else, and the command line is never served.
func TestPprofForOperatorsOnly(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app) + "/api/admin/debug/pprof/"
	admin := mkKey(t, app, []string{apikey.ScopeAdmin}, time.Time{})
	reader := mkKey(t, app, []string{apikey.ScopeBookingsRead}, time.Time{})
	su := superuserToken(t, app)
	scenarios := []struct {
		name, path, bearer string
		want               int
		body               string
	}{
		{"anonymous", "heap", "", 401, ""},
		{"a key without the admin scope", "heap", reader, 403, ""},
		{"index for an admin key", "", admin, 200, "goroutine"},
		{"goroutines as text", "goroutine?debug=1", admin, 200, "goroutine profile:"},
		{"heap for a superuser", "heap?debug=1", su, 200, "heap profile:"},
		{"the command line is never served", "cmdline", admin, 403, ""},
		{"unknown profile", "nosuch", admin, 404, ""},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := call(t, http.MethodGet, url+s.path, s.bearer, "")
			if code != s.want || !strings.Contains(body, s.body) {
				t.Fatalf("GET %s = %d %.120q, want %d containing %q", s.path, code, body, s.want, s.body)
			}
		})
	}
}
