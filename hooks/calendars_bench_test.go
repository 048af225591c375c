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

// BenchmarkSlotsWithCalendars measures an uncached GET /api/slots for 31
// days (America/New_York viewer) for a 24/7 host whose busy time comes from
// connected calendars, 2,000 busy blocks each inside the range: Google
// alone, then Google, CalDAV and an ICS feed together (issue 17). Each
// iteration bumps the slot cache's version first (what any committed
// change does), so the answer is computed again; the availability index
// stays warm as it does between changes. `index-cold` also drops the
// index, so the host's 6,000 blocks are read from SQLite again (the first
// answer after a restart or a raw-SQL change).
//
//	go test -run='^$' -bench=SlotsWithCalendars -benchmem ./hooks
func BenchmarkSlotsWithCalendars(b *testing.B) {
	for _, bc := range []struct {
		name      string
		providers []string
		cold      bool
	}{
		{"google", []string{"google"}, false},
		{"google+caldav+ics", []string{"google", "caldav", "ics"}, false},
		{"google+caldav+ics/index-cold", []string{"google", "caldav", "ics"}, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			app := seeded(b, Config{NoDemo: true, Now: fixedClock(testNow)})
			defer app.Cleanup()
			day := `[["00:00","24:00"]]`
			host := mkHost(b, app, "Busy", "UTC", `{"mon":`+day+`,"tue":`+day+`,"wed":`+day+`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}`)
			mkEventType(b, app, "busy", []string{host}, map[string]any{c.EventTypesHorizonDays: 365})
			from := testNow.AddDate(0, 0, 7)
			for k, provider := range bc.providers {
				conn := save(b, app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: provider,
					c.CalendarConnectionsStatus: c.ConnectionConnected, c.CalendarConnectionsAccount: provider + "@example.com"})
				err := app.RunInTransaction(func(tx core.App) error {
					for i := range 2000 {
						// A 10-minute block every 20 minutes, each calendar
						// shifted by 5 minutes: 31 days ≈ 2,200 blocks' room.
						start := from.Add(time.Duration(i)*20*time.Minute + time.Duration(k)*5*time.Minute)
						_, err := tx.DB().Insert(c.BusyBlocks, dbx.Params{
							"id": fmt.Sprintf("bb%d%012d", k, i), "connection": conn.Id, "source_id": fmt.Sprintf("bench/%d/%d", k, i),
							"start": c.UTCString(start), "end": c.UTCString(start.Add(10 * time.Minute)),
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
			}
			mux := testMux(b, app)
			sc := &serverOf(app).slots
			sc.invalidate() // the blocks went in by raw SQL
			url := "/api/slots?event_type=busy&from=" + from.Format("2006-01-02") + "&to=" + from.AddDate(0, 0, 30).Format("2006-01-02") + "&tz=America/New_York"
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
			if rec.Code != http.StatusOK || rec.Body.Len() < 1000 {
				b.Fatalf("status %d: %.200s", rec.Code, rec.Body)
			}
			if _, _, blocks := sc.index.Stats(); blocks != 2000*len(bc.providers) {
				b.Fatalf("the index holds %d busy blocks, want %d", blocks, 2000*len(bc.providers))
			}
			for b.Loop() {
				if bc.cold {
					sc.invalidate()
				} else {
					sc.version.Add(1)
				}
				rec := httptest.NewRecorder()
				mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, url, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}
