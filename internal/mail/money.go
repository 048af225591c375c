package mail

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// Stripe counts amounts in a currency's minor units: these have none
// (https://docs.stripe.com/currencies#zero-decimal) ...
var zeroDecimal = strings.Fields("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf")

// ... and these have three; every other currency Stripe takes has two
// (ISK, HUF and TWD included, which CLDR gives fewer: Stripe's rule wins,
// the amounts are Stripe's).
var threeDecimal = strings.Fields("bhd jod kwd omr tnd")

// CurrencyDigits is how many minor-unit digits Stripe gives currency
// (ISO 4217, any case): 0, 2 or 3. The booking page's currencyDigits
// (pb_public/when.js) keeps the same table.
func CurrencyDigits(currency string) int {
	c := strings.ToLower(currency)
	switch {
	case slices.Contains(zeroDecimal, c):
		return 0
	case slices.Contains(threeDecimal, c):
		return 3
	}
	return 2
}

// Money writes amount minor units of currency in language lang: the ISO
// code, then the number with the language's CLDR decimal and grouping
// separators ("EUR 1,234.50" in English, "EUR 1.234,50" in German,
// "JPY 5,000", "KWD 25.125"). The code rather than a symbol: "$" is
// ambiguous in a mail read anywhere, and the library's symbol tables
// disagree with the browsers' (the page writes the price with Intl).
func Money(amount int64, currency, lang string) string {
	tr := cldr[i18n.Match(lang, i18n.Default)]
	digits := CurrencyDigits(currency)
	neg := amount < 0
	if neg {
		amount = -amount
	}
	scale := int64(1)
	for range digits {
		scale *= 10
	}
	num := tr.FmtNumber(float64(amount/scale), 0) // whole units, grouped
	if digits > 0 {
		dec := tr.FmtNumber(0.5, 1) // "0.5" or "0,5": the decimal separator
		num += dec[1:len(dec)-1] + fmt.Sprintf("%0*d", digits, amount%scale)
	}
	if neg {
		num = "-" + num
	}
	return strings.ToUpper(currency) + " " + strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(num)
}
