package slots

import (
	"testing"
	"time"
)

func TestScheduleOpen(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	weekly, err := ParseWeekly([]byte(`{"sun":[["00:00","24:00"]],"mon":[["09:00","17:00"]],"tue":[["22:00","02:00"]]}`))
	if err != nil {
		t.Fatal(err)
	}
	day, _ := ParseDate("2026-03-11") // a Wednesday, closed by the weekly hours
	s := Schedule{Location: ny, Weekly: weekly, Overrides: map[Date][]Window{day: mustWindows(t, [][]string{{"10:00", "11:00"}})}}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// 2026-03-08 is New York's 23-hour day (02:00 EST → 03:00 EDT).
	got := s.Open(utc("2026-03-08T00:00:00Z"), utc("2026-03-12T00:00:00Z"))
	want := []Interval{
		{utc("2026-03-08T05:00:00Z"), utc("2026-03-09T04:00:00Z")}, // Sunday: 23 hours
		{utc("2026-03-09T13:00:00Z"), utc("2026-03-09T21:00:00Z")}, // Monday 09–17 EDT
		{utc("2026-03-11T02:00:00Z"), utc("2026-03-11T06:00:00Z")}, // Tuesday 22:00 → Wednesday 02:00
		{utc("2026-03-11T14:00:00Z"), utc("2026-03-11T15:00:00Z")}, // Wednesday's override
	}
	if len(got) != len(want) {
		t.Fatalf("Open = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Start.Equal(want[i].Start) || !got[i].End.Equal(want[i].End) {
			t.Errorf("interval %d = %v–%v, want %v–%v", i, got[i].Start, got[i].End, want[i].Start, want[i].End)
		}
	}
	// Clipped to the range asked for.
	clip := s.Open(utc("2026-03-09T15:00:00Z"), utc("2026-03-09T16:00:00Z"))
	if len(clip) != 1 || !clip[0].Start.Equal(utc("2026-03-09T15:00:00Z")) || !clip[0].End.Equal(utc("2026-03-09T16:00:00Z")) {
		t.Errorf("clipped Open = %v", clip)
	}
	if (&Schedule{}).Open(utc("2026-03-09T15:00:00Z"), utc("2026-03-10T15:00:00Z")) != nil {
		t.Error("a schedule without a zone has open time")
	}
}

func mustWindows(t *testing.T, raw [][]string) []Window {
	t.Helper()
	ws, err := ParseWindows(raw)
	if err != nil {
		t.Fatal(err)
	}
	return ws
}
