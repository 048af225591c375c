package mail

import "testing"

// The amounts are Stripe's minor units; the expected texts are written by
// hand from CLDR's separators (en "1,234.50", de/es/pt-BR "1.234,50",
// fr "1 234,50", ja "1,234.50") and Stripe's digits per currency.
func TestMoney(t *testing.T) {
	for _, tc := range []struct {
		amount   int64
		currency string
		lang     string
		want     string
	}{
		{2500, "eur", "en", "EUR 25.00"},
		{2500, "eur", "de", "EUR 25,00"},
		{123450, "usd", "en", "USD 1,234.50"},
		{123450, "usd", "de", "USD 1.234,50"},
		{123450, "usd", "pt-BR", "USD 1.234,50"},
		{123450, "chf", "fr", "CHF 1 234,50"},
		{5000, "jpy", "ja", "JPY 5,000"},
		{5000, "JPY", "en", "JPY 5,000"},
		{25125, "kwd", "en", "KWD 25.125"}, // three decimals: 25.125, not 251.25
		{5, "eur", "en", "EUR 0.05"},
		{1000000000, "usd", "en", "USD 10,000,000.00"},
		{-250, "eur", "en", "EUR -2.50"},
		{100, "isk", "en", "ISK 1.00"},   // Stripe: two digits, whatever CLDR says
		{2500, "eur", "xx", "EUR 25.00"}, // unknown language: the default (English)
	} {
		if got := Money(tc.amount, tc.currency, tc.lang); got != tc.want {
			t.Errorf("Money(%d, %q, %q) = %q, want %q", tc.amount, tc.currency, tc.lang, got, tc.want)
		}
	}
}
