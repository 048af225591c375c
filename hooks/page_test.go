package hooks

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/pocketbase/pocketbase/tests"
)

// TestPageHeaders checks the booking page's security headers, gzip and
// ETag on the route hooks.Register binds, with frame-ancestors from Config.
func TestPageHeaders(t *testing.T) {
	scenarios := []struct {
		name, url, ancestors, wantAncestors, wantType string
		xfo                                           bool
	}{
		{"index, default ancestors", "/", "", "'self'", "text/html; charset=utf-8", true},
		{"pretty link", "/intro", "'self' https://shop.example.com", "'self' https://shop.example.com", "text/html; charset=utf-8", false},
		{"manage page", "/manage", "", "'self'", "text/html; charset=utf-8", true},
		{"script", "/app.js", "*", "*", "text/javascript; charset=utf-8", false},
		{"bad list fails closed", "/", "https://a.example; script-src *", "'none'", "text/html; charset=utf-8", false},
	}
	for _, s := range scenarios {
		(&tests.ApiScenario{
			Name:            s.name,
			Method:          http.MethodGet,
			URL:             s.url,
			Headers:         map[string]string{"Accept-Encoding": "gzip"},
			ExpectedStatus:  200,
			ExpectedContent: []string{""},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				return newTestApp(t, Config{FrameAncestors: s.ancestors})
			},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				h := res.Header
				csp := h.Get("Content-Security-Policy")
				if !strings.HasPrefix(csp, "default-src 'none'; script-src 'self'; style-src 'self';") || !strings.HasSuffix(csp, "frame-ancestors "+s.wantAncestors) {
					t.Errorf("CSP %q", csp)
				}
				if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" ||
					h.Get("Content-Encoding") != "gzip" || h.Get("ETag") == "" || h.Get("Content-Type") != s.wantType {
					t.Errorf("headers %v", h)
				}
				if got := h.Get("X-Frame-Options") != ""; got != s.xfo {
					t.Errorf("X-Frame-Options %q, want present=%v", h.Get("X-Frame-Options"), s.xfo)
				}
			},
		}).Test(t)
	}
}

// TestDashboardPageAndAPIMisses: the dashboard is served at /admin/ (never
// framed), its addresses fall back to its own page, and a GET of an unknown
// /api/ path is a JSON 404, not the booking page.
func TestDashboardPageAndAPIMisses(t *testing.T) {
	scenarios := []struct {
		url, want string
		status    int
	}{
		{"/admin/", `src="/admin/dash.js"`, 200},
		{"/admin/bookings/xyz", `src="/admin/dash.js"`, 200},
		{"/api/nosuch", `"status":404`, 404},
		{"/api/admin/nosuch", `"status":404`, 404},
	}
	for _, s := range scenarios {
		(&tests.ApiScenario{
			Name:            s.url,
			Method:          http.MethodGet,
			URL:             s.url,
			ExpectedStatus:  s.status,
			ExpectedContent: []string{s.want},
			TestAppFactory: func(t testing.TB) *tests.TestApp {
				return newTestApp(t, Config{FrameAncestors: "*"})
			},
			AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
				if s.status != 200 {
					return
				}
				if csp := res.Header.Get("Content-Security-Policy"); !strings.HasSuffix(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
					t.Errorf("the dashboard may be framed: CSP %q, X-Frame-Options %q", csp, res.Header.Get("X-Frame-Options"))
				}
			},
		}).Test(t)
	}
	(&tests.ApiScenario{
		Name:            "the old Google page",
		Method:          http.MethodGet,
		URL:             "/admin/google",
		ExpectedStatus:  http.StatusMovedPermanently,
		ExpectedContent: []string{""},
		TestAppFactory:  func(t testing.TB) *tests.TestApp { return newTestApp(t, Config{}) },
		AfterTestFunc: func(t testing.TB, _ *tests.TestApp, res *http.Response) {
			if loc := res.Header.Get("Location"); loc != "/admin/#/calendars" {
				t.Errorf("redirect to %q", loc)
			}
		},
	}).Test(t)
}

