package hooks

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
)

// TestPaidBookingPayConfirms: a paid type's booking is a hold with a
// Checkout URL (the session made at stripe-mock as the contract says, the
// manage token never sent), nobody is mailed until Stripe's signed webhook
// says paid; then one confirmation (with the amount) however often the
// webhook comes, audited.
func TestPaidBookingPayConfirms(t *testing.T) {
	p := newPayEnv(t, nil)
	body := p.bookPaid(t, slotStart, "bob@example.com")
	id, token := body["id"].(string), body["manage_token"].(string)
	pay, _ := body["payment"].(map[string]any)
	if body["status"] != "awaiting_payment" || pay == nil || pay["status"] != "awaiting" || pay["amount"] != float64(2500) ||
		pay["currency"] != "eur" || !strings.HasPrefix(fmt.Sprint(pay["checkout_url"]), "https://checkout.stripe.com/") || pay["hold_expires_at"] != "2026-03-02T00:15:00Z" {
		t.Fatalf("201 answer = %v", body)
	}
	calls := p.stripe.Requests("/v1/checkout/sessions")
	if len(calls) != 1 {
		t.Fatalf("checkout calls = %d, want 1", len(calls))
	}
	f := calls[0].Form
	want := map[string]string{
		"mode": "payment", "client_reference_id": id, "metadata[booking]": id, "customer_email": "bob@example.com",
		"success_url": "https://book.acme.test/call?paid=" + id, "cancel_url": "https://book.acme.test/call?unpaid=" + id,
		"line_items[0][price_data][unit_amount]": "2500", "line_items[0][price_data][currency]": "eur",
		"line_items[0][price_data][product_data][name]": "Meeting call", "line_items[0][quantity]": "1",
		"expires_at": fmt.Sprint(testNow.Add(31 * time.Minute).Unix()),
	}
	for k, v := range want {
		if got := f.Get(k); got != v {
			t.Errorf("checkout %s = %q, want %q", k, got, v)
		}
	}
	if !strings.Contains(calls[0].IdempotencyKey, id) || calls[0].Authorization != "Bearer "+testStripeKey {
		t.Errorf("idempotency key %q, authorization %q", calls[0].IdempotencyKey, calls[0].Authorization)
	}
	for k, vs := range f {
		for _, v := range vs {
			if strings.Contains(v, token) {
				t.Errorf("the manage token went to Stripe in %s", k)
			}
		}
	}
	if p.slotOffered(t, slotStart) {
		t.Error("the held slot is still offered")
	}
	p.drain(t)
	if logs := p.emailLog(t, "booking = {:b}", map[string]any{"b": id}); len(logs) != 0 {
		t.Fatalf("a hold was mailed: %d mails", len(logs))
	}

	p.pay(t, "evt_paid_1", id)
	p.pay(t, "evt_paid_1", id) // the same event again
	p.pay(t, "evt_paid_2", id) // a second event saying the same
	r := p.record(t, id)
	if r.GetString(c.BookingsStatus) != c.StatusConfirmed || r.GetString(c.BookingsPaymentStatus) != c.PaymentPaid || r.GetString(c.BookingsPaymentIntent) != "pi_test_"+id {
		t.Fatalf("after payment: status %s, payment %s, intent %s", r.GetString(c.BookingsStatus), r.GetString(c.BookingsPaymentStatus), r.GetString(c.BookingsPaymentIntent))
	}
	p.drain(t)
	invitee := p.emailLog(t, "booking = {:b} && role = 'invitee'", map[string]any{"b": id})
	hosts := p.emailLog(t, "booking = {:b} && role = 'host'", map[string]any{"b": id})
	if len(invitee) != 1 || len(hosts) != 1 || invitee[0].GetString(c.EmailLogKind) != "confirmed" {
		t.Fatalf("mails: %d to the invitee, %d to the host; want one each (confirmed)", len(invitee), len(hosts))
	}
	if text := p.mailText(t, invitee[0]); !strings.Contains(text, "EUR 25.00") {
		t.Errorf("the confirmation does not say what was paid:\n%s", text)
	}
	if acts := p.auditActions(t, id); !slices.Contains(acts, ActionBookingCreated) || !slices.Contains(acts, ActionBookingPaid) {
		t.Errorf("audit = %v", acts)
	}
	var manage map[string]any
	getJSON(t, p.url+"/api/bookings/manage/"+token, &manage)
	if mp, _ := manage["payment"].(map[string]any); mp == nil || mp["status"] != "paid" || mp["checkout_url"] != nil {
		t.Errorf("manage payment = %v", manage["payment"])
	}
}

