package hooks

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// BenchmarkSlotsWithGoogleBusy measures GET /api/slots for 31 days when the
// host has 5,000 busy blocks synced from Google inside that month (a 4-minute
// block every 8 minutes), uncached (a write before every iteration).
//
//	go test -run='^$' -bench=SlotsWithGoogleBusy -benchmem ./hooks
func BenchmarkSlotsWithGoogleBusy(b *testing.B) {
	app := seeded(b, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	day := `[["00:00","24:00"]]`
	host := mkHost(b, app, "Busy", "UTC", `{"mon":`+day+`,"tue":`+day+`,"wed":`+day+`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}`)
	mkEventType(b, app, "busy", []string{host}, map[string]any{c.EventTypesHorizonDays: 365})
	conn := save(b, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionConnected, c.CalendarConnectionsAccount: "busy@example.com"})
	from := testNow.AddDate(0, 0, 7)
	err := app.RunInTransaction(func(tx core.App) error {
		for i := range 5000 {
			start := from.Add(time.Duration(i) * 8 * time.Minute)
			_, err := tx.DB().Insert(c.BusyBlocks, dbx.Params{
				"id": fmt.Sprintf("bb%013d", i), "connection": conn.Id, "source_id": fmt.Sprintf("bench/%d", i),
				"start": c.UTCString(start), "end": c.UTCString(start.Add(4 * time.Minute)),
				"created": c.UTCString(testNow), "updated": c.UTCString(testNow),
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
	mux := testMux(b, app)
	url := "/api/slots?event_type=busy&from=" + from.Format("2006-01-02") + "&to=" + from.AddDate(0, 0, 30).Format("2006-01-02") + "&tz=America/New_York"
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
	if rec.Code != 200 || len(rec.Body.Bytes()) < 1000 {
		b.Fatalf("status %d: %.200s", rec.Code, rec.Body)
	}
	for b.Loop() {
		b.StopTimer()
		if err := app.Save(conn); err != nil { // any change invalidates the slot cache
			b.Fatal(err)
		}
		b.StartTimer()
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
