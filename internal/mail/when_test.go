package mail_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/mail"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWhen(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	scenarios := []struct {
		name       string
		start, end string
		zone       string
		want       string
		short      string
	}{
		{"london winter", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "Europe/London",
			"Tuesday, 3 March 2026, 10:00–10:30 (Europe/London, GMT)", "Tue 3 Mar 2026, 10:00 GMT"},
		{"london summer", "2026-06-02T09:00:00Z", "2026-06-02T10:00:00Z", "Europe/London",
			"Tuesday, 2 June 2026, 10:00–11:00 (Europe/London, BST)", "Tue 2 Jun 2026, 10:00 BST"},
		{"same instant in new york", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "America/New_York",
			"Tuesday, 3 March 2026, 05:00–05:30 (America/New_York, EST)", "Tue 3 Mar 2026, 05:00 EST"},
		{"past midnight", "2026-03-03T23:30:00Z", "2026-03-04T00:30:00Z", "UTC",
			"Tuesday, 3 March 2026, 23:30 – Wednesday, 4 March 2026, 00:30 (UTC)", "Tue 3 Mar 2026, 23:30 UTC"},
		{"zone without abbreviation", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "America/Sao_Paulo",
			"Tuesday, 3 March 2026, 07:00–07:30 (America/Sao_Paulo, UTC-03)", "Tue 3 Mar 2026, 07:00 UTC-03"},
		{"quarter-hour offset", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "Asia/Kathmandu",
			"Tuesday, 3 March 2026, 15:45–16:15 (Asia/Kathmandu, UTC+05:45)", "Tue 3 Mar 2026, 15:45 UTC+05:45"},
		{"across the spring-forward change", "2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "Europe/London",
			"Sunday, 29 March 2026, 00:30–02:30 (Europe/London, GMT/BST)", "Sun 29 Mar 2026, 00:30 GMT"},
		{"date line", "2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z", "Pacific/Kiritimati",
			"Wednesday, 4 March 2026, 00:00–01:00 (Pacific/Kiritimati, UTC+14)", "Wed 4 Mar 2026, 00:00 UTC+14"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			loc := zone(t, sc.zone)
			if got := mail.When(utc(sc.start), utc(sc.end), loc); got != sc.want {
				t.Errorf("When = %q\n        want %q", got, sc.want)
			}
			if got := mail.ShortWhen(utc(sc.start), loc); got != sc.short {
				t.Errorf("ShortWhen = %q, want %q", got, sc.short)
			}
		})
	}
	if got := mail.When(start, start.Add(time.Hour), nil); got != "Tuesday, 3 March 2026, 10:00–11:00 (UTC)" {
		t.Errorf("nil zone: %q", got)
	}
}

func ExampleWhen() {
	london, _ := time.LoadLocation("Europe/London")
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	fmt.Println(mail.When(start, start.Add(30*time.Minute), london))
	// Output: Tuesday, 3 March 2026, 10:00–10:30 (Europe/London, GMT)
}
