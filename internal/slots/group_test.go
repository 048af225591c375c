package slots

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestGroupByDay(t *testing.T) {
	at := func(s string) Slot {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			panic(err)
		}
		return Slot{Start: t, End: t.Add(time.Hour), SeatsLeft: 1}
	}
	render := func(days []Day) string {
		var b strings.Builder
		for _, d := range days {
			fmt.Fprintf(&b, "%s:", d.Date)
			for _, s := range d.Slots {
				fmt.Fprintf(&b, " %s", s.Start.UTC().Format("02T15:04"))
			}
			b.WriteString("; ")
		}
		return b.String()
	}
	slots := []Slot{
		at("2026-03-07T23:30:00Z"), at("2026-03-08T04:30:00Z"), at("2026-03-08T05:00:00Z"),
		at("2026-03-08T12:00:00Z"), at("2026-03-10T03:00:00Z"),
	}
	scenarios := []struct {
		name     string
		zone     string
		from, to Date
		want     string
	}{
		{"UTC with an empty day", "UTC", Date{2026, 3, 7}, Date{2026, 3, 10},
			"2026-03-07: 07T23:30; 2026-03-08: 08T04:30 08T05:00 08T12:00; 2026-03-09:; 2026-03-10: 10T03:00; "},
		{"Havana: 03-08 starts at 01:00 CDT = 05:00Z", "America/Havana", Date{2026, 3, 7}, Date{2026, 3, 9},
			"2026-03-07: 07T23:30 08T04:30; 2026-03-08: 08T05:00 08T12:00; 2026-03-09: 10T03:00; "},
		{"Kiritimati +14, slots outside the dates dropped", "Pacific/Kiritimati", Date{2026, 3, 8}, Date{2026, 3, 8},
			"2026-03-08: 07T23:30 08T04:30 08T05:00; "},
		{"to before from", "UTC", Date{2026, 3, 8}, Date{2026, 3, 7}, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := render(GroupByDay(slots, mustLoad(sc.zone), sc.from, sc.to))
			if got != sc.want {
				t.Errorf("got  %s\nwant %s", got, sc.want)
			}
		})
	}
	if days := GroupByDay(nil, nil, Date{2026, 1, 1}, Date{2026, 1, 1}); len(days) != 1 || days[0].Slots == nil {
		t.Errorf("nil loc / no slots: %#v", days)
	}
	// Far-off instants take the slow path and must not panic.
	far := []Slot{{Start: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)}}
	if days := GroupByDay(far, time.UTC, Date{3000, 1, 1}, Date{3000, 1, 1}); len(days[0].Slots) != 1 {
		t.Errorf("far slot lost: %#v", days)
	}
}
