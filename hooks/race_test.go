package hooks

import (
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// race sends n identical bookings for one slot at once and counts statuses.
func race(t *testing.T, url string, n int, body func(i int) map[string]any) map[int]int {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: n}}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code, _ := postJSON(t, client, url+"/api/bookings", body(i), nil)
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

func distinctInvitee(i int) map[string]any {
	b := goodBooking()
	b["email"] = "racer" + itoa(i) + "@example.com"
	return b
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestRaceOneSeat(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	counts := race(t, serveHTTP(t, app), 200, distinctInvitee)
	if counts[201] != 1 || counts[409] != 199 {
		t.Fatalf("200 racers for one seat: %v, want exactly one 201 and 199 × 409", counts)
	}
	if n := countBookings(t, app, "status = 'confirmed'"); n != 1 {
		t.Fatalf("%d bookings stored", n)
	}
}

func TestRaceThreeSeats(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{c.EventTypesSeats: 3})
	defer app.Cleanup()
	counts := race(t, serveHTTP(t, app), 200, distinctInvitee)
	if counts[201] != 3 || counts[409] != 197 {
		t.Fatalf("200 racers for three seats: %v, want exactly three 201", counts)
	}
}

func TestRaceRoundRobinNeverDoubleAssigns(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	a := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	b := mkHost(t, app, "Bob", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{a, b}, map[string]any{c.EventTypesAssignment: c.AssignmentRoundRobin})
	counts := race(t, serveHTTP(t, app), 100, distinctInvitee)
	if counts[201] != 2 || counts[409] != 98 {
		t.Fatalf("100 racers, two hosts: %v, want exactly two 201", counts)
	}
	records, _ := app.FindRecordsByFilter(c.Bookings, "id != ''", "", 0, 0)
	hosts := map[string]bool{}
	for _, r := range records {
		hosts[r.GetStringSlice(c.BookingsHosts)[0]] = true
	}
	if len(hosts) != 2 {
		t.Fatalf("both bookings went to the same host: %v", hosts)
	}
}

func TestRaceReschedules(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 30 * time.Second}
	var tokens []string
	for i := range 20 {
		b := distinctInvitee(i)
		b["start"] = time.Date(2026, 3, 3+i/16, 9, 0, 0, 0, time.UTC).Add(time.Duration(i%16) * 30 * time.Minute).Format(time.RFC3339)
		code, body := postJSON(t, client, url+"/api/bookings", b, nil)
		if code != 201 {
			t.Fatalf("setup booking %d: %d %v", i, code, body)
		}
		tokens = append(tokens, body["manage_token"].(string))
	}
	var mu sync.Mutex
	counts := map[int]int{}
	var wg sync.WaitGroup
	for _, tok := range tokens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, _ := postJSON(t, client, url+"/api/bookings/manage/"+tok+"/reschedule", map[string]any{"start": "2026-03-02T12:00:00Z"}, nil)
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if counts[200] != 1 || counts[409] != 19 {
		t.Fatalf("20 reschedules onto one slot: %v, want exactly one winner", counts)
	}
	if n := countBookings(t, app, "start = '2026-03-02 12:00:00.000Z'"); n != 1 {
		t.Fatalf("%d bookings at the contested time", n)
	}
}

// TestRaceAroundTheClockMixed: 16 clients book a host available around
// the clock through two event types of different lengths, steps and
// buffers, at random starts of two days, at once — bookings share
// transactions (group commit), reuse their transaction's read of the
// host's bookings (windowcache.go) and decide on the slot window
// (slots.SlotWindow). Every live pair of stored bookings must be apart by
// the buffers they were made with, and some bookings of each kind must
// have been made and some refused.
func TestRaceAroundTheClockMixed(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	always := `{"mon":[["00:00","24:00"]],"tue":[["00:00","24:00"]],"wed":[["00:00","24:00"]],"thu":[["00:00","24:00"]],"fri":[["00:00","24:00"]],"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]}`
	host := mkHost(t, app, "Ida", "America/New_York", always)
	mkEventType(t, app, "short", []string{host}, map[string]any{c.EventTypesDuration: 30, c.EventTypesSlotStep: 15, c.EventTypesBufferAfter: 10})
	mkEventType(t, app, "long", []string{host}, map[string]any{c.EventTypesDuration: 50, c.EventTypesSlotStep: 20, c.EventTypesBufferBefore: 5})
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: waitBound, Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	base := time.Date(2026, 3, 7, 0, 0, 0, 0, time.UTC) // New York changes to summer time on the 8th
	made := map[string]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 12 {
				slug := "short"
				if (g+i)%3 == 0 {
					slug = "long"
				}
				// A start the slots API offers now (bookings of the other
				// kind keep moving the grid's anchors), or, one time in
				// four, a start on the step from midnight that may be gone.
				var offered slotsResponse
				if code := getJSON(t, url+"/api/slots?event_type="+slug+"&from=2026-03-07&to=2026-03-08&tz=UTC", &offered); code != http.StatusOK {
					t.Errorf("slots: %d", code)
					return
				}
				var starts []string
				for _, d := range offered.Days {
					for _, sl := range d.Slots {
						starts = append(starts, sl.Start)
					}
				}
				start := base.Add(time.Duration((g*7919+i*104729)%(2*24*4)*15) * time.Minute).Format(time.RFC3339)
				if len(starts) > 0 && (g+i)%4 != 0 {
					start = starts[(g*31+i*17)%len(starts)]
				}
				code, _ := postJSON(t, client, url+"/api/bookings", map[string]any{"event_type": slug, "start": start,
					"name": "R", "email": "r" + itoa(g) + "x" + itoa(i) + "@example.com", "timezone": "UTC"}, nil)
				mu.Lock()
				made[slug+" "+itoa(code)]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if made["short 201"] == 0 || made["long 201"] == 0 || made["short 201"]+made["long 201"] == 16*12 {
		t.Fatalf("answers %v: want bookings of both kinds made and some refused", made)
	}
	for k := range made {
		if k != "short 201" && k != "long 201" && k[len(k)-3:] != "409" && k[len(k)-3:] != "400" {
			t.Fatalf("answers %v: only 201, 400 and 409 are expected", made)
		}
	}
	rows, err := app.FindRecordsByFilter(c.Bookings, "status != 'cancelled'", "start", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i, a := range rows {
		for _, b := range rows[i+1:] {
			ab, bb := c.NewBooking(a), c.NewBooking(b)
			// a starts first (sorted): b must start after a's end and its buffer after,
			// and after a's end plus b's buffer before.
			gap := max(time.Duration(a.GetInt(c.BookingsBufferAfter))*time.Minute, time.Duration(b.GetInt(c.BookingsBufferBefore))*time.Minute)
			if bb.Start().Before(ab.End().Add(gap)) {
				t.Fatalf("double booking: %s–%s (buffer after %d) and %s–%s (buffer before %d)", ab.Start(), ab.End(), a.GetInt(c.BookingsBufferAfter),
					bb.Start(), bb.End(), b.GetInt(c.BookingsBufferBefore))
			}
		}
	}
	t.Logf("answers %v, %d live bookings, all apart", made, len(rows))
}
