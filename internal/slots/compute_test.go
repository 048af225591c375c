package slots

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Monday 2026-06-01 in Berlin (CEST, UTC+2) is the stage of these scenarios.
var berlin = mustLoad("Europe/Berlin")

// local returns the instant of a Berlin wall time on 2026-06-DD "DD HH:MM".
func local(s string) time.Time {
	var d, h, m int
	if _, err := fmt.Sscanf(s, "%d %d:%d", &d, &h, &m); err != nil {
		panic(err)
	}
	return time.Date(2026, 6, d, h, m, 0, 0, berlin)
}

// labels renders slots as "DD HH:MM xN [hosts]" in Berlin time.
func labels(ss []Slot) string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%s x%d %v", s.Start.In(berlin).Format("02 15:04"), s.SeatsLeft, s.Hosts))
	}
	return strings.Join(out, ", ")
}

func weekly(t *testing.T, js string) Weekly {
	t.Helper()
	w, err := ParseWeekly([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestComputeScenarios(t *testing.T) {
	monday := `{"mon":[["09:00","12:00"]]}`
	host := func(id, js string) Host {
		return Host{ID: id, Schedule: Schedule{Location: berlin, Weekly: weekly(t, js)}}
	}
	day := Query{From: local("01 00:00"), To: local("02 00:00"), Now: local("01 00:00").Add(-time.Hour)}
	hour := Rules{EventType: "e", Duration: time.Hour}
	scenarios := []struct {
		name  string
		rules Rules
		hosts []Host
		query Query
		want  string
	}{
		{"plain grid", hour, []Host{host("a", monday)}, day, "01 09:00 x1 [a], 01 10:00 x1 [a], 01 11:00 x1 [a]"},
		{"step smaller than duration", Rules{Duration: time.Hour, Step: 45 * time.Minute}, []Host{host("a", monday)}, day,
			"01 09:00 x1 [a], 01 09:45 x1 [a], 01 10:30 x1 [a]"},
		{"override replaces the date", hour, []Host{func() Host {
			h := host("a", monday)
			h.Schedule.Overrides = map[Date][]Window{{2026, 6, 1}: {{13 * 60, 15 * 60}}}
			return h
		}()}, day, "01 13:00 x1 [a], 01 14:00 x1 [a]"},
		{"empty override closes the date", hour, []Host{func() Host {
			h := host("a", monday)
			h.Schedule.Overrides = map[Date][]Window{{2026, 6, 1}: {}}
			return h
		}()}, day, ""},
		{"override of another date changes nothing", hour, []Host{func() Host {
			h := host("a", monday)
			h.Schedule.Overrides = map[Date][]Window{{2026, 6, 8}: {}}
			return h
		}()}, day, "01 09:00 x1 [a], 01 10:00 x1 [a], 01 11:00 x1 [a]"},
		{"booking splits the grid, which restarts at its end", Rules{Duration: time.Hour, Step: 30 * time.Minute}, []Host{func() Host {
			h := host("a", monday)
			h.Bookings = []Booking{{EventType: "x", Start: local("01 09:50"), End: local("01 10:10")}}
			return h
		}()}, day, "01 10:10 x1 [a], 01 10:40 x1 [a]"},
		{"touching a booking is fine, its buffer is not", hour, []Host{func() Host {
			h := host("a", monday)
			h.Bookings = []Booking{
				{EventType: "x", Start: local("01 10:00"), End: local("01 10:30"), BufferAfter: 30 * time.Minute},
			}
			return h
		}()}, day, "01 09:00 x1 [a], 01 11:00 x1 [a]"},
		{"rule buffers must be free of bookings but may leave availability", Rules{Duration: time.Hour, BufferBefore: 30 * time.Minute, BufferAfter: 15 * time.Minute},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{{EventType: "x", Start: local("01 11:15"), End: local("01 11:30")}}
				return h
			}()}, day, "01 09:00 x1 [a], 01 10:00 x1 [a]"},
		{"busy block blocks its span plus the rule buffers", Rules{Duration: time.Hour, BufferAfter: 30 * time.Minute},
			[]Host{func() Host {
				h := host("a", monday)
				h.Busy = []BusyBlock{{Start: local("01 11:00"), End: local("01 11:30")}, {Start: local("01 11:10"), End: local("01 11:20")}}
				return h
			}()}, day, "01 09:00 x1 [a]"},
		{"empty booking blocks only its own buffers", hour, []Host{func() Host {
			h := host("a", monday)
			h.Bookings = []Booking{{EventType: "x", Start: local("01 10:00"), End: local("01 10:00"), BufferAfter: 10 * time.Minute}}
			return h
		}()}, day, "01 09:00 x1 [a], 01 10:10 x1 [a]"},
		{"min notice filters without moving the grid", Rules{Duration: time.Hour, MinNotice: 2 * time.Hour},
			[]Host{host("a", monday)}, Query{From: day.From, To: day.To, Now: local("01 07:30")}, "01 10:00 x1 [a], 01 11:00 x1 [a]"},
		{"horizon keeps starts at now+horizon", Rules{Duration: time.Hour, Horizon: 90 * time.Minute},
			[]Host{host("a", monday)}, Query{From: day.From, To: day.To, Now: local("01 08:30")}, "01 09:00 x1 [a], 01 10:00 x1 [a]"},
		{"query filters by start only", hour, []Host{host("a", monday)},
			Query{From: local("01 09:30"), To: local("01 11:00"), Now: day.Now}, "01 10:00 x1 [a]"},
		{"seats: own bookings at a start are seats", Rules{EventType: "e", Duration: time.Hour, Seats: 3},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{
					{EventType: "e", Start: local("01 10:00"), End: local("01 11:00")},
					{EventType: "e", Start: local("01 10:00"), End: local("01 11:00")},
					{EventType: "e", Start: local("01 09:00"), End: local("01 10:00")},
					{EventType: "e", Start: local("01 09:00"), End: local("01 10:00")},
					{EventType: "e", Start: local("01 09:00"), End: local("01 10:00")},
				}
				return h
			}()}, day, "01 10:00 x1 [a], 01 11:00 x3 [a]"},
		{"seats: an own session blocks overlapping starts", Rules{EventType: "e", Duration: time.Hour, Step: 30 * time.Minute, Seats: 3},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{{EventType: "e", Start: local("01 10:00"), End: local("01 11:00")}}
				return h
			}()}, day, "01 09:00 x3 [a], 01 10:00 x2 [a], 01 11:00 x3 [a]"},
		{"seats: other event types block as usual", Rules{EventType: "e", Duration: time.Hour, Seats: 3},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{{EventType: "x", Start: local("01 10:00"), End: local("01 11:00")}}
				return h
			}()}, day, "01 09:00 x3 [a], 01 11:00 x3 [a]"},
		{"daily limit reached", Rules{EventType: "e", Duration: time.Hour, DailyLimit: 1},
			[]Host{func() Host {
				h := host("a", `{"mon":[["09:00","12:00"]],"tue":[["09:00","10:00"]]}`)
				h.Bookings = []Booking{{EventType: "e", Start: local("01 06:00"), End: local("01 07:00")}}
				return h
			}()}, Query{From: day.From, To: local("03 00:00"), Now: day.Now}, "02 09:00 x1 [a]"},
		{"daily limit counts only own bookings", Rules{EventType: "e", Duration: time.Hour, DailyLimit: 1},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{{EventType: "x", Start: local("01 06:00"), End: local("01 07:00")}}
				return h
			}()}, day, "01 09:00 x1 [a], 01 10:00 x1 [a], 01 11:00 x1 [a]"},
		{"daily limit in the host's zone", Rules{EventType: "e", Duration: time.Hour, DailyLimit: 1},
			[]Host{func() Host {
				h := host("a", monday)
				h.Location = mustLoad("America/New_York") // 01 06:00 Berlin is 00:00 in New York on 06-01
				h.Bookings = []Booking{{EventType: "e", Start: local("01 05:59"), End: local("01 06:00")}}
				return h
			}()}, day, "01 09:00 x1 [a], 01 10:00 x1 [a], 01 11:00 x1 [a]"},
		{"daily limit with seats: joining a session is allowed", Rules{EventType: "e", Duration: time.Hour, DailyLimit: 1, Seats: 2},
			[]Host{func() Host {
				h := host("a", monday)
				h.Bookings = []Booking{{EventType: "e", Start: local("01 10:00"), End: local("01 11:00")}}
				return h
			}()}, day, "01 10:00 x1 [a]"},
		{"round robin: any host, seats summed", Rules{EventType: "e", Duration: time.Hour, Assignment: RoundRobin, Seats: 2},
			[]Host{host("b", `{"mon":[["10:00","13:00"]]}`), host("a", monday)}, day,
			"01 09:00 x2 [a], 01 10:00 x4 [a b], 01 11:00 x4 [a b], 01 12:00 x2 [b]"},
		{"collective: every host, fewest seats", Rules{EventType: "e", Duration: time.Hour, Assignment: Collective, Seats: 2},
			[]Host{func() Host {
				h := host("b", `{"mon":[["10:00","13:00"]]}`)
				h.Bookings = []Booking{{EventType: "e", Start: local("01 11:00"), End: local("01 12:00")}}
				return h
			}(), host("a", monday)}, day, "01 10:00 x2 [a b], 01 11:00 x1 [a b]"},
		{"collective needs the same instant", Rules{Duration: time.Hour, Assignment: Collective},
			[]Host{host("a", monday), host("b", `{"mon":[["09:30","12:00"]]}`)}, day, ""},
		{"no hosts", hour, nil, day, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got, err := Compute(sc.rules, sc.hosts, sc.query)
			if err != nil {
				t.Fatal(err)
			}
			if labels(got) != sc.want {
				t.Errorf("got  %s\nwant %s", labels(got), sc.want)
			}
		})
	}
}

