// Package money knows how Stripe counts amounts: in a currency's minor
// units, with 0, 2 or 3 digits (https://docs.stripe.com/currencies). The
// server keeps amounts as Stripe does; mails, CSV exports and the pages
// (pb_public/when.js currencyDigits keeps the same table) write them in
// major units.
package money

import (
	"fmt"
	"slices"
	"strings"
)

// zeroDecimal are the currencies without minor units.
var zeroDecimal = strings.Fields("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf")

// threeDecimal are the currencies with three digits; every other currency
// Stripe takes has two (ISK, HUF and TWD included, where CLDR gives fewer:
// the amounts are Stripe's, so its rule wins).
var threeDecimal = strings.Fields("bhd jod kwd omr tnd")

// Digits is how many minor-unit digits Stripe gives currency (ISO 4217,
// any case): 0, 2 or 3.
func Digits(currency string) int {
	c := strings.ToLower(currency)
	switch {
	case slices.Contains(zeroDecimal, c):
		return 0
	case slices.Contains(threeDecimal, c):
		return 3
	}
	return 2
}

// Split is amount minor units as whole major units and the minor rest
// (both without sign), the sign, and the currency's digits.
func Split(amount int64, currency string) (whole, frac int64, neg bool, digits int) {
	digits = Digits(currency)
	if neg = amount < 0; neg {
		amount = -amount
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	return amount / scale, amount % scale, neg, digits
}

// Decimal writes amount minor units of currency as a plain decimal in
// major units, for machines and spreadsheets: "25.00", "5000", "25.125",
// "-2.50".
func Decimal(amount int64, currency string) string {
	whole, frac, neg, digits := Split(amount, currency)
	s := fmt.Sprint(whole)
	if digits > 0 {
		s += fmt.Sprintf(".%0*d", digits, frac)
	}
	if neg {
		s = "-" + s
	}
	return s
}
