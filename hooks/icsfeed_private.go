package hooks

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/ics"
)

// A host's private feed of their bookings: GET /ics/{token}.ics, where the
// token is random, stored only as its SHA-256 (hosts.ics_feed_token_hash),
// rotated by creating it again and revoked by deleting it.
const (
	// icsFeedPrefix starts every feed path; internal/redact masks the rest.
	icsFeedPrefix = "/ics/"
	// icsTokenPrefix marks feed tokens ("icf_" + 43 base64url characters).
	icsTokenPrefix = "icf_"
	// icsFeedPast is how far back the feed shows bookings.
	icsFeedPast = 30 * 24 * time.Hour
)

func hashFeedToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// handleHostICSFeedCreate answers POST /api/host/ics-feed: a new token for
// the signed-in host (the old URL stops working).
func (s *server) handleHostICSFeedCreate(e *core.RequestEvent) error {
	return s.rotateICSFeed(e, hostOf(e).Id)
}

// handleHostICSFeedDelete answers DELETE /api/host/ics-feed.
func (s *server) handleHostICSFeedDelete(e *core.RequestEvent) error {
	return s.revokeICSFeed(e, hostOf(e).Id)
}

// handleAdminICSFeedCreate answers POST /api/admin/hosts/{id}/ics-feed.
func (s *server) handleAdminICSFeedCreate(e *core.RequestEvent) error {
	hostID, err := pathHostID(e)
	if err != nil {
		return err
	}
	return s.rotateICSFeed(e, hostID)
}

// handleAdminICSFeedDelete answers DELETE /api/admin/hosts/{id}/ics-feed.
func (s *server) handleAdminICSFeedDelete(e *core.RequestEvent) error {
	hostID, err := pathHostID(e)
	if err != nil {
		return err
	}
	return s.revokeICSFeed(e, hostID)
}

// rotateICSFeed gives host hostID a new feed token and answers 201 with the
// feed URL: the only time the token is shown.
func (s *server) rotateICSFeed(e *core.RequestEvent, hostID string) error {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return e.InternalServerError("", err)
	}
	token := icsTokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	if err := s.setFeedTokenHash(e, hostID, hashFeedToken(token)); err != nil {
		return e.InternalServerError("", err)
	}
	origin, err := publicOrigin(e)
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.JSON(http.StatusCreated, map[string]string{"url": origin + icsFeedPrefix + token + ".ics", "token": token})
}

// revokeICSFeed removes host hostID's feed token: 204.
func (s *server) revokeICSFeed(e *core.RequestEvent, hostID string) error {
	if err := s.setFeedTokenHash(e, hostID, ""); err != nil {
		return e.InternalServerError("", err)
	}
	return e.NoContent(http.StatusNoContent)
}

func (s *server) setFeedTokenHash(e *core.RequestEvent, hostID, hash string) error {
	return e.App.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(c.Hosts, hostID)
		if err != nil {
			return err
		}
		r.Set(c.HostsICSFeedTokenHash, hash)
		return auditedSave(tx, actorOf(e), ActionRecordUpdated, r)
	})
}

// publicOrigin is settings.public_url, or this request's origin when none
// is set (a laptop run). A database error is returned.
func publicOrigin(e *core.RequestEvent) (string, error) {
	settings, err := c.FindSettings(e.App)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("settings: %w", err)
	}
	if err == nil && settings.PublicURL() != "" {
		return strings.TrimRight(settings.PublicURL(), "/"), nil
	}
	scheme := "http"
	if e.Request.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + e.Request.Host, nil
}

// handleICSFeed answers GET /ics/{token}.ics with the host's live bookings
// (pending ones TENTATIVE) from 30 days back to the ICS horizon, under the
// UIDs their invites carry. An unknown or revoked token is 404.
func (s *server) handleICSFeed(e *core.RequestEvent) error {
	token, ok := strings.CutSuffix(e.Request.PathValue("file"), ".ics")
	if !ok || !strings.HasPrefix(token, icsTokenPrefix) || len(token) > 100 {
		return e.NotFoundError("", nil)
	}
	hash := hashFeedToken(token)
	hr, err := e.App.FindFirstRecordByFilter(c.Hosts, c.HostsICSFeedTokenHash+" = {:h}", map[string]any{"h": hash})
	if errors.Is(err, sql.ErrNoRows) {
		return e.NotFoundError("", nil)
	}
	if err != nil {
		return e.InternalServerError("", fmt.Errorf("feed host: %w", err))
	}
	if subtle.ConstantTimeCompare([]byte(hr.GetString(c.HostsICSFeedTokenHash)), []byte(hash)) != 1 {
		return e.NotFoundError("", nil)
	}
	host := c.NewHost(hr)
	now := s.now()
	views, err := hostFeedBookings(e.App, host.Id, now.Add(-icsFeedPast), now.Add(icsHorizon))
	if err != nil {
		return e.InternalServerError("", err)
	}
	events := make([]ics.Event, 0, len(views))
	for _, v := range views {
		_, ev, err := booking.Invite(v, now)
		if err != nil {
			return e.InternalServerError("", err)
		}
		ev.Summary, ev.Description = booking.HostCalendarEntry(v)
		ev.Attendees, ev.Alarm = nil, 0
		events = append(events, ev)
	}
	body, err := ics.FeedBytes(host.Name()+" · slotbase", "", events)
	if err != nil {
		return e.InternalServerError("", err)
	}
	e.Response.Header().Set("Cache-Control", "private, no-store")
	e.Response.Header().Set("X-Robots-Tag", "noindex")
	return e.Blob(http.StatusOK, "text/calendar; charset=UTF-8", body)
}

// hostFeedBookings loads the pending and confirmed bookings of host hostID
// that start in [from, to), by start.
func hostFeedBookings(app core.App, hostID string, from, to time.Time) ([]booking.View, error) {
	query, params := c.HostBookingsSQL("b.id, b.start", []string{hostID},
		"b.start >= {:from} AND b.start < {:to} AND b.status IN ('pending', 'confirmed')") // not awaiting_payment: a hold reaches calendars once paid
	params["from"], params["to"] = c.UTCString(from), c.UTCString(to)
	var rows []struct {
		ID string `db:"id"`
	}
	if err := app.DB().NewQuery(query + " ORDER BY 2").Bind(params).All(&rows); err != nil {
		return nil, fmt.Errorf("feed bookings: %w", err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	records, err := app.FindRecordsByIds(c.Bookings, ids)
	if err != nil {
		return nil, fmt.Errorf("feed bookings: %w", err)
	}
	return c.BookingViewsOf(app, records)
}
