package hooks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// BenchmarkCreateBooking measures POST /api/bookings in process, 16 parallel
// clients on distinct slots of an always-open host (job worker not running;
// bench/load measures the whole binary over HTTP).
//
//	go test -run=^$ -bench=CreateBooking -benchmem ./hooks
func BenchmarkCreateBooking(b *testing.B) {
	app := seeded(b, Config{NoDemo: true, Now: fixedClock(testNow), RateLimits: false})
	defer app.Cleanup()
	day := `[["00:00","24:00"]]`
	host := mkHost(b, app, "Load", "UTC", `{"mon":`+day+`,"tue":`+day+`,"wed":`+day+`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}`)
	mkEventType(b, app, "load", []string{host}, map[string]any{c.EventTypesHorizonDays: 730})
	mux := testMux(b, app)
	var next atomic.Int64
	b.SetParallelism(8) // 16 goroutines on 2 cores
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k := next.Add(1)
			start := testNow.Add(24 * time.Hour).Add(time.Duration(k) * 30 * time.Minute).Format(time.RFC3339)
			body := fmt.Sprintf(`{"event_type":"load","start":%q,"name":"Load %d","email":"load%d@example.com","timezone":"UTC"}`, start, k, k)
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/bookings", strings.NewReader(body)))
			if rec.Code != http.StatusCreated {
				b.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "bookings/s")
}
