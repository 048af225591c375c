package hooks

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/caldav"
	"github.com/slotbase/slotbase/internal/calendar"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// Job kinds of the CalDAV integration (calendarProviders in wiring.go).
const (
	// KindCalDAVSync brings one CalDAV connection's busy_blocks up to date.
	KindCalDAVSync = "caldav.sync"
	// KindCalDAVWrite makes a host's CalDAV calendar show one booking as it
	// is now (PUT under the booking's invite UID, or DELETE).
	KindCalDAVWrite = "caldav.write"
)

const (
	// caldavRefreshEvery is the periodic sync; connect and manual syncs run at once.
	caldavRefreshEvery = 15 * time.Minute
	// caldavFullSyncEvery is how often a calendar is read whole (occurrences
	// of unchanged recurring events entering the window need it).
	caldavFullSyncEvery = 24 * time.Hour
)

// caldavSyncState is the sync_state of a CalDAV connection, per busy calendar path.
type caldavSyncState struct {
	Calendars map[string]caldavCalendarSync `json:"calendars"`
}

// caldavCalendarSync is the sync position of one busy calendar.
type caldavCalendarSync struct {
	SyncToken string    `json:"sync_token,omitempty"`
	CTag      string    `json:"ctag,omitempty"`
	FullSync  time.Time `json:"full_sync"`
}

// startCalDAVRefresh schedules the periodic sync of every connected CalDAV account.
func (s *server) startCalDAVRefresh() {
	s.app.Cron().MustAdd("slotbase_caldav_sync", "*/15 * * * *", func() {
		if err := s.enqueueCalDAVSyncAll(); err != nil {
			s.app.Logger().Error("caldav: scheduling the periodic sync", "error", err)
		}
	})
}

func (s *server) enqueueCalDAVSyncAll() error {
	return s.enqueuePeriodicSyncs(c.ProviderCalDAV, KindCalDAVSync, caldavRefreshEvery, c.ConnectionConnected)
}

// enqueueCalDAVSync asks for a sync of one connection, at most once per key.
func (s *server) enqueueCalDAVSync(connID, reason, key string) error {
	return s.enqueueConnectionSync(KindCalDAVSync, connID, reason, key)
}

// handleCalDAVSync runs a KindCalDAVSync job: for each busy calendar a
// caldav.Sync from the stored state (a full read once a day), its result
// applied to busy_blocks with the state in one transaction. Slot queries
// never wait for it.
func (s *server) handleCalDAVSync(ctx context.Context, j queue.Job) error {
	cn, err := s.syncJobConnection(j, c.ProviderCalDAV)
	if cn == nil || err != nil {
		return err
	}
	if cn.status() == c.ConnectionNeedsReconnect {
		return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	}
	client, err := s.caldavClient(cn)
	if err != nil {
		return s.caldavFailure(cn, err)
	}
	var st caldavSyncState
	if err := cn.decodeJSON(c.CalendarConnectionsSyncState, &st); err != nil {
		return err
	}
	if st.Calendars == nil {
		st.Calendars = map[string]caldavCalendarSync{}
	}
	var paths []string
	if err := cn.decodeJSON(c.CalendarConnectionsBusyCalendars, &paths); err != nil {
		return err
	}
	now := s.now()
	from, to := now.Add(-24*time.Hour), now.Add(icsHorizon)
	anyFull := false
	for _, path := range paths {
		pos := st.Calendars[path]
		state := caldav.SyncState{SyncToken: pos.SyncToken, CTag: pos.CTag}
		if now.Sub(pos.FullSync) >= caldavFullSyncEvery {
			state = caldav.SyncState{}
		}
		ch, err := client.Sync(ctx, path, state, from, to)
		if err != nil {
			return s.caldavFailure(cn, err)
		}
		pos.SyncToken, pos.CTag = ch.State.SyncToken, ch.State.CTag
		if ch.Full {
			pos.FullSync, anyFull = now, true
		}
		st.Calendars[path] = pos
		err = s.app.RunInTransaction(func(tx core.App) error {
			if err := applyObjectChanges(tx, cn.Id, path, ch); err != nil {
				return err
			}
			r, err := tx.FindRecordById(c.CalendarConnections, cn.Id)
			if err != nil {
				return err
			}
			r.Set(c.CalendarConnectionsSyncState, st)
			return tx.Save(r)
		})
		if err != nil {
			return fmt.Errorf("saving busy time of CalDAV calendar %q: %w", path, err)
		}
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		if anyFull { // calendars no longer busy (a reconnect chose others) lose their blocks
			if err := pruneCalendars(tx, cn.Id, paths); err != nil {
				return err
			}
		}
		r, err := tx.FindRecordById(c.CalendarConnections, cn.Id)
		if err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsLastSynced, now)
		r.Set(c.CalendarConnectionsLastError, "")
		return tx.Save(r)
	})
}

