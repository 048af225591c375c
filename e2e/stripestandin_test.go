package e2e

import (
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v82"
	"github.com/stripe/stripe-go/v82/webhook"
)

// stripeStandIn is a local stand-in for the parts of Stripe slotbase uses
// (issue 20): the Checkout Sessions API (create, retrieve, expire), the
// Refunds API, and a hosted checkout page at /pay/{id} with a Pay and a
// Cancel button. It checks each request against what Stripe itself
// requires (a secret key, form fields, URLs; see
// https://docs.stripe.com/api/checkout/sessions/create) and records what it
// refuses as a problem the test reports. Webhooks are not sent by
// themselves: the test calls deliver, signed with stripe-go's own
// webhook.GenerateTestSignedPayload.
type stripeStandIn struct {
	t      testing.TB
	srv    *httptest.Server
	secret string // the webhook endpoint's signing secret

	mu       sync.Mutex
	seq      int
	sessions map[string]*standInSession
	order    []string // session ids in creation order
	refunds  []standInRefund
	problems []string
	byKey    map[string]string // Idempotency-Key → session id: a retried create gets the same session
	failing  bool              // session creates answer Stripe's 500 (an outage)
}

// standInSession is one Checkout Session as the stand-in keeps it.
type standInSession struct {
	ID, Status, PaymentStatus, PaymentIntent string
	ClientReferenceID, Currency, Email       string
	SuccessURL, CancelURL, ProductName       string
	Metadata                                 map[string]string
	AmountTotal, ExpiresAt, Created          int64
	Form                                     url.Values // the create request's fields, as sent
}

// standInRefund is one refund the server asked for.
type standInRefund struct {
	ID, PaymentIntent string
	Amount            int64
}

// newStripeStandIn starts the stand-in on 127.0.0.1; secret signs webhooks.
func newStripeStandIn(t testing.TB, secret string) *stripeStandIn {
	s := &stripeStandIn{t: t, secret: secret, sessions: map[string]*standInSession{}, byKey: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/checkout/sessions", s.createSession)
	mux.HandleFunc("GET /v1/checkout/sessions/{id}", s.getSession)
	mux.HandleFunc("POST /v1/checkout/sessions/{id}/expire", s.expireSession)
	mux.HandleFunc("POST /v1/refunds", s.createRefund)
	mux.HandleFunc("GET /pay/{id}", s.hostedPage)
	mux.HandleFunc("POST /pay/{id}/{action}", s.hostedAction)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.problem("unexpected request %s %s", r.Method, r.URL.Path)
		stripeError(w, http.StatusNotFound, "Unrecognized request URL ("+r.Method+": "+r.URL.Path+").", "")
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// fail makes session creates fail (true) or work again (false).
func (s *stripeStandIn) fail(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failing = on
}

// URL is the stand-in's base, what SLOTBASE_STRIPE_API_BASE points at.
func (s *stripeStandIn) URL() string { return s.srv.URL }

// problem records a request Stripe would have refused.
func (s *stripeStandIn) problem(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, fmt.Sprintf(format, args...))
}

// check fails the test on every refused request so far.
func (s *stripeStandIn) check() {
	s.t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.problems {
		s.t.Errorf("Stripe stand-in: %s", p)
	}
	s.problems = nil
}

// stripeError answers in Stripe's error shape.
func stripeError(w http.ResponseWriter, status int, message, param string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"type": "invalid_request_error", "message": message, "param": param}})
}

// authorized checks Stripe's authentication: a secret (or restricted) key
// as a bearer token.
func (s *stripeStandIn) authorized(w http.ResponseWriter, r *http.Request) bool {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || !(strings.HasPrefix(key, "sk_") || strings.HasPrefix(key, "rk_")) {
		s.problem("%s %s without a secret key", r.Method, r.URL.Path)
		stripeError(w, http.StatusUnauthorized, "You did not provide an API key.", "")
		return false
	}
	return true
}

// form reads a POST's application/x-www-form-urlencoded body, as Stripe
// takes it.
func (s *stripeStandIn) form(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
		s.problem("%s %s with Content-Type %q", r.Method, r.URL.Path, ct)
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		stripeError(w, http.StatusBadRequest, err.Error(), "")
		return nil, false
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		s.problem("%s %s: a body that is not a form: %v", r.Method, r.URL.Path, err)
		stripeError(w, http.StatusBadRequest, "Invalid request body.", "")
		return nil, false
	}
	return form, true
}

