package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/msgraph"
	"github.com/slotbase/slotbase/internal/queue"
)

// handleMSGraphWrite makes the host's Microsoft calendar show the booking
// as it is now: created once (transactionId from the booking's invite UID,
// so a retried create returns the event Graph already made) and its id
// kept in msgraph_events; PATCHed on a reschedule (an event deleted in
// Outlook is created again); deleted once the booking is cancelled,
// declined, moved to another host or gone.
func (s *server) handleMSGraphWrite(ctx context.Context, j queue.Job) error {
	p, cn, err := s.writeJobConnection(j, c.ProviderMicrosoft)
	if cn == nil || err != nil {
		return err
	}
	client, err := s.msgraphClient(cn)
	if err != nil {
		return s.msgraphFailure(cn, err)
	}
	row, err := msgraphEventRow(s.app, cn.Id, p.Booking)
	if err != nil {
		return err
	}
	r, live, err := s.liveBooking(p)
	if err != nil {
		return err
	}
	if !live {
		if row == nil {
			return nil // never written (or already deleted)
		}
		if err := client.DeleteEvent(ctx, row.GetString(c.MSGraphEventsEventID)); err != nil {
			return s.msgraphFailure(cn, err)
		}
		if err := s.app.Delete(row); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("microsoft event row of booking %s: %w", p.Booking, err)
		}
		return nil
	}
	v, err := c.BookingViewOf(s.app, r)
	if errors.Is(err, sql.ErrNoRows) { // its event type is gone: no retry helps
		return queue.Permanent(err)
	}
	if err != nil {
		return err
	}
	ev := msgraphEventOf(v)
	var w msgraph.Written
	if row != nil {
		w, err = client.UpdateEvent(ctx, row.GetString(c.MSGraphEventsEventID), ev)
	}
	if row == nil || errors.Is(err, msgraph.ErrNotFound) { // deleted in Outlook: write it again
		w, err = client.CreateEvent(ctx, "", ev)
	}
	if err != nil {
		return s.msgraphFailure(cn, err)
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		r, err := msgraphEventRow(tx, cn.Id, p.Booking)
		if err != nil {
			return err
		}
		if r == nil {
			if r, err = newRecord(tx, c.MSGraphEvents, map[string]any{c.MSGraphEventsConnection: cn.Id, c.MSGraphEventsBooking: p.Booking}); err != nil {
				return err
			}
		}
		r.Set(c.MSGraphEventsEventID, w.ID)
		return tx.Save(r)
	})
}

// msgraphEventOf is the booking as the host's calendar shows it: the
// private feed's entry (the invitee named in the title), no attendees (so
// Microsoft sends nobody a second invitation), and a Teams meeting when the
// event type's location says "Teams" (any case), e.g. "Microsoft Teams".
func msgraphEventOf(v booking.View) msgraph.Event {
	subject, body := booking.HostCalendarEntry(v)
	return msgraph.Event{
		UID: caldavUID(v.ID), Subject: subject, Body: body, Start: v.Start, End: v.End,
		Location: v.EventType.Location, Teams: strings.Contains(strings.ToLower(v.EventType.Location), "teams"),
	}
}

// msgraphEventRow is the msgraph_events row of (connection, booking), or nil.
func msgraphEventRow(app core.App, connID, bookingID string) (*core.Record, error) {
	r, err := app.FindFirstRecordByFilter(c.MSGraphEvents, "connection = {:c} && booking = {:b}", map[string]any{"c": connID, "b": bookingID})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("microsoft event of booking %s: %w", bookingID, err)
	}
	return r, nil
}
