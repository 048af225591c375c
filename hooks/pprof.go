package hooks

import (
	"net/http/pprof"
	"strings"

	"github.com/pocketbase/pocketbase/core"
)

// handlePprof serves Go's runtime profiles at /api/admin/debug/pprof/… for
// operators (a superuser, or an API key with the admin scope), so the next
// performance question needs no perf on the machine:
//
//	curl -H "Authorization: Bearer sb_…" -o cpu.pb.gz 'https://HOST/api/admin/debug/pprof/profile?seconds=20'
//	go tool pprof -http=: cpu.pb.gz
//
// Profiles show code paths and sizes, never request data.
func handlePprof(e *core.RequestEvent) error {
	name := strings.TrimPrefix(e.Request.PathValue("name"), "/")
	switch name {
	case "", "index":
		pprof.Index(e.Response, e.Request)
	case "profile":
		pprof.Profile(e.Response, e.Request)
	case "trace":
		pprof.Trace(e.Response, e.Request)
	case "symbol":
		pprof.Symbol(e.Response, e.Request)
	case "cmdline":
		return e.ForbiddenError("The command line may hold secrets; it is not served.", nil)
	default:
		if !knownProfile(name) {
			return e.NotFoundError("No profile "+quote(name)+".", nil)
		}
		pprof.Handler(name).ServeHTTP(e.Response, e.Request)
	}
	return nil
}

// knownProfile reports whether name is one of the runtime's profiles.
func knownProfile(name string) bool {
	switch name {
	case "allocs", "block", "goroutine", "heap", "mutex", "threadcreate":
		return true
	}
	return false
}
