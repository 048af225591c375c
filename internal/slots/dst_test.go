package slots

import (
	"fmt"
	"testing"
	"time"
	_ "time/tzdata"
)

// computeOverrides runs Compute for one host whose only availability is the
// given overrides (date → windows) and returns the slot starts in UTC.
func computeOverrides(t *testing.T, zone string, overrides map[string][][]string, dur, step int) []string {
	t.Helper()
	loc := mustLoad(zone)
	s := Schedule{Location: loc, Overrides: map[Date][]Window{}}
	first, last := Date{9999, 1, 1}, Date{1, 1, 1}
	for ds, raw := range overrides {
		d, err := ParseDate(ds)
		if err != nil {
			t.Fatal(err)
		}
		ws, err := ParseWindows(raw)
		if err != nil {
			t.Fatal(err)
		}
		s.Overrides[d] = ws
		if d.Before(first) {
			first = d
		}
		if last.Before(d) {
			last = d
		}
	}
	r := Rules{Duration: time.Duration(dur) * time.Minute, Step: time.Duration(step) * time.Minute}
	q := Query{From: DayStart(first.AddDays(-1), loc), To: DayStart(last.AddDays(2), loc)}
	q.Now = q.From.Add(-24 * time.Hour)
	got, err := Compute(r, []Host{{ID: "h", Schedule: s}}, q)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{}
	for _, sl := range got {
		out = append(out, sl.Start.Format("2006-01-02T15:04Z"))
	}
	return out
}

