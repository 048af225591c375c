package hooks

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// calendarWritePayload is the payload of every calendar write job
// (KindGcalWrite, KindCalDAVWrite): which booking to mirror onto which
// host's calendar. The handler reads the booking as it is
// when the job runs, so jobs are idempotent and their order does not matter.
type calendarWritePayload struct {
	Booking string `json:"booking"`
	Host    string `json:"host"`
}

// calendarSubscriber enqueues one calendar write per host and connection
// kind that writes events (calendarProviders: Google, CalDAV). A move,
// cancel or decline also reaches the event type's other hosts, so an event
// left on a host the booking moved away from is removed.
//
// Only a booking that is really gone (sql.ErrNoRows) means "nothing to
// mirror"; any other error is returned, so the fan-out retries.
func calendarSubscriber(tx core.App, ev bookingEvent, eventJobID string) error {
	r, err := tx.FindRecordById(c.Bookings, ev.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // deleted meanwhile: nothing to mirror
	}
	if err != nil {
		return fmt.Errorf("booking %s: %w", ev.Booking, err)
	}
	if ev.Event == "held" || ev.Event == "expired" {
		return nil // a hold awaiting payment reaches calendars once paid (as "created")
	}
	b := c.NewBooking(r)
	hosts := b.HostIDs()
	if ev.Event != "created" && ev.Event != "confirmed" {
		et, err := tx.FindRecordById(c.EventTypes, b.EventTypeID())
		switch {
		case err == nil:
			for _, h := range c.NewEventType(et).HostIDs() {
				if !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		case !errors.Is(err, sql.ErrNoRows): // a deleted event type has no other hosts
			return fmt.Errorf("event type of booking %s: %w", b.Id, err)
		}
	}
	for _, h := range hosts {
		for _, p := range calendarProviders() {
			if !p.Writes() {
				continue
			}
			cn, err := findProviderConnection(tx, h, p.Kind)
			if err != nil {
				return err
			}
			if cn == nil || cn.status() == c.ConnectionDisconnected {
				continue
			}
			key := p.WriteJob + ":" + eventJobID + ":" + h
			if err := enqueueOnce(tx, key, p.WriteJob, calendarWritePayload{Booking: b.Id, Host: h}, b.Id, ev.At); err != nil {
				return err
			}
		}
	}
	return nil
}

// writeJobConnection reads a calendar write job's payload and the host's
// connection of provider: nil (and no error) when there is nothing to write
// to any more; a queue.DeferError while it needs a reconnect.
func (s *server) writeJobConnection(j queue.Job, provider string) (calendarWritePayload, *connection, error) {
	var p calendarWritePayload
	if err := decodePayload(j, &p); err != nil {
		return p, nil, err
	}
	cn, err := findProviderConnection(s.app, p.Host, provider)
	if err != nil || cn == nil || cn.status() == c.ConnectionDisconnected {
		return p, nil, err
	}
	if cn.status() == c.ConnectionNeedsReconnect {
		return p, nil, &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	}
	return p, cn, nil
}

// handleGcalWrite makes the host's calendar show the booking as it is now.
func (s *server) handleGcalWrite(ctx context.Context, j queue.Job) error {
	p, cn, err := s.writeJobConnection(j, c.ProviderGoogle)
	if cn == nil || err != nil {
		return err
	}
	svc, err := s.calendarService(cn)
	if err != nil {
		return s.googleFailure(cn, err)
	}
	r, err := s.app.FindRecordById(c.Bookings, p.Booking)
	if errors.Is(err, sql.ErrNoRows) { // the booking is gone: its event goes too
		if err := gcal.DeleteMeeting(ctx, svc, cn.writeCalendar(), p.Booking); err != nil {
			return s.googleFailure(cn, err)
		}
		return nil
	}
	if err != nil { // unknown state: fail (and retry), never touch the calendar
		return fmt.Errorf("booking %s: %w", p.Booking, err)
	}
	b := c.NewBooking(r)
	live := (b.Status() == c.StatusPending || b.Status() == c.StatusConfirmed) && slices.Contains(b.HostIDs(), p.Host)
	if !live {
		if err := gcal.DeleteMeeting(ctx, svc, cn.writeCalendar(), b.Id); err != nil {
			return s.googleFailure(cn, err)
		}
		return nil
	}
	v, err := c.BookingViewOf(s.app, b.Record)
	if errors.Is(err, sql.ErrNoRows) { // its event type is gone: no retry helps
		return queue.Permanent(err)
	}
	if err != nil { // a database error: retried
		return err
	}
	id, err := gcal.WriteMeeting(ctx, svc, cn.writeCalendar(), gcal.MeetingOf(v))
	if err != nil {
		return s.googleFailure(cn, err)
	}
	if b.GetString(c.BookingsGoogleEventID) != id {
		return s.app.RunInTransaction(func(tx core.App) error {
			r, err := tx.FindRecordById(c.Bookings, b.Id)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // deleted meanwhile: nothing to record the id on
			}
			if err != nil {
				return fmt.Errorf("booking %s: %w", b.Id, err)
			}
			r.Set(c.BookingsGoogleEventID, id)
			return auditedSave(tx, systemActor, ActionRecordUpdated, r)
		})
	}
	return nil
}
