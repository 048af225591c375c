package hooks

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/caldav"
	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/queue"
)

// caldavUID is the UID of booking bookingID's event: the same UID its
// e-mail invite carries (booking.Invite), so a calendar app that got both
// shows one event.
func caldavUID(bookingID string) string { return bookingID + "@slotbase" }

// handleCalDAVWrite makes the host's CalDAV write calendar show the
// booking as it is now: PUT under its invite UID while it holds its slot
// (a create with If-None-Match, a move with the stored ETag as If-Match),
// DELETE once it is cancelled, declined, moved to another host or gone.
// A retried PUT never duplicates (caldav.PutEvent); a server that is down
// fails the job, which the queue retries with backoff.
func (s *server) handleCalDAVWrite(ctx context.Context, j queue.Job) error {
	p, cn, err := s.writeJobConnection(j, c.ProviderCalDAV)
	if cn == nil || err != nil {
		return err
	}
	client, err := s.caldavClient(cn)
	if err != nil {
		return s.caldavFailure(cn, err)
	}
	row, err := caldavEventRow(s.app, cn.Id, p.Booking)
	if err != nil {
		return err
	}
	r, live, err := s.liveBooking(p)
	if err != nil {
		return err
	}
	if !live {
		return s.deleteCalDAVEvent(ctx, client, cn, row, p.Booking)
	}
	data, err := s.caldavEventData(r)
	if err != nil {
		return err
	}
	calPath, etag := cn.GetString(c.CalendarConnectionsWriteCalendar), ""
	if row != nil {
		if row.GetString(c.CalDAVEventsCalendar) == calPath {
			etag = row.GetString(c.CalDAVEventsETag)
		} else if err := s.deleteCalDAVEvent(ctx, client, cn, row, p.Booking); err != nil {
			return err // the write calendar changed: the old copy goes first
		}
	}
	newTag, err := client.PutEvent(ctx, calPath, caldavUID(p.Booking), data, etag)
	if err != nil {
		return s.caldavFailure(cn, err)
	}
	return s.app.RunInTransaction(func(tx core.App) error {
		r, err := caldavEventRow(tx, cn.Id, p.Booking)
		if err != nil {
			return err
		}
		if r == nil {
			if r, err = newRecord(tx, c.CalDAVEvents, map[string]any{c.CalDAVEventsConnection: cn.Id, c.CalDAVEventsBooking: p.Booking}); err != nil {
				return err
			}
		}
		r.Set(c.CalDAVEventsCalendar, calPath)
		r.Set(c.CalDAVEventsETag, newTag)
		return tx.Save(r)
	})
}

// deleteCalDAVEvent deletes the booking's event (from the calendar it was
// written to, else the write calendar; gone already is success) and its row.
func (s *server) deleteCalDAVEvent(ctx context.Context, client *caldav.Client, cn *connection, row *core.Record, bookingID string) error {
	calPath, etag := cn.GetString(c.CalendarConnectionsWriteCalendar), ""
	if row != nil {
		calPath, etag = row.GetString(c.CalDAVEventsCalendar), row.GetString(c.CalDAVEventsETag)
	}
	if err := client.DeleteEvent(ctx, calPath, caldavUID(bookingID), etag); err != nil {
		return s.caldavFailure(cn, err)
	}
	if row == nil {
		return nil
	}
	if err := s.app.Delete(row); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("caldav event row of booking %s: %w", bookingID, err)
	}
	return nil
}

// caldavEventData renders the booking as the host's calendar shows it (the
// private feed's entry: the invitee named in the title, no attendees, so
// the server's own scheduling sends nobody a second invite), as a
// calendar object resource (no METHOD, RFC 4791 4.1).
func (s *server) caldavEventData(r *core.Record) ([]byte, error) {
	v, err := c.BookingViewOf(s.app, r)
	if errors.Is(err, sql.ErrNoRows) { // its event type is gone: no retry helps
		return nil, queue.Permanent(err)
	}
	if err != nil {
		return nil, err
	}
	_, ev, err := booking.Invite(v, s.now())
	if err != nil {
		return nil, queue.Permanent(err)
	}
	ev.Summary, ev.Description = booking.HostCalendarEntry(v)
	ev.Attendees, ev.Alarm = nil, 0
	data, err := ics.FeedBytes("", "", []ics.Event{ev})
	if err != nil {
		return nil, queue.Permanent(err)
	}
	return bytes.Replace(data, []byte("METHOD:"+string(ics.Publish)+"\r\n"), nil, 1), nil
}

// liveBooking reads the booking of a calendar write: live when it holds
// its slot with p.Host among its hosts (its event must show); r is nil when
// it is gone. A database error is returned, so the job retries and never
// touches the calendar in an unknown state.
func (s *server) liveBooking(p calendarWritePayload) (r *core.Record, live bool, err error) {
	r, err = s.app.FindRecordById(c.Bookings, p.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("booking %s: %w", p.Booking, err)
	}
	b := c.NewBooking(r)
	return r, (b.Status() == c.StatusPending || b.Status() == c.StatusConfirmed) && slices.Contains(b.HostIDs(), p.Host), nil
}
