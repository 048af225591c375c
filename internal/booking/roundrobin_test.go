package booking

import (
	"testing"
	"time"
)

func TestPickRoundRobin(t *testing.T) {
	never := time.Time{}
	mon := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tue := mon.Add(24 * time.Hour)
	scenarios := []struct {
		name       string
		candidates []HostLoad
		want       string
		wantOK     bool
	}{
		{"none", nil, "", false},
		{"empty slice", []HostLoad{}, "", false},
		{"single", []HostLoad{{ID: "h1", BookingsThisWeek: 9, LastBookedAt: tue}}, "h1", true},
		{"fewest bookings wins", []HostLoad{{"h1", 3, mon}, {"h2", 1, tue}, {"h3", 2, never}}, "h2", true},
		{"tie: least recently booked", []HostLoad{{"h1", 2, tue}, {"h2", 2, mon}}, "h2", true},
		{"tie: never booked first", []HostLoad{{"h1", 0, mon}, {"h2", 0, never}, {"h3", 0, tue}}, "h2", true},
		{"tie: same time, smallest ID", []HostLoad{{"h3", 1, mon}, {"h1", 1, mon}, {"h2", 1, mon}}, "h1", true},
		{"tie: same instant in other zones", []HostLoad{{"b", 1, mon.In(time.FixedZone("X", 3600))}, {"a", 1, mon}}, "a", true},
		{"tie: all never booked, smallest ID", []HostLoad{{"zed", 0, never}, {"amy", 0, never}}, "amy", true},
		{"bookings beat recency", []HostLoad{{"h1", 1, never}, {"h2", 0, tue}}, "h2", true},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			before := append([]HostLoad(nil), s.candidates...)
			got, ok := PickRoundRobin(s.candidates)
			if got != s.want || ok != s.wantOK {
				t.Errorf("PickRoundRobin = %q, %v; want %q, %v", got, ok, s.want, s.wantOK)
			}
			for i := range before {
				if before[i] != s.candidates[i] {
					t.Fatal("PickRoundRobin modified its input")
				}
			}
		})
	}
}