// createSession is POST /v1/checkout/sessions for mode=payment with one
// line item priced inline (price_data).
func (s *stripeStandIn) createSession(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	f, ok := s.form(w, r)
	if !ok {
		return
	}
	s.mu.Lock()
	fail := s.failing
	same := s.sessions[s.byKey[r.Header.Get("Idempotency-Key")]]
	s.mu.Unlock()
	if same != nil {
		s.reply(w, same)
		return
	}
	if fail {
		stripeError(w, http.StatusInternalServerError, "An unknown error occurred (stand-in outage).", "")
		return
	}
	refuse := func(param, message string) {
		s.problem("checkout session create: %s: %s (form %v)", param, message, f)
		stripeError(w, http.StatusBadRequest, message, param)
	}
	if f.Get("mode") != "payment" {
		refuse("mode", "mode must be payment for a one-off price")
		return
	}
	for _, p := range []string{"success_url", "cancel_url"} {
		u, err := url.Parse(f.Get(p))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			refuse(p, "Not a valid URL")
			return
		}
		if strings.Contains(f.Get(p), "mt_") {
			refuse(p, "the manage token must never go to Stripe")
			return
		}
	}
	for k, vs := range f {
		for _, v := range vs {
			if strings.Contains(v, "mt_") {
				refuse(k, "the manage token must never go to Stripe")
				return
			}
		}
	}
	if f.Get("line_items[1][quantity]") != "" {
		refuse("line_items", "want one line item")
		return
	}
	qty, _ := strconv.Atoi(f.Get("line_items[0][quantity]"))
	amount, err := strconv.ParseInt(f.Get("line_items[0][price_data][unit_amount]"), 10, 64)
	currency := f.Get("line_items[0][price_data][currency]")
	name := f.Get("line_items[0][price_data][product_data][name]")
	switch {
	case f.Get("line_items[0][price]") != "":
		refuse("line_items[0][price]", "no such price: slotbase prices inline")
		return
	case qty < 1:
		refuse("line_items[0][quantity]", "Quantity is required when using price_data and must be at least 1")
		return
	case err != nil || amount < 1:
		refuse("line_items[0][price_data][unit_amount]", "unit_amount must be a positive integer in the currency's minor unit")
		return
	case len(currency) != 3 || strings.ToLower(currency) != currency:
		refuse("line_items[0][price_data][currency]", "Invalid currency: want a lowercase ISO 4217 code")
		return
	case strings.TrimSpace(name) == "":
		refuse("line_items[0][price_data][product_data][name]", "Missing required param: product_data[name]")
		return
	}
	now := time.Now().Unix()
	expires := now + 24*3600 // Stripe's default
	if e := f.Get("expires_at"); e != "" {
		at, err := strconv.ParseInt(e, 10, 64)
		if err != nil || at < now+30*60-60 || at > now+24*3600+60 { // a minute of slack for the clocks
			refuse("expires_at", "The `expires_at` timestamp must be at least 30 minutes and at most 24 hours from Checkout Session creation")
			return
		}
		expires = at
	}
	meta := map[string]string{}
	for k, vs := range f {
		if m, ok := strings.CutPrefix(k, "metadata["); ok && strings.HasSuffix(m, "]") {
			meta[strings.TrimSuffix(m, "]")] = vs[0]
		}
	}
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("cs_test_standin%04d", s.seq)
	sess := &standInSession{ID: id, Status: "open", PaymentStatus: "unpaid", ClientReferenceID: f.Get("client_reference_id"),
		Currency: currency, Email: f.Get("customer_email"), SuccessURL: f.Get("success_url"), CancelURL: f.Get("cancel_url"),
		ProductName: name, Metadata: meta, AmountTotal: amount * int64(qty), ExpiresAt: expires, Created: now, Form: f}
	s.sessions[id] = sess
	s.order = append(s.order, id)
	if k := r.Header.Get("Idempotency-Key"); k != "" {
		s.byKey[k] = id
	}
	s.mu.Unlock()
	s.reply(w, sess)
}

