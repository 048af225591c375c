package icsfeed

import (
	"fmt"
	"testing"
	"time"
)

// benchFeed is n events in America/New_York: every tenth a weekly series
// with an EXDATE, the others single one-hour meetings spread over a year.
func benchFeed(n int) []byte {
	lines := []string{}
	start := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range n {
		t := start.Add(time.Duration(i*7) * time.Hour)
		lines = append(lines, "BEGIN:VEVENT", fmt.Sprintf("UID:e%d@bench", i),
			"DTSTART;TZID=America/New_York:"+t.Format("20060102T150405"), "DURATION:PT1H")
		if i%10 == 0 {
			lines = append(lines, "RRULE:FREQ=WEEKLY;COUNT=52", "EXDATE;TZID=America/New_York:"+t.AddDate(0, 0, 14).Format("20060102T150405"))
		}
		lines = append(lines, "END:VEVENT")
	}
	return feed(lines...)
}

// BenchmarkExpand2000Events: parse and expand a 2,000-event feed (220 KB,
// 5,050 blocks in 400 days).
func BenchmarkExpand2000Events(b *testing.B) {
	data := benchFeed(2000)
	opt := Options{From: utc("2026-03-01T00:00:00Z"), To: utc("2026-03-01T00:00:00Z").Add(400 * 24 * time.Hour), Host: mustZone("Europe/Berlin")}
	res, err := Expand(data, opt)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := Expand(data, opt); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(res.Blocks)), "blocks")
	b.ReportMetric(float64(len(data)), "feed-bytes")
}
