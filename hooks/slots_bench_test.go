package hooks

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// BenchmarkSlotsHandler measures GET /api/slots in process for 31 days with
// 500 bookings (uncached: every iteration follows a booking write) and the
// cached path.
//
//	go test -run=^$ -bench=SlotsHandler -benchmem ./hooks
func BenchmarkSlotsHandler(b *testing.B) {
	app := seeded(b, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	day := `[["00:00","24:00"]]`
	host := mkHost(b, app, "Load", "UTC", `{"mon":`+day+`,"tue":`+day+`,"wed":`+day+`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}`)
	et := mkEventType(b, app, "load", []string{host}, map[string]any{c.EventTypesHorizonDays: 365})
	from := testNow.AddDate(0, 0, 7)
	for i := range 500 {
		start := from.Add(time.Duration(i*3) * 30 * time.Minute)
		save(b, app, c.Bookings, map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: []string{host}, c.BookingsStart: start, c.BookingsEnd: start.Add(30 * time.Minute),
			c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "Seed", c.BookingsEmail: "seed@example.com", c.BookingsTimezone: "UTC"})
	}
	mux := testMux(b, app)
	url := "/api/slots?event_type=load&from=" + from.Format("2006-01-02") + "&to=" + from.AddDate(0, 0, 30).Format("2006-01-02") + "&tz=America/New_York"
	get := func(b *testing.B) {
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != 200 {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	touch, _ := app.FindFirstRecordByData(c.Bookings, c.BookingsName, "Seed")
	b.Run("uncached", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := app.Save(touch); err != nil { // any change invalidates the cache
				b.Fatal(err)
			}
			b.StartTimer()
			get(b)
		}
	})
	b.Run("cached", func(b *testing.B) {
		for b.Loop() {
			get(b)
		}
	})
	b.Run("health", func(b *testing.B) {
		for b.Loop() {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/health", nil))
		}
	})
}
