package hooks

import (
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
)

func TestSlotsQueryErrors(t *testing.T) {
	factory := func(t testing.TB) *tests.TestApp {
		app, host := bookingApp(t, nil)
		mkEventType(t, app, "off", []string{host}, map[string]any{c.EventTypesActive: false})
		return app
	}
	scenarios := []struct {
		name, query string
		status      int
		want        []string
	}{
		{"nothing", "", 400, []string{`"event_type":{`, `"from":{`, `"to":{`, `"tz":{`}},
		{"unknown zone", "event_type=call&from=2026-03-02&to=2026-03-03&tz=Mars/Base", 400, []string{`"tz":{`, "Unknown time zone"}},
		{"Local zone", "event_type=call&from=2026-03-02&to=2026-03-03&tz=Local", 400, []string{`"tz":{`}},
		{"malformed from", "event_type=call&from=2026-3-2&to=2026-03-03&tz=UTC", 400, []string{`"from":{`, "YYYY-MM-DD"}},
		{"impossible date", "event_type=call&from=2026-02-30&to=2026-03-03&tz=UTC", 400, []string{`"from":{`}},
		{"to before from", "event_type=call&from=2026-03-05&to=2026-03-03&tz=UTC", 400, []string{`"to":{`, "before from"}},
		{"range over 62 days", "event_type=call&from=2026-03-01&to=2026-05-02&tz=UTC", 400, []string{`"to":{`, "62 days"}},
		{"unknown event type", "event_type=nope&from=2026-03-02&to=2026-03-03&tz=UTC", 404, []string{`\"nope\"`}},
		{"inactive event type", "event_type=off&from=2026-03-02&to=2026-03-03&tz=UTC", 404, []string{`\"off\"`}},
		{"year 9999", "event_type=call&from=9999-12-30&to=9999-12-31&tz=UTC", 400, []string{`"from":{`, `"to":{`}},
		{"year 1", "event_type=call&from=0001-01-01&to=0001-01-02&tz=UTC", 400, []string{`"from":{`}},
		{"61 days is fine", "event_type=call&from=2026-03-01&to=2026-04-30&tz=UTC", 200, []string{`"days":[`}},
	}
	for _, s := range scenarios {
		(&tests.ApiScenario{
			Name: s.name, Method: http.MethodGet, URL: "/api/slots?" + s.query,
			TestAppFactory: factory, ExpectedStatus: s.status, ExpectedContent: s.want,
		}).Test(t)
	}
}

// slotsBody is the decoded GET /api/slots answer.
type slotsBody struct {
	Timezone string `json:"timezone"`
	Days     []struct {
		Date  string `json:"date"`
		Slots []struct {
			Start     string `json:"start"`
			End       string `json:"end"`
			SeatsLeft int    `json:"seats_left"`
		} `json:"slots"`
	} `json:"days"`
}

func (b slotsBody) starts(date string) []string {
	var out []string
	for _, d := range b.Days {
		if d.Date == date {
			for _, s := range d.Slots {
				out = append(out, s.Start)
			}
		}
	}
	return out
}

