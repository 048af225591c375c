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
