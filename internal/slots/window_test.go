package slots

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseWindows(t *testing.T) {
	scenarios := []struct {
		name    string
		raw     [][]string
		want    []Window
		wantErr string
	}{
		{"closed", [][]string{}, []Window{}, ""},
		{"office hours", [][]string{{"09:00", "17:00"}}, []Window{{540, 1020}}, ""},
		{"H:MM accepted", [][]string{{"9:00", "9:30"}}, []Window{{540, 570}}, ""},
		{"spans midnight", [][]string{{"22:00", "02:00"}}, []Window{{1320, 120}}, ""},
		{"end at 24:00", [][]string{{"18:00", "24:00"}}, []Window{{1080, 1440}}, ""},
		{"whole day", [][]string{{"00:00", "24:00"}}, []Window{{0, 1440}}, ""},
		{"end at midnight spans", [][]string{{"18:00", "00:00"}}, []Window{{1080, 0}}, ""},
		{"touching windows", [][]string{{"09:00", "12:00"}, {"12:00", "17:00"}}, []Window{{540, 720}, {720, 1020}}, ""},
		{"spanning window and an early one", [][]string{{"22:00", "02:00"}, {"01:00", "03:00"}}, []Window{{1320, 120}, {60, 180}}, ""},
		{"overlap", [][]string{{"09:00", "12:00"}, {"11:00", "13:00"}}, nil, "windows 0 and 1 overlap"},
		{"overlap with spanning", [][]string{{"08:00", "09:00"}, {"20:00", "02:00"}, {"23:00", "23:30"}}, nil, "windows 1 and 2 overlap"},
		{"zero length", [][]string{{"09:00", "09:00"}}, nil, "window 0: start and end are equal"},
		{"midnight to midnight", [][]string{{"00:00", "00:00"}}, nil, "zero-length"},
		{"minutes 60", [][]string{{"09:00", "10:00"}, {"11:60", "12:00"}}, nil, `window 1: start "11:60": minutes must be 00-59`},
		{"hour 25", [][]string{{"09:00", "25:00"}}, nil, `window 0: end "25:00": hours must be 00-23`},
		{"24:00 as start", [][]string{{"24:00", "02:00"}}, nil, "24:00 is allowed only as an end"},
		{"24:30", [][]string{{"09:00", "24:30"}}, nil, "hours must be 00-23"},
		{"seconds", [][]string{{"09:00:00", "10:00"}}, nil, "want H:MM or HH:MM"},
		{"single digit minutes", [][]string{{"9:0", "10:00"}}, nil, "want H:MM or HH:MM"},
		{"letters", [][]string{{"ab:cd", "10:00"}}, nil, "digits only"},
		{"spaces", [][]string{{" 9:00", "10:00"}}, nil, "digits only"},
		{"three values", [][]string{{"09:00", "10:00", "11:00"}}, nil, "window 0: want [start, end], got 3 values"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got, err := ParseWindows(sc.raw)
			if sc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), sc.wantErr) || !errors.Is(err, ErrInvalidWindow) {
					t.Fatalf("err = %v, want %q", err, sc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(sc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, sc.want)
			}
			if back := FormatWindows(got); fmt.Sprint(back) != fmt.Sprint(sc.raw) && sc.name != "H:MM accepted" {
				t.Errorf("FormatWindows = %v", back)
			}
		})
	}
}

func TestParseWindowsJSON(t *testing.T) {
	scenarios := []struct {
		in      string
		want    string
		wantErr string
	}{
		{`[]`, "[]", ""},
		{`null`, "[]", ""},
		{`[["09:00","17:00"],["22:00","02:00"]]`, "[09:00-17:00 22:00-02:00]", ""},
		{`[["09:00",17]]`, "", `window 0: want ["HH:MM","HH:MM"]`},
		{`[null]`, "", `window 0: want ["HH:MM","HH:MM"]`},
		{`{"mon":[]}`, "", "windows: want a JSON array"},
		{`[["09:00","17:00"]`, "", "windows: want a JSON array"},
		{`[["17:00","09:00"],["08:00","10:00"]]`, "[17:00-09:00 08:00-10:00]", ""}, // the 00:00-09:00 part is the next day
		{`[["17:00","09:00"],["18:00","19:00"]]`, "", "windows 0 and 1 overlap"},
	}
	for _, sc := range scenarios {
		t.Run(sc.in, func(t *testing.T) {
			got, err := ParseWindowsJSON([]byte(sc.in))
			if sc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), sc.wantErr) {
					t.Fatalf("err = %v, want %q", err, sc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != sc.want {
				t.Fatalf("got %v, %v; want %s", got, err, sc.want)
			}
		})
	}
}

func TestParseWeekly(t *testing.T) {
	scenarios := []struct {
		name    string
		in      string
		want    string // MarshalJSON of the result
		wantErr string
	}{
		{"two days", `{"mon":[["09:00","17:00"]],"sun":[["22:00","02:00"]]}`,
			`{"mon":[["09:00","17:00"]],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[["22:00","02:00"]]}`, ""},
		{"empty object", `{}`, `{"mon":[],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]}`, ""},
		{"null", `null`, `{"mon":[],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]}`, ""},
		{"null day", `{"fri":null,"sat":[["10:00","24:00"]]}`, `{"mon":[],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[["10:00","24:00"]],"sun":[]}`, ""},
		{"unknown key", `{"mon":[],"monday":[]}`, "", `unknown day "monday"`},
		{"upper case key", `{"Mon":[]}`, "", `unknown day "Mon"`},
		{"bad window", `{"tue":[["09:00","17:00"],["16:00","18:00"]]}`, "", "tue: windows 0 and 1 overlap"},
		{"bad time", `{"wed":[["9:75","17:00"]]}`, "", `wed: window 0: start "9:75": minutes must be 00-59`},
		{"array", `[]`, "", "weekly: want a JSON object"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			got, err := ParseWeekly([]byte(sc.in))
			if sc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), sc.wantErr) || !errors.Is(err, ErrInvalidWindow) {
					t.Fatalf("err = %v, want %q", err, sc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			out, _ := got.MarshalJSON()
			if string(out) != sc.want {
				t.Fatalf("got %s\nwant %s", out, sc.want)
			}
			var again Weekly
			if err := again.UnmarshalJSON(out); err != nil || fmt.Sprint(again) != fmt.Sprint(got) {
				t.Errorf("round trip: %v, %v", again, err)
			}
		})
	}
}

func TestWindowValidate(t *testing.T) {
	scenarios := []struct {
		w       Window
		wantErr string
	}{
		{Window{0, 1440}, ""},
		{Window{1439, 0}, ""},
		{Window{-1, 10}, "start -1: must be between 0 and 1439 minutes"},
		{Window{1440, 10}, "start 1440"},
		{Window{10, 1441}, "end 1441: must be between 0 and 1440 minutes"},
		{Window{10, 10}, "zero-length"},
	}
	for _, sc := range scenarios {
		t.Run(fmt.Sprint(sc.w), func(t *testing.T) {
			err := sc.w.Validate()
			if (err == nil) != (sc.wantErr == "") || (err != nil && !strings.Contains(err.Error(), sc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, sc.wantErr)
			}
		})
	}
}
