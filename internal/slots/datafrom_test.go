package slots

import (
	"math/rand/v2"
	"testing"
	"time"
)

// TestDataFromLosesNothing: for random inputs, leaving out every booking and
// busy block that starts before DataFrom(hosts, q.From) never changes the
// answer, for the wide query and for a one-instant query (a booking re-check).
func TestDataFromLosesNothing(t *testing.T) {
	checkDataCut(t, 0xda7a, false, "before DataFrom", func(hosts []Host, q Query) (time.Time, func(time.Time) bool) {
		cut := DataFrom(hosts, q.From)
		return cut, func(s time.Time) bool { return !s.Before(cut) }
	})
}

// checkDataCut runs random inputs (with random daily limits when limits)
// and checks, for the wide query and a one-instant query (a booking
// re-check), that keeping only the bookings and busy blocks whose start
// cut's keep accepts never changes the answer.
func checkDataCut(t *testing.T, stream uint64, limits bool, what string, cut func(hosts []Host, q Query) (time.Time, func(time.Time) bool)) {
	t.Helper()
	cases := *casesFlag / 2
	if testing.Short() {
		cases /= 10
	}
	rng := rand.New(rand.NewPCG(*seedFlag, stream))
	for i := range cases {
		g := gen{rngSource{rng}}
		r, hosts, q := g.inputs()
		if g.chance(50) {
			g.addSeats(r, hosts, q)
		}
		if limits && g.chance(50) {
			r.DailyLimit = 1 + g.n(2)
		}
		queries := []Query{q}
		if all, err := Compute(r, hosts, q); err == nil && len(all) > 0 {
			s := all[g.n(len(all))].Start
			queries = append(queries, Query{From: s, To: s.Add(time.Nanosecond), Now: q.Now})
		}
		for _, qq := range queries {
			want, err := Compute(r, hosts, qq)
			if err != nil {
				t.Fatal(err)
			}
			at, keep := cut(hosts, qq)
			got, err := Compute(r, keepData(hosts, keep), qq)
			if err != nil {
				t.Fatal(err)
			}
			if d := firstDiff(formatSlots(want), formatSlots(got)); d != "" {
				t.Fatalf("case %d: data %s %s changed the answer for [%s, %s): %s\n%s", i, what, at, qq.From, qq.To, d, describe(r, hosts, qq))
			}
		}
	}
}

func TestDataFromWorkingHours(t *testing.T) {
	loc := mustLoad("Europe/London")
	weekly, err := ParseWeekly([]byte(`{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	hosts := []Host{{ID: "a", Schedule: Schedule{Location: loc, Weekly: weekly}}}
	from := time.Date(2026, 3, 3, 14, 0, 0, 0, time.UTC) // Tuesday 14:00 London
	if got, want := DataFrom(hosts, from), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Fatalf("DataFrom = %s, want %s (Tuesday's midnight less two days)", got, want)
	}
	always, _ := ParseWeekly([]byte(`{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}`))
	hosts[0].Schedule.Weekly = always
	if got, want := DataFrom(hosts, from), from.Add(-AnchorLookBack-48*time.Hour); !got.Equal(want) {
		t.Fatalf("always open: DataFrom = %s, want the full look-back %s", got, want)
	}
}

// TestDataToLosesNothing: for random inputs, leaving out every booking and
// busy block that starts at or after DataTo(hosts, q.To) never changes the
// answer (daily limits included), for the wide query and a one-instant one.
func TestDataToLosesNothing(t *testing.T) {
	checkDataCut(t, 0xda70, true, "from DataTo on", func(hosts []Host, q Query) (time.Time, func(time.Time) bool) {
		cut := DataTo(hosts, q.To)
		return cut, func(s time.Time) bool { return s.Before(cut) }
	})
}

// TestDataToWholeLocalDay: on 23-, 25- and 26-hour days the bound reaches
// the end of the local day of the range's last instant, found here by
// walking minutes until the local date changes.
func TestDataToWholeLocalDay(t *testing.T) {
	scenarios := []struct {
		zone string
		last time.Time // the range's last instant (To is a nanosecond later)
	}{
		{"America/New_York", time.Date(2027, 11, 7, 4, 0, 0, 0, time.UTC)},    // 00:00 EDT, a 25-hour day
		{"America/New_York", time.Date(2027, 3, 14, 5, 0, 0, 0, time.UTC)},    // 00:00 EST, a 23-hour day
		{"Australia/Adelaide", time.Date(2027, 4, 3, 13, 30, 0, 0, time.UTC)}, // 00:00 ACDT, a 25-hour day
		{"Australia/Lord_Howe", time.Date(2027, 4, 3, 13, 0, 0, 0, time.UTC)}, // a 24.5-hour day
		{"Antarctica/Troll", time.Date(2027, 10, 30, 22, 0, 0, 0, time.UTC)},  // 00:00 +02 on a 26-hour day
		{"America/St_Johns", time.Date(2027, 11, 7, 2, 30, 0, 0, time.UTC)},   // 00:00 NDT, 25 hours
		{"Africa/Casablanca", time.Date(2027, 2, 7, 1, 0, 0, 0, time.UTC)},    // around Ramadan's change
		{"Asia/Kolkata", time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)},         // no DST: 24 hours
	}
	for _, s := range scenarios {
		loc := mustLoad(s.zone)
		hosts := []Host{{ID: "h", Location: loc, Schedule: Schedule{Location: loc}}}
		date := s.last.In(loc).Format("2006-01-02")
		end := s.last
		for end.In(loc).Format("2006-01-02") == date {
			end = end.Add(time.Minute)
		}
		if got := DataTo(hosts, s.last.Add(time.Nanosecond)); got.Before(end) {
			t.Errorf("%s: DataTo(%s) = %s, before the local day's end %s", s.zone, s.last, got, end)
		}
	}
}

// keepData returns copies of hosts with only the bookings and busy blocks
// whose start keep accepts.
func keepData(hosts []Host, keep func(start time.Time) bool) []Host {
	out := make([]Host, len(hosts))
	for k, h := range hosts {
		h.Bookings, h.Busy = nil, nil
		for _, b := range hosts[k].Bookings {
			if keep(b.Start) {
				h.Bookings = append(h.Bookings, b)
			}
		}
		for _, b := range hosts[k].Busy {
			if keep(b.Start) {
				h.Busy = append(h.Busy, b)
			}
		}
		out[k] = h
	}
	return out
}
