package hooks

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// bigFeed is n one-hour meetings (UTC) spread over the coming year: n busy
// blocks.
func bigFeed(n int) string {
	lines := []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//bench//EN"}
	for i := range n {
		t := testNow.Add(time.Duration(i*4) * time.Hour)
		lines = append(lines, "BEGIN:VEVENT", fmt.Sprintf("UID:b%d@bench", i), "DTSTART:"+t.Format("20060102T150405Z"), "DURATION:PT1H", "END:VEVENT")
	}
	return strings.Join(append(lines, "END:VCALENDAR", ""), "\r\n")
}

// BenchmarkICSSync2000: the first refresh of a 2,000-event feed (fetch,
// expand, 2,000 busy_blocks records in one transaction), then a refresh of
// the changed feed (one event gone): 1,999 compared, one record deleted.
func BenchmarkICSSync2000(b *testing.B) {
	for range b.N {
		b.StopTimer()
		x := newICSEnv(b)
		srv := newFeedServer(b, bigFeed(2000))
		code, body := apiCall(b, "POST", x.base+"/api/admin/hosts/"+x.host+"/ics-feeds", x.suAuth, map[string]any{"url": srv.URL + "/f.ics"})
		if code != http.StatusCreated {
			b.Fatalf("add: %d %v", code, body)
		}
		id := body["id"].(string)
		b.StartTimer()
		start := time.Now()
		x.runJobs()
		first := time.Since(start)
		b.StopTimer()
		if n := x.blocks(id); n != 2000 {
			b.Fatalf("%d blocks, want 2000", n)
		}
		srv.set(func(f *feedServer) { f.body = bigFeed(1999) }) // the last event cancelled
		b.StartTimer()
		start = time.Now()
		x.syncNow(id)
		again := time.Since(start)
		b.ReportMetric(float64(first.Milliseconds()), "first-ms")
		b.ReportMetric(float64(again.Milliseconds()), "changed-ms")
	}
}