// TestPaidBookingAbandoned: the hold ends (the job at hold end, on the test
// clock): Stripe is asked, the session expired, the slot free again, the
// invitee not mailed.
func TestPaidBookingAbandoned(t *testing.T) {
	p := newPayEnv(t, nil)
	id := p.bookPaid(t, slotStart, "bob@example.com")["id"].(string)
	p.drain(t)
	if r := p.record(t, id); r.GetString(c.BookingsStatus) != c.StatusAwaitingPayment {
		t.Fatalf("expired before its time: %s", r.GetString(c.BookingsStatus))
	}
	p.clock.Add(16 * time.Minute)
	p.drain(t)
	r := p.record(t, id)
	if r.GetString(c.BookingsStatus) != c.StatusCancelled || r.GetString(c.BookingsPaymentStatus) != c.PaymentExpired || r.GetString(c.BookingsCancelReason) != msgPaymentNotCompleted {
		t.Fatalf("after the hold: %s / %s / %q", r.GetString(c.BookingsStatus), r.GetString(c.BookingsPaymentStatus), r.GetString(c.BookingsCancelReason))
	}
	if n := len(p.stripe.Requests("/v1/checkout/sessions/" + r.GetString(c.BookingsCheckoutSession) + "/expire")); n != 1 {
		t.Errorf("expire calls = %d, want 1", n)
	}
	if !p.slotOffered(t, slotStart) {
		t.Error("the slot is not free after the hold ended")
	}
	if logs := p.emailLog(t, "booking = {:b}", map[string]any{"b": id}); len(logs) != 0 {
		t.Errorf("an abandoned hold was mailed: %d", len(logs))
	}
	if !slices.Contains(p.auditActions(t, id), ActionPaymentExpired) {
		t.Error("the expiry is not audited")
	}
}

// TestLatePayment: a payment after the hold ended reinstates the booking
// while its time is free; when someone else has it, Stripe refunds it (a
// refund call for the full amount) and the invitee is told.
func TestLatePayment(t *testing.T) {
	p := newPayEnv(t, nil)
	first := p.bookPaid(t, slotStart, "late@example.com")["id"].(string)
	p.clock.Add(16 * time.Minute)
	p.drain(t)
	other := p.bookPaid(t, slotStart, "quick@example.com")["id"].(string)
	p.pay(t, "evt_other", other)

	p.pay(t, "evt_late", first)
	r := p.record(t, first)
	if r.GetString(c.BookingsStatus) != c.StatusCancelled || r.GetString(c.BookingsPaymentStatus) != c.PaymentRefundPending {
		t.Fatalf("late payment on a taken slot: %s / %s", r.GetString(c.BookingsStatus), r.GetString(c.BookingsPaymentStatus))
	}
	p.drain(t)
	refunds := p.stripe.Requests("/v1/refunds")
	if len(refunds) != 1 || refunds[0].Form.Get("payment_intent") != "pi_test_"+first || refunds[0].Form.Get("amount") != "2500" {
		t.Fatalf("refund calls = %+v", refunds)
	}
	r = p.record(t, first)
	if r.GetString(c.BookingsPaymentStatus) != c.PaymentRefunded || r.GetInt(c.BookingsRefundedAmount) != 2500 {
		t.Errorf("after the refund: %s, refunded %d", r.GetString(c.BookingsPaymentStatus), r.GetInt(c.BookingsRefundedAmount))
	}
	mails := p.emailLog(t, "booking = {:b} && role = 'invitee'", map[string]any{"b": first})
	if len(mails) != 1 || mails[0].GetString(c.EmailLogKind) != "payment_refunded" {
		t.Fatalf("mails to the late payer = %d", len(mails))
	}
	if text := p.mailText(t, mails[0]); !strings.Contains(text, "refunded") {
		t.Errorf("refund mail:\n%s", text)
	}
	if acts := p.auditActions(t, first); !slices.Contains(acts, ActionPaymentLate) || !slices.Contains(acts, ActionBookingRefunded) {
		t.Errorf("audit = %v", acts)
	}
	if r := p.record(t, other); r.GetString(c.BookingsStatus) != c.StatusConfirmed {
		t.Errorf("the other invitee's booking: %s", r.GetString(c.BookingsStatus))
	}

	// The other way: nobody took the time, the booking comes back.
	free := p.bookPaid(t, "2026-03-03T11:00:00Z", "slow@example.com")["id"].(string)
	p.clock.Add(16 * time.Minute)
	p.drain(t)
	p.pay(t, "evt_slow", free)
	if r := p.record(t, free); r.GetString(c.BookingsStatus) != c.StatusConfirmed || r.GetString(c.BookingsPaymentStatus) != c.PaymentPaid {
		t.Errorf("late payment on a free slot: %s / %s", r.GetString(c.BookingsStatus), r.GetString(c.BookingsPaymentStatus))
	}
}

