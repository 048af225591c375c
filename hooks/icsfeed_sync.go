package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/icsfeed"
	"github.com/slotbase/slotbase/internal/queue"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// KindICSSync refreshes one ICS subscription's busy_blocks.
const KindICSSync = "ics.sync"

const (
	// PurposeICSURL is the secretbox purpose of sealed ICS subscription URLs.
	PurposeICSURL = "slotbase ics feed url"
	// icsHorizon is how far ahead a feed's recurrences are expanded (beyond
	// any event type's booking horizon in practice).
	icsHorizon = 400 * 24 * time.Hour
	// icsRefreshEvery is the periodic refresh; a manual sync runs at once.
	icsRefreshEvery = 15 * time.Minute
	// icsBlockSet names the one "calendar" of an ICS subscription in
	// busy_blocks source ids (the Google sync's layout, gcal.SourceID).
	icsBlockSet = "ics"
)

// icsSyncState is the sync_state of an ICS subscription.
type icsSyncState struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
	Blocks       int    `json:"blocks"`
}

// startICSRefresh schedules the periodic refresh of every subscription
// that is connected or failing (a URL that answered 404 may come back).
func (s *server) startICSRefresh() {
	s.app.Cron().MustAdd("slotbase_ics_sync", "*/15 * * * *", func() {
		if err := s.enqueueICSSyncAll(); err != nil {
			s.app.Logger().Error("ics: scheduling the periodic refresh", "error", err)
		}
	})
}

func (s *server) enqueueICSSyncAll() error {
	return s.enqueuePeriodicSyncs(c.ProviderICS, KindICSSync, icsRefreshEvery, c.ConnectionConnected, c.ConnectionFailing)
}

// enqueueICSSync asks for a refresh of one subscription, at most once per key.
func (s *server) enqueueICSSync(connID, reason, key string) error {
	return s.enqueueConnectionSync(KindICSSync, connID, reason, key)
}

// handleICSSync runs a KindICSSync job. A feed that cannot be fetched or
// read keeps its last busy time and says why in last_error; the job ends
// there (the next periodic refresh tries again). Database errors are
// returned, so the job retries.
func (s *server) handleICSSync(ctx context.Context, j queue.Job) error {
	cn, err := s.syncJobConnection(j, c.ProviderICS)
	if cn == nil || err != nil {
		return err
	}
	return s.syncICS(ctx, cn)
}

// syncICS fetches the subscription's feed (conditionally) and replaces its
// busy blocks in one transaction.
func (s *server) syncICS(ctx context.Context, cn *connection) error {
	var st icsSyncState
	if err := cn.decodeJSON(c.CalendarConnectionsSyncState, &st); err != nil {
		return s.icsFailure(cn, "", err)
	}
	raw, err := secretbox.Open(s.secret, PurposeICSURL, cn.GetString(c.CalendarConnectionsTokens))
	if err != nil {
		return s.icsFailure(cn, c.ConnectionFailing, fmt.Errorf("the stored URL cannot be opened with this server's key (add the feed again): %w", err))
	}
	got, err := icsfeed.Fetch(ctx, string(raw), icsfeed.FetchOptions{ETag: st.ETag, LastModified: st.LastModified, AllowPrivate: s.cfg.ICSAllowPrivate})
	var httpErr *icsfeed.HTTPError
	switch {
	case errors.As(err, &httpErr) && httpErr.Gone():
		return s.icsFailure(cn, c.ConnectionFailing, fmt.Errorf("%w: check the URL, or remove the feed and add its new address", err))
	case err != nil:
		return s.icsFailure(cn, "", err)
	case got.NotModified:
		return s.updateConnection(cn.Id, func(r *core.Record) {
			r.Set(c.CalendarConnectionsLastSynced, s.now())
			r.Set(c.CalendarConnectionsLastError, "")
			r.Set(c.CalendarConnectionsStatus, c.ConnectionConnected)
		})
	}
	loc, err := hostZone(s.app, cn.host())
	if err != nil {
		return err
	}
	now := s.now()
	res, err := icsfeed.Expand(got.Body, icsfeed.Options{From: now.Add(-24 * time.Hour), To: now.Add(icsHorizon), Host: loc})
	if err != nil {
		return s.icsFailure(cn, "", err)
	}
	changes := gcal.Changes{CalendarID: icsBlockSet, Full: true, Upserts: make([]gcal.BusyBlock, len(res.Blocks))}
	for i, b := range res.Blocks {
		changes.Upserts[i] = gcal.BusyBlock{SourceID: gcal.SourceID(icsBlockSet, b.SourceID), Start: b.Start, End: b.End}
	}
	note := ""
	if len(res.Skipped) > 0 {
		note = fmt.Sprintf("%d event(s) skipped: %s", len(res.Skipped), strings.Join(res.Skipped, "; "))
	}
	st = icsSyncState{ETag: got.ETag, LastModified: got.LastModified, Blocks: len(res.Blocks)}
	err = s.app.RunInTransaction(func(tx core.App) error {
		if err := applyBusyChanges(tx, cn.Id, changes); err != nil {
			return err
		}
		r, err := tx.FindRecordById(c.CalendarConnections, cn.Id)
		if err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsSyncState, st)
		r.Set(c.CalendarConnectionsLastSynced, now)
		r.Set(c.CalendarConnectionsLastError, truncate(note, 2000))
		r.Set(c.CalendarConnectionsStatus, c.ConnectionConnected)
		return tx.Save(r)
	})
	if err != nil {
		return fmt.Errorf("saving the busy time of ICS feed %s: %w", cn.Id, err)
	}
	return nil
}

// icsFailure records a failed refresh in last_error (and status, when not
// ""): the busy time of the last good refresh stays. The job ends without
// an error unless recording fails.
func (s *server) icsFailure(cn *connection, status string, cause error) error {
	msg := fmt.Sprintf("refresh failed at %s (busy time as of last_synced is still used): %v", s.now().Format("2006-01-02 15:04:05Z"), cause)
	s.app.Logger().Warn("ics: feed refresh failed", "connection", cn.Id, "host", cn.host(), "error", cause.Error())
	return s.updateConnection(cn.Id, func(r *core.Record) {
		r.Set(c.CalendarConnectionsLastError, truncate(msg, 2000))
		if status != "" {
			r.Set(c.CalendarConnectionsStatus, status)
		}
	})
}

// hostZone is the zone of host hostID (UTC when the host is gone or its
// zone unreadable): the zone of a feed's floating times and all-day events.
func hostZone(app core.App, hostID string) (*time.Location, error) {
	r, err := app.FindRecordById(c.Hosts, hostID)
	if errors.Is(err, sql.ErrNoRows) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("host %s: %w", hostID, err)
	}
	loc, err := time.LoadLocation(c.NewHost(r).Timezone())
	if err != nil || c.NewHost(r).Timezone() == "" {
		return time.UTC, nil
	}
	return loc, nil
}
