package hooks

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// TestDailyLimitProperty (issue 14): in zones whose days run 23, 24, 25 or
// 26 hours, every daily-limit decision that goes through the real data
// loading — GET /api/slots for several viewers and ranges, and POST
// /api/bookings — agrees with a direct count of the event type's live
// bookings on the candidate's local day in the host's zone. The oracle is
// the same event type without a limit (its slots, filtered by the count),
// so the test checks the limit and its data, not the rest of the engine.
func TestDailyLimitProperty(t *testing.T) {
	zones := []string{"Antarctica/Troll", "Australia/Lord_Howe", "Europe/Chisinau", "Africa/Casablanca", "Europe/Dublin",
		"America/St_Johns", "Asia/Beirut", "Asia/Gaza", "Australia/Adelaide", "America/Santiago", "America/New_York"}
	for zi, zone := range zones {
		t.Run(zone, func(t *testing.T) {
			seed := uint64(0x14d1 + zi)
			rng := rand.New(rand.NewPCG(seed, 14))
			dailyLimitProperty(t, rng, zone)
		})
	}
}

// liveBooking is what the oracle counts.
type liveBooking struct{ start time.Time }

func dailyLimitProperty(t *testing.T, rng *rand.Rand, zone string) {
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(now)})
	defer app.Cleanup()
	day := `[["00:00","24:00"]]`
	host := mkHost(t, app, "Zed", zone, `{"mon":`+day+`,"tue":`+day+`,"wed":`+day+`,"thu":`+day+`,"fri":`+day+`,"sat":`+day+`,"sun":`+day+`}`)
	limit := 1 + rng.IntN(2)
	lim := mkEventType(t, app, "lim", []string{host}, map[string]any{c.EventTypesDailyLimit: limit, c.EventTypesHorizonDays: 720})
	mkEventType(t, app, "free", []string{host}, map[string]any{c.EventTypesHorizonDays: 720})
	url := serveHTTP(t, app)

	// The local dates around each change of the zone's offset in 2027.
	var focus []time.Time // local midnights (as instants) of dates to probe
	_, prev := now.In(loc).Zone()
	for at := now; at.Year() == 2027; at = at.Add(time.Hour) {
		if _, off := at.In(loc).Zone(); off != prev {
			prev = off
			d := at.In(loc)
			focus = append(focus, time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc))
		}
	}
	if len(focus) == 0 {
		focus = append(focus, time.Date(2027, 6, 1, 12, 0, 0, 0, loc))
	}
	localDate := func(t time.Time) string { return t.In(loc).Format("2006-01-02") }

	// Existing bookings, inserted directly (a limit lowered since may leave a
	// day over it): one to three on some focus days, some cancelled.
	var live []liveBooking
	// dayEdges are the first and last half hour of a focus date: where a
	// 23–26-hour day differs from a 24-hour one.
	dayEdges := func(f time.Time) (first, last time.Time) {
		y, m, d := f.In(loc).Date()
		first = f
		for first.Add(-30*time.Minute).In(loc).Day() == d && first.Add(-30*time.Minute).In(loc).Month() == m && first.Add(-30*time.Minute).In(loc).Year() == y {
			first = first.Add(-30 * time.Minute)
		}
		last = f
		for last.Add(30*time.Minute).In(loc).Day() == d {
			last = last.Add(30 * time.Minute)
		}
		return first.Truncate(30 * time.Minute), last.Truncate(30 * time.Minute)
	}
	for _, f := range focus {
		first, last := dayEdges(f)
		for k := range rng.IntN(4) {
			start := f.Add(time.Duration(rng.IntN(48)-24) * 30 * time.Minute).Truncate(30 * time.Minute)
			switch {
			case k == 0 && rng.IntN(2) == 0:
				start = last // late on the long (or short) day
			case k == 0:
				start = first
			}
			status := c.StatusConfirmed
			if rng.IntN(4) == 0 {
				status = c.StatusCancelled
			}
			save(t, app, c.Bookings, map[string]any{
				c.BookingsEventType: lim.Id, c.BookingsHosts: []string{host}, c.BookingsStart: start, c.BookingsEnd: start.Add(30 * time.Minute),
				c.BookingsStatus: status, c.BookingsName: "Seed", c.BookingsEmail: "seed@example.com", c.BookingsTimezone: "UTC",
			})
			if status == c.StatusConfirmed {
				live = append(live, liveBooking{start})
			}
		}
	}
	count := func(s time.Time) int {
		n := 0
		for _, b := range live {
			if localDate(b.start) == localDate(s) {
				n++
			}
		}
		return n
	}
	slotSet := func(slug, from, to, tz string) []time.Time {
		t.Helper()
		var got slotsBody
		if code := getJSON(t, url+"/api/slots?event_type="+slug+"&from="+from+"&to="+to+"&tz="+tz, &got); code != 200 {
			t.Fatalf("slots %s %s..%s %s: %d", slug, from, to, tz, code)
		}
		var out []time.Time
		for _, d := range got.Days {
			for _, s := range d.Slots {
				st, err := time.Parse(time.RFC3339, s.Start)
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, st)
			}
		}
		return out
	}

	viewers := []string{"UTC", zone, "Pacific/Kiritimati", "America/Los_Angeles"}
	type answer struct {
		lo, hi time.Time
		slots  []time.Time
	}
	for _, f := range focus {
		var answers []answer
		for _, tz := range viewers {
			vloc, _ := time.LoadLocation(tz)
			fromDay := f.In(vloc).AddDate(0, 0, -rng.IntN(2))
			toDay := fromDay.AddDate(0, 0, rng.IntN(3))
			from, to := fromDay.Format("2006-01-02"), toDay.Format("2006-01-02")
			got := slotSet("lim", from, to, tz)
			var want []time.Time
			for _, s := range slotSet("free", from, to, tz) {
				if count(s) < limit {
					want = append(want, s)
				}
			}
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Fatalf("viewer %s, %s..%s, limit %d: offered %v, want %v (free slots on days under the limit)", tz, from, to, limit, got, want)
			}
			y, m, d := fromDay.Date()
			lo := time.Date(y, m, d, 0, 0, 0, 0, vloc)
			y, m, d = toDay.Date()
			hi := time.Date(y, m, d+1, 0, 0, 0, 0, vloc)
			answers = append(answers, answer{lo, hi, got})
		}
		// Viewer independence: where two ranges overlap, the UTC slots agree.
		for i := range answers {
			for j := i + 1; j < len(answers); j++ {
				lo, hi := maxT(answers[i].lo, answers[j].lo), minT(answers[i].hi, answers[j].hi)
				in := func(s time.Time) bool { return !s.Before(lo) && s.Before(hi) }
				a, b := slices.DeleteFunc(slices.Clone(answers[i].slots), func(s time.Time) bool { return !in(s) }),
					slices.DeleteFunc(slices.Clone(answers[j].slots), func(s time.Time) bool { return !in(s) })
				if !slices.EqualFunc(a, b, time.Time.Equal) {
					t.Fatalf("viewers %s and %s disagree on [%s, %s): %v vs %v", viewers[i], viewers[j], lo, hi, a, b)
				}
			}
		}
	}

	// Booking decisions agree with the count, as bookings fill the days.
	client := &http.Client{Timeout: time.Minute}
	for _, f := range focus {
		from := f.AddDate(0, 0, -1).Format("2006-01-02")
		to := f.AddDate(0, 0, 1).Format("2006-01-02")
		free := slotSet("free", from, to, zone)
		first, last := dayEdges(f)
		tries := []time.Time{first, last}
		for range min(len(free), 6) {
			tries = append(tries, free[rng.IntN(len(free))])
		}
		for _, s := range tries {
			if !slices.ContainsFunc(free, s.Equal) {
				continue // not a free slot (taken by a seeded booking, or off the grid)
			}
			b := goodBooking()
			b["event_type"], b["start"] = "lim", s.Format(time.RFC3339)
			code, body := postJSON(t, client, url+"/api/bookings", b, nil)
			taken := slices.ContainsFunc(live, func(x liveBooking) bool { return x.start.Equal(s) })
			wantOK := count(s) < limit && !taken
			if (code == 201) != wantOK {
				t.Fatalf("booking %s (local %s, %d of %d booked that day): %d %v", s, s.In(loc), count(s), limit, code, body)
			}
			if code == 201 {
				live = append(live, liveBooking{s})
			}
		}
	}
}

func maxT(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minT(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