// json is a session as Stripe's API writes it.
func (s *stripeStandIn) json(sess *standInSession) map[string]any {
	var pi, u any
	if sess.PaymentIntent != "" {
		pi = sess.PaymentIntent
	}
	if sess.Status == "open" {
		u = s.srv.URL + "/pay/" + sess.ID
	}
	return map[string]any{
		"id": sess.ID, "object": "checkout.session", "mode": "payment", "livemode": false,
		"status": sess.Status, "payment_status": sess.PaymentStatus, "payment_intent": pi, "url": u,
		"client_reference_id": sess.ClientReferenceID, "metadata": sess.Metadata, "customer_email": sess.Email,
		"amount_total": sess.AmountTotal, "amount_subtotal": sess.AmountTotal, "currency": sess.Currency,
		"success_url": sess.SuccessURL, "cancel_url": sess.CancelURL, "expires_at": sess.ExpiresAt, "created": sess.Created,
	}
}

// reply writes sess as the API's answer.
func (s *stripeStandIn) reply(w http.ResponseWriter, sess *standInSession) {
	s.mu.Lock()
	body := s.json(sess)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(body)
}

// session is the session id, or nil.
func (s *stripeStandIn) session(id string) *standInSession {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[id]
}

// sessionOf is the id of booking's latest session ("" for none).
func (s *stripeStandIn) sessionOf(booking string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ""
	for _, sid := range s.order {
		if s.sessions[sid].ClientReferenceID == booking {
			id = sid
		}
	}
	return id
}

// pathSession is the authorized request's session {id}; nil when it has
// answered already (401, or Stripe's 404).
func (s *stripeStandIn) pathSession(w http.ResponseWriter, r *http.Request) *standInSession {
	if !s.authorized(w, r) {
		return nil
	}
	sess := s.session(r.PathValue("id"))
	if sess == nil {
		stripeError(w, http.StatusNotFound, "No such checkout.session: '"+r.PathValue("id")+"'", "session")
	}
	return sess
}

// getSession retrieves a session.
func (s *stripeStandIn) getSession(w http.ResponseWriter, r *http.Request) {
	if sess := s.pathSession(w, r); sess != nil {
		s.reply(w, sess)
	}
}

// expireSession expires an open session, as Stripe does (and refuses any
// other).
func (s *stripeStandIn) expireSession(w http.ResponseWriter, r *http.Request) {
	sess := s.pathSession(w, r)
	if sess == nil {
		return
	}
	s.mu.Lock()
	open := sess.Status == "open"
	if open {
		sess.Status = "expired"
	}
	s.mu.Unlock()
	if !open {
		stripeError(w, http.StatusBadRequest, `Only Checkout Sessions with a status in ["open"] can be expired.`, "")
		return
	}
	s.reply(w, sess)
}

// createRefund refunds (part of) a paid session's payment intent.
func (s *stripeStandIn) createRefund(w http.ResponseWriter, r *http.Request) {
	if !s.authorized(w, r) {
		return
	}
	f, ok := s.form(w, r)
	if !ok {
		return
	}
	pi := f.Get("payment_intent")
	s.mu.Lock()
	var paid *standInSession
	for _, sess := range s.sessions {
		if sess.PaymentIntent != "" && sess.PaymentIntent == pi {
			paid = sess
		}
	}
	left := int64(0)
	if paid != nil {
		left = paid.AmountTotal
		for _, rf := range s.refunds {
			if rf.PaymentIntent == pi {
				left -= rf.Amount
			}
		}
	}
	s.mu.Unlock()
	if paid == nil {
		s.problem("refund of unknown payment_intent %q (form %v)", pi, f)
		stripeError(w, http.StatusBadRequest, "No such payment_intent: '"+pi+"'", "payment_intent")
		return
	}
	amount := left
	if a := f.Get("amount"); a != "" {
		n, err := strconv.ParseInt(a, 10, 64)
		if err != nil || n < 1 || n > left {
			s.problem("refund amount %q of %s (left %d)", a, pi, left)
			stripeError(w, http.StatusBadRequest, "Refund amount is greater than unrefunded amount on charge", "amount")
			return
		}
		amount = n
	}
	s.mu.Lock()
	rf := standInRefund{ID: fmt.Sprintf("re_standin%04d", len(s.refunds)+1), PaymentIntent: pi, Amount: amount}
	s.refunds = append(s.refunds, rf)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"id": rf.ID, "object": "refund", "amount": amount, "currency": paid.Currency,
		"payment_intent": pi, "status": "succeeded", "created": time.Now().Unix()})
}

