package mail

import (
	"fmt"
	"slices"
	"strings"
)

// zeroDecimal are the currencies Stripe counts in whole units (no cents).
var zeroDecimal = strings.Fields("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf")

// Money writes amount minor units of currency (ISO 4217, any case) as
// "EUR 25.00" ("JPY 5000" for currencies without minor units).
func Money(amount int64, currency string) string {
	code := strings.ToUpper(currency)
	if slices.Contains(zeroDecimal, strings.ToLower(currency)) {
		return fmt.Sprintf("%s %d", code, amount)
	}
	sign := ""
	if amount < 0 {
		sign, amount = "-", -amount
	}
	return fmt.Sprintf("%s %s%d.%02d", code, sign, amount/100, amount%100)
}
