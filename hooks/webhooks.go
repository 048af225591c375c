package hooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/queue"
)

// KindWebhookDeliver POSTs one booking event to one webhook.
const KindWebhookDeliver = "webhook.deliver"

// Webhook delivery headers (README.md, "Webhooks", tells receivers how to
// verify them).
const (
	HeaderWebhookSignature = "Slotbase-Signature"
	HeaderWebhookEvent     = "Slotbase-Event"
	HeaderWebhookDelivery  = "Slotbase-Delivery"
)

// How deliveries are retried: the queue's exponential backoff for the first
// webhookPatience attempts (about five minutes), then every webhookRetryEvery
// until webhookGiveUp after the event, when the job is dead.
const (
	webhookTimeout    = 10 * time.Second
	webhookPatience   = 6
	webhookRetryEvery = 30 * time.Minute
	webhookGiveUp     = 24 * time.Hour
)

// webhookHTTP sends deliveries. Redirects are not followed (a 3xx is a
// failed attempt): the admin-entered URL is the only address called.
// Package-level on purpose: one client shares its connection pool across
// deliveries; it is configured here and never changed.
var webhookHTTP = &http.Client{
	Timeout:       webhookTimeout,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// webhookJob is the payload of a KindWebhookDeliver job. Body is rendered
// once, when the event fans out, so every retry sends the same bytes.
type webhookJob struct {
	Webhook string          `json:"webhook"`
	Event   string          `json:"event"`
	Booking string          `json:"booking"`
	At      time.Time       `json:"at"`
	Body    json.RawMessage `json:"body"`
}

// webhookPayload is the JSON body of a delivery.
type webhookPayload struct {
	ID        string          `json:"id"` // the delivery id: the same in every retry
	Event     string          `json:"event"`
	CreatedAt string          `json:"created_at"`
	Booking   booking.Webhook `json:"booking"`
}

// bindWebhookRecords gives webhooks without a secret a random one and
// accepts only http and https URLs.
func bindWebhookRecords(app core.App) {
	app.OnRecordCreate(c.Webhooks).BindFunc(func(e *core.RecordEvent) error {
		return ensureWebhookSecret(e)
	})
	app.OnRecordUpdate(c.Webhooks).BindFunc(func(e *core.RecordEvent) error {
		return ensureWebhookSecret(e)
	})
	app.OnRecordValidate(c.Webhooks).BindFunc(func(e *core.RecordEvent) error {
		u, err := url.Parse(e.Record.GetString(c.WebhooksURL))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return validation.Errors{c.WebhooksURL: validation.NewError("validation_webhook_url", "Must be an http:// or https:// URL without credentials")}
		}
		return e.Next()
	})
}

// ensureWebhookSecret fills an empty secret (a new webhook, or one whose
// secret an admin cleared to rotate it) with 32 random bytes.
func ensureWebhookSecret(e *core.RecordEvent) error {
	if e.Record.GetString(c.WebhooksSecret) == "" {
		b := make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		e.Record.Set(c.WebhooksSecret, "whsec_"+hex.EncodeToString(b))
	}
	return e.Next()
}

// webhookSubscriber enqueues, for one booking event, a delivery to every
// active webhook subscribed to it. The delivery id (the job id) derives from
// the event job's id, so a fan-out run twice enqueues once.
func webhookSubscriber(tx core.App, ev bookingEvent, eventJobID string) error {
	event := "booking." + ev.Event
	hooks, err := tx.FindRecordsByFilter(c.Webhooks, "active = true", "", 0, 0)
	if err != nil {
		return err
	}
	hooks = slices.DeleteFunc(hooks, func(w *core.Record) bool {
		return !slices.Contains(w.GetStringSlice(c.WebhooksEvents), event)
	})
	if len(hooks) == 0 {
		return nil
	}
	r, err := tx.FindRecordById(c.Bookings, ev.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted in the admin UI since: nothing to tell
	} else if err != nil {
		return err
	}
	v, err := c.BookingViewOf(tx, r)
	if err != nil {
		return err
	}
	rendered := booking.WebhookJSON(v)
	for _, w := range hooks {
		key := "webhook:" + eventJobID + ":" + w.Id
		body, err := json.Marshal(webhookPayload{ID: derivedID(key), Event: event, CreatedAt: rfc3339(ev.At), Booking: rendered})
		if err != nil {
			return err
		}
		job := webhookJob{Webhook: w.Id, Event: event, Booking: r.Id, At: ev.At, Body: body}
		if err := enqueueOnce(tx, key, KindWebhookDeliver, job, r.Id, ev.At); err != nil {
			return err
		}
	}
	return nil
}