func TestSlotsAnswer(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	et, _ := c.FindActiveEventType(app, "call")

	var london slotsBody
	if code := getJSON(t, url+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-03&tz=Europe/London", &london); code != 200 {
		t.Fatalf("status %d", code)
	}
	if london.Timezone != "Europe/London" || len(london.Days) != 2 {
		t.Fatalf("answer %+v", london)
	}
	mon := london.starts("2026-03-02")
	if len(mon) != 16 || mon[0] != "2026-03-02T09:00:00Z" || mon[15] != "2026-03-02T16:30:00Z" {
		t.Fatalf("Monday in London: %v", mon)
	}
	if s := london.Days[0].Slots[0]; s.End != "2026-03-02T09:30:00Z" || s.SeatsLeft != 1 {
		t.Fatalf("first slot %+v", s)
	}

	// The same instants, grouped on a Tokyo visitor's days (UTC+9): London's
	// 15:00Z onwards falls after Tokyo midnight.
	var tokyo slotsBody
	getJSON(t, url+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-03&tz=Asia/Tokyo", &tokyo)
	if got := tokyo.starts("2026-03-02"); len(got) != 12 || got[11] != "2026-03-02T14:30:00Z" {
		t.Fatalf("Tokyo Monday: %v", got)
	}
	if got := tokyo.starts("2026-03-03"); len(got) != 16 || got[0] != "2026-03-02T15:00:00Z" {
		t.Fatalf("Tokyo Tuesday: %v", got)
	}

	// After the clocks go forward (29 March), 09:00 London is 08:00Z.
	var bst slotsBody
	getJSON(t, url+"/api/slots?event_type=call&from=2026-03-30&to=2026-03-30&tz=Europe/London", &bst)
	if got := bst.starts("2026-03-30"); len(got) != 16 || got[0] != "2026-03-30T08:00:00Z" {
		t.Fatalf("Monday after BST starts: %v", got)
	}

	// A booking (with the other event type's buffers) takes its slot away.
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	save(t, app, c.Bookings, map[string]any{
		c.BookingsEventType: et.Id, c.BookingsHosts: []string{host}, c.BookingsStart: start, c.BookingsEnd: start.Add(30 * time.Minute),
		c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "Bob", c.BookingsEmail: "bob@example.com", c.BookingsTimezone: "UTC",
		c.BookingsBufferAfter: 30,
	})
	var after slotsBody
	getJSON(t, url+"/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=Europe/London", &after)
	got := after.starts("2026-03-02")
	for _, s := range got {
		if s == "2026-03-02T10:00:00Z" || s == "2026-03-02T10:30:00Z" {
			t.Fatalf("booked/buffered slot %s still offered: %v", s, got)
		}
	}
	if len(got) != 14 {
		t.Fatalf("want 14 slots around a booking with a 30-minute buffer after, got %v", got)
	}
}

// TestSlotsCacheFollowsClockAndWrites: a cached answer never outlives the
// min-notice deadline of its first slot, nor a change of the data.
func TestSlotsCacheFollowsClockAndWrites(t *testing.T) {
	clock := &queueClock{now: time.Date(2026, 3, 2, 7, 59, 58, 0, time.UTC)}
	app := seeded(t, Config{NoDemo: true, Now: clock.Now})
	defer app.Cleanup()
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, map[string]any{c.EventTypesMinNotice: 60})
	url := serveHTTP(t, app) + "/api/slots?event_type=call&from=2026-03-02&to=2026-03-02&tz=UTC"
	var body slotsBody
	getJSON(t, url, &body)
	if got := body.starts("2026-03-02"); len(got) != 16 || got[0] != "2026-03-02T09:00:00Z" {
		t.Fatalf("at 07:59:58: %v", got)
	}
	clock.Add(3 * time.Second) // 08:00:01, well inside the cache's 10 s: 09:00 is within the hour's notice now
	getJSON(t, url, &body)
	if got := body.starts("2026-03-02"); len(got) != 15 || got[0] != "2026-03-02T09:30:00Z" {
		t.Fatalf("at 08:00:01 the cache still offers 09:00: %v", got)
	}
	// A schedule edit is seen at once.
	sched, _ := app.FindFirstRecordByData(c.Schedules, c.SchedulesName, "Alice's hours")
	sched.Set(c.SchedulesWeekly, `{"mon":[["13:00","14:00"]]}`)
	if err := app.Save(sched); err != nil {
		t.Fatal(err)
	}
	getJSON(t, url, &body)
	if got := body.starts("2026-03-02"); len(got) != 2 || got[0] != "2026-03-02T13:00:00Z" {
		t.Fatalf("after the schedule edit: %v", got)
	}
}
