package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// handleGcalSync runs a KindGcalSync job.
func (s *server) handleGcalSync(ctx context.Context, j queue.Job) error {
	var p gcalSyncPayload
	if err := decodePayload(j, &p); err != nil {
		return err
	}
	r, err := s.app.FindRecordById(c.CalendarConnections, p.Connection)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // disconnected and deleted
	}
	if err != nil {
		return fmt.Errorf("calendar connection %s: %w", p.Connection, err)
	}
	if r.GetString(c.CalendarConnectionsProvider) != c.ProviderGoogle {
		return nil // another provider's connection (an ICS feed syncs as ics.sync)
	}
	return s.syncConnection(ctx, &connection{r})
}

// syncConnection brings the connection's busy_blocks up to date with every
// busy calendar (incrementally when it has a sync token), then opens or
// renews its push channels. Slot queries never wait for this: they read
// busy_blocks as last synced (last_synced shows how fresh they are).
func (s *server) syncConnection(ctx context.Context, cn *connection) error {
	switch cn.status() {
	case c.ConnectionDisconnected:
		return nil
	case c.ConnectionNeedsReconnect:
		return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	}
	svc, err := s.calendarService(cn)
	if err != nil {
		return s.googleFailure(cn, err)
	}
	st, err := cn.syncState()
	if err != nil {
		return err
	}
	calendars, err := cn.busyCalendars()
	if err != nil {
		return err
	}
	for _, calID := range calendars {
		ch, err := gcal.SyncCalendar(ctx, svc, calID, st.Calendars[calID].SyncToken, s.now(), gcal.SyncOptions{})
		if err != nil {
			s.noteSyncError(cn, err)
			return s.googleFailure(cn, err)
		}
		pos := st.Calendars[calID]
		pos.SyncToken = ch.SyncToken
		if ch.Full {
			pos.FullSync = s.now()
		}
		st.Calendars[calID] = pos
		err = s.app.RunInTransaction(func(tx core.App) error {
			if err := applyBusyChanges(tx, cn.Id, ch); err != nil {
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
			return fmt.Errorf("saving busy time of %q: %w", calID, err)
		}
	}
	if st.Channels, err = s.ensureChannels(ctx, svc, cn, calendars, st); err != nil {
		return err
	}
	return s.updateConnection(cn.Id, func(r *core.Record) {
		r.Set(c.CalendarConnectionsSyncState, st)
		r.Set(c.CalendarConnectionsLastSynced, s.now())
		r.Set(c.CalendarConnectionsLastError, "")
	})
}

// noteSyncError shows a failed sync in last_error while the connection stays
// connected (the cache keeps serving the last known busy time).
func (s *server) noteSyncError(cn *connection, err error) {
	if gcal.IsInvalidGrant(err) {
		return // googleFailure writes its own reason
	}
	msg := fmt.Sprintf("sync failed at %s (busy time as of last_synced is still used): %v", s.now().Format("2006-01-02 15:04:05Z"), err)
	if uerr := s.updateConnection(cn.Id, func(r *core.Record) { r.Set(c.CalendarConnectionsLastError, truncate(msg, 2000)) }); uerr != nil {
		s.app.Logger().Error("google: recording a sync error", "error", uerr)
	}
}

// applyBusyChanges writes one calendar's sync result into busy_blocks
// (through records, so the slot cache and the replica see every change).
// A full result replaces the calendar's blocks: blocks not in it go. Blocks
// from a live free/busy check are dropped: the sync now covers them.
func applyBusyChanges(tx core.App, connID string, ch gcal.Changes) error {
	prefix := gcal.CalendarKey(ch.CalendarID) + "/%"
	existing := map[string]*core.Record{}
	if ch.Full {
		records, err := tx.FindRecordsByFilter(c.BusyBlocks, "connection = {:c} && source_id ~ {:p}", "", 0, 0, map[string]any{"c": connID, "p": prefix})
		if err != nil {
			return err
		}
		for _, r := range records {
			existing[r.GetString(c.BusyBlocksSourceID)] = r
		}
	}
	// find is the block of sourceID, or nil when there is none.
	find := func(sourceID string) (*core.Record, error) {
		if ch.Full {
			return existing[sourceID], nil
		}
		r, err := tx.FindFirstRecordByFilter(c.BusyBlocks, "connection = {:c} && source_id = {:s}", map[string]any{"c": connID, "s": sourceID})
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return r, err
	}
	seen := map[string]bool{}
	for _, b := range ch.Upserts {
		seen[b.SourceID] = true
		r, err := find(b.SourceID)
		if err != nil {
			return err
		}
		if r == nil {
			if r, err = newRecord(tx, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: connID, c.BusyBlocksSourceID: b.SourceID}); err != nil {
				return err
			}
		} else if r.GetDateTime(c.BusyBlocksStart).Time().Equal(b.Start) && r.GetDateTime(c.BusyBlocksEnd).Time().Equal(b.End) {
			continue
		}
		r.Set(c.BusyBlocksStart, b.Start)
		r.Set(c.BusyBlocksEnd, b.End)
		if err := tx.Save(r); err != nil {
			return err
		}
	}
	var gone []*core.Record
	if ch.Full {
		for id, r := range existing {
			if !seen[id] {
				gone = append(gone, r)
			}
		}
	} else {
		for _, id := range ch.Deletes {
			r, err := find(id)
			if err != nil {
				return err
			}
			if r != nil {
				gone = append(gone, r)
			}
		}
	}
	live, err := tx.FindRecordsByFilter(c.BusyBlocks, "connection = {:c} && source_id ~ 'freebusy/%'", "", 0, 0, map[string]any{"c": connID})
	if err != nil {
		return err
	}
	gone = append(gone, live...)
	for _, r := range gone {
		if err := tx.Delete(r); err != nil {
			return err
		}
	}
	return nil
}
