package slots

import (
	"math/rand/v2"
	"time"
	_ "time/tzdata"
)

// testZones are the zones random inputs draw from: DST in both hemispheres,
// half- and quarter-hour offsets, 30-minute and 2-hour DST shifts, midnight
// transitions, negative DST and Ramadan DST. All have whole-minute offsets
// in the years generated, so the reference's minute walk is exact.
var testZones = []string{
	"UTC", "America/New_York", "Europe/London", "Australia/Lord_Howe",
	"Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/Santiago",
	"America/Havana", "Australia/Sydney", "Pacific/Auckland", "America/Sao_Paulo",
	"Asia/Tehran", "Asia/Beirut", "America/Asuncion", "Europe/Berlin",
	"Africa/Casablanca", "Pacific/Kiritimati", "Pacific/Pago_Pago",
	"America/St_Johns", "Asia/Gaza", "Europe/Dublin", "Antarctica/Troll",
	"America/Scoresbysund", "Pacific/Apia",
}

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// source yields the choices of a generator: a seeded PRNG for property tests,
// fuzz bytes for fuzz targets.
type source interface{ intn(n int) int }

type rngSource struct{ r *rand.Rand }

func (s rngSource) intn(n int) int { return s.r.IntN(n) }

// byteSource consumes fuzz input two bytes per choice; 0 once exhausted.
type byteSource struct{ b []byte }

func (s *byteSource) intn(n int) int {
	if len(s.b) < 2 {
		s.b = nil
		return 0
	}
	v := int(s.b[0])<<8 | int(s.b[1])
	s.b = s.b[2:]
	return v % n
}

// gen builds random, minute-granular Compute inputs.
type gen struct{ src source }

func (g gen) n(n int) int         { return g.src.intn(n) }
func (g gen) chance(pct int) bool { return g.n(100) < pct }
func (g gen) mins(lo, hi int) time.Duration {
	return time.Duration(lo+g.n(hi-lo+1)) * time.Minute
}

// transitionsIn lists the zone transitions of loc in year y.
func transitionsIn(loc *time.Location, y int) []time.Time {
	var out []time.Time
	end := time.Date(y+1, 1, 1, 0, 0, 0, 0, time.UTC)
	for t := time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC); t.Before(end); {
		_, e := t.In(loc).ZoneBounds()
		if e.IsZero() || !e.Before(end) {
			break
		}
		out = append(out, e)
		t = e
	}
	return out
}

// base picks an instant in 2024-2028, near a DST transition of loc half the time.
func (g gen) base(loc *time.Location) time.Time {
	y := 2024 + g.n(5)
	if ts := transitionsIn(loc, y); len(ts) > 0 && g.chance(50) {
		return ts[g.n(len(ts))].Add(g.mins(-3*1440, 3*1440)).Truncate(time.Minute)
	}
	return time.Date(y, time.January, 1, 0, 0, 0, 0, time.UTC).Add(g.mins(0, 364*1440))
}

func (g gen) window() Window {
	grains := []int{1, 5, 15, 30, 60}
	grain := grains[g.n(len(grains))]
	start := g.n(1440/grain) * grain
	switch {
	case g.chance(10):
		return Window{0, 1440}
	case g.chance(10):
		return Window{start, 1440}
	case g.chance(20): // spans midnight
		return Window{start, g.n(start+1) / grain * grain}
	}
	end := start + grain*(1+g.n((1440-start)/grain))
	if end == start || end > 1440 {
		end = 1440
	}
	return Window{start, end}
}

func (g gen) windows() []Window {
	if g.chance(20) {
		return nil
	}
	ws := make([]Window, 1+g.n(3))
	for i := range ws {
		ws[i] = g.window()
		if ws[i].Start == ws[i].End {
			ws[i].End = 1440
		}
	}
	return ws
}

func (g gen) schedule(loc *time.Location, base time.Time) Schedule {
	s := Schedule{Location: loc}
	allDay := g.chance(5)
	for d := range s.Weekly {
		if allDay {
			s.Weekly[d] = []Window{{0, 1440}}
		} else {
			s.Weekly[d] = g.windows()
		}
	}
	if k := g.n(5); k > 0 {
		s.Overrides = map[Date][]Window{}
		for range k {
			d := DateOf(base.Add(g.mins(-10*1440, 10*1440)), loc)
			if g.chance(30) {
				s.Overrides[d] = []Window{}
			} else {
				s.Overrides[d] = g.windows()
			}
		}
	}
	return s
}

