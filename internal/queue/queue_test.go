package queue

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	p := Policy{Base: 10 * time.Second, Max: time.Hour}
	scenarios := []struct {
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{1, 0, 5 * time.Second},
		{1, 0.999999, 10 * time.Second},
		{2, 0, 10 * time.Second},
		{3, 0.5, 30 * time.Second}, // 40 s × 0.75
		{10, 0, 30 * time.Minute},  // capped at 1 h, halved
		{1000, 1, time.Hour},
		{0, 0, 5 * time.Second}, // treated as the first attempt
	}
	for _, s := range scenarios {
		got := p.Backoff(s.attempt, s.rnd)
		if d := got - s.want; d < -time.Millisecond || d > time.Millisecond {
			t.Errorf("Backoff(%d, %v) = %v, want %v", s.attempt, s.rnd, got, s.want)
		}
	}
	if d := (Policy{}).Backoff(1, 0); d != 5*time.Second {
		t.Errorf("default policy first backoff = %v", d)
	}
}