// TestDSTHandComputed checks slots on the 2026 transition dates against
// UTC instants worked out by hand from the zones' offsets.
func TestDSTHandComputed(t *testing.T) {
	scenarios := []struct {
		name      string
		zone      string
		overrides map[string][][]string
		dur, step int
		want      []string
	}{
		{"New York spring-forward: 3h window is 2h", "America/New_York",
			map[string][][]string{"2026-03-08": {{"01:00", "04:00"}}}, 30, 30,
			[]string{"2026-03-08T06:00Z", "2026-03-08T06:30Z", "2026-03-08T07:00Z", "2026-03-08T07:30Z"}},
		{"New York window wholly in the gap is empty", "America/New_York",
			map[string][][]string{"2026-03-08": {{"02:00", "03:00"}}}, 5, 5, []string{}},
		{"New York fall-back: 2h window is 3h", "America/New_York",
			map[string][][]string{"2026-11-01": {{"00:30", "02:30"}}}, 60, 60,
			[]string{"2026-11-01T04:30Z", "2026-11-01T05:30Z", "2026-11-01T06:30Z"}},
		{"New York fall-back: window inside the repeated hour counts twice", "America/New_York",
			map[string][][]string{"2026-11-01": {{"01:15", "01:45"}}}, 30, 30,
			[]string{"2026-11-01T05:15Z", "2026-11-01T06:15Z"}},
		{"London spring-forward", "Europe/London",
			map[string][][]string{"2026-03-29": {{"00:30", "02:30"}}}, 30, 30,
			[]string{"2026-03-29T00:30Z", "2026-03-29T01:00Z"}},
		{"Lord Howe fall-back by 30 minutes: 2h window is 2.5h", "Australia/Lord_Howe",
			map[string][][]string{"2026-04-05": {{"01:00", "03:00"}}}, 30, 30,
			[]string{"2026-04-04T14:00Z", "2026-04-04T14:30Z", "2026-04-04T15:00Z", "2026-04-04T15:30Z", "2026-04-04T16:00Z"}},
		{"Lord Howe spring-forward by 30 minutes: touching windows merge across the gap", "Australia/Lord_Howe",
			map[string][][]string{"2026-10-04": {{"01:30", "02:00"}, {"02:00", "02:30"}, {"02:30", "03:00"}}}, 30, 30,
			[]string{"2026-10-03T15:00Z", "2026-10-03T15:30Z"}},
		{"Kolkata +05:30 with a midnight-spanning window", "Asia/Kolkata",
			map[string][][]string{"2026-03-08": {{"09:00", "10:00"}, {"23:00", "01:00"}}}, 30, 30,
			[]string{"2026-03-08T03:30Z", "2026-03-08T04:00Z", "2026-03-08T17:30Z", "2026-03-08T18:00Z", "2026-03-08T18:30Z", "2026-03-08T19:00Z"}},
		{"Kathmandu +05:45 quarter-hour alignment", "Asia/Kathmandu",
			map[string][][]string{"2026-06-01": {{"9:00", "10:00"}}}, 30, 30,
			[]string{"2026-06-01T03:15Z", "2026-06-01T03:45Z"}},
		{"Chatham fall-back +13:45 to +12:45", "Pacific/Chatham",
			map[string][][]string{"2026-04-05": {{"02:00", "04:00"}}}, 60, 60,
			[]string{"2026-04-04T12:15Z", "2026-04-04T13:15Z", "2026-04-04T14:15Z"}},
		{"Chatham spring-forward: gap window empty, crossing window shorter", "Pacific/Chatham",
			map[string][][]string{"2026-09-27": {{"03:00", "03:30"}, {"02:00", "02:45"}, {"03:45", "05:00"}}}, 60, 60,
			[]string{"2026-09-26T13:15Z", "2026-09-26T14:15Z"}},
		{"Santiago fall-back at midnight: 22:00-24:00 is 3h", "America/Santiago",
			map[string][][]string{"2026-04-04": {{"22:00", "24:00"}}}, 60, 60,
			[]string{"2026-04-05T01:00Z", "2026-04-05T02:00Z", "2026-04-05T03:00Z"}},
		{"Santiago: the day after the midnight fall-back", "America/Santiago",
			map[string][][]string{"2026-04-05": {{"00:00", "02:00"}}}, 60, 60,
			[]string{"2026-04-05T04:00Z", "2026-04-05T05:00Z"}},
		{"Santiago: midnight does not exist on 2026-09-06", "America/Santiago",
			map[string][][]string{"2026-09-06": {{"00:00", "02:00"}}}, 30, 30,
			[]string{"2026-09-06T04:00Z", "2026-09-06T04:30Z"}},
		{"Santiago: spanning window into the missing midnight merges with the next day", "America/Santiago",
			map[string][][]string{"2026-09-05": {{"22:00", "24:00"}}, "2026-09-06": {{"00:00", "02:00"}}}, 60, 60,
			[]string{"2026-09-06T02:00Z", "2026-09-06T03:00Z", "2026-09-06T04:00Z"}},
		{"Havana: midnight gap on 2026-03-08", "America/Havana",
			map[string][][]string{"2026-03-08": {{"00:00", "03:00"}}}, 60, 60,
			[]string{"2026-03-08T05:00Z", "2026-03-08T06:00Z"}},
		{"Havana fall-back 01:00 to 00:00: first hour counts twice", "America/Havana",
			map[string][][]string{"2026-11-01": {{"00:00", "01:00"}}}, 60, 60,
			[]string{"2026-11-01T04:00Z", "2026-11-01T05:00Z"}},
		{"Sydney fall-back (southern hemisphere)", "Australia/Sydney",
			map[string][][]string{"2026-04-05": {{"02:00", "03:00"}}}, 60, 60,
			[]string{"2026-04-04T15:00Z", "2026-04-04T16:00Z"}},
		{"Sydney spring-forward in October", "Australia/Sydney",
			map[string][][]string{"2026-10-04": {{"01:00", "04:00"}}}, 60, 60,
			[]string{"2026-10-03T15:00Z", "2026-10-03T16:00Z"}},
		{"Auckland 24:00 end on spring-forward day", "Pacific/Auckland",
			map[string][][]string{"2026-09-27": {{"20:00", "24:00"}}}, 120, 120,
			[]string{"2026-09-27T07:00Z", "2026-09-27T09:00Z"}},
		{"Beirut fall-back over midnight", "Asia/Beirut",
			map[string][][]string{"2026-10-24": {{"23:00", "24:00"}}, "2026-10-25": {{"00:00", "01:00"}}}, 60, 60,
			[]string{"2026-10-24T20:00Z", "2026-10-24T21:00Z", "2026-10-24T22:00Z"}},
		{"Beirut: midnight gap on 2026-03-29", "Asia/Beirut",
			map[string][][]string{"2026-03-29": {{"00:00", "02:00"}}}, 60, 60,
			[]string{"2026-03-28T22:00Z"}},
		{"Tehran +03:30 (no DST since 2022)", "Asia/Tehran",
			map[string][][]string{"2026-03-22": {{"09:00", "10:00"}}}, 60, 60,
			[]string{"2026-03-22T05:30Z"}},
		{"Sao Paulo -03 (no DST since 2019)", "America/Sao_Paulo",
			map[string][][]string{"2026-11-01": {{"23:00", "01:00"}}}, 60, 60,
			[]string{"2026-11-02T02:00Z", "2026-11-02T03:00Z"}},
		{"Troll: 2-hour gap swallows the window", "Antarctica/Troll",
			map[string][][]string{"2026-03-29": {{"01:00", "03:00"}}}, 5, 5, []string{}},
		{"Troll: 2-hour repeat doubles the window", "Antarctica/Troll",
			map[string][][]string{"2026-10-25": {{"01:00", "03:00"}}}, 60, 60,
			[]string{"2026-10-24T23:00Z", "2026-10-25T00:00Z", "2026-10-25T01:00Z", "2026-10-25T02:00Z"}},
		{"Scoresbysund: gap just before midnight", "America/Scoresbysund",
			map[string][][]string{"2026-03-28": {{"22:00", "24:00"}}}, 30, 30,
			[]string{"2026-03-29T00:00Z", "2026-03-29T00:30Z"}},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got := computeOverrides(t, sc.zone, sc.overrides, sc.dur, sc.step)
			if fmt.Sprint(got) != fmt.Sprint(sc.want) {
				t.Errorf("got  %v\nwant %v", got, sc.want)
			}
		})
	}
}

