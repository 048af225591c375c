package slots

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestQuerySplitAndViewerIndependence: for random inputs, the union of the
// answers to narrow queries that partition [From, To) equals the wide answer,
// and grouping the wide answer by day in any viewer zone keeps exactly the
// same UTC slots, each on its start's local date.
func TestQuerySplitAndViewerIndependence(t *testing.T) {
	cases := *casesFlag / 2
	if testing.Short() {
		cases /= 10
	}
	rng := rand.New(rand.NewPCG(*seedFlag, 0x5911))
	for i := range cases {
		g := gen{rngSource{rng}}
		r, hosts, q := g.inputs()
		if g.chance(50) {
			g.addSeats(r, hosts, q)
		}
		wide, err := Compute(r, hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		// Narrow queries on random cut points.
		cuts := []time.Time{q.From, q.To}
		for range g.n(6) {
			cuts = append(cuts, q.From.Add(time.Duration(rng.Int64N(int64(q.To.Sub(q.From))+1))))
		}
		slices.SortFunc(cuts, func(a, b time.Time) int { return a.Compare(b) })
		var union []Slot
		for k := 1; k < len(cuts); k++ {
			part, err := Compute(r, hosts, Query{From: cuts[k-1], To: cuts[k], Now: q.Now})
			if err != nil {
				t.Fatal(err)
			}
			union = append(union, part...)
		}
		if d := firstDiff(formatSlots(wide), formatSlots(union)); d != "" {
			t.Fatalf("case %d: split queries differ: %s\n%s", i, d, describe(r, hosts, q))
		}
		// Viewer zones only group.
		viewer := mustLoad(testZones[g.n(len(testZones))])
		from, to := DateOf(q.From, viewer), DateOf(q.To, viewer)
		days := GroupByDay(wide, viewer, from, to)
		if len(days) != from.DaysUntil(to)+1 {
			t.Fatalf("case %d: %d days for %s..%s", i, len(days), from, to)
		}
		var flat []Slot
		for k, d := range days {
			if d.Date != from.AddDays(k) || d.Slots == nil {
				t.Fatalf("case %d: day %d is %v", i, k, d.Date)
			}
			for _, s := range d.Slots {
				if DateOf(s.Start, viewer) != d.Date {
					t.Fatalf("case %d: slot %s on day %s in %s", i, s.Start, d.Date, viewer)
				}
			}
			flat = append(flat, d.Slots...)
		}
		slices.SortStableFunc(flat, func(a, b Slot) int { return a.Start.Compare(b.Start) })
		if d := firstDiff(formatSlots(wide), formatSlots(flat)); d != "" {
			t.Fatalf("case %d: grouping in %s changed the slots: %s", i, viewer, d)
		}
	}
}