// refundsFor lists the refunds of payment intent pi.
func (s *stripeStandIn) refundsFor(pi string) []standInRefund {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []standInRefund
	for _, rf := range s.refunds {
		if rf.PaymentIntent == pi {
			out = append(out, rf)
		}
	}
	return out
}

var hostedPage = template.Must(template.New("pay").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Pay {{.Product}} · Stripe stand-in</title><link rel="icon" href="data:,">
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1a1a1a}main{max-width:28rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px}
button{font:inherit;padding:.6rem 1.2rem;margin-right:.5rem;border-radius:6px;border:1px solid #555;background:#fff;cursor:pointer}#pay{background:#0b5cad;color:#fff;border-color:#0b5cad}</style></head>
<body><main><h1>Stripe stand-in checkout</h1><p>{{.Product}}: <strong id="amount">{{.Amount}} {{.Currency}}</strong></p><p>Session <code>{{.ID}}</code> ({{.Status}})</p>
<form method="post" action="/pay/{{.ID}}/pay"><button id="pay" type="submit">Pay</button></form>
<form method="post" action="/pay/{{.ID}}/cancel"><button id="cancel" type="submit">Cancel</button></form></main></body></html>`))

// hostedPage is Stripe's hosted checkout page for session id.
func (s *stripeStandIn) hostedPage(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r.PathValue("id"))
	if sess == nil {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	data := map[string]any{"ID": sess.ID, "Product": sess.ProductName, "Amount": sess.AmountTotal, "Currency": strings.ToUpper(sess.Currency), "Status": sess.Status}
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = hostedPage.Execute(w, data)
}

// hostedAction is the hosted page's Pay (the session completes, paid; no
// webhook yet) or Cancel (nothing changes, as on Stripe's back link): both
// send the browser to the session's success or cancel URL.
func (s *stripeStandIn) hostedAction(w http.ResponseWriter, r *http.Request) {
	sess := s.session(r.PathValue("id"))
	if sess == nil {
		http.NotFound(w, r)
		return
	}
	to := sess.CancelURL
	if r.PathValue("action") == "pay" && s.pay(sess.ID) {
		to = sess.SuccessURL
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// pay completes open session id as paid (what Pay on the hosted page
// does); false when it was not open.
func (s *stripeStandIn) pay(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	sess := s.sessions[id]
	if sess == nil || sess.Status != "open" {
		return false
	}
	sess.Status, sess.PaymentStatus = "complete", "paid"
	sess.PaymentIntent = "pi_standin_" + strings.TrimPrefix(sess.ID, "cs_test_standin")
	return true
}

// deliver sends the event typ ("checkout.session.completed", …) about
// session id to slotbase's webhook endpoint at base, signed as Stripe signs
// it, and returns the answer's status.
func (s *stripeStandIn) deliver(base, typ, id string) int {
	s.t.Helper()
	sess := s.session(id)
	if sess == nil {
		s.t.Fatalf("no stand-in session %s", id)
	}
	s.mu.Lock()
	s.seq++
	event := map[string]any{"id": fmt.Sprintf("evt_standin%04d", s.seq), "object": "event", "api_version": stripe.APIVersion,
		"created": time.Now().Unix(), "livemode": false, "pending_webhooks": 1, "type": typ,
		"data": map[string]any{"object": s.json(sess)}}
	s.mu.Unlock()
	payload, err := json.Marshal(event)
	if err != nil {
		s.t.Fatal(err)
	}
	signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: s.secret})
	req, err := http.NewRequest(http.MethodPost, base+"/api/stripe/webhook", strings.NewReader(string(payload)))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("Stripe-Signature", signed.Header)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		s.t.Logf("webhook %s answered %d: %s", typ, res.StatusCode, body)
	}
	return res.StatusCode
}