// dstZones have DST in 2026 (Asia/Kolkata, Asia/Kathmandu, Asia/Tehran and
// America/Sao_Paulo have none any more and are covered above).
var dstZones = []string{
	"America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Chatham",
	"America/Santiago", "America/Havana", "Australia/Sydney", "Pacific/Auckland",
	"Asia/Beirut", "Antarctica/Troll", "America/Scoresbysund", "Europe/Berlin",
	"Africa/Casablanca", "America/St_Johns", "Asia/Gaza", "Europe/Dublin",
}

// TestDSTTransitions2026 finds every 2026 transition of the zones with Go's
// tz data and puts a window from 3h before to 3h after its wall time: in real
// time it must be 6h minus the shift (shorter on spring-forward, longer on
// fall-back), from (A − old offset) to (B − new offset).
func TestDSTTransitions2026(t *testing.T) {
	for _, zone := range dstZones {
		loc := mustLoad(zone)
		ts := transitionsIn(loc, 2026)
		if len(ts) == 0 {
			t.Errorf("%s: no transitions in 2026", zone)
		}
		for _, tr := range ts {
			_, o1 := tr.Add(-time.Second).In(loc).Zone()
			_, o2 := tr.In(loc).Zone()
			wall := tr.Add(time.Duration(o1) * time.Second).UTC() // reading just before, as naive UTC
			a, b := wall.Add(-3*time.Hour), wall.Add(3*time.Hour)
			name := fmt.Sprintf("%s %s %+ds", zone, wall.Format("2006-01-02 15:04"), o2-o1)
			t.Run(name, func(t *testing.T) {
				w := Window{a.Hour()*60 + a.Minute(), b.Hour()*60 + b.Minute()}
				s := Schedule{Location: loc, Overrides: map[Date][]Window{DateOf(a, time.UTC): {w}}}
				r := Rules{Duration: 5 * time.Minute}
				q := Query{From: tr.Add(-24 * time.Hour), To: tr.Add(24 * time.Hour)}
				got, err := Compute(r, []Host{{ID: "h", Schedule: s}}, q)
				if err != nil {
					t.Fatal(err)
				}
				wantLen := 6*time.Hour - time.Duration(o2-o1)*time.Second
				if len(got) != int(wantLen/(5*time.Minute)) {
					t.Fatalf("window %s: %d slots, want %s of them", w, len(got), wantLen)
				}
				first, last := a.Add(-time.Duration(o1)*time.Second), b.Add(-time.Duration(o2)*time.Second)
				if !got[0].Start.Equal(first) || !got[len(got)-1].End.Equal(last) {
					t.Errorf("covers %s..%s, want %s..%s", got[0].Start, got[len(got)-1].End, first, last)
				}
			})
		}
	}
}

