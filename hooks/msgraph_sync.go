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
	"github.com/slotbase/slotbase/internal/msgraph"
	"github.com/slotbase/slotbase/internal/queue"
)

// Job kinds of the Microsoft 365 integration (calendarProviders in wiring.go).
const (
	// KindMSGraphSync brings one Microsoft connection's busy_blocks up to date.
	KindMSGraphSync = "msgraph.sync"
	// KindMSGraphWrite makes a host's Microsoft calendar show one booking
	// as it is now (create with the booking's transactionId, PATCH, DELETE).
	KindMSGraphWrite = "msgraph.write"
)

const (
	// msgraphRefreshEvery is the periodic sync; connect and manual syncs run at once.
	msgraphRefreshEvery = 15 * time.Minute
	// msgraphFullSyncEvery moves the delta window (a delta link keeps the
	// window of the round that made it).
	msgraphFullSyncEvery = 24 * time.Hour
	// msgraphCalendar names the default calendar in busy_blocks source ids
	// (its gcal.CalendarKey prefixes them).
	msgraphCalendar = "microsoft:default"
)

// msgraphSyncState is the sync_state of a Microsoft connection: the delta
// link of the default calendar (never logged) and when it was read whole.
type msgraphSyncState struct {
	DeltaLink string    `json:"delta_link,omitempty"`
	FullSync  time.Time `json:"full_sync"`
}

// startMicrosoftRefresh schedules the periodic sync of every connected
// Microsoft account.
func (s *server) startMicrosoftRefresh() {
	s.app.Cron().MustAdd("slotbase_msgraph_sync", "*/15 * * * *", func() {
		if err := s.enqueueMicrosoftSyncAll(); err != nil {
			s.app.Logger().Error("microsoft: scheduling the periodic sync", "error", err)
		}
	})
}

func (s *server) enqueueMicrosoftSyncAll() error {
	return s.enqueuePeriodicSyncs(c.ProviderMicrosoft, KindMSGraphSync, msgraphRefreshEvery, c.ConnectionConnected)
}

// handleMSGraphSync runs a KindMSGraphSync job: one delta round of the
// default calendar from the stored link (a full round once a day or when
// Graph forgot the link), applied to busy_blocks with the new link in one
// transaction.
func (s *server) handleMSGraphSync(ctx context.Context, j queue.Job) error {
	cn, err := s.syncJobConnection(j, c.ProviderMicrosoft)
	if cn == nil || err != nil {
		return err
	}
	if cn.status() == c.ConnectionNeedsReconnect {
		return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	}
	client, err := s.msgraphClient(cn)
	if err != nil {
		return s.msgraphFailure(cn, err)
	}
	var st msgraphSyncState
	if err := cn.decodeJSON(c.CalendarConnectionsSyncState, &st); err != nil {
		return err
	}
	now := s.now()
	state := msgraph.SyncState{DeltaLink: st.DeltaLink}
	if now.Sub(st.FullSync) >= msgraphFullSyncEvery {
		state = msgraph.SyncState{}
	}
	ch, err := client.Sync(ctx, "", state, now.Add(-24*time.Hour), now.Add(icsHorizon))
	if err != nil {
		return s.msgraphFailure(cn, err)
	}
	st.DeltaLink = ch.State.DeltaLink
	if ch.Full {
		st.FullSync = now
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		if err := applyObjectChanges(tx, cn.Id, msgraphCalendar, asObjectChanges(ch)); err != nil {
			return err
		}
		r, err := tx.FindRecordById(c.CalendarConnections, cn.Id)
		if err != nil {
			return err
		}
		r.Set(c.CalendarConnectionsSyncState, st)
		r.Set(c.CalendarConnectionsLastSynced, now)
		r.Set(c.CalendarConnectionsLastError, "")
		return tx.Save(r)
	})
}

// asObjectChanges gives Graph's changes the keys applyObjectChanges
// stores: each event id becomes a fixed-length hex key (caldav.ObjectKey),
// so an id's characters never act as LIKE wildcards in the per-event
// replace, and block ids become "<key>/<start>".
func asObjectChanges(ch msgraph.Changes) msgraph.Changes {
	out := msgraph.Changes{Full: ch.Full, State: ch.State}
	for _, o := range ch.Objects {
		key := caldav.ObjectKey(o.Key)
		ob := calendar.ObjectBusy{Key: key}
		for _, b := range o.Blocks {
			start := b.SourceID[strings.LastIndex(b.SourceID, "/")+1:]
			ob.Blocks = append(ob.Blocks, calendar.BusyBlock{SourceID: key + "/" + start, Start: b.Start, End: b.End})
		}
		out.Objects = append(out.Objects, ob)
	}
	for _, id := range ch.Removed {
		out.Removed = append(out.Removed, caldav.ObjectKey(id))
	}
	return out
}

// msgraphFailure records what err means for the connection and returns the
// error the job ends with: refused consent marks the connection
// needs_reconnect and defers the job; throttling with a Retry-After defers
// it at least that long (no attempt spent); anything else is shown in
// last_error and retried with the queue's backoff. Tokens and delta links
// never reach a message (msgraph keeps them out of its errors).
func (s *server) msgraphFailure(cn *connection, err error) error {
	if errors.Is(err, msgraph.ErrUnauthorized) {
		return s.needsReconnect(cn, "microsoft", fmt.Sprintf("Microsoft refused slotbase's access at %s (consent revoked, password changed or sign-in required). Connect the account again.", s.now().Format(time.RFC3339)), err)
	}
	s.noteConnectionError(cn, "microsoft", err)
	if wait := msgraph.RetryAfter(err); msgraph.IsRetryable(err) && wait > 0 {
		return &queue.DeferError{Until: s.now().Add(wait), Reason: "Microsoft Graph asked to retry later"}
	}
	return fmt.Errorf("microsoft: %w", err)
}
