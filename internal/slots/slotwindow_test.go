package slots

import (
	"math/rand/v2"
	"testing"
	"time"
)

// keepWindow returns copies of hosts with only what w reads: bookings that
// end after EndAfter and start in [StartFrom, StartBefore), busy blocks
// that overlap [EndAfter, StartBefore).
func keepWindow(hosts []Host, w SlotWindow) []Host {
	out := make([]Host, len(hosts))
	for k, h := range hosts {
		h.Bookings, h.Busy = nil, nil
		for _, b := range hosts[k].Bookings {
			if b.End.After(w.EndAfter) && !b.Start.Before(w.StartFrom) && b.Start.Before(w.StartBefore) {
				h.Bookings = append(h.Bookings, b)
			}
		}
		for _, b := range hosts[k].Busy {
			if b.End.After(w.EndAfter) && b.Start.Before(w.StartBefore) {
				h.Busy = append(h.Busy, b)
			}
		}
		out[k] = h
	}
	return out
}

// checkWindow compares, for the one start s, Compute on all of hosts' data
// with Compute on what the window reads whenever Decided says that is
// enough; it reports whether it was.
func checkWindow(t *testing.T, i int, r Rules, hosts []Host, s, now time.Time) bool {
	t.Helper()
	w, ok := NewSlotWindow(r, s)
	if !ok {
		return false
	}
	kept := keepWindow(hosts, w)
	if !w.Decided(r, kept) {
		return false
	}
	q := Query{From: s, To: s.Add(time.Nanosecond), Now: now}
	want, err := Compute(r, hosts, q)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compute(r, kept, q)
	if err != nil {
		t.Fatal(err)
	}
	if d := firstDiff(formatSlots(want), formatSlots(got)); d != "" {
		t.Fatalf("case %d: the window of %s (since %s) was called decided but changed the answer: %s\n%s", i, s, w.Since, d, describe(r, hosts, q))
	}
	return true
}

// TestSlotWindowLosesNothing: for random inputs (every zone of testZones,
// DST days, seats, buffers, all assignments), a start re-checked on the
// window's data alone gets the answer of all the data whenever Decided
// says so — for starts that are slots and for starts near them.
func TestSlotWindowLosesNothing(t *testing.T) {
	cases := *casesFlag / 2
	if testing.Short() {
		cases /= 10
	}
	rng := rand.New(rand.NewPCG(*seedFlag, 0x5107))
	decided, tried := 0, 0
	for i := range cases {
		g := gen{rngSource{rng}}
		r, hosts, q := g.inputs()
		r.DailyLimit = 0
		if g.chance(50) {
			g.addSeats(r, hosts, q)
		}
		all, err := Compute(r, hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		var starts []time.Time
		if len(all) > 0 {
			s := all[g.n(len(all))].Start
			starts = append(starts, s, s.Add(g.mins(-90, 90)))
		}
		starts = append(starts, q.From.Add(g.mins(0, 3*1440)))
		for _, s := range starts {
			tried++
			if checkWindow(t, i, r, hosts, s, q.Now) {
				decided++
			}
		}
	}
	// The window must decide a good share, or the test proves nothing.
	if tried > 0 && decided*5 < tried {
		t.Fatalf("the window decided only %d of %d starts", decided, tried)
	}
	t.Logf("decided %d of %d starts", decided, tried)
}

// TestSlotWindowAroundTheClock: a host available 24/7 whose bookings of
// other event types end at odd minutes (so every free interval has an
// anchor of its own) is decided by the window for nearly every start, in
// many zones and across their DST changes, and the answers match.
func TestSlotWindowAroundTheClock(t *testing.T) {
	rng := rand.New(rand.NewPCG(*seedFlag, 0xa11))
	always := Weekly{}
	for d := range always {
		always[d] = []Window{{0, 1440}}
	}
	decided, tried := 0, 0
	for i := range 400 {
		g := gen{rngSource{rng}}
		loc := mustLoad(testZones[g.n(len(testZones))])
		base := g.base(loc)
		r := Rules{EventType: "own", Duration: 30 * time.Minute, BufferBefore: g.mins(0, 20), BufferAfter: g.mins(0, 20)}
		h := Host{ID: "h", Schedule: Schedule{Location: loc, Weekly: always}}
		for at := base.Add(-10 * 24 * time.Hour); at.Before(base.Add(2 * 24 * time.Hour)); {
			length := g.mins(10, 100)
			h.Bookings = append(h.Bookings, Booking{ID: "b", EventType: "other", Start: at, End: at.Add(length)})
			at = at.Add(length + g.mins(0, 240))
		}
		if g.chance(40) { // a quiet stretch: a long free interval, which the window must not call decided
			quietEnd := base.Add(g.mins(0, 1440))
			quietStart := quietEnd.Add(-g.mins(600, 3000))
			kept := h.Bookings[:0]
			for _, b := range h.Bookings {
				if !b.End.After(quietStart) || !b.Start.Before(quietEnd) {
					kept = append(kept, b)
				}
			}
			h.Bookings = kept
		}
		for range 5 {
			s := base.Add(g.mins(0, 1440))
			tried++
			if checkWindow(t, i, r, []Host{h}, s, base.Add(-time.Hour)) {
				decided++
			}
		}
	}
	if decided*2 < tried || decided == tried {
		t.Fatalf("around the clock the window decided only %d of %d starts", decided, tried)
	}
	t.Logf("decided %d of %d starts", decided, tried)
}

// TestSlotWindowDailyLimit: a daily limit counts the whole local day, which
// the window does not read: no window, the caller reads the full range.
func TestSlotWindowDailyLimit(t *testing.T) {
	r := Rules{EventType: "own", Duration: 30 * time.Minute, DailyLimit: 2}
	if _, ok := NewSlotWindow(r, time.Date(2027, 3, 14, 12, 0, 0, 0, time.UTC)); ok {
		t.Fatal("a window for an event type with a daily limit")
	}
}
