package payments

import (
	"testing"
	"time"
)

func TestInviteeRefund(t *testing.T) {
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	scenarios := []struct {
		name   string
		pct    int
		window time.Duration
		now    time.Time
		want   int64
	}{
		{"in time, full", 100, 24 * time.Hour, start.Add(-48 * time.Hour), 2500},
		{"in time, half", 50, 24 * time.Hour, start.Add(-24 * time.Hour), 1250},
		{"too late", 100, 24 * time.Hour, start.Add(-23 * time.Hour), 0},
		{"no window", 100, 0, start.Add(-time.Minute), 2500},
		{"zero percent", 0, 0, start.Add(-48 * time.Hour), 0},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if got := InviteeRefund(2500, s.pct, s.window, start, s.now); got != s.want {
				t.Errorf("InviteeRefund = %d, want %d", got, s.want)
			}
		})
	}
}

func TestCheckoutExpiry(t *testing.T) {
	now := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if got := CheckoutExpiry(now, now.Add(15*time.Minute)); !got.Equal(now.Add(31 * time.Minute)) {
		t.Errorf("short hold: %v", got)
	}
	if got := CheckoutExpiry(now, now.Add(2*time.Hour)); !got.Equal(now.Add(2 * time.Hour)) {
		t.Errorf("long hold: %v", got)
	}
}

func TestSettingsCheck(t *testing.T) {
	ok := Settings{Price: 2500, Currency: "eur", HoldMinutes: 15, RefundPct: 100}
	if errs := ok.Check(true); len(errs) != 0 {
		t.Fatalf("good settings: %v", errs)
	}
	scenarios := []struct {
		name  string
		s     Settings
		field string
	}{
		{"unconfigured", ok, "price"},
		{"negative price", Settings{Price: -1}, "price"},
		{"uppercase", Settings{Price: 1, Currency: "EUR"}, "currency"},
		{"unknown", Settings{Price: 1, Currency: "abc"}, "currency"},
		{"hold", Settings{HoldMinutes: 4}, "payment_hold_minutes"},
		{"window", Settings{RefundHours: -1}, "refund_window_hours"},
		{"percent", Settings{RefundPct: 101}, "refund_percent"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if errs := s.s.Check(s.name != "unconfigured"); errs[s.field] == "" {
				t.Errorf("no error on %s: %v", s.field, errs)
			}
		})
	}
}