// mustZone loads an IANA zone or fails the test.
func mustZone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWeekStart(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	scenarios := []struct {
		name string
		zone string
		t    string // RFC 3339 instant
		want string // RFC 3339 instant
	}{
		{"UTC Monday midnight is its own start", "UTC", "2026-03-02T00:00:00Z", "2026-03-02T00:00:00Z"},
		{"UTC Sunday night belongs to the past week", "UTC", "2026-03-08T23:59:59Z", "2026-03-02T00:00:00Z"},
		{"Berlin: Sunday 23:30 UTC is already Monday", "Europe/Berlin", "2026-03-08T23:30:00Z", "2026-03-08T23:00:00Z"},
		{"Berlin: week with spring forward", "Europe/Berlin", "2026-03-31T12:00:00+02:00", "2026-03-30T00:00:00+02:00"},
		{"Berlin: week ending with spring forward", "Europe/Berlin", "2026-03-29T12:00:00+02:00", "2026-03-23T00:00:00+01:00"},
		// Santiago springs forward Sat 24:00 -04 → Sun 01:00 -03 (no Sunday midnight).
		{"Santiago: Sunday after the gap", "America/Santiago", "2024-09-08T12:00:00-03:00", "2024-09-02T00:00:00-04:00"},
		{"Santiago: Monday after the gap", "America/Santiago", "2024-09-09T00:30:00-03:00", "2024-09-09T00:00:00-03:00"},
		// Santiago falls back Sat 24:00 -03 → Sat 23:00 -04 (Saturday 23:xx twice).
		{"Santiago: second Saturday 23:30", "America/Santiago", "2024-04-06T23:30:00-04:00", "2024-04-01T00:00:00-03:00"},
		{"Santiago: Sunday after the fold", "America/Santiago", "2024-04-07T10:00:00-04:00", "2024-04-01T00:00:00-03:00"},
		// Havana springs forward Sun 00:00 CST → 01:00 CDT and falls back Sun 01:00 CDT → 00:00 CST.
		{"Havana: Sunday after the gap", "America/Havana", "2024-03-10T12:00:00-04:00", "2024-03-04T00:00:00-05:00"},
		{"Havana: Sunday in the fold", "America/Havana", "2024-11-03T00:30:00-05:00", "2024-10-28T00:00:00-04:00"},
		{"Havana: Monday after the fold", "America/Havana", "2024-11-04T08:00:00-05:00", "2024-11-04T00:00:00-05:00"},
		// São Paulo 1997 sprang forward at Monday 00:00: that week starts at 01:00.
		{"São Paulo: Monday without midnight", "America/Sao_Paulo", "1997-10-08T12:00:00-02:00", "1997-10-06T01:00:00-02:00"},
		{"São Paulo: first instant of that Monday", "America/Sao_Paulo", "1997-10-06T01:00:00-02:00", "1997-10-06T01:00:00-02:00"},
		{"São Paulo: last instant before it", "America/Sao_Paulo", "1997-10-05T23:59:59-03:00", "1997-09-29T00:00:00-03:00"},
		// Jerusalem 2001 fell back Mon 01:00 IDT → 00:00 IST: Monday midnight happened twice.
		{"Jerusalem: week with two Monday midnights", "Asia/Jerusalem", "2001-09-26T12:00:00+02:00", "2001-09-24T00:00:00+03:00"},
		{"Jerusalem: during the second midnight hour", "Asia/Jerusalem", "2001-09-24T00:30:00+02:00", "2001-09-24T00:00:00+03:00"},
		{"nil location is UTC", "", "2026-03-04T10:00:00+05:00", "2026-03-02T00:00:00Z"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			var loc *time.Location
			if s.zone != "" {
				loc = mustZone(t, s.zone)
			}
			got := WeekStart(utc(s.t), loc)
			if want := utc(s.want); !got.Equal(want) {
				t.Errorf("WeekStart = %v, want %v", got, want.In(got.Location()))
			}
			if loc != nil && got.Location() != loc {
				t.Errorf("location = %v, want %v", got.Location(), loc)
			}
		})
	}
}

// TestWeekStartInvariants walks two years hour by hour in zones with odd
// transitions and checks that each instant lies in the week WeekStart gives.
func TestWeekStartInvariants(t *testing.T) {
	scenarios := []struct {
		zone string
		year int // first of the two years walked
	}{
		{"America/Santiago", 2024},
		{"America/Havana", 2024},
		{"America/Sao_Paulo", 1997}, // Monday midnight missing on 1997-10-06
		{"Asia/Jerusalem", 2001},    // Monday midnight twice on 2001-09-24
		{"Australia/Lord_Howe", 2025},
		{"Pacific/Apia", 2011}, // skipped Friday 2011-12-30
		{"Asia/Kathmandu", 1985},
	}
	for _, s := range scenarios {
		t.Run(s.zone, func(t *testing.T) {
			loc := mustZone(t, s.zone)
			from := time.Date(s.year, 1, 1, 0, 0, 0, 0, time.UTC)
			for at := from; at.Before(from.AddDate(2, 0, 0)); at = at.Add(time.Hour) {
				ws := WeekStart(at, loc)
				if ws.After(at) || at.Sub(ws) >= 8*24*time.Hour {
					t.Fatalf("WeekStart(%v) = %v, not within the 8 days before it", at.In(loc), ws)
				}
				local := ws.In(loc)
				if local.Weekday() != time.Monday {
					t.Fatalf("WeekStart(%v) = %v, not a Monday", at.In(loc), local)
				}
				if before := ws.Add(-time.Nanosecond).In(loc); before.Weekday() == time.Monday {
					t.Fatalf("WeekStart(%v) = %v, but %v is earlier on that Monday", at.In(loc), local, before)
				}
				if again := WeekStart(ws, loc); !again.Equal(ws) {
					t.Fatalf("WeekStart(WeekStart(%v)) = %v, want %v", at.In(loc), again, ws)
				}
			}
		})
	}
}