func (g gen) rules() Rules {
	r := Rules{EventType: "own", Duration: g.mins(5, 240)}
	if g.chance(40) {
		r.Duration = []time.Duration{15, 30, 45, 60}[g.n(4)] * time.Minute
	}
	if g.chance(60) {
		r.Step = g.mins(5, 120)
	}
	if g.chance(50) {
		r.BufferBefore = g.mins(0, 90)
	}
	if g.chance(50) {
		r.BufferAfter = g.mins(0, 90)
	}
	if g.chance(40) {
		r.MinNotice = g.mins(0, 3*1440)
	}
	if g.chance(40) {
		r.Horizon = g.mins(1, 15*1440)
	}
	if g.chance(30) {
		r.DailyLimit = 1 + g.n(4)
	}
	if g.chance(40) {
		r.Seats = 2 + g.n(4)
	}
	r.Assignment = []Assignment{"", Single, RoundRobin, Collective}[g.n(4)]
	return r
}

func (g gen) booking(base time.Time, i int) Booking {
	start := base.Add(g.mins(-9*1440, 12*1440))
	if g.chance(50) {
		start = start.Truncate(15 * time.Minute)
	}
	b := Booking{ID: string(rune('a' + i%26)), EventType: "other", Start: start, End: start.Add(g.mins(5, 240))}
	switch {
	case g.chance(5):
		b.End = b.Start
	case g.chance(3):
		b.End = b.Start.Add(-g.mins(1, 60))
	}
	if g.chance(50) {
		b.EventType = "own"
	}
	if g.chance(40) {
		b.BufferBefore = g.mins(0, 60)
	}
	if g.chance(40) {
		b.BufferAfter = g.mins(0, 60)
	}
	if g.chance(3) {
		b.BufferAfter = -g.mins(1, 30)
	}
	return b
}

// inputs builds one random case: rules, 1-3 hosts, query.
func (g gen) inputs() (Rules, []Host, Query) {
	r := g.rules()
	loc := mustLoad(testZones[g.n(len(testZones))])
	base := g.base(loc)
	hosts := make([]Host, 1+g.n(3))
	for i := range hosts {
		hl := loc
		if g.chance(30) {
			hl = mustLoad(testZones[g.n(len(testZones))])
		}
		h := Host{ID: string(rune('z' - i)), Schedule: g.schedule(hl, base)}
		if g.chance(20) {
			h.Location = mustLoad(testZones[g.n(len(testZones))])
		}
		for j := range g.n(13) {
			h.Bookings = append(h.Bookings, g.booking(base, j))
		}
		for range g.n(9) {
			s := base.Add(g.mins(-9*1440, 12*1440))
			h.Busy = append(h.Busy, BusyBlock{Start: s, End: s.Add(g.mins(-10, 300))})
		}
		hosts[i] = h
	}
	from := base.Add(g.mins(-2*1440, 2*1440))
	q := Query{From: from, To: from.Add(g.mins(0, 6*1440)), Now: from.Add(g.mins(-4*1440, 1440))}
	return r, hosts, q
}

// addSeats books 1-3 own bookings at up to four starts Compute offers, so
// that seats and daily limits meet real sessions.
func (g gen) addSeats(r Rules, hosts []Host, q Query) {
	got, err := Compute(r, hosts, q)
	if err != nil || len(got) == 0 {
		return
	}
	for range 1 + g.n(4) {
		s := got[g.n(len(got))]
		id := s.Hosts[g.n(len(s.Hosts))]
		for i := range hosts {
			if hosts[i].ID != id && r.Assignment != Collective {
				continue
			}
			for range 1 + g.n(3) {
				hosts[i].Bookings = append(hosts[i].Bookings, Booking{
					ID: "seat", EventType: r.EventType, Start: s.Start, End: s.End,
					BufferBefore: r.BufferBefore, BufferAfter: r.BufferAfter,
				})
			}
		}
	}
}
