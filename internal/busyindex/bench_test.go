package busyindex

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/slots"
)

// largeOrganisation is bench/load's large organisation in memory: 50 hosts,
// 100,000 bookings over the year around t0 (a tenth cancelled, so not
// held), 20,000 one-hour busy blocks.
func largeOrganisation() *fakeDB {
	r := rand.New(rand.NewPCG(1, 1))
	db := newFakeDB()
	host := func() string { return fmt.Sprintf("host%011d", r.IntN(50)) }
	for i := range 100_000 {
		start := t0.Add(time.Duration(r.IntN(365*24*2)-182*24*2) * 30 * time.Minute)
		db.bookings[fmt.Sprintf("b%014d", i)] = BookingState{Hosts: []string{host()}, Live: r.IntN(10) > 0, Booking: slots.Booking{
			ID: fmt.Sprintf("b%014d", i), EventType: fmt.Sprintf("et%013d", r.IntN(20)), Start: start, End: start.Add(30 * time.Minute),
			BufferBefore: 5 * time.Minute, BufferAfter: 5 * time.Minute}}
	}
	for i := range 20_000 {
		start := t0.Add(time.Duration(r.IntN(365*24)-182*24) * time.Hour)
		db.busy[fmt.Sprintf("x%014d", i)] = BusyState{Exists: true, Host: host(),
			Block: Busy{ID: fmt.Sprintf("x%014d", i), BusyBlock: slots.BusyBlock{Start: start, End: start.Add(time.Hour)}}}
	}
	return db
}

// BenchmarkIndexLargeOrganisation reports the heap the index of the large
// organisation holds once every host is loaded (MB-held) and what one
// read of 10 hosts over 31 days costs (ns/op).
func BenchmarkIndexLargeOrganisation(b *testing.B) {
	db := largeOrganisation()
	var hosts []string
	for i := range 50 {
		hosts = append(hosts, fmt.Sprintf("host%011d", i))
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	x := New(db.load, DefaultConfig)
	if _, _, err := x.Read(hosts, t0, t0.Add(time.Hour), t0); err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	_, nb, nbusy := x.Stats()
	for i := 0; b.Loop(); i++ {
		from := t0.Add(time.Duration(i%30) * 24 * time.Hour)
		if _, _, err := x.Read(hosts[:10], from.Add(-9*24*time.Hour), from.Add(32*24*time.Hour), t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB-held")
	b.ReportMetric(float64(nb), "bookings-held")
	b.ReportMetric(float64(nbusy), "busy-held")
}
