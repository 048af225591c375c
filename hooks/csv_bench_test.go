package hooks

import (
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// BenchmarkCSVExport streams the CSV export of 10,000 and 50,000 bookings
// and reports the peak live heap seen while it runs: constant memory means
// the two peaks are about equal although the output is five times larger.
//
//	go test -run=^$ -bench=CSVExport -benchtime=3x ./hooks
func BenchmarkCSVExport(b *testing.B) {
	for _, n := range []int{10_000, 50_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			app, host := bookingApp(b, nil)
			defer app.Cleanup()
			et, _ := c.FindActiveEventType(app, "call")
			err := app.RunInTransaction(func(tx core.App) error {
				for i := range n {
					start := testNow.Add(time.Duration(i) * time.Minute)
					_, err := tx.DB().Insert(c.Bookings, dbx.Params{
						"id": "csv" + strconv.Itoa(1_000_000_000_000+i), "event_type": et.Id, "hosts": `["` + host + `"]`,
						"start": c.UTCString(start), "end": c.UTCString(start.Add(30 * time.Minute)), "status": "confirmed",
						"name": "Person " + strconv.Itoa(i), "email": "p" + strconv.Itoa(i) + "@example.com", "timezone": "UTC",
						"notes": "", "answers": "{}", "created": c.UTCString(testNow), "updated": c.UTCString(testNow),
					}).Execute()
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			key, _, err := createAPIKey(app, systemActor, "bench", []string{"bookings:read"}, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(testMux(b, app))
			defer srv.Close()

			var peak atomic.Uint64
			stop := make(chan struct{})
			go func() {
				var m runtime.MemStats
				for {
					select {
					case <-stop:
						return
					case <-time.After(5 * time.Millisecond):
					}
					runtime.ReadMemStats(&m)
					if m.HeapInuse > peak.Load() {
						peak.Store(m.HeapInuse)
					}
				}
			}()
			runtime.GC()
			var bytes int64
			b.ResetTimer()
			for b.Loop() {
				req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/admin/bookings.csv", nil)
				req.Header.Set("Authorization", "Bearer "+key)
				res, err := http.DefaultClient.Do(req)
				if err != nil || res.StatusCode != 200 {
					b.Fatalf("export: %v %v", err, res)
				}
				bytes, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
			}
			close(stop)
			b.ReportMetric(float64(peak.Load())/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(bytes)/(1<<20), "csv-MiB")
		})
	}
}
