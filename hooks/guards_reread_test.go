package hooks

import (
	"net/http"
	"strings"
	"testing"
)

// TestSignInThroughTheBodyLimit: PocketBase reads a sign-in's body twice
// (the form, then the request info); the body limit lets the second read
// see the same bytes with the whole limit again, and still refuses a body
// over it.
func TestSignInThroughTheBodyLimit(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	mkSuperuser(t, app, "root@example.com")
	signIn := url + "/api/collections/_superusers/auth-with-password"
	scenarios := []struct {
		name string
		pad  int // bytes of an ignored field
		code int
	}{
		{"plain", 0, http.StatusOK},
		{"over half the limit: read twice, still within it each time", anonymousBodyLimit * 3 / 4, http.StatusOK},
		{"over the limit", anonymousBodyLimit + 1, http.StatusRequestEntityTooLarge},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := apiCall(t, "POST", signIn, "", map[string]any{
				"identity": "root@example.com", "password": "admin-password-123", "pad": strings.Repeat("x", s.pad)})
			if code != s.code || (s.code == http.StatusOK && body["token"] == nil) {
				t.Fatalf("%d %v, want %d", code, body, s.code)
			}
		})
	}
}
