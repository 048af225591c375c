package hooks

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"google.golang.org/api/calendar/v3"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
)

const (
	// channelTTL is the lifetime slotbase asks for (Google caps it at ~7 days).
	channelTTL = 7 * 24 * time.Hour
	// channelRenewBefore renews a channel this long before it expires.
	channelRenewBefore = 24 * time.Hour
	// notifyPath is where Google posts change notifications.
	notifyPath = "/api/google/notify"
)

// notifyAddress is the push address, or "" when push is off (no settings
// yet, or the public URL is not HTTPS; GooglePushHTTP allows HTTP for
// tests). A database error is returned: taken as "push off", it would stop
// every channel.
func (s *server) notifyAddress() (string, error) {
	settings, err := c.FindSettings(s.app)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("settings: %w", err)
	}
	base := strings.TrimRight(settings.PublicURL(), "/")
	if strings.HasPrefix(base, "https://") || (s.cfg.GooglePushHTTP && strings.HasPrefix(base, "http://")) {
		return base + notifyPath, nil
	}
	return "", nil
}

// ensureChannels keeps one push channel per busy calendar (calendars),
// renewed a day before it expires; Google's failures are logged and leave
// the periodic refresh as the fallback. It returns the channels to keep in
// sync_state, or the error reading the settings (then nothing changed).
func (s *server) ensureChannels(ctx context.Context, svc *calendar.Service, cn *connection, calendars []string, st syncState) ([]gcal.Channel, error) {
	log := s.app.Logger().With("component", "google", "connection", cn.Id)
	address, err := s.notifyAddress()
	if err != nil {
		return nil, err
	}
	now := s.now()
	var keep []gcal.Channel
	have := map[string]bool{}
	for _, ch := range st.Channels {
		ch.Token = gcal.ChannelToken(s.secret, ch.ID)
		wanted := address != "" && contains(calendars, ch.CalendarID)
		if wanted && ch.Expires.Sub(now) > channelRenewBefore && !have[ch.CalendarID] {
			keep = append(keep, ch)
			have[ch.CalendarID] = true
			continue
		}
		if err := gcal.StopChannel(ctx, svc, ch); err != nil {
			log.Warn("google: stopping an old push channel", "channel", ch.ID, "error", err)
		}
	}
	if address == "" {
		return keep, nil
	}
	for _, calID := range calendars {
		if have[calID] {
			continue
		}
		id := newChannelID()
		ch, err := gcal.Watch(ctx, svc, calID, id, address, gcal.ChannelToken(s.secret, id), channelTTL, s.cfg.GooglePushHTTP)
		if err != nil {
			log.Warn("google: opening a push channel (the periodic refresh still runs)", "calendar", calID, "error", err)
			continue
		}
		keep = append(keep, ch)
	}
	for i := range keep {
		keep[i].Token = ""
	}
	return keep, nil
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func newChannelID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return "slotbase-" + hex.EncodeToString(b)
}

// handleGoogleNotify answers POST /api/google/notify: Google says a watched
// calendar changed. The channel token (an HMAC of the channel id under the
// server key) is checked; then a sync of the connection is queued.
func (s *server) handleGoogleNotify(e *core.RequestEvent) error {
	id := e.Request.Header.Get("X-Goog-Channel-ID")
	token := e.Request.Header.Get("X-Goog-Channel-Token")
	if id == "" || subtle.ConstantTimeCompare([]byte(token), []byte(gcal.ChannelToken(s.secret, id))) != 1 {
		return e.ForbiddenError("Unknown channel.", nil)
	}
	records, err := e.App.FindRecordsByFilter(c.CalendarConnections, "sync_state ~ {:id}", "", 1, 0, map[string]any{"id": `"` + id + `"`})
	if err != nil { // a 5xx, so that Google delivers the notification again
		return e.InternalServerError("", err)
	}
	if len(records) == 0 {
		return e.NotFoundError("Unknown channel.", nil)
	}
	if e.Request.Header.Get("X-Goog-Resource-State") == "sync" {
		return e.NoContent(http.StatusOK) // the handshake after watch
	}
	key := "push:" + id + ":" + e.Request.Header.Get("X-Goog-Message-Number")
	if err := s.enqueueSync(records[0].Id, "push", key); err != nil {
		return e.InternalServerError("", err)
	}
	return e.NoContent(http.StatusOK)
}
