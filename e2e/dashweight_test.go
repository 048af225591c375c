package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/slotbase/slotbase/internal/testenv"
)

// MaxDashboardBytes is the budget for the dashboard's first screen,
// gzip.
const MaxDashboardBytes = 60 * 1024

// TestDashboardWeight measures two first visits of /admin/ in fresh browser
// profiles (empty cache): the sign-in screen, and the overview of a signed-in
// admin (its API answers included); the bytes go to BENCHMARKS.md.
func TestDashboardWeight(t *testing.T) {
	srv := startIntro(t)
	const password = "a-long-password-123"
	if out, err := exec.Command(testenv.Binary(t), "superuser", "upsert", "root@example.com", password, "--dir", srv.Dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	code, body := call(t, srv, "POST", "/api/collections/_superusers/auth-with-password", "", `{"identity":"root@example.com","password":"`+password+`"}`)
	var auth struct{ Token string }
	if err := json.Unmarshal([]byte(body), &auth); code != http.StatusOK || err != nil || auth.Token == "" {
		t.Fatalf("sign in: %d %s", code, body)
	}
	session, _ := json.Marshal(map[string]string{"token": auth.Token, "role": "admin", "email": "root@example.com"})

	b := newBrowser(t, "Europe/Berlin", desktop)
	heading := `(document.querySelector("main h1") || {}).textContent`
	signIn := measureVisit(t, b.ctx, srv.URL+"/admin/", "Europe/Berlin", heading+` === "Sign in"`, nil, nil)
	// Signed in: the session is stored from a page that loads none of the
	// dashboard's files, so the overview's visit starts with an empty cache.
	storeSession := func(ctx context.Context) error {
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+"/api/health")); err != nil {
			return err
		}
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`localStorage.setItem("slotbase.dash", `+jsString(string(session))+`), true`))
		return err
	}
	overview := measureVisit(t, b.ctx, srv.URL+"/admin/", "Europe/Berlin",
		heading+` === "Overview" && !document.querySelector(".loading")`, storeSession, nil)

	report := signIn.report("first visit of /admin/ (sign-in screen)") + overview.report("first visit of /admin/ signed in (overview, API answers included)")
	t.Log("\n" + report)
	if err := os.WriteFile(filepath.Join(artifactDir(t, "weight"), "dashboard-weight.txt"), []byte(report), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, v := range []visit{signIn, overview} {
		if v.bytes >= MaxDashboardBytes {
			t.Errorf("a first visit of the dashboard transfers %d bytes, over the %d-byte budget", v.bytes, MaxDashboardBytes)
		}
	}
	if _, ok := overview.resources["/api/admin/overview"]; !ok {
		t.Errorf("the signed-in visit did not load the overview: %v", overview.resources)
	}
}
