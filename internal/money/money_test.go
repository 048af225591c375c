package money

import "testing"

func TestDigits(t *testing.T) {
	for cur, want := range map[string]int{"eur": 2, "USD": 2, "jpy": 0, "KRW": 0, "kwd": 3, "tnd": 3, "huf": 2, "isk": 2, "xyz": 2} {
		if got := Digits(cur); got != want {
			t.Errorf("Digits(%q) = %d, want %d", cur, got, want)
		}
	}
}

func TestDecimal(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		want     string
	}{
		{2500, "eur", "25.00"}, {5, "usd", "0.05"}, {0, "eur", "0.00"}, {5000, "jpy", "5000"},
		{25125, "kwd", "25.125"}, {-250, "eur", "-2.50"}, {123456789, "usd", "1234567.89"},
	} {
		if got := Decimal(tc.amount, tc.currency); got != tc.want {
			t.Errorf("Decimal(%d, %q) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
}
