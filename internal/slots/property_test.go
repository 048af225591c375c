package slots

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	seedFlag  = flag.Uint64("seed", 1, "seed of the random property tests")
	casesFlag = flag.Int("cases", 2000, "number of random property-test cases")
)

// describe prints a case compactly for failure messages.
func describe(r Rules, hosts []Host, q Query) string {
	var b strings.Builder
	fmt.Fprintf(&b, "rules %+v\nquery from %s to %s now %s\n", r, q.From.UTC(), q.To.UTC(), q.Now.UTC())
	for _, h := range hosts {
		wk, _ := h.Schedule.Weekly.MarshalJSON()
		fmt.Fprintf(&b, "host %s zone %s dayzone %v weekly %s overrides %v\n", h.ID, h.Schedule.Location, h.Location, wk, h.Schedule.Overrides)
		for _, bk := range h.Bookings {
			fmt.Fprintf(&b, "  booking %s %s..%s bb %s ba %s\n", bk.EventType, bk.Start.UTC(), bk.End.UTC(), bk.BufferBefore, bk.BufferAfter)
		}
		for _, x := range h.Busy {
			fmt.Fprintf(&b, "  busy %s..%s\n", x.Start.UTC(), x.End.UTC())
		}
	}
	return b.String()
}

func formatRef(rs []refSlot) []string {
	out := make([]string, len(rs))
	for i, s := range rs {
		out[i] = fmt.Sprintf("%s seats=%d hosts=%v", time.Unix(s.start*60, 0).UTC().Format(time.RFC3339), s.seats, s.hosts)
	}
	return out
}

func formatSlots(ss []Slot) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%s seats=%d hosts=%v", s.Start.Format(time.RFC3339), s.SeatsLeft, s.Hosts)
	}
	return out
}

// firstDiff returns a short description of where two listings part.
func firstDiff(want, got []string) string {
	for i := 0; i < len(want) || i < len(got); i++ {
		var w, g string
		if i < len(want) {
			w = want[i]
		}
		if i < len(got) {
			g = got[i]
		}
		if w != g {
			return fmt.Sprintf("at %d: reference %q, engine %q (lens %d, %d)", i, w, g, len(want), len(got))
		}
	}
	return ""
}

// TestComputeMatchesReference checks Compute against the minute-walking
// model on random schedules, overrides, bookings, busy blocks and rules.
// Re-run a failure or explore with: go test -run Reference -seed=N -cases=M
func TestComputeMatchesReference(t *testing.T) {
	cases := *casesFlag
	if testing.Short() {
		cases /= 10
	}
	rng := rand.New(rand.NewPCG(*seedFlag, 0x5107))
	total := 0
	for i := range cases {
		g := gen{rngSource{rng}}
		r, hosts, q := g.inputs()
		if g.chance(60) {
			g.addSeats(r, hosts, q)
		}
		got, err := Compute(r, hosts, q)
		if err != nil {
			t.Fatalf("case %d: %v\n%s", i, err, describe(r, hosts, q))
		}
		want := refCompute(r, hosts, q)
		if d := firstDiff(formatRef(want), formatSlots(got)); d != "" {
			t.Fatalf("case %d (seed %d): %s\n%s", i, *seedFlag, d, describe(r, hosts, q))
		}
		checkInvariants(t, r, hosts, q, got)
		total += len(got)
	}
	t.Logf("%d cases, %d slots", cases, total)
}

// checkInvariants asserts what must hold of any answer: sorted unique starts
// in the query, End = Start+Duration, SeatsLeft >= 1, hosts sorted, each
// slot inside every listed host's availability and clear of its bookings
// and busy blocks under the literal blocking rule.
func checkInvariants(t *testing.T, r Rules, hosts []Host, q Query, got []Slot) {
	t.Helper()
	byID := map[string]Host{}
	for _, h := range hosts {
		byID[h.ID] = h
	}
	for i, s := range got {
		fail := func(format string, args ...any) {
			t.Helper()
			t.Fatalf("slot %d %s: %s\n%s", i, s.Start.UTC(), fmt.Sprintf(format, args...), describe(r, hosts, q))
		}
		if i > 0 && !got[i-1].Start.Before(s.Start) {
			fail("not sorted or duplicate")
		}
		if s.Start.Location() != time.UTC || s.End.Location() != time.UTC {
			fail("not in UTC")
		}
		if s.Start.Before(q.From) || !s.Start.Before(q.To) || s.Start.Before(q.Now.Add(r.MinNotice)) {
			fail("outside query or notice")
		}
		if r.Horizon > 0 && s.Start.After(q.Now.Add(r.Horizon)) {
			fail("beyond horizon")
		}
		if !s.End.Equal(s.Start.Add(r.Duration)) || s.SeatsLeft < 1 || len(s.Hosts) == 0 || !slices.IsSorted(s.Hosts) {
			fail("bad end, seats or hosts: %+v", s)
		}
		for _, id := range s.Hosts {
			h := byID[id]
			sm, em := unixMin(s.Start), unixMin(s.End)
			// The invariants below assume minute-granular inputs (as generated).
			for m := sm; m < em; m++ {
				if !refAvailable(h.Schedule, m) {
					fail("host %s not available at %s", id, time.Unix(m*60, 0).UTC())
				}
			}
			for _, b := range h.Bookings {
				if r.Seats > 1 && b.EventType == r.EventType && b.Start.Equal(s.Start) {
					continue // a seat of this very session
				}
				if refBookingBlocks(r, b, sm, em) {
					fail("host %s booking %s..%s blocks it", id, b.Start.UTC(), b.End.UTC())
				}
			}
			for _, x := range h.Busy {
				if refBusyBlocks(r, x, sm, em) {
					fail("host %s busy %s..%s blocks it", id, x.Start.UTC(), x.End.UTC())
				}
			}
		}
	}
}
