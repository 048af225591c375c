package hooks

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// DefaultFrameAncestors lets only the booking page's own origin frame it;
// SLOTBASE_FRAME_ANCESTORS widens it for embedding on other sites.
const DefaultFrameAncestors = "'self'"

// pageCSP is the booking page's Content-Security-Policy without its
// frame-ancestors: no inline scripts or styles, no third-party requests.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors "

// hostSource is a CSP host-source or scheme-source such as
// https://*.example.com:8443, example.org or https:.
var hostSource = regexp.MustCompile(`^(?i:[a-z][a-z0-9+.-]*:|(?:[a-z][a-z0-9+.-]*://)?(?:\*|(?:\*\.)?[a-z0-9-]+(?:\.[a-z0-9-]+)*)(?::(?:[0-9]{1,5}|\*))?(?:/[a-z0-9._~%!$&()*+=:@/-]*)?)$`)

// ParseFrameAncestors checks a space-separated frame-ancestors source list
// ('self', 'none', *, https:, https://shop.example.com, …) and returns it
// normalised; the error names the first source it cannot accept.
func ParseFrameAncestors(list string) (string, error) {
	sources := strings.Fields(list)
	if len(sources) == 0 {
		return DefaultFrameAncestors, nil
	}
	for _, s := range sources {
		switch {
		case strings.EqualFold(s, "'none'") && len(sources) > 1:
			return "", fmt.Errorf("frame ancestors: 'none' must stand alone")
		case strings.EqualFold(s, "'self'"), strings.EqualFold(s, "'none'"):
		case strings.ContainsAny(s, ";,'\"") || !hostSource.MatchString(s):
			return "", fmt.Errorf("frame ancestors: %q is not a CSP source (use 'self', *, https: or an origin such as https://www.example.com)", s)
		}
	}
	return strings.Join(sources, " "), nil
}

// skipSuccessLog is the request-event key apis.SkipSuccessActivityLog sets
// (unexported in apis, PocketBase v0.40.4: apis/middlewares.go).
const skipSuccessLog = "__skipSuccessActivityLogger"

// pageAsset is one file of the booking page, ready to send.
type pageAsset struct {
	body        []byte
	etag, ctype string

	gzOnce sync.Once
	gz     []byte // the gzipped copy, made at its first use (gzipped)
}

// newPageAsset prepares name's content: its type and a content ETag; the
// gzipped copy is made when first asked for (gzipped), not here: at best
// compression the page's files took a fifth of a cold start's CPU.
func newPageAsset(name string, body []byte) *pageAsset {
	sum := sha256.Sum256(body)
	a := &pageAsset{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	if a.ctype = mime.TypeByExtension(path.Ext(name)); a.ctype == "" {
		a.ctype = http.DetectContentType(body)
	}
	return a
}

// gzipped is the asset's gzipped copy, nil when gzip does not pay off.
func (a *pageAsset) gzipped() []byte {
	a.gzOnce.Do(func() {
		if compressible(a.ctype) && len(a.body) > 256 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(a.body)
			_ = zw.Close()
			a.gz = buf.Bytes()
		}
	})
	return a.gz
}

// compressible reports whether gzip pays off for a content type.
func compressible(ctype string) bool {
	return strings.HasPrefix(ctype, "text/") || strings.Contains(ctype, "javascript") ||
		strings.Contains(ctype, "json") || strings.Contains(ctype, "svg")
}

// pageAssets finds the booking page's files: read once from the embedded
// copy, or on every request from a --publicDir folder being edited.
type pageAssets struct {
	fsys  fs.FS
	cache map[string]*pageAsset // nil: read the folder each time
}

// newPageAssets reads and compresses every file of fsys once, unless live
// (a --publicDir folder being edited, read on every request).
func newPageAssets(fsys fs.FS, live bool) *pageAssets {
	a := &pageAssets{fsys: fsys}
	if live || fsys == nil {
		return a
	}
	a.cache = map[string]*pageAsset{}
	_ = fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if body, err := fs.ReadFile(fsys, name); err == nil {
				a.cache[name] = newPageAsset(name, body)
			}
		}
		return nil
	})
	go func() { // the gzipped copies, made after the start instead of before it
		defer func() { _ = recover() }() // gzip into memory does not fail; a panic must not end the process
		for _, f := range a.cache {
			f.gzipped()
		}
	}()
	return a
}

