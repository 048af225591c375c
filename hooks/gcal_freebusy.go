package hooks

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
)

// defaultLiveCheckTimeout bounds the live free/busy check of a booking
// (Config.GoogleLiveCheckTimeout overrides it).
const defaultLiveCheckTimeout = 2 * time.Second

// liveBusyCheck asks Google, just before a booking's transaction, whether
// the hosts of et are busy around the one chosen slot, and stores what it
// finds as busy blocks, so the transaction's re-check sees changes newer
// than the last sync. It never fails a booking: on a timeout (about 2 s),
// any error or a panic in a host's check it logs and the cached busy time
// decides. Events slotbase wrote for its own bookings are told apart by
// their exact span.
func (s *server) liveBusyCheck(ctx context.Context, et *c.EventType, start time.Time) {
	if !s.googleConfig().Configured() {
		return
	}
	from, to := start.Add(-et.BufferBefore()), start.Add(et.Duration()+et.BufferAfter())
	timeout := s.cfg.GoogleLiveCheckTimeout
	if timeout <= 0 {
		timeout = defaultLiveCheckTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, h := range et.HostIDs() {
		cn, err := findConnection(s.app, h)
		if err != nil {
			s.app.Logger().Warn("google: live free/busy check skipped; using cached busy time", "component", "google", "host", h, "error", err)
			continue
		}
		if cn == nil || cn.status() != c.ConnectionConnected {
			continue
		}
		log := s.app.Logger().With("component", "google", "connection", cn.Id)
		wg.Go(func() {
			// A panic is logged with its stack and counts as one more failure.
			if err := callSafe(log, "google live free/busy check", func() { s.liveBusyCheckHost(ctx, cn, from, to, log) }); err != nil {
				log.Warn("google: live free/busy check failed; using cached busy time", "error", err)
			}
		})
	}
	wg.Wait()
}

// liveBusyCheckHost is the live check of one host's connection (see
// liveBusyCheck): errors are logged and leave the cached busy time.
func (s *server) liveBusyCheckHost(ctx context.Context, cn *connection, from, to time.Time, log *slog.Logger) {
	svc, err := s.calendarService(cn)
	if err != nil {
		log.Warn("google: live free/busy check skipped; using cached busy time", "error", err)
		return
	}
	calendars, err := cn.busyCalendars()
	if err != nil {
		log.Warn("google: live free/busy check skipped; using cached busy time", "error", err)
		return
	}
	blocks, err := gcal.FreeBusy(ctx, svc, calendars, from, to)
	if err != nil {
		log.Warn("google: live free/busy check failed; using cached busy time", "error", err, "timeout", gcal.IsTimeout(err))
		return
	}
	if err := s.storeLiveBusy(cn, cn.host(), blocks, from, to); err != nil {
		log.Error("google: storing live busy time", "error", err)
	}
}

// storeLiveBusy saves free/busy answers as busy blocks, skipping spans that
// are exactly a live booking of the host (slotbase's own events).
func (s *server) storeLiveBusy(cn *connection, hostID string, blocks []gcal.BusyBlock, from, to time.Time) error {
	if len(blocks) == 0 {
		return nil
	}
	var own []struct {
		Start string `db:"start"`
		End   string `db:"end"`
	}
	query, params := c.HostBookingsSQL("b.start, b.end", []string{hostID},
		"b.status IN ('pending', 'confirmed') AND b.start < {:to} AND b.end > {:from}") // holds awaiting payment are not written to Google
	params["from"], params["to"] = c.UTCString(from), c.UTCString(to)
	err := s.app.DB().NewQuery(query).Bind(params).All(&own)
	if err != nil {
		return err
	}
	return s.app.RunInTransaction(func(tx core.App) error {
	next:
		for _, b := range blocks {
			for _, o := range own {
				if c.ParseStoredTime(o.Start).Equal(b.Start) && c.ParseStoredTime(o.End).Equal(b.End) {
					continue next
				}
			}
			_, err := tx.FindFirstRecordByFilter(c.BusyBlocks, "connection = {:c} && source_id = {:s}", map[string]any{"c": cn.Id, "s": b.SourceID})
			if err == nil {
				continue // stored already
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			r, err := newRecord(tx, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: b.SourceID, c.BusyBlocksStart: b.Start, c.BusyBlocksEnd: b.End})
			if err != nil {
				return err
			}
			if err := tx.Save(r); err != nil {
				return err
			}
		}
		return nil
	})
}
