package hooks

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
	"github.com/slotbase/slotbase/internal/testenv"
)

// Test credentials: the key is what stripe-mock accepts; both must never
// appear in a log.
const (
	testStripeKey     = "sk_test_slotbaseSecretKey0123456789"
	testWebhookSecret = "whsec_slotbaseTestSecret0123456789"
)

// payEnv is an e-mail test environment whose event type "call" costs
// EUR 25.00, with Stripe's real API mock behind a recording proxy.
type payEnv struct {
	*emailEnv
	stripe *testenv.StripeMock
}

// slotStart is the paid tests' slot: Tuesday 3 March 2026, 10:00 London (UTC).
const slotStart = "2026-03-03T10:00:00Z"

func newPayEnv(t *testing.T, extra map[string]any) *payEnv {
	t.Helper()
	mock := testenv.StartStripeMock(t)
	values := map[string]any{c.EventTypesPrice: 2500, c.EventTypesCurrency: "eur"}
	for k, v := range extra {
		values[k] = v
	}
	env := newEmailEnvWith(t, Config{StripeSecretKey: testStripeKey, StripeWebhookSecret: testWebhookSecret, StripeAPIBase: mock.URL}, 0, values)
	return &payEnv{emailEnv: env, stripe: mock}
}

// bookPaid books "call" at start and wants 201; returns the answer.
func (p *payEnv) bookPaid(t *testing.T, start, email string) map[string]any {
	t.Helper()
	code, body := postJSON(t, http.DefaultClient, p.url+"/api/bookings", map[string]any{
		"event_type": "call", "start": start, "name": "Bob " + email, "email": email, "timezone": "Europe/London",
	}, nil)
	if code != http.StatusCreated {
		t.Fatalf("booking %s: %d %v", start, code, body)
	}
	return body
}

// record loads booking id.
func (p *payEnv) record(t *testing.T, id string) *core.Record {
	t.Helper()
	r, err := p.app.FindRecordById(c.Bookings, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkoutEvent is a Stripe event about booking's checkout session.
func checkoutEvent(eventID, typ, bookingID, paymentStatus string) []byte {
	raw, _ := json.Marshal(map[string]any{
		"id": eventID, "object": "event", "api_version": stripe.APIVersion, "type": typ, "created": time.Now().Unix(),
		"data": map[string]any{"object": map[string]any{
			"id": "cs_test_" + bookingID, "object": "checkout.session", "client_reference_id": bookingID,
			"metadata": map[string]string{"booking": bookingID}, "payment_status": paymentStatus, "status": "complete",
			"amount_total": 2500, "currency": "eur", "payment_intent": "pi_test_" + bookingID,
		}},
	})
	return raw
}

// deliver POSTs payload to the webhook signed with secret at ts (zero: now)
// by stripe-go's own test helper; "" header when secret is "".
func (p *payEnv) deliver(t *testing.T, payload []byte, secret string, ts time.Time) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, p.url+"/api/stripe/webhook", bytes.NewReader(payload))
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: ts})
		req.Header.Set("Stripe-Signature", signed.Header)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// pay delivers a properly signed checkout.session.completed (paid).
func (p *payEnv) pay(t *testing.T, eventID, bookingID string) {
	t.Helper()
	if code, body := p.deliver(t, checkoutEvent(eventID, "checkout.session.completed", bookingID, "paid"), testWebhookSecret, time.Time{}); code != http.StatusOK {
		t.Fatalf("webhook: %d %s", code, body)
	}
}

// slotOffered reports whether /api/slots offers start.
func (p *payEnv) slotOffered(t *testing.T, start string) bool {
	t.Helper()
	var out struct {
		Days []struct {
			Slots []struct {
				Start string `json:"start"`
			} `json:"slots"`
		} `json:"days"`
	}
	getJSON(t, p.url+"/api/slots?event_type=call&from=2026-03-03&to=2026-03-03&tz=Europe/London", &out)
	for _, d := range out.Days {
		for _, s := range d.Slots {
			if s.Start == start {
				return true
			}
		}
	}
	return false
}

// auditActions lists the audit actions recorded for booking id, oldest first.
func (p *payEnv) auditActions(t *testing.T, id string) []string {
	t.Helper()
	records, err := p.app.FindRecordsByFilter(c.AuditLog, c.AuditLogRecordID+" = {:id}", "created", 0, 0, map[string]any{"id": id})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records {
		out = append(out, r.GetString(c.AuditLogAction))
	}
	return out
}

// mailText is the subject and plain text of a mail the file transport wrote.
func (p *payEnv) mailText(t *testing.T, logRecord *core.Record) string {
	t.Helper()
	raw, err := os.ReadFile(logRecord.GetString(c.EmailLogFile))
	if err != nil {
		t.Fatal(err)
	}
	m, err := mailtest.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return m.Subject + "\n" + m.Text()
}