// TestPaidRace: 50 invitees race for one paid slot: one hold, 49 × 409.
func TestPaidRace(t *testing.T) {
	p := newPayEnv(t, nil)
	codes := make([]int, 50)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = postJSON(t, http.DefaultClient, p.url+"/api/bookings", map[string]any{
				"event_type": "call", "start": slotStart, "name": fmt.Sprint("Racer ", i), "email": fmt.Sprintf("r%d@example.com", i), "timezone": "UTC",
			}, nil)
		}()
	}
	wg.Wait()
	won, lost := 0, 0
	for _, code := range codes {
		switch code {
		case http.StatusCreated:
			won++
		case http.StatusConflict:
			lost++
		}
	}
	if won != 1 || lost != 49 {
		t.Fatalf("201s = %d, 409s = %d, all: %v", won, lost, codes)
	}
	if n := countBookings(t, p.app, "status = 'awaiting_payment'"); n != 1 {
		t.Errorf("holds = %d", n)
	}
}

// TestStripeWebhookSignature: a bad, missing or stale signature is 400 and
// changes nothing; an event slotbase does not act on is 200.
func TestStripeWebhookSignature(t *testing.T) {
	p := newPayEnv(t, nil)
	id := p.bookPaid(t, slotStart, "bob@example.com")["id"].(string)
	payload := checkoutEvent("evt_forged", "checkout.session.completed", id, "paid")
	for name, try := range map[string]func() (int, string){
		"wrong secret": func() (int, string) { return p.deliver(t, payload, "whsec_not_the_secret", time.Time{}) },
		"no signature": func() (int, string) { return p.deliver(t, payload, "", time.Time{}) },
		"too old":      func() (int, string) { return p.deliver(t, payload, testWebhookSecret, time.Now().Add(-10*time.Minute)) },
	} {
		if code, body := try(); code != http.StatusBadRequest || !strings.Contains(body, "Stripe-Signature") {
			t.Errorf("%s: %d %s", name, code, body)
		}
	}
	if r := p.record(t, id); r.GetString(c.BookingsStatus) != c.StatusAwaitingPayment {
		t.Fatalf("a forged event changed the booking: %s", r.GetString(c.BookingsStatus))
	}
	other := checkoutEvent("evt_other", "customer.created", id, "paid")
	if code, body := p.deliver(t, other, testWebhookSecret, time.Time{}); code != http.StatusOK || !strings.Contains(body, "ignored") {
		t.Errorf("other event: %d %s", code, body)
	}
	expired := checkoutEvent("evt_expired", "checkout.session.expired", id, "unpaid")
	if code, body := p.deliver(t, expired, testWebhookSecret, time.Time{}); code != http.StatusOK {
		t.Fatalf("expired: %d %s", code, body)
	}
	if r := p.record(t, id); r.GetString(c.BookingsStatus) != c.StatusCancelled || !p.slotOffered(t, slotStart) {
		t.Errorf("checkout.session.expired did not free the slot: %s", r.GetString(c.BookingsStatus))
	}
}

// TestPaidBookingStripeDown: Stripe unreachable when the session is made:
// 503 with the contract's message, the slot free, nothing to mail; a retry
// with the same Idempotency-Key once Stripe is back books.
func TestPaidBookingStripeDown(t *testing.T) {
	p := newPayEnv(t, nil)
	p.stripe.Fail("/v1/checkout/sessions")
	req := map[string]any{"event_type": "call", "start": slotStart, "name": "Bob", "email": "bob@example.com", "timezone": "UTC"}
	key := map[string]string{"Idempotency-Key": "retry-1"}
	code, body := postJSON(t, http.DefaultClient, p.url+"/api/bookings", req, key)
	if code != http.StatusServiceUnavailable || body["message"] != msgPaymentUnavailable {
		t.Fatalf("Stripe down: %d %v", code, body)
	}
	if !p.slotOffered(t, slotStart) || countBookings(t, p.app, c.LiveStatusFilter) != 0 {
		t.Fatal("the slot stayed held after the 503")
	}
	p.drain(t)
	if logs := p.emailLog(t, "id != ''", nil); len(logs) != 0 {
		t.Errorf("mails after a 503: %d", len(logs))
	}
	p.stripe.Heal()
	code, body = postJSON(t, http.DefaultClient, p.url+"/api/bookings", req, key)
	if code != http.StatusCreated || body["status"] != "awaiting_payment" {
		t.Fatalf("retry: %d %v", code, body)
	}
	again, replay := postJSON(t, http.DefaultClient, p.url+"/api/bookings", req, key)
	if again != http.StatusCreated || replay["id"] != body["id"] || fmt.Sprint(replay["payment"]) != fmt.Sprint(body["payment"]) {
		t.Errorf("replay: %d %v, want %v", again, replay, body)
	}
}

