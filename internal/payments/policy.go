package payments

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Limits of an event type's payment settings.
const (
	MaxPrice       = 100_000_000 // minor units
	MinHoldMinutes = 5
	MaxHoldMinutes = 1440
	MaxRefundHours = 8760
)

// currencies are the ISO 4217 codes Stripe settles card payments in
// (https://docs.stripe.com/currencies), lowercase.
var currencies = strings.Fields(`
aed afn all amd ang aoa ars aud awg azn bam bbd bdt bgn bhd bif bmd bnd bob brl bsd bwp byn bzd
cad cdf chf clp cny cop crc cve czk djf dkk dop dzd egp etb eur fjd fkp gbp gel gip gmd gnf gtq
gyd hkd hnl htg huf idr ils inr isk jmd jod jpy kes kgs khr kmf krw kwd kyd kzt lak lbp lkr lrd
lsl mad mdl mga mkd mmk mnt mop mur mvr mwk mxn myr mzn nad ngn nio nok npr nzd omr pab pen pgk
php pkr pln pyg qar ron rsd rub rwf sar sbd scr sek sgd shp sle sos srd std szl thb tjs tnd top
try ttd twd tzs uah ugx usd uyu uzs vnd vuv wst xaf xcd xof xpf yer zar zmw`)

// KnownCurrency reports whether code (lowercase) is a currency Stripe takes.
func KnownCurrency(code string) bool { return slices.Contains(currencies, code) }

// Settings are an event type's payment settings as saved.
type Settings struct {
	Price       int64
	Currency    string
	HoldMinutes int
	RefundHours int
	RefundPct   int
}

// Check returns the field errors of s (by field name, a reason each);
// configured says whether a Stripe secret key is set.
func (s Settings) Check(configured bool) map[string]string {
	errs := map[string]string{}
	switch {
	case s.Price < 0 || s.Price > MaxPrice:
		errs["price"] = fmt.Sprintf("must be between 0 and %d (minor units: 2500 = 25.00)", MaxPrice)
	case s.Price > 0 && !configured:
		errs["price"] = ErrNotConfigured.Error()
	}
	switch {
	case s.Currency != "" && s.Currency != strings.ToLower(s.Currency):
		errs["currency"] = "must be lowercase, e.g. eur"
	case s.Currency != "" && !KnownCurrency(s.Currency):
		errs["currency"] = "must be an ISO 4217 code Stripe supports, e.g. eur, usd, gbp"
	case s.Currency == "" && s.Price > 0:
		errs["currency"] = "is required with a price (ISO 4217, e.g. eur)"
	}
	if s.HoldMinutes != 0 && (s.HoldMinutes < MinHoldMinutes || s.HoldMinutes > MaxHoldMinutes) {
		errs["payment_hold_minutes"] = fmt.Sprintf("must be between %d and %d minutes", MinHoldMinutes, MaxHoldMinutes)
	}
	if s.RefundHours < 0 || s.RefundHours > MaxRefundHours {
		errs["refund_window_hours"] = fmt.Sprintf("must be between 0 and %d hours", MaxRefundHours)
	}
	if s.RefundPct < 0 || s.RefundPct > 100 {
		errs["refund_percent"] = "must be between 0 and 100"
	}
	return errs
}

// InviteeRefund is what an invitee who cancels at now a meeting starting
// at start gets back of amount: pct percent (rounded down) when they
// cancel at least window before the start (window 0: always), else 0.
func InviteeRefund(amount int64, pct int, window time.Duration, start, now time.Time) int64 {
	if start.Sub(now) < window || pct <= 0 {
		return 0
	}
	return amount * int64(min(pct, 100)) / 100
}
