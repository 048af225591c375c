package hooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/secretbox"
	"github.com/slotbase/slotbase/internal/slots"
)

// Errors the booking transaction ends with; they become HTTP statuses here.
var (
	errSlotGone            = errors.New("slot not available")
	errIdempotencyMismatch = errors.New("idempotency key reused with another request")
)

// msgSlotGone is what a client sees when its time was taken first.
const msgSlotGone = "This time is no longer available. Please choose another time."

// idempotentRecord is what a booking keeps to answer a retried request.
type idempotentRecord struct {
	Fingerprint string       `json:"fingerprint"`
	Reply       bookingReply `json:"reply"`
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
	if slug := strings.TrimSpace(req.EventType); slug != "" {
		if et, err = c.FindActiveEventType(e.App, slug); err == nil {
			if questions, err = booking.ParseQuestions(et.QuestionsJSON()); err != nil {
				return e.InternalServerError("", err) // an admin saved bad questions; validation hooks prevent it
			}
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

	fingerprint := requestFingerprint(req)
	token, storedKey := "", ""
	if idemKey != "" {
		token = s.idempotentToken(et.Id, idemKey)
		storedKey = hashHex(et.Id + "\x00" + idemKey)
	} else if token, _, err = booking.NewManageToken(); err != nil {
		return e.InternalServerError("", err)
	}

	sealed, err := secretbox.Seal(s.secret, PurposeManageToken, []byte(token))
	if err != nil {
		return e.InternalServerError("", err)
	}
	s.liveBusyCheck(e.Request.Context(), et, valid.Start) // Google Calendar: closes the sync's staleness window; never fails a booking
	var reply bookingReply
	replayed := false
	err = e.App.RunInTransaction(func(tx core.App) error {
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
				reply, err = newBookingReply(tx, c.NewBooking(prev), et)
				replayed = true
				return err
			}
		}
		slot, av, err := findSlot(tx, et, valid.Start, now, "")
		if err != nil {
			return err
		}
		hosts, err := pickHosts(tx, et, slot, av)
		if err != nil {
			return err
		}
		status := booking.InitialStatus(et.RequiresConfirmation())
		r, err := newRecord(tx, c.Bookings, map[string]any{
			c.BookingsEventType:       et.Id,
			c.BookingsHosts:           hosts,
			c.BookingsStart:           slot.Start,
			c.BookingsEnd:             slot.End,
			c.BookingsStatus:          string(status),
			c.BookingsName:            valid.Name,
			c.BookingsEmail:           valid.Email,
			c.BookingsTimezone:        valid.Timezone,
			c.BookingsNotes:           valid.Notes,
			c.BookingsAnswers:         valid.Answers,
			c.BookingsManageTokenHash: booking.HashToken(token),
			c.BookingsSequence:        0,
			c.BookingsBufferBefore:    int(et.BufferBefore().Minutes()),
			c.BookingsBufferAfter:     int(et.BufferAfter().Minutes()),
			c.BookingsIdempotencyKey:  storedKey,
		})
		if err != nil {
			return err
		}
		if err := tx.Save(r); err != nil {
			return err
		}
		reply, err = newBookingReply(tx, c.NewBooking(r), et)
		if err != nil {
			return err
		}
		if storedKey != "" {
			r.Set(c.BookingsIdempotentReply, idempotentRecord{Fingerprint: fingerprint, Reply: reply})
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		if err := audit(tx, inviteeActor(r), ActionBookingCreated, r, nil); err != nil {
			return err
		}
		return enqueue(tx, KindBookingEvent, bookingEvent{Booking: r.Id, Event: "created", Actor: "invitee", At: now, Token: sealed}, r.Id, now)
	})
	switch {
	case errors.Is(err, errSlotGone):
		return e.Error(http.StatusConflict, msgSlotGone, nil)
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

// findSlot re-checks, inside the caller's transaction, that start is a free
// slot of et right now (exclude: a booking being moved, so it does not block
// itself); errSlotGone otherwise.
func findSlot(tx core.App, et *c.EventType, start, now time.Time, exclude string) (slots.Slot, availability, error) {
	av, err := loadAvailability(tx, et, start, start.Add(time.Nanosecond), exclude)
	if err != nil {
		return slots.Slot{}, av, err
	}
	found, err := slots.Compute(av.Rules, av.Hosts, slots.Query{From: start, To: start.Add(time.Nanosecond), Now: now})
	if err != nil {
		return slots.Slot{}, av, err
	}
	if len(found) == 0 || !found[0].Start.Equal(start) {
		return slots.Slot{}, av, errSlotGone
	}
	return found[0], av, nil
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

// commitBookingChange finishes a change to an existing booking inside the
// change's transaction: one more SEQUENCE, the save, the audit entry and the
// outbox event, so a change never lands without its trail and its jobs.
// sealedToken is the invitee's sealed manage token ("" for admin actions).
func commitBookingChange(tx core.App, r *core.Record, actor Actor, event string, now time.Time, sealedToken string) error {
	before := r.Original()
	r.Set(c.BookingsSequence, before.GetInt(c.BookingsSequence)+1)
	if err := tx.Save(r); err != nil {
		return err
	}
	if err := audit(tx, actor, "booking."+event, r, before); err != nil {
		return err
	}
	ev := bookingEvent{Booking: r.Id, Event: event, Actor: actor.Kind, At: now, Token: sealedToken, Sequence: r.GetInt(c.BookingsSequence)}
	for _, h := range before.GetStringSlice(c.BookingsHosts) {
		if !slices.Contains(r.GetStringSlice(c.BookingsHosts), h) {
			ev.ReleasedHosts = append(ev.ReleasedHosts, h)
		}
	}
	return enqueue(tx, KindBookingEvent, ev, r.Id, now)
}
