package slots_test

import (
	"fmt"
	"time"
	_ "time/tzdata"

	"github.com/slotbase/slotbase/internal/slots"
)

func ExampleCompute() {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	weekly, _ := slots.ParseWeekly([]byte(`{"mon":[["09:00","12:00"]]}`))
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }

	rules := slots.Rules{
		EventType:   "intro",
		Duration:    45 * time.Minute,
		Step:        30 * time.Minute,
		BufferAfter: 15 * time.Minute,
	}
	host := slots.Host{
		ID:       "ada",
		Schedule: slots.Schedule{Location: berlin, Weekly: weekly},
		Bookings: []slots.Booking{{
			ID: "b1", EventType: "call",
			Start: at("2026-03-30T08:30:00Z"), End: at("2026-03-30T09:00:00Z"), // 10:30-11:00 CEST
		}},
	}
	query := slots.Query{
		From: slots.DayStart(slots.Date{Year: 2026, Month: time.March, Day: 30}, berlin),
		To:   slots.DayStart(slots.Date{Year: 2026, Month: time.March, Day: 31}, berlin),
		Now:  at("2026-03-01T00:00:00Z"),
	}
	got, err := slots.Compute(rules, []slots.Host{host}, query)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range got {
		fmt.Println(s.Start.In(berlin).Format("15:04"), "-", s.End.In(berlin).Format("15:04"), s.Hosts)
	}
	// 10:00 would overlap the 10:30 booking; 09:30 ends at 10:15 and its
	// 15-minute buffer just touches it. The grid restarts where it ends.

	// Output:
	// 09:00 - 09:45 [ada]
	// 09:30 - 10:15 [ada]
	// 11:00 - 11:45 [ada]
}