// webhookSignature is the Slotbase-Signature value of body sent at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" under secret>".
func webhookSignature(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts + "."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// handleWebhookDeliver runs a KindWebhookDeliver job: it re-reads the
// webhook (a deleted, disabled or unsubscribed one gets nothing), POSTs the
// signed body, and logs the attempt in webhook_deliveries. A 2xx answer
// completes the job; anything else is retried (webhookRetry).
func (s *server) handleWebhookDeliver(ctx context.Context, j queue.Job) error {
	var p webhookJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return queue.Permanent(fmt.Errorf("payload: %w", err))
	}
	log := s.app.Logger().With("component", "webhooks", "job", j.ID, "webhook", p.Webhook, "event", p.Event)
	w, err := s.app.FindRecordById(c.Webhooks, p.Webhook)
	if errors.Is(err, sql.ErrNoRows) {
		log.Info("webhook deleted; delivery dropped")
		return nil
	} else if err != nil {
		return err
	}
	if !w.GetBool(c.WebhooksActive) || !slices.Contains(w.GetStringSlice(c.WebhooksEvents), p.Event) {
		log.Info("webhook inactive or no longer subscribed; delivery dropped")
		s.logDelivery(j, p, 0, "not sent: the webhook is inactive or no longer subscribed to "+p.Event, 0)
		return nil
	}

	now := s.now()
	ctx, cancel := context.WithTimeout(ctx, webhookTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.GetString(c.WebhooksURL), bytes.NewReader(p.Body))
	if err != nil {
		s.logDelivery(j, p, 0, err.Error(), 0)
		return webhookRetry(j, p, err, now)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "slotbase-webhooks/1")
	req.Header.Set(HeaderWebhookEvent, p.Event)
	req.Header.Set(HeaderWebhookDelivery, j.ID)
	req.Header.Set(HeaderWebhookSignature, webhookSignature(w.GetString(c.WebhooksSecret), now, p.Body))
	started := time.Now()
	res, err := webhookHTTP.Do(req)
	elapsed := time.Since(started)
	if err != nil {
		s.logDelivery(j, p, 0, err.Error(), elapsed)
		return webhookRetry(j, p, err, now)
	}
	snippet, _ := io.ReadAll(io.LimitReader(res.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		err := fmt.Errorf("HTTP %d: %s", res.StatusCode, bytes.ToValidUTF8(snippet, nil))
		s.logDelivery(j, p, res.StatusCode, err.Error(), elapsed)
		return webhookRetry(j, p, err, now)
	}
	s.logDelivery(j, p, res.StatusCode, "", elapsed)
	log.Info("webhook delivered", "status", res.StatusCode, "attempt", j.Attempts)
	return nil
}

// webhookRetry decides what a failed attempt does next: the queue's backoff
// for the first webhookPatience attempts, then every webhookRetryEvery, and
// dead once webhookGiveUp has passed since the event.
func webhookRetry(j queue.Job, p webhookJob, err error, now time.Time) error {
	switch {
	case now.Sub(p.At) >= webhookGiveUp:
		return queue.Permanent(fmt.Errorf("gave up %s after the event: %w", webhookGiveUp, err))
	case j.Attempts >= webhookPatience:
		return &queue.DeferError{Until: now.Add(webhookRetryEvery), Reason: err.Error()}
	default:
		return err
	}
}

// logDelivery records one attempt in webhook_deliveries. A failure is only
// logged: it must not turn a delivered event into a retry.
func (s *server) logDelivery(j queue.Job, p webhookJob, status int, errText string, elapsed time.Duration) {
	r, err := newRecord(s.app, c.WebhookDeliveries, map[string]any{
		c.WebhookDeliveriesWebhook: p.Webhook, c.WebhookDeliveriesDelivery: j.ID,
		c.WebhookDeliveriesEvent: p.Event, c.WebhookDeliveriesBooking: p.Booking,
		c.WebhookDeliveriesAttempt: j.Attempts, c.WebhookDeliveriesStatusCode: status,
		c.WebhookDeliveriesError: truncate(errText, 2000), c.WebhookDeliveriesDurationMs: elapsed.Milliseconds(),
	})
	if err == nil {
		err = s.app.Save(r)
	}
	if err != nil {
		s.app.Logger().Error("webhooks: recording a delivery attempt", "job", j.ID, "error", err)
	}
}
