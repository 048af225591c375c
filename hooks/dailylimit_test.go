package hooks

import (
	"net/http"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// dailyLimitApp is a seeded app on clock now with one host in zone whose
// weekly rules are weekly, and event type "call" (30 min, step 30, limit 1).
func dailyLimitApp(t *testing.T, zone, weekly string, now time.Time) string {
	t.Helper()
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(now)})
	t.Cleanup(app.Cleanup)
	host := mkHost(t, app, "Dee", zone, weekly)
	mkEventType(t, app, "call", []string{host}, map[string]any{c.EventTypesDailyLimit: 1, c.EventTypesHorizonDays: 365})
	return serveHTTP(t, app)
}

func bookAt(t *testing.T, url, start string) (int, map[string]any) {
	t.Helper()
	b := goodBooking()
	b["start"] = start
	return postJSON(t, &http.Client{Timeout: time.Minute}, url+"/api/bookings", b, nil)
}

// TestDailyLimitFallBackDayNewYork (issue 14): Sunday 7 November 2027 in
// New York is 25 hours long; with a limit of one a day, a booking at 23:30
// EST fills the day, so 00:00 EDT that same day is refused.
func TestDailyLimitFallBackDayNewYork(t *testing.T) {
	url := dailyLimitApp(t, "America/New_York", `{"sun":[["00:00","01:00"],["23:00","24:00"]]}`, time.Date(2027, 11, 1, 0, 0, 0, 0, time.UTC))
	if code, body := bookAt(t, url, "2027-11-08T04:30:00Z"); code != 201 { // 23:30 EST, Sunday 7 November
		t.Fatalf("first booking: %d %v", code, body)
	}
	if code, body := bookAt(t, url, "2027-11-07T04:00:00Z"); code == 201 { // 00:00 EDT, the same local day
		t.Fatalf("second booking on a day limited to one: %d %v", code, body)
	}
	var got slotsBody
	getJSON(t, url+"/api/slots?event_type=call&from=2027-11-07&to=2027-11-07&tz=America/New_York", &got)
	if s := got.starts("2027-11-07"); len(s) != 0 {
		t.Fatalf("a full day still offers %v", s)
	}
}

// TestDailyLimitViewerIndependentAdelaide (issue 14): 4 April 2027 in
// Adelaide (fall-back day, 25 hours) is full after one booking; no viewer's
// range may still offer its first slot.
func TestDailyLimitViewerIndependentAdelaide(t *testing.T) {
	day := `[["00:00","24:00"]]`
	url := dailyLimitApp(t, "Australia/Adelaide", `{"sat":`+day+`,"sun":`+day+`,"mon":`+day+`}`, time.Date(2027, 3, 20, 0, 0, 0, 0, time.UTC))
	if code, body := bookAt(t, url, "2027-04-04T14:00:00Z"); code != 201 { // 23:30 ACST, Sunday 4 April
		t.Fatalf("booking: %d %v", code, body)
	}
	for _, q := range []string{"from=2027-04-03&to=2027-04-03&tz=Australia/Brisbane", "from=2027-04-03&to=2027-04-03&tz=UTC",
		"from=2027-04-04&to=2027-04-04&tz=Australia/Adelaide", "from=2027-04-03&to=2027-04-03&tz=Pacific/Kiritimati"} {
		var got slotsBody
		if code := getJSON(t, url+"/api/slots?event_type=call&"+q, &got); code != 200 {
			t.Fatalf("%s: %d", q, code)
		}
		for _, d := range got.Days {
			for _, s := range d.Slots {
				if s.Start == "2027-04-03T13:30:00Z" { // 00:00 ACDT on 4 April: that day is full
					t.Errorf("%s offers %s on a full day", q, s.Start)
				}
			}
		}
	}
}