// applyObjectChanges writes one calendar's sync result (CalDAV's, or
// Microsoft's with hashed keys: asObjectChanges) into busy_blocks through
// applyBusyChanges. Source ids are "<calendar key>/<object
// key>/<start>": a full result replaces the calendar's blocks; a delta
// replaces each changed or removed object's blocks.
func applyObjectChanges[S any](tx core.App, connID, calPath string, ch calendar.Changes[S]) error {
	calKey := gcal.CalendarKey(calPath)
	g := gcal.Changes{CalendarID: calPath, Full: ch.Full}
	keep := map[string]bool{}
	for _, b := range ch.Blocks() {
		id := calKey + "/" + b.SourceID
		keep[id] = true
		g.Upserts = append(g.Upserts, gcal.BusyBlock{SourceID: id, Start: b.Start, End: b.End})
	}
	if !ch.Full {
		objects := append([]string{}, ch.Removed...)
		for _, o := range ch.Objects {
			objects = append(objects, o.Key)
		}
		for _, key := range objects {
			old, err := tx.FindRecordsByFilter(c.BusyBlocks, "connection = {:c} && source_id ~ {:p}", "", 0, 0,
				map[string]any{"c": connID, "p": calKey + "/" + key + "/%"})
			if err != nil {
				return err
			}
			for _, r := range old {
				if id := r.GetString(c.BusyBlocksSourceID); !keep[id] {
					g.Deletes = append(g.Deletes, id)
				}
			}
		}
	}
	return applyBusyChanges(tx, connID, g)
}

// pruneCalendars deletes the connection's blocks of calendars not in paths.
func pruneCalendars(tx core.App, connID string, paths []string) error {
	keys := map[string]bool{}
	for _, p := range paths {
		keys[gcal.CalendarKey(p)] = true
	}
	blocks, err := tx.FindRecordsByFilter(c.BusyBlocks, "connection = {:c}", "", 0, 0, map[string]any{"c": connID})
	if err != nil {
		return err
	}
	for _, b := range blocks {
		key, _, _ := strings.Cut(b.GetString(c.BusyBlocksSourceID), "/")
		if !keys[key] {
			if err := tx.Delete(b); err != nil {
				return err
			}
		}
	}
	return nil
}

// caldavFailure records what err means for the connection and returns the
// error the job ends with: a refused password marks the connection
// needs_reconnect and defers the job without spending an attempt; anything
// else (server down, 5xx, 429, a conflict) is shown in last_error and
// retried with the queue's backoff. The password never reaches a message.
func (s *server) caldavFailure(cn *connection, err error) error {
	if errors.Is(err, caldav.ErrUnauthorized) {
		return s.needsReconnect(cn, "caldav", fmt.Sprintf("The CalDAV server refused the user name or app password at %s (revoked or changed). Connect again with a new app password.", s.now().Format(time.RFC3339)), err)
	}
	s.noteConnectionError(cn, "caldav", err)
	return fmt.Errorf("caldav: %w", err)
}

// needsReconnect marks cn needs_reconnect with reason in last_error and
// returns the error the job ends with: a deferral that spends no attempt
// (connecting again wakes it), or err when the mark could not be saved.
func (s *server) needsReconnect(cn *connection, component, reason string, err error) error {
	log := s.app.Logger().With("component", component, "connection", cn.Id, "host", cn.host())
	if uerr := s.updateConnection(cn.Id, func(r *core.Record) {
		r.Set(c.CalendarConnectionsStatus, c.ConnectionNeedsReconnect)
		r.Set(c.CalendarConnectionsLastError, reason)
	}); uerr != nil {
		log.Error(component+": marking the connection needs_reconnect", "error", uerr)
		return fmt.Errorf("%s: %w (marking the connection needs_reconnect: %w)", component, err, uerr)
	}
	log.Warn(component+": connection needs a reconnect", "reason", reason)
	return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
}

// noteConnectionError shows a failure that will be retried in cn's
// last_error (best effort: a failure to save it is logged).
func (s *server) noteConnectionError(cn *connection, component string, err error) {
	msg := fmt.Sprintf("failed at %s (busy time as of last_synced is still used; retrying): %v", s.now().Format("2006-01-02 15:04:05Z"), err)
	if uerr := s.updateConnection(cn.Id, func(r *core.Record) { r.Set(c.CalendarConnectionsLastError, truncate(msg, 2000)) }); uerr != nil {
		s.app.Logger().Error(component+": recording an error", "connection", cn.Id, "error", uerr)
	}
}