// TestPaidCancelRefunds: the invitee cancelling in time gets the event
// type's share back, too late nothing; a host-side cancel refunds in full.
func TestPaidCancelRefunds(t *testing.T) {
	p := newPayEnv(t, map[string]any{c.EventTypesRefundWindowHours: 24, c.EventTypesRefundPercent: 50})
	paid := func(start, email string) (string, string) {
		body := p.bookPaid(t, start, email)
		id := body["id"].(string)
		p.pay(t, "evt_"+id, id)
		return id, body["manage_token"].(string)
	}
	early, earlyToken := paid("2026-03-04T10:00:00Z", "early@example.com") // 58 h ahead
	late, lateToken := paid(slotStart, "late@example.com")                 // 34 h ahead; cancelled after 11 h more
	byAdmin, _ := paid("2026-03-05T10:00:00Z", "admin@example.com")

	if code, body := postJSON(t, http.DefaultClient, p.url+"/api/bookings/manage/"+earlyToken+"/cancel", map[string]any{"reason": "ill"}, nil); code != http.StatusOK {
		t.Fatalf("cancel: %d %v", code, body)
	}
	p.clock.Add(11 * time.Hour)
	code, body := postJSON(t, http.DefaultClient, p.url+"/api/bookings/manage/"+lateToken+"/cancel", map[string]any{}, nil)
	if pay, _ := body["payment"].(map[string]any); code != http.StatusOK || pay == nil || pay["status"] != "paid" || pay["refunded"] != float64(0) {
		t.Fatalf("late cancel: %d %v", code, body)
	}
	admin := superuserToken(t, p.app)
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/admin/bookings/"+byAdmin+"/cancel", strings.NewReader(`{"reason":"host ill"}`))
	req.Header.Set("Authorization", admin)
	req.Header.Set("Content-Type", "application/json")
	if res, err := http.DefaultClient.Do(req); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("admin cancel: %v %v", err, res)
	}
	p.drain(t)
	refunds := map[string]string{}
	for _, r := range p.stripe.Requests("/v1/refunds") {
		refunds[strings.TrimPrefix(r.Form.Get("payment_intent"), "pi_test_")] = r.Form.Get("amount")
	}
	if want := map[string]string{early: "1250", byAdmin: "2500"}; fmt.Sprint(refunds) != fmt.Sprint(want) {
		t.Fatalf("refunds = %v, want %v", refunds, want)
	}
	for id, want := range map[string]string{early: c.PaymentPartiallyRefunded, late: c.PaymentPaid, byAdmin: c.PaymentRefunded} {
		if got := p.record(t, id).GetString(c.BookingsPaymentStatus); got != want {
			t.Errorf("%s: payment %s, want %s", id, got, want)
		}
	}
	// Each refunded invitee hears that the money is on its way, with the
	// amounts; the one refunded nothing does not.
	for id, want := range map[string]string{early: "EUR 12.50", late: "", byAdmin: "EUR 25.00"} {
		mails := p.emailLog(t, "booking = {:b} && role = 'invitee' && kind = 'refund_issued'", map[string]any{"b": id})
		if want == "" {
			if len(mails) != 0 {
				t.Errorf("%s: %d refund mails for no refund", id, len(mails))
			}
			continue
		}
		if len(mails) != 1 {
			t.Errorf("%s: %d refund mails, want 1", id, len(mails))
			continue
		}
		if text := p.mailText(t, mails[0]); !strings.Contains(text, "Refunded") || !strings.Contains(text, want) || !strings.Contains(text, "EUR 25.00") {
			t.Errorf("%s: refund mail lacks the refunded %s or the paid amount:\n%s", id, want, text)
		}
	}
	var adminView map[string]any
	areq, _ := http.NewRequest(http.MethodGet, p.url+"/api/admin/bookings/"+byAdmin, nil)
	areq.Header.Set("Authorization", admin)
	res, err := http.DefaultClient.Do(areq)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	_ = decodeSmall(res.Body, &adminView)
	if pay, _ := adminView["payment"].(map[string]any); pay == nil || pay["status"] != "refunded" || pay["refunded"] != float64(2500) {
		t.Errorf("admin view payment = %v", adminView["payment"])
	}
}

