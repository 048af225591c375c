package collections

import (
	"testing"
	"time"
)

func TestParseStoredTime(t *testing.T) {
	scenarios := []struct {
		in   string
		want time.Time
	}{
		{"2026-03-29 01:30:00.000Z", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)},
		{"2026-12-31 23:59:59.999Z", time.Date(2026, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{"2026-03-29T01:30:00Z", time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)}, // general fallback
		{"2026-02-31 00:00:00.000Z", time.Time{}},                               // no such day
		{"2026-13-01 00:00:00.000Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, s := range scenarios {
		if got := ParseStoredTime(s.in); !got.Equal(s.want) {
			t.Errorf("ParseStoredTime(%q) = %s, want %s", s.in, got, s.want)
		}
	}
	// The fast path agrees with time.Parse on every minute of a year.
	for t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC); t0.Year() == 2026; t0 = t0.Add(17 * time.Minute) {
		s := t0.Format("2006-01-02 15:04:05.000Z")
		if got, ok := parseStoredUTC(s); !ok || !got.Equal(t0) {
			t.Fatalf("parseStoredUTC(%q) = %s %v", s, got, ok)
		}
	}
}
