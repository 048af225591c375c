package slots

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRulesValidate(t *testing.T) {
	ok := Rules{EventType: "e", Duration: 30 * time.Minute}
	scenarios := []struct {
		name    string
		edit    func(*Rules)
		wantErr string
	}{
		{"minimal", func(*Rules) {}, ""},
		{"everything set", func(r *Rules) {
			*r = Rules{Duration: 720 * time.Minute, Step: 5 * time.Minute, BufferBefore: 720 * time.Minute,
				MinNotice: time.Hour, Horizon: 60 * 24 * time.Hour, DailyLimit: 3, Seats: 1000, Assignment: Collective}
		}, ""},
		{"duration too short", func(r *Rules) { r.Duration = 4 * time.Minute }, "duration: must be between 5 and 720 minutes"},
		{"duration too long", func(r *Rules) { r.Duration = 721 * time.Minute }, "duration: must be between 5 and 720 minutes"},
		{"duration not whole minutes", func(r *Rules) { r.Duration = 30*time.Minute + time.Second }, "duration: must be a whole number of minutes"},
		{"step too short", func(r *Rules) { r.Step = time.Minute }, "slot_step: must be between 5 and 720 minutes"},
		{"negative buffer", func(r *Rules) { r.BufferBefore = -time.Minute }, "buffer_before: must be between 0 and 720 minutes"},
		{"buffer too long", func(r *Rules) { r.BufferAfter = 13 * time.Hour }, "buffer_after: must be between 0 and 720 minutes"},
		{"negative notice", func(r *Rules) { r.MinNotice = -time.Second }, "min_notice: must not be negative"},
		{"negative horizon", func(r *Rules) { r.Horizon = -time.Hour }, "horizon: must not be negative"},
		{"negative daily limit", func(r *Rules) { r.DailyLimit = -1 }, "daily_limit: must not be negative"},
		{"too many seats", func(r *Rules) { r.Seats = 1001 }, "seats: must be between 0 and 1000"},
		{"unknown assignment", func(r *Rules) { r.Assignment = "random" }, "assignment: must be one of single, round_robin, collective"},
		{"two errors", func(r *Rules) { r.Duration = 0; r.Seats = -1 }, "duration: must be between 5 and 720 minutes\nseats: must be between 0 and 1000"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			r := ok
			sc.edit(&r)
			err := r.Validate()
			if sc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != sc.wantErr {
				t.Fatalf("err = %v, want %q", err, sc.wantErr)
			}
			var fe *FieldError
			if !errors.As(err, &fe) || !errors.Is(err, ErrInvalidRules) || !strings.HasPrefix(sc.wantErr, fe.Field+": ") {
				t.Errorf("want a *FieldError wrapping ErrInvalidRules, got %#v", err)
			}
		})
	}
}
