package slots

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"
)

// FuzzCompute decodes the fuzz input into rules, 1-3 hosts and a query (the
// property tests' generator, driven by the bytes) and checks that Compute
// does not panic and that its answer keeps the invariants: sorted unique
// starts inside the query, inside availability, clear of bookings and busy
// blocks with buffers, SeatsLeft >= 1. With the first byte odd, booking and
// busy times get sub-minute jitter and the blocking checks run in exact time.
//
//	go test -run='^$' -fuzz=FuzzCompute -fuzztime=60s ./internal/slots
func FuzzCompute(f *testing.F) {
	rng := rand.New(rand.NewPCG(7, 7))
	for range 8 {
		seed := make([]byte, 400)
		for i := range seed {
			seed[i] = byte(rng.UintN(256))
		}
		f.Add(seed)
	}
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xff}, 300))
	f.Fuzz(func(t *testing.T, data []byte) {
		jitter := len(data) > 0 && data[0]%2 == 1
		src := &byteSource{b: data}
		g := gen{src}
		r, hosts, q := g.inputs()
		g.addSeats(r, hosts, q)
		if jitter {
			for i := range hosts {
				for j := range hosts[i].Bookings {
					b := &hosts[i].Bookings[j]
					b.Start = b.Start.Add(time.Duration(g.n(60000))*time.Millisecond + time.Duration(g.n(1000)))
					b.End = b.End.Add(time.Duration(g.n(60000))*time.Millisecond - time.Duration(g.n(1000)))
				}
				for j := range hosts[i].Busy {
					hosts[i].Busy[j].End = hosts[i].Busy[j].End.Add(time.Duration(g.n(60000))*time.Microsecond + 1)
				}
			}
		}
		got, err := Compute(r, hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		if !jitter {
			checkInvariants(t, r, hosts, q, got)
			return
		}
		checkExactBlocking(t, r, hosts, got)
	})
}

// checkExactBlocking is the blocking part of checkInvariants in exact time.
func checkExactBlocking(t *testing.T, r Rules, hosts []Host, got []Slot) {
	t.Helper()
	ov := func(a1, b1, a2, b2 time.Time) bool {
		return a1.Before(b1) && a2.Before(b2) && a1.Before(b2) && a2.Before(b1)
	}
	for i, s := range got {
		if i > 0 && !got[i-1].Start.Before(s.Start) || s.SeatsLeft < 1 {
			t.Fatalf("slot %d: unsorted, duplicate or no seats: %+v", i, s)
		}
		for _, h := range hosts {
			if !slicesContains(s.Hosts, h.ID) {
				continue
			}
			for _, b := range h.Bookings {
				if r.Seats > 1 && b.EventType == r.EventType && b.Start.Equal(s.Start) {
					continue
				}
				if ov(s.Start, s.End, b.Start.Add(-max(b.BufferBefore, 0)), b.End.Add(max(b.BufferAfter, 0))) ||
					ov(s.Start.Add(-r.BufferBefore), s.End.Add(r.BufferAfter), b.Start, b.End) {
					t.Fatalf("slot %s blocked by booking %s..%s", s.Start, b.Start, b.End)
				}
			}
			for _, x := range h.Busy {
				if ov(s.Start.Add(-r.BufferBefore), s.End.Add(r.BufferAfter), x.Start, x.End) {
					t.Fatalf("slot %s blocked by busy %s..%s", s.Start, x.Start, x.End)
				}
			}
		}
	}
}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// FuzzParseWeekly: ParseWeekly never panics, and whatever it accepts has only
// valid windows and survives MarshalJSON → ParseWeekly unchanged.
func FuzzParseWeekly(f *testing.F) {
	for _, s := range []string{
		`{"mon":[["09:00","17:00"]]}`,
		`{"tue":[["22:00","02:00"],["9:00","12:00"]],"sun":[["00:00","24:00"]]}`,
		`{"fri":[]}`, `{}`, `null`, `{"mon":[["24:00","01:00"]]}`, `{"xyz":[]}`,
		`{"wed":[["12:00","13:00"],["12:30","14:00"]]}`, `{"sat":[["07:05","07:05"]]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := ParseWeekly(data)
		if err != nil {
			return
		}
		for d, ws := range w {
			for _, win := range ws {
				if err := win.Validate(); err != nil {
					t.Fatalf("%s: accepted invalid window %v: %v", dayKeys[d], win, err)
				}
			}
		}
		out, err := w.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseWeekly(out)
		if err != nil {
			t.Fatalf("re-parse of %s: %v", out, err)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) || fmt.Sprint(normalise(w)) != fmt.Sprint(normalise(again)) {
			t.Fatalf("round trip changed %s into %s", out, out2)
		}
	})
}

// normalise maps nil days to empty ones for comparison.
func normalise(w Weekly) Weekly {
	for d := range w {
		if w[d] == nil {
			w[d] = []Window{}
		}
	}
	return w
}