// TestParseFrameAncestors checks which CSP source lists are accepted.
func TestParseFrameAncestors(t *testing.T) {
	scenarios := []struct {
		in, want string
		ok       bool
	}{
		{"", DefaultFrameAncestors, true},
		{"  'self'  ", "'self'", true},
		{"'none'", "'none'", true},
		{"*", "*", true},
		{"https:", "https:", true},
		{"'self' https://www.example.com  https://*.example.org:8443", "'self' https://www.example.com https://*.example.org:8443", true},
		{"http://127.0.0.1:5173 example.com/path/", "http://127.0.0.1:5173 example.com/path/", true},
		{"'none' 'self'", "", false},
		{"https://example.com; script-src *", "", false},
		{"https://a.example,https://b.example", "", false},
		{"'unsafe-inline'", "", false},
		{`"https://example.com"`, "", false},
		{"https://", "", false},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			got, err := ParseFrameAncestors(s.in)
			if (err == nil) != s.ok || got != s.want {
				t.Fatalf("ParseFrameAncestors(%q) = %q, %v; want %q, ok=%v", s.in, got, err, s.want, s.ok)
			}
		})
	}
}

// TestPageAssetsGet checks which requests the page middleware answers
// itself and which it leaves to apis.Static, embedded and live.
func TestPageAssetsGet(t *testing.T) {
	fsys := fstest.MapFS{
		"index.html":       {Data: []byte("<!doctype html><title>page</title>" + string(make([]byte, 400)))},
		"app.js":           {Data: []byte("console.log(1)")},
		"img/logo.svg":     {Data: []byte("<svg/>")},
		"img/index.html":   {Data: []byte("folder index")},
		"admin/index.html": {Data: []byte("dashboard")},
		"admin/dash.js":    {Data: []byte("dash()")},
	}
	for _, live := range []bool{false, true} {
		a := newPageAssets(fsys, live)
		scenarios := []struct {
			name, want string // want: the file served, "" = left to apis.Static
		}{
			{"", "index.html"},
			{"intro", "index.html"}, // a page address: the index fallback
			{"manage", "index.html"},
			{"app.js", "app.js"},
			{"img/logo.svg", "img/logo.svg"},
			{"img", ""},            // a folder: apis.Static redirects or serves its index
			{"index.html", ""},     // apis.Static redirects to /
			{"img/index.html", ""}, // likewise
			{"admin/dash.js", "admin/dash.js"},
			{"admin/bookings", "admin/index.html"}, // the dashboard's own fallback
			{"admin", ""},                          // apis.Static redirects to /admin/
		}
		for _, s := range scenarios {
			got := a.get(s.name)
			switch {
			case s.want == "" && got != nil:
				t.Errorf("live=%v get(%q) served a file, want apis.Static to answer", live, s.name)
			case s.want != "" && (got == nil || string(got.body) != string(fsys[s.want].Data)):
				t.Errorf("live=%v get(%q) did not serve %s", live, s.name, s.want)
			}
		}
		idx := a.get("")
		if idx.ctype != "text/html; charset=utf-8" || idx.gzipped() == nil || idx.etag == "" {
			t.Errorf("live=%v index: type %q, gzip %v, etag %q", live, idx.ctype, idx.gzipped() != nil, idx.etag)
		}
		if d := a.dirIndex("admin"); d == nil || string(d.body) != "dashboard" {
			t.Errorf("live=%v the dashboard's index at /admin/ is not served", live)
		}
		if a.dirIndex("img") == nil || a.dirIndex("nothing") != nil {
			t.Errorf("live=%v dirIndex finds a folder's index.html and nothing else", live)
		}
		if js := a.get("app.js"); js.gzipped() != nil || js.ctype != "text/javascript; charset=utf-8" {
			t.Errorf("live=%v app.js (tiny): gzip %v, type %q", live, js.gzipped() != nil, js.ctype)
		}
	}
}
