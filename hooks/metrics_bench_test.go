package hooks

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
)

// BenchmarkMetricsMiddleware measures what counting every request costs:
// GET /api/health and a cached GET /api/slots through the full router, with
// the metrics middleware and with it unbound, in one run (ratio in
// BENCHMARKS.md, "Metrics").
//
//	go test -run=^$ -bench=MetricsMiddleware -benchmem -count 5 ./hooks
func BenchmarkMetricsMiddleware(b *testing.B) {
	with, _ := bookingApp(b, nil)
	defer with.Cleanup()
	without, _ := bookingApp(b, nil) // a router is built once per app
	defer without.Cleanup()
	without.OnServe().BindFunc(func(se *core.ServeEvent) error { // runs after register's handler bound it
		se.Router.Unbind("slotbase.metrics")
		return se.Next()
	})
	muxes := map[string]http.Handler{"with": testMux(b, with), "without": testMux(b, without)}
	paths := map[string]string{
		"health": "/api/health",
		"slots":  "/api/slots?event_type=call&from=2026-03-02&to=2026-03-31&tz=Europe/London",
	}
	b.Run("counting-alone", func(b *testing.B) { // what the middleware adds to every request
		m := serverOf(with).metrics
		for b.Loop() {
			m.count(http.MethodGet, "/api/slots", http.StatusOK, 40*time.Microsecond)
		}
	})
	for _, path := range []string{"health", "slots"} {
		for _, variant := range []string{"without", "with"} {
			mux := muxes[variant]
			b.Run(path+"/"+variant, func(b *testing.B) {
				for b.Loop() {
					rec := httptest.NewRecorder()
					req := httptest.NewRequest(http.MethodGet, paths[path], nil)
					req.Header.Set("Accept-Encoding", "gzip") // as browsers ask: the cached answer is sent as stored
					mux.ServeHTTP(rec, req)
					if rec.Code != http.StatusOK {
						b.Fatalf("%s: %d", paths[path], rec.Code)
					}
				}
			})
		}
	}
}
