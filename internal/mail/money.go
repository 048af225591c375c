package mail

import (
	"fmt"
	"strings"

	"github.com/slotbase/slotbase/internal/mail/i18n"
	"github.com/slotbase/slotbase/internal/money"
)

// Money writes amount minor units of currency in language lang: the ISO
// code, then the number with the language's CLDR decimal and grouping
// separators ("EUR 1,234.50" in English, "EUR 1.234,50" in German,
// "JPY 5,000", "KWD 25.125"). The code rather than a symbol: "$" is
// ambiguous in a mail read anywhere, and the library's symbol tables
// disagree with the browsers' (the page writes the price with Intl).
func Money(amount int64, currency, lang string) string {
	tr := cldr[i18n.Match(lang, i18n.Default)]
	whole, frac, neg, digits := money.Split(amount, currency)
	num := tr.FmtNumber(float64(whole), 0) // whole units, grouped
	if digits > 0 {
		dec := tr.FmtNumber(0.5, 1) // "0.5" or "0,5": the decimal separator
		num += dec[1:len(dec)-1] + fmt.Sprintf("%0*d", digits, frac)
	}
	if neg {
		num = "-" + num
	}
	return strings.ToUpper(currency) + " " + strings.NewReplacer("\u00a0", " ", "\u202f", " ").Replace(num)
}