func TestDayStart(t *testing.T) {
	scenarios := []struct {
		zone, date, want string
	}{
		{"America/New_York", "2026-06-01", "2026-06-01T04:00:00Z"},
		{"Asia/Kathmandu", "2026-01-01", "2025-12-31T18:15:00Z"},
		{"America/Havana", "2026-03-08", "2026-03-08T05:00:00Z"},   // 00:00 does not exist: 01:00 CDT
		{"America/Santiago", "2026-09-06", "2026-09-06T04:00:00Z"}, // 00:00 does not exist: 01:00 -03
		{"America/Santiago", "2026-04-05", "2026-04-05T04:00:00Z"}, // 23:00-24:00 repeats the day before
		{"Asia/Beirut", "2026-03-29", "2026-03-28T22:00:00Z"},      // 01:00 EEST
		{"Asia/Beirut", "2026-10-25", "2026-10-24T22:00:00Z"},      // after the repeated 23:00 hour
		{"America/Asuncion", "2024-10-06", "2024-10-06T04:00:00Z"}, // its last midnight gap
		{"Pacific/Apia", "2011-12-30", "2011-12-30T10:00:00Z"},     // skipped date: start of 12-31
		{"Pacific/Chatham", "2026-09-27", "2026-09-26T11:15:00Z"},
		{"UTC", "2026-02-28", "2026-02-28T00:00:00Z"},
	}
	for _, sc := range scenarios {
		t.Run(sc.zone+" "+sc.date, func(t *testing.T) {
			d, err := ParseDate(sc.date)
			if err != nil {
				t.Fatal(err)
			}
			loc := mustLoad(sc.zone)
			got := DayStart(d, loc)
			if got.Format(time.RFC3339) != sc.want {
				t.Fatalf("DayStart = %s, want %s", got.Format(time.RFC3339), sc.want)
			}
			// Nothing earlier has that date; the instant itself has it unless skipped.
			if DateOf(got.Add(-time.Second), loc) == d {
				t.Errorf("an earlier instant already reads %s", d)
			}
		})
	}
}

// TestTimeDateGapIsNotFirstInstant documents why the engine does not use
// time.Date for wall times: inside a DST gap it picks an instant after the
// gap's boundary in some zones and one reading before the requested time in
// others, while a window starting there must start at the first instant
// whose reading is at or after it.
func TestTimeDateGapIsNotFirstInstant(t *testing.T) {
	scenarios := []struct {
		zone                 string
		date                 Date
		timeDate, firstAfter string
	}{
		// 02:30 does not exist. time.Date answers 01:30 EST, a reading an
		// hour before the one asked for.
		{"America/New_York", Date{2026, 3, 8}, "2026-03-08T06:30:00Z", "2026-03-08T07:00:00Z"},
		{"America/Adak", Date{2026, 3, 8}, "2026-03-08T11:30:00Z", "2026-03-08T12:00:00Z"},
		// Here it answers 03:30 CEST, half an hour after the gap's end.
		{"Europe/Berlin", Date{2026, 3, 29}, "2026-03-29T01:30:00Z", "2026-03-29T01:00:00Z"},
	}
	for _, sc := range scenarios {
		t.Run(sc.zone, func(t *testing.T) {
			loc := mustLoad(sc.zone)
			td := time.Date(sc.date.Year, sc.date.Month, sc.date.Day, 2, 30, 0, 0, loc)
			if got := td.UTC().Format(time.RFC3339); got != sc.timeDate {
				t.Logf("time.Date(02:30) = %s now (was %s): Go changed its gap normalisation", got, sc.timeDate)
			}
			z := zoneCursor{loc: loc}
			naive := sc.date.days()*secondsPerDay + 150*60
			if got := time.Unix(z.firstAtOrAfter(naive), 0).UTC().Format(time.RFC3339); got != sc.firstAfter {
				t.Errorf("first instant reading >= 02:30 = %s, want %s", got, sc.firstAfter)
			}
		})
	}
}
