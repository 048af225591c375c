package hooks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/queue"
)

// gcalWritePayload is the payload of a KindGcalWrite job: which booking to
// mirror onto which host's calendar. The handler reads the booking as it is
// when the job runs, so jobs are idempotent and their order does not matter.
type gcalWritePayload struct {
	Booking string `json:"booking"`
	Host    string `json:"host"`
}

// gcalSubscriber enqueues one calendar write per host with a Google
// connection. A move, cancel or decline also reaches the event type's other
// hosts, so an event left on a host the booking moved away from is removed.
func gcalSubscriber(tx core.App, ev bookingEvent, eventJobID string) error {
	r, err := tx.FindRecordById(c.Bookings, ev.Booking)
	if err != nil {
		return nil // deleted meanwhile: nothing to mirror
	}
	b := c.NewBooking(r)
	hosts := b.HostIDs()
	if ev.Event != "created" && ev.Event != "confirmed" {
		if et, err := tx.FindRecordById(c.EventTypes, b.EventTypeID()); err == nil {
			for _, h := range c.NewEventType(et).HostIDs() {
				if !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		}
	}
	for _, h := range hosts {
		cn := findConnection(tx, h)
		if cn == nil || cn.status() == c.ConnectionDisconnected {
			continue
		}
		key := "gcal.write:" + eventJobID + ":" + h
		if err := enqueueOnce(tx, key, KindGcalWrite, gcalWritePayload{Booking: b.Id, Host: h}, b.Id, ev.At); err != nil {
			return err
		}
	}
	return nil
}

// handleGcalWrite makes the host's calendar show the booking as it is now.
func (s *server) handleGcalWrite(ctx context.Context, j queue.Job) error {
	var p gcalWritePayload
	if err := decodePayload(j, &p); err != nil {
		return err
	}
	cn := findConnection(s.app, p.Host)
	if cn == nil || cn.status() == c.ConnectionDisconnected {
		return nil // nothing to write to any more
	}
	if cn.status() == c.ConnectionNeedsReconnect {
		return &queue.DeferError{Until: s.now().Add(reconnectWait), Reason: "calendar connection needs a reconnect"}
	}
	svc, err := s.calendarService(cn)
	if err != nil {
		return s.googleFailure(cn, err)
	}
	r, err := s.app.FindRecordById(c.Bookings, p.Booking)
	if err != nil { // the booking is gone: its event goes too
		if err := gcal.DeleteMeeting(ctx, svc, cn.writeCalendar(), p.Booking); err != nil {
			return s.googleFailure(cn, err)
		}
		return nil
	}
	b := c.NewBooking(r)
	live := (b.Status() == c.StatusPending || b.Status() == c.StatusConfirmed) && slices.Contains(b.HostIDs(), p.Host)
	if !live {
		if err := gcal.DeleteMeeting(ctx, svc, cn.writeCalendar(), b.Id); err != nil {
			return s.googleFailure(cn, err)
		}
		return nil
	}
	m, err := s.meetingOf(b)
	if err != nil {
		return queue.Permanent(err)
	}
	id, err := gcal.WriteMeeting(ctx, svc, cn.writeCalendar(), m)
	if err != nil {
		return s.googleFailure(cn, err)
	}
	if b.GetString(c.BookingsGoogleEventID) != id {
		return s.app.RunInTransaction(func(tx core.App) error {
			r, err := tx.FindRecordById(c.Bookings, b.Id)
			if err != nil {
				return nil
			}
			r.Set(c.BookingsGoogleEventID, id)
			return auditedSave(tx, systemActor, ActionRecordUpdated, r)
		})
	}
	return nil
}

// meetingOf is what the host's calendar shows for b: title, invitee as
// attendee, the notes and answers in the description, Meet when asked for.
func (s *server) meetingOf(b *c.Booking) (gcal.Meeting, error) {
	etRecord, err := s.app.FindRecordById(c.EventTypes, b.EventTypeID())
	if err != nil {
		return gcal.Meeting{}, fmt.Errorf("event type of booking %s: %w", b.Id, err)
	}
	et := c.NewEventType(etRecord)
	var d strings.Builder
	fmt.Fprintf(&d, "%s booked %s.\nInvitee: %s <%s> (%s)\n", b.Name(), et.Title(), b.Name(), b.Email(), b.Timezone())
	if notes := b.Notes(); notes != "" {
		fmt.Fprintf(&d, "\nNotes:\n%s\n", notes)
	}
	answers := map[string]any{}
	_ = b.UnmarshalJSONField(c.BookingsAnswers, &answers)
	if questions, err := booking.ParseQuestions(et.QuestionsJSON()); err == nil && len(answers) > 0 {
		d.WriteString("\n")
		for _, q := range questions {
			if v, ok := answers[q.ID]; ok {
				fmt.Fprintf(&d, "%s: %v\n", q.Label, v)
			}
		}
	}
	fmt.Fprintf(&d, "\nBooked with slotbase (booking %s).", b.Id)
	return gcal.Meeting{
		BookingID: b.Id, Summary: et.Title() + " with " + b.Name(), Description: d.String(),
		Start: b.Start(), End: b.End(), Location: et.Location(),
		AttendeeName: b.Name(), AttendeeEmail: b.Email(),
		Tentative: b.Status() == c.StatusPending,
	}, nil
}
