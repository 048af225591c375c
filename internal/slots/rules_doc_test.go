package slots

import (
	"testing"
	"time"
)

// TestDocumentedRules: the rules of the package doc that the other tables
// do not already state, one row each.
func TestDocumentedRules(t *testing.T) {
	t.Run("windows: zero-length and overlapping are refused, touching merge", func(t *testing.T) {
		for _, s := range []struct {
			raw string
			ok  bool
		}{
			{`[["09:00","09:00"]]`, false},
			{`[["09:00","12:00"],["11:00","13:00"]]`, false},
			{`[["09:00","12:00"],["12:00","13:00"]]`, true},
			{`[["22:00","02:00"]]`, true}, // spans midnight
			{`[["00:00","24:00"]]`, true},
		} {
			if _, err := ParseWindowsJSON([]byte(s.raw)); (err == nil) != s.ok {
				t.Errorf("%s: err %v, want ok=%v", s.raw, err, s.ok)
			}
		}
	})

	ny := mustLoad("America/New_York")
	allDay := Schedule{Location: ny, Weekly: weekly(t, `{"sun":[["00:00","24:00"]],"mon":[["00:00","24:00"]],"sat":[["00:00","24:00"]]}`)}
	now := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("horizon 0 is no limit", func(t *testing.T) {
		far := time.Date(2027, 11, 6, 15, 0, 0, 0, time.UTC) // a Saturday, ten months on
		got, err := Compute(Rules{EventType: "e", Duration: time.Hour}, []Host{{ID: "a", Schedule: allDay}}, Query{From: far, To: far.Add(time.Nanosecond), Now: now})
		if err != nil || len(got) != 1 {
			t.Fatalf("a start ten months ahead with horizon 0: %v %v", got, err)
		}
		got, _ = Compute(Rules{EventType: "e", Duration: time.Hour, Horizon: 30 * 24 * time.Hour}, []Host{{ID: "a", Schedule: allDay}}, Query{From: far, To: far.Add(time.Nanosecond), Now: now})
		if len(got) != 0 {
			t.Fatalf("a start past a 30-day horizon is offered: %v", got)
		}
	})

	t.Run("a booking keeps its own buffers; the candidate uses the rules'", func(t *testing.T) {
		start := time.Date(2027, 11, 6, 14, 0, 0, 0, time.UTC) // Saturday 10:00 EDT
		h := Host{ID: "a", Schedule: allDay, Bookings: []Booking{{ID: "b", EventType: "e", Start: start, End: start.Add(time.Hour), BufferAfter: 30 * time.Minute}}}
		r := Rules{EventType: "e", Duration: time.Hour, Step: 30 * time.Minute}
		at := func(d time.Duration) []Slot {
			s := start.Add(d)
			got, _ := Compute(r, []Host{h}, Query{From: s, To: s.Add(time.Nanosecond), Now: now})
			return got
		}
		if len(at(time.Hour)) != 0 || len(at(90*time.Minute)) != 1 {
			t.Fatalf("after a booking with a 30-minute buffer: %v at its end, %v 30 minutes later", at(time.Hour), at(90*time.Minute))
		}
		r.BufferBefore = time.Hour // the candidate's own buffer reaches back over the booking
		if len(at(90*time.Minute)) != 0 || len(at(2*time.Hour)) != 1 {
			t.Fatalf("a candidate's 1-hour buffer before: %v, %v", at(90*time.Minute), at(2*time.Hour))
		}
	})

	t.Run("the daily limit counts the whole 25-hour day", func(t *testing.T) {
		late := time.Date(2027, 11, 8, 4, 30, 0, 0, time.UTC) // 23:30 EST, Sunday 7 November
		early := time.Date(2027, 11, 7, 4, 0, 0, 0, time.UTC) // 00:00 EDT, the same day, 24.5 hours earlier
		h := Host{ID: "a", Location: ny, Schedule: allDay, Bookings: []Booking{{ID: "b", EventType: "e", Start: late, End: late.Add(30 * time.Minute)}}}
		r := Rules{EventType: "e", Duration: 30 * time.Minute, DailyLimit: 1}
		got, err := Compute(r, []Host{h}, Query{From: early, To: early.Add(time.Nanosecond), Now: now})
		if err != nil || len(got) != 0 {
			t.Fatalf("00:00 EDT offered on a day full since 23:30 EST: %v %v", got, err)
		}
		h.Bookings[0].EventType = "other" // another event type's booking never uses up this limit
		if got, _ := Compute(r, []Host{h}, Query{From: early, To: early.Add(time.Nanosecond), Now: now}); len(got) != 1 {
			t.Fatalf("another event type's booking used up the limit: %v", got)
		}
	})
}
