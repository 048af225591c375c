package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// msgSlotGone is what a client sees when its time was taken first.
const msgSlotGone = "This time is no longer available. Please choose another time."

// idempotentRecord is what a booking keeps to recognise a retried request
// (the reply itself is rendered afresh: a replay shows the booking as it is).
type idempotentRecord struct {
	Fingerprint string `json:"fingerprint"`
}

// handleCreateBooking answers POST /api/bookings: decode, validate, then one
// write transaction that re-checks the exact slot, picks the host(s), and
// inserts the booking with its job; 201, 400 per field, or 409.
func (s *server) handleCreateBooking(e *core.RequestEvent) error {
	req, err := booking.Decode(e.Request.Body)
	if err != nil {
		return decodeError(e, err)
	}
	idemKey := strings.TrimSpace(e.Request.Header.Get("Idempotency-Key"))
	if len(idemKey) > 255 || strings.IndexFunc(idemKey, func(r rune) bool { return r < 0x21 || r > 0x7e }) >= 0 {
		return badRequest(e, map[string]error{"Idempotency-Key": fieldErr("must be 1 to 255 visible ASCII characters")})
	}

	now := s.now()
	var et *c.EventType
	var questions []booking.Question
	slug, etVersion := strings.TrimSpace(req.EventType), int64(0)
	if slug != "" {
		// Kept between requests; the transaction checks it against the setup version (booksetup.go).
		if et, etVersion, err = s.bookSetup.eventType(e.App, slug); err == nil {
			if questions, err = booking.ParseQuestions(et.QuestionsJSON()); err != nil {
				return e.InternalServerError("", err) // an admin saved bad questions; validation hooks prevent it
			}
		} else if !errors.Is(err, sql.ErrNoRows) {
			return e.InternalServerError("", err) // a database failure is not "no such event type"
		}
	}
	valid, err := booking.Validate(req, questions, now)
	fields := map[string]error{}
	var fe booking.FieldErrors
	if errors.As(err, &fe) {
		fields = fe.Map()
	} else if err != nil {
		return e.InternalServerError("", err)
	}
	if et == nil && fields["event_type"] == nil {
		fields["event_type"] = fieldErr("no active event type " + quote(req.EventType))
	}
	if len(fields) > 0 {
		return badRequest(e, fields)
	}
	if et.Paid() && s.pay == nil {
		return paymentUnavailable(e, "Payments are not configured on this server; this event type cannot be booked.")
	}

	fingerprint := requestFingerprint(req)
	token, storedKey := "", ""
	if idemKey != "" {
		token = s.idempotentToken(et.Id, idemKey)
		storedKey = hashHex(et.Id + "\x00" + idemKey)
	} else if token, _, err = booking.NewManageToken(); err != nil {
		return e.InternalServerError("", err)
	}

	// Worked out before the one writer's serial section: the sealed manage
	// token and the language the booking keeps (the organisation's default
	// as read now; a change of it racing this booking is as if it came later).
	sealed, err := secretbox.Seal(s.secret, PurposeManageToken, []byte(token))
	if err != nil {
		return e.InternalServerError("", err)
	}
	kept := i18n.Match(valid.Language, s.orgLanguage(e.App))

	s.liveBusyCheck(e.Request.Context(), et, valid.Start) // Google Calendar: closes the sync's staleness window; never fails a booking
	var reply booking.Reply
	var idem any
	if storedKey != "" {
		idem = idempotentRecord{Fingerprint: fingerprint}
	}
	replayed := false
	var made *core.Record // the booking, made or replayed
	status := booking.Status("")
	if et.Paid() {
		status = booking.AwaitingPayment // a hold until Stripe says it is paid (payments.go)
	}
	err = s.writes.Run(func(tx core.App) error { // group commit: may share its transaction, may run twice (groupcommit.go)
		replayed, made = false, nil
		if storedKey != "" {
			if prev, err := tx.FindFirstRecordByData(c.Bookings, c.BookingsIdempotencyKey, storedKey); err == nil {
				var rec idempotentRecord
				if err := prev.UnmarshalJSONField(c.BookingsIdempotentReply, &rec); err != nil {
					return err
				}
				if rec.Fingerprint != fingerprint {
					return errIdempotencyMismatch
				}
				// A replay tells the booking as it is now (cancelled,
				// rescheduled, confirmed since), not as it was created.
				reply, err = inviteeReply(tx, prev)
				replayed, made = true, prev
				return err
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		et, version, err := s.bookSetup.checkedEventType(tx, et, slug, etVersion)
		if err != nil {
			return err
		}
		setup := s.bookSetup.at(tx, version) // one read of the setup version serves the slot and the reply
		r, err := s.openBooking(tx, Actor{Kind: ActorInvitee}, bookingDraft{
			EventType: et, Start: valid.Start, Name: valid.Name, Email: valid.Email, Timezone: valid.Timezone,
			Notes: valid.Notes, Answers: valid.Answers, Token: token, IdempotencyKey: storedKey, IdempotentReply: idem,
			Language: valid.Language, Status: status, Setup: setup, Kept: kept, Sealed: sealed,
		}, now)
		if err != nil {
			return err
		}
		made = r
		reply, err = s.bookedReply(tx, setup, et, r) // from the records in hand (booksetup.go)
		return err
	})
	if err == nil && et.Paid() { // after the commit: Stripe is never called inside the writer's transaction
		if made, err = s.startCheckout(e.Request.Context(), e, made, et); err == nil {
			reply, err = inviteeReply(e.App, made)
		} else if errors.Is(err, errPaymentUnavailable) {
			s.worker.Wake()
			return paymentUnavailable(e, msgPaymentUnavailable)
		}
	}
	var notOffered *notOfferedError
	switch {
	case errors.Is(err, errSlotGone):
		return e.Error(http.StatusConflict, msgSlotGone, nil)
	case errors.As(err, &notOffered):
		return badRequest(e, map[string]error{"start": fieldErr(notOffered.reason)})
	case errors.Is(err, errEventTypeGone):
		return badRequest(e, map[string]error{"event_type": fieldErr("no active event type " + quote(req.EventType))})
	case errors.Is(err, errIdempotencyMismatch):
		return badRequest(e, map[string]error{"Idempotency-Key": fieldErr("was already used with a different request")})
	case err != nil:
		return e.InternalServerError("", err)
	}
	s.worker.Wake()
	reply.ManageToken = token
	reply.ManageURL = "/manage#" + token
	if replayed {
		e.Response.Header().Set("Idempotent-Replayed", "true")
	}
	return e.JSON(http.StatusCreated, reply)
}

// decodeError turns a booking.Decode failure into a 400.
func decodeError(e *core.RequestEvent, err error) error {
	var fe booking.FieldErrors
	switch {
	case errors.As(err, &fe):
		return badRequest(e, fe.Map())
	case errors.Is(err, booking.ErrTooLarge):
		return badRequest(e, map[string]error{"body": fieldErr("must be at most 64 KiB")})
	default:
		return badRequest(e, map[string]error{"body": fieldErr("must be one JSON object: " + strings.TrimPrefix(err.Error(), booking.ErrMalformed.Error()+": "))})
	}
}

// idempotentToken derives the manage token of a booking made with an
// Idempotency-Key, so a retry gets the same token back without the token
// ever being stored: HMAC-SHA256 under the server secret.
func (s *server) idempotentToken(eventTypeID, key string) string {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("slotbase idempotent manage token\x00" + eventTypeID + "\x00" + key))
	return booking.TokenPrefix + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// requestFingerprint identifies a request's content for idempotency checks.
func requestFingerprint(req booking.Request) string {
	raw, _ := json.Marshal(req)
	return hashHex(string(raw))
}

func hashHex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
