package slots

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	scenarios := []struct {
		in      string
		want    Date
		wantErr string
	}{
		{"2026-03-08", Date{2026, time.March, 8}, ""},
		{"2024-02-29", Date{2024, time.February, 29}, ""},
		{"0001-01-01", Date{1, time.January, 1}, ""},
		{"2026-02-29", Date{}, "day must be between 01 and 28"},
		{"2026-13-01", Date{}, "month must be between 01 and 12"},
		{"2026-00-10", Date{}, "month must be between 01 and 12"},
		{"0000-01-01", Date{}, "year must be between 0001 and 9999"},
		{"2026-3-08", Date{}, "want YYYY-MM-DD"},
		{"2026-03-08T00:00", Date{}, "want YYYY-MM-DD"},
		{"2026/03/08", Date{}, "want YYYY-MM-DD"},
		{"2026-0a-08", Date{}, "digits only"},
		{"+026-03-08", Date{}, "digits only"},
		{"", Date{}, "want YYYY-MM-DD"},
	}
	for _, sc := range scenarios {
		t.Run(sc.in, func(t *testing.T) {
			got, err := ParseDate(sc.in)
			if sc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), sc.wantErr) || !errors.Is(err, ErrInvalidDate) {
					t.Fatalf("err = %v, want one containing %q", err, sc.wantErr)
				}
				return
			}
			if err != nil || got != sc.want {
				t.Fatalf("got %v, %v; want %v", got, err, sc.want)
			}
			if got.String() != sc.in {
				t.Errorf("String() = %q", got.String())
			}
		})
	}
}

func TestDateArithmetic(t *testing.T) {
	scenarios := []struct {
		d    Date
		n    int
		want string
		wd   time.Weekday
	}{
		{Date{2026, 3, 8}, 0, "2026-03-08", time.Sunday},
		{Date{2026, 2, 28}, 1, "2026-03-01", time.Sunday},
		{Date{2024, 2, 28}, 1, "2024-02-29", time.Thursday},
		{Date{2026, 12, 31}, 1, "2027-01-01", time.Friday},
		{Date{2026, 1, 1}, -1, "2025-12-31", time.Wednesday},
		{Date{1970, 1, 1}, -1, "1969-12-31", time.Wednesday},
		{Date{2000, 3, 1}, -1, "2000-02-29", time.Tuesday},
		{Date{2026, 1, 31}, 365, "2027-01-31", time.Sunday},
		{Date{2026, 14, 1}, 0, "2027-02-01", time.Monday}, // normalised like time.Date
	}
	for _, sc := range scenarios {
		t.Run(sc.want, func(t *testing.T) {
			got := sc.d.AddDays(sc.n)
			if got.String() != sc.want {
				t.Fatalf("%v.AddDays(%d) = %v", sc.d, sc.n, got)
			}
			if got.Weekday() != sc.wd {
				t.Errorf("weekday = %v, want %v", got.Weekday(), sc.wd)
			}
			ty, tm, td := time.Date(sc.d.Year, sc.d.Month, sc.d.Day+sc.n, 0, 0, 0, 0, time.UTC).Date()
			if (Date{ty, tm, td}) != got {
				t.Errorf("time.Date disagrees: %d-%d-%d", ty, tm, td)
			}
		})
	}
	// Exhaustive round trip over four centuries against the time package.
	start := Date{1900, 1, 1}
	for d, day := start, start.days(); d.Year < 2300; d, day = d.AddDays(1), day+1 {
		if d.days() != day || time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday() != d.Weekday() {
			t.Fatalf("%v: days %d want %d", d, d.days(), day)
		}
	}
	if !(Date{2026, 1, 1}).Before(Date{2026, 1, 2}) || (Date{2026, 1, 1}).DaysUntil(Date{2026, 3, 1}) != 59 {
		t.Error("Before/DaysUntil")
	}
}

func TestDateOf(t *testing.T) {
	loc := mustLoad("Pacific/Kiritimati") // +14
	at := time.Date(2026, 6, 1, 11, 0, 0, 0, time.UTC)
	if got := DateOf(at, loc); got != (Date{2026, 6, 2}) {
		t.Errorf("DateOf = %v", got)
	}
	if got := DateOf(at, nil); got != (Date{2026, 6, 1}) {
		t.Errorf("DateOf(nil loc) = %v", got)
	}
}