// TestEventTypePaymentValidation: each payment setting out of bounds is a
// field error; a price without a Stripe key names the variable to set.
func TestEventTypePaymentValidation(t *testing.T) {
	scenarios := []struct {
		name    string
		key     string
		values  map[string]any
		field   string
		message string
	}{
		{"price without key", "", map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "eur"}, "price", "SLOTBASE_STRIPE_SECRET_KEY"},
		{"unknown currency", testStripeKey, map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "xyz"}, "currency", "ISO 4217"},
		{"no currency", testStripeKey, map[string]any{c.EventTypesPrice: 2500}, "currency", "required"},
		{"short hold", testStripeKey, map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "eur", c.EventTypesPaymentHoldMinutes: 3}, "payment_hold_minutes", "between 5 and 1440"},
		{"refund over 100", testStripeKey, map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "eur", c.EventTypesRefundPercent: 150}, "refund_percent", ""},
		{"fine", testStripeKey, map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "EUR"}, "", ""},
		{"free without key", "", map[string]any{}, "", ""},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow), StripeSecretKey: s.key})
			defer app.Cleanup()
			host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
			values := map[string]any{c.EventTypesSlug: "paid", c.EventTypesTitle: "Paid", c.EventTypesDuration: 30, c.EventTypesHosts: []string{host}, c.EventTypesActive: true}
			for k, v := range s.values {
				values[k] = v
			}
			r, err := newRecord(app, c.EventTypes, values)
			if err != nil {
				t.Fatal(err)
			}
			err = app.Save(r)
			if s.field == "" {
				if err != nil {
					t.Fatalf("save: %v", err)
				}
				if got := r.GetString(c.EventTypesCurrency); s.values[c.EventTypesCurrency] != nil && got != "eur" {
					t.Errorf("currency stored as %q, want eur", got)
				}
				if r.GetInt(c.EventTypesPaymentHoldMinutes) != 15 || r.GetInt(c.EventTypesRefundPercent) != 100 {
					t.Errorf("defaults: hold %d, refund %d%%", r.GetInt(c.EventTypesPaymentHoldMinutes), r.GetInt(c.EventTypesRefundPercent))
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), s.field) || !strings.Contains(err.Error(), s.message) {
				t.Fatalf("save error = %v, want one on %s saying %q", err, s.field, s.message)
			}
		})
	}
}

// TestPaymentSecretsNotLogged: after a run through a Stripe failure (which
// logs an error), neither the secret key nor the webhook secret is in the
// log.
func TestPaymentSecretsNotLogged(t *testing.T) {
	p := newPayEnv(t, nil)
	p.app.Settings().Logs.MaxDays = 5 // the test app keeps no log by default
	p.stripe.Fail("/v1/checkout/sessions")
	if code, _ := postJSON(t, http.DefaultClient, p.url+"/api/bookings", map[string]any{"event_type": "call", "start": slotStart, "name": "Bob", "email": "bob@example.com", "timezone": "UTC"}, nil); code != http.StatusServiceUnavailable {
		t.Fatalf("Stripe down: %d", code)
	}
	p.deliver(t, checkoutEvent("evt_x", "checkout.session.completed", "nobody", "paid"), "whsec_wrong", time.Time{})
	var rows []string
	deadline := time.Now().Add(2 * time.Minute)
	for {
		rows = nil
		if err := p.app.AuxDB().NewQuery("SELECT message || ' ' || data FROM _logs").Column(&rows); err != nil {
			t.Fatal(err)
		}
		if slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, "creating the checkout session failed") }) || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond) // the log is written in batches
	}
	if !slices.ContainsFunc(rows, func(r string) bool { return strings.Contains(r, "creating the checkout session failed") }) {
		t.Fatalf("the failure was not logged; rows: %v", rows)
	}
	for _, r := range rows {
		if strings.Contains(r, testStripeKey) || strings.Contains(r, testWebhookSecret) || strings.Contains(r, "sk_test_") {
			t.Errorf("a secret reached the log: %s", r)
		}
	}
}
