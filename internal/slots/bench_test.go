package slots

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// benchHost builds a host with weekday 08:00-18:00 availability (plus a
// late Friday window across midnight) and, unsorted, nBookings bookings and
// nBusy busy blocks spread over [from, from+days).
func benchHost(rng *rand.Rand, id, zone string, from time.Time, days, nBookings, nBusy int) Host {
	loc := mustLoad(zone)
	w, _ := ParseWeekly([]byte(`{"mon":[["08:00","18:00"]],"tue":[["08:00","18:00"]],"wed":[["08:00","18:00"]],
		"thu":[["08:00","18:00"]],"fri":[["08:00","18:00"],["20:00","02:00"]]}`))
	h := Host{ID: id, Schedule: Schedule{Location: loc, Weekly: w, Overrides: map[Date][]Window{
		DateOf(from.AddDate(0, 0, 10), loc): {},
		DateOf(from.AddDate(0, 0, 20), loc): {{600, 840}},
	}}}
	span := int64(days) * 24 * 60
	for i := range nBookings {
		s := from.Add(time.Duration(rng.Int64N(span)/15*15) * time.Minute)
		et := "other"
		if i%3 == 0 {
			et = "own"
		}
		h.Bookings = append(h.Bookings, Booking{ID: "b", EventType: et, Start: s, End: s.Add(time.Duration(15+rng.IntN(3)*15) * time.Minute),
			BufferAfter: time.Duration(rng.IntN(2)*10) * time.Minute})
	}
	for range nBusy {
		s := from.Add(time.Duration(rng.Int64N(span)) * time.Minute)
		h.Busy = append(h.Busy, BusyBlock{Start: s, End: s.Add(time.Duration(5+rng.IntN(16)) * time.Minute)})
	}
	return h
}

func benchCompute(b *testing.B, r Rules, hosts []Host, q Query) {
	b.Helper()
	b.ReportAllocs()
	var n int
	for b.Loop() {
		got, err := Compute(r, hosts, q)
		if err != nil {
			b.Fatal(err)
		}
		n = len(got)
	}
	b.ReportMetric(float64(n), "slots")
}

// BenchmarkCompute62Days3Hosts: round robin over three hosts in three zones,
// each with 2,000 bookings and 5,000 busy blocks in the 62 days asked for.
func BenchmarkCompute62Days3Hosts(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	from := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	hosts := []Host{
		benchHost(rng, "a", "America/New_York", from, 62, 2000, 5000),
		benchHost(rng, "b", "Europe/Berlin", from, 62, 2000, 5000),
		benchHost(rng, "c", "Asia/Kolkata", from, 62, 2000, 5000),
	}
	r := Rules{EventType: "own", Duration: 30 * time.Minute, Step: 15 * time.Minute, BufferBefore: 5 * time.Minute,
		BufferAfter: 5 * time.Minute, Assignment: RoundRobin}
	benchCompute(b, r, hosts, Query{From: from, To: from.AddDate(0, 0, 62), Now: from.Add(-time.Hour)})
}

// BenchmarkCompute31Days1Host500: one host, 500 bookings over 31 days.
func BenchmarkCompute31Days1Host500(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	hosts := []Host{benchHost(rng, "a", "America/New_York", from, 31, 500, 0)}
	r := Rules{EventType: "own", Duration: 30 * time.Minute, Step: 15 * time.Minute}
	benchCompute(b, r, hosts, Query{From: from, To: from.AddDate(0, 0, 31), Now: from.Add(-time.Hour)})
}

// BenchmarkCompute31DaysSeatsLimit: the seated and daily-limit paths.
func BenchmarkCompute31DaysSeatsLimit(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	hosts := []Host{benchHost(rng, "a", "America/New_York", from, 31, 500, 500)}
	r := Rules{EventType: "own", Duration: 60 * time.Minute, Seats: 10, DailyLimit: 6}
	benchCompute(b, r, hosts, Query{From: from, To: from.AddDate(0, 0, 31), Now: from.Add(-time.Hour)})
}

// BenchmarkGroupByDay groups a month of slots in a viewer zone.
func BenchmarkGroupByDay(b *testing.B) {
	rng := rand.New(rand.NewPCG(3, 4))
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	hosts := []Host{benchHost(rng, "a", "America/New_York", from, 31, 0, 0)}
	got, _ := Compute(Rules{Duration: 15 * time.Minute}, hosts, Query{From: from, To: from.AddDate(0, 0, 31)})
	tokyo := mustLoad("Asia/Tokyo")
	b.ReportAllocs()
	for b.Loop() {
		GroupByDay(got, tokyo, DateOf(from, tokyo), DateOf(from.AddDate(0, 0, 31), tokyo))
	}
}

func TestSortSpans(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, n := range []int{0, 1, 47, 48, 63, 64, 1000, 7000, -5000} {
		clustered := n < 0 // all but one within a microsecond: one big key group
		n = max(n, -n)
		s := make([]span, n)
		for i := range s {
			s[i] = span{rng.Int64N(1e16) - 5e15, 0}
			if clustered && i > 0 {
				s[i].lo = s[0].lo + 1e16 + rng.Int64N(1000)
			}
			s[i].hi = s[i].lo + int64(i)
			if i%7 == 0 && i > 0 {
				s[i].lo = s[i-1].lo // duplicates
			}
		}
		got, _ := sortSpans(slices.Clone(s), nil)
		want := slices.Clone(s)
		slices.SortStableFunc(want, func(a, b span) int { return cmpInt64(a.lo, b.lo) })
		if !slices.Equal(got, want) { // LSD radix sort is stable too
			t.Fatalf("n=%d: radix sort differs from a stable sort", n)
		}
	}
}