// TestAroundTheClockUsesReferenceGrid: availability without a break has no
// start to anchor to, so its slots sit on local midnight + k·step.
func TestAroundTheClockUsesReferenceGrid(t *testing.T) {
	kathmandu := mustLoad("Asia/Kathmandu")
	var all Weekly
	for d := range all {
		all[d] = []Window{{0, 1440}}
	}
	h := Host{ID: "a", Schedule: Schedule{Location: kathmandu, Weekly: all}}
	r := Rules{Duration: 25 * time.Minute, Step: 40 * time.Minute}
	from := DayStart(Date{2026, 6, 1}, kathmandu) // 1976 days after 2001-01-01 (a multiple of 2): 00:00 is on the grid
	got, err := Compute(r, []Host{h}, Query{From: from.Add(time.Minute), To: from.Add(3 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range got {
		labels = append(labels, s.Start.In(kathmandu).Format("15:04"))
	}
	if want := "00:40 01:20 02:00 02:40"; strings.Join(labels, " ") != want {
		t.Errorf("got %v, want %s", labels, want)
	}
	// A booking starts a free interval, anchored at its end.
	h.Bookings = []Booking{{Start: from, End: from.Add(5 * time.Minute)}}
	got, _ = Compute(r, []Host{h}, Query{From: from, To: from.Add(time.Hour)})
	if len(got) != 2 || got[0].Start.Sub(from) != 5*time.Minute || got[1].Start.Sub(from) != 45*time.Minute {
		t.Errorf("after a booking: %v", got)
	}
}

func TestComputeErrors(t *testing.T) {
	okRules := Rules{Duration: time.Hour}
	okHost := Host{ID: "a", Schedule: Schedule{Location: berlin}}
	okQuery := Query{From: local("01 00:00"), To: local("02 00:00")}
	scenarios := []struct {
		name    string
		rules   Rules
		hosts   []Host
		query   Query
		kind    error
		wantErr string
	}{
		{"invalid rules", Rules{}, []Host{okHost}, okQuery, ErrInvalidRules, "duration: must be between 5 and 720 minutes"},
		{"nil location", okRules, []Host{{ID: "a"}}, okQuery, ErrInvalidInput, `host "a": schedule: location is missing`},
		{"bad window", okRules, []Host{{ID: "a", Schedule: Schedule{Location: berlin, Weekly: Weekly{1: {{600, 600}}}}}},
			okQuery, ErrInvalidInput, `host "a": schedule: mon: window 0: start and end are equal`},
		{"bad override date", okRules, []Host{{ID: "a", Schedule: Schedule{Location: berlin, Overrides: map[Date][]Window{{2026, 2, 30}: nil}}}},
			okQuery, ErrInvalidInput, "override 2026-02-30: not a valid date"},
		{"duplicate ids", okRules, []Host{okHost, okHost}, okQuery, ErrInvalidInput, `hosts: duplicate id "a"`},
		{"to before from", okRules, []Host{okHost}, Query{From: okQuery.To, To: okQuery.From}, ErrInvalidInput, "query: to must not be before from"},
		{"range too long", okRules, []Host{okHost}, Query{From: okQuery.From, To: okQuery.From.Add(MaxQueryRange + time.Nanosecond)},
			ErrInvalidInput, "query: range must be at most 400 days"},
		{"zero from", okRules, []Host{okHost}, Query{To: okQuery.To}, ErrInvalidInput, "query: from must be between years 1900 and 2199"},
		{"absurd fixed zone", okRules, []Host{{ID: "a", Schedule: Schedule{Location: time.FixedZone("x", 30*3600)}}}, okQuery,
			ErrInvalidInput, "UTC offset beyond 26 hours"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			_, err := Compute(sc.rules, sc.hosts, sc.query)
			if err == nil || !errors.Is(err, sc.kind) || !strings.Contains(err.Error(), sc.wantErr) {
				t.Fatalf("err = %v, want %q", err, sc.wantErr)
			}
		})
	}
}

// TestComputeConcurrent: Compute is safe for concurrent use (engines come
// from a pool); run it with -race.
func TestComputeConcurrent(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 11))
	type job struct {
		r     Rules
		hosts []Host
		q     Query
		want  string
	}
	jobs := make([]job, 40)
	for i := range jobs {
		r, hosts, q := gen{rngSource{rng}}.inputs()
		got, err := Compute(r, hosts, q)
		if err != nil {
			t.Fatal(err)
		}
		jobs[i] = job{r, hosts, q, fmt.Sprint(formatSlots(got))}
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for k := range jobs {
				j := jobs[(k+w*7)%len(jobs)]
				got, err := Compute(j.r, j.hosts, j.q)
				if err != nil || fmt.Sprint(formatSlots(got)) != j.want {
					t.Errorf("concurrent Compute differs: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestInputOrderIrrelevant: thousands of bookings and busy blocks (the
// radix-sort path) give the same slots in any order.
func TestInputOrderIrrelevant(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 12))
	from := time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC)
	h := benchHost(rng, "a", "Europe/London", from, 14, 800, 1500)
	r := Rules{EventType: "own", Duration: 20 * time.Minute, Step: 10 * time.Minute, BufferAfter: 5 * time.Minute}
	q := Query{From: from, To: from.AddDate(0, 0, 14)}
	shuffled, err := Compute(r, []Host{h}, q)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(h.Bookings, func(a, b Booking) int { return a.Start.Compare(b.Start) })
	slices.SortFunc(h.Busy, func(a, b BusyBlock) int { return b.Start.Compare(a.Start) }) // reversed
	again, _ := Compute(r, []Host{h}, q)
	if d := firstDiff(formatSlots(shuffled), formatSlots(again)); d != "" || len(shuffled) == 0 {
		t.Fatalf("order changed the answer: %s (%d slots)", d, len(shuffled))
	}
	checkExactBlocking(t, r, []Host{h}, shuffled)
}
