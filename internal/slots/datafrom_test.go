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
	cases := *casesFlag / 2
	if testing.Short() {
		cases /= 10
	}
	rng := rand.New(rand.NewPCG(*seedFlag, 0xda7a))
	for i := range cases {
		g := gen{rngSource{rng}}
		r, hosts, q := g.inputs()
		if g.chance(50) {
			g.addSeats(r, hosts, q)
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
			cut := DataFrom(hosts, qq.From)
			trimmed := make([]Host, len(hosts))
			for k, h := range hosts {
				h.Bookings, h.Busy = nil, nil
				for _, b := range hosts[k].Bookings {
					if !b.Start.Before(cut) {
						h.Bookings = append(h.Bookings, b)
					}
				}
				for _, b := range hosts[k].Busy {
					if !b.Start.Before(cut) {
						h.Busy = append(h.Busy, b)
					}
				}
				trimmed[k] = h
			}
			got, err := Compute(r, trimmed, qq)
			if err != nil {
				t.Fatal(err)
			}
			if d := firstDiff(formatSlots(want), formatSlots(got)); d != "" {
				t.Fatalf("case %d: data before DataFrom %s changed the answer for [%s, %s): %s\n%s", i, cut, qq.From, qq.To, d, describe(r, hosts, qq))
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