// get returns the file name, or the page's index.html for a page address
// such as /intro or /manage (a missing file, as apis.Static's index
// fallback does; the dashboard's own under admin/); nil leaves the request
// to apis.Static (folders, redirects).
func (a *pageAssets) get(name string) *pageAsset {
	if a.fsys == nil || strings.HasSuffix(name, "/index.html") || name == "index.html" {
		return nil // apis.Static redirects these to the canonical address
	}
	if name == "" || name == "." {
		name = "index.html"
	}
	if f := a.file(name); f != nil {
		return f
	}
	if _, err := fs.Stat(a.fsys, name); err == nil {
		return nil // a folder
	}
	return a.file(indexOf(name))
}

// dirIndex returns folder dir's index.html (the dashboard at /admin/), nil
// when it has none.
func (a *pageAssets) dirIndex(dir string) *pageAsset {
	if a.fsys == nil {
		return nil
	}
	return a.file(dir + "/index.html")
}

// file returns the file name as it is, nil when there is none.
func (a *pageAssets) file(name string) *pageAsset {
	if a.cache != nil {
		return a.cache[name]
	}
	body, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		return nil
	}
	return newPageAsset(name, body)
}

// dashboardDir is the dashboard's folder in the page's files.
const dashboardDir = "admin"

// indexOf is the page that answers a missing file name: the dashboard's
// for names under admin/, else the booking page's.
func indexOf(name string) string {
	if strings.HasPrefix(name, dashboardDir+"/") {
		return dashboardDir + "/index.html"
	}
	return "index.html"
}

// inDashboard reports whether page file name belongs to the dashboard.
func inDashboard(name string) bool {
	return name == dashboardDir || strings.HasPrefix(name, dashboardDir+"/")
}

// pageMiddleware guards the booking page's route: a strict
// Content-Security-Policy (frame-ancestors from cfg), nosniff, no Referer
// (the manage page's token lives in the URL fragment and must not leak),
// and the page's files served gzipped with a content ETag.
func pageMiddleware(app core.App, cfg *Config, public fs.FS) func(e *core.RequestEvent) error {
	ancestors, err := ParseFrameAncestors(cfg.FrameAncestors)
	if err != nil {
		app.Logger().Error("SLOTBASE_FRAME_ANCESTORS / --frameAncestors ignored: nobody may frame the booking page", "error", err)
		ancestors = "'none'"
	}
	csp := pageCSP + ancestors
	assets := newPageAssets(public, cfg.PublicDir != "")
	return func(e *core.RequestEvent) error {
		h := e.Response.Header()
		name := strings.TrimPrefix(path.Clean("/"+e.Request.PathValue(apis.StaticWildcardParam)), "/")
		if name == "api" || strings.HasPrefix(name, "api/") {
			return e.NotFoundError("No such API route.", nil) // JSON, not the booking page
		}
		dashboard := inDashboard(name)
		switch {
		case dashboard: // never framed: its buttons cancel bookings
			h.Set("Content-Security-Policy", pageCSP+"'none'")
			h.Set("X-Frame-Options", "DENY")
		case ancestors != DefaultFrameAncestors:
			h.Set("Content-Security-Policy", csp)
			h.Del("X-Frame-Options") // PocketBase's SAMEORIGIN; frame-ancestors says who may frame the page
		default:
			h.Set("Content-Security-Policy", csp)
		}
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if strings.HasSuffix(e.Request.URL.Path, "/") && name != "" {
			if a := assets.dirIndex(name); a != nil && dashboard {
				e.Set(skipSuccessLog, true)
				return a.serve(e) // the dashboard at /admin/, gzipped with its ETag
			}
			return e.Next() // apis.Static redirects to the address without the slash
		}
		a := assets.get(name)
		if a == nil {
			return e.Next()
		}
		e.Set(skipSuccessLog, true) // as apis.Static does: page views do not flood the request log
		return a.serve(e)
	}
}

// serve writes the asset: 304 when the client has it, gzip when it may.
func (a *pageAsset) serve(e *core.RequestEvent) error {
	h := e.Response.Header()
	h.Set("Content-Type", a.ctype)
	h.Set("Cache-Control", "no-cache")
	h.Set("Vary", "Accept-Encoding")
	h.Set("ETag", a.etag)
	if inm := e.Request.Header.Get("If-None-Match"); inm != "" && strings.Contains(inm, a.etag) {
		e.Response.WriteHeader(http.StatusNotModified)
		return nil
	}
	body := a.body
	if strings.Contains(e.Request.Header.Get("Accept-Encoding"), "gzip") && a.gzipped() != nil {
		body = a.gz
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("Content-Length", fmt.Sprint(len(body)))
	e.Response.WriteHeader(http.StatusOK)
	if e.Request.Method == http.MethodHead {
		return nil
	}
	_, err := e.Response.Write(body)
	return err
}
