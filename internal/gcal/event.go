package gcal

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"google.golang.org/api/calendar/v3"

	"github.com/slotbase/slotbase/internal/booking"
)

// MeetLocation is the event-type location that asks for a Google Meet link.
const MeetLocation = "google_meet"

// BookingProperty is the private extended property that marks the events
// slotbase writes, with the booking id as its value.
const BookingProperty = "slotbase_booking"

// Meeting is what slotbase writes to a host's calendar for one booking.
type Meeting struct {
	BookingID   string
	Summary     string
	Description string
	Start, End  time.Time
	// Location is the event type's location; MeetLocation adds a Meet link.
	Location      string
	AttendeeName  string
	AttendeeEmail string
	// Tentative marks a booking that still waits for the host's confirmation.
	Tentative bool
}

// event is the Google event of m, under its deterministic id.
func (m Meeting) event() *calendar.Event {
	ev := &calendar.Event{
		Id:           EventID(m.BookingID),
		Summary:      m.Summary,
		Description:  m.Description,
		Start:        &calendar.EventDateTime{DateTime: m.Start.UTC().Format(time.RFC3339), TimeZone: "UTC"},
		End:          &calendar.EventDateTime{DateTime: m.End.UTC().Format(time.RFC3339), TimeZone: "UTC"},
		Status:       "confirmed",
		Transparency: "opaque",
		ExtendedProperties: &calendar.EventExtendedProperties{
			Private: map[string]string{BookingProperty: m.BookingID},
		},
	}
	if m.Tentative {
		ev.Status = "tentative"
	}
	if m.AttendeeEmail != "" {
		ev.Attendees = []*calendar.EventAttendee{{Email: m.AttendeeEmail, DisplayName: m.AttendeeName}}
	}
	if m.Location == MeetLocation {
		ev.ConferenceData = &calendar.ConferenceData{CreateRequest: &calendar.CreateConferenceRequest{
			RequestId:             ev.Id, // idempotent: one Meet per booking
			ConferenceSolutionKey: &calendar.ConferenceSolutionKey{Type: "hangoutsMeet"},
		}}
	} else if m.Location != "" {
		ev.Location = m.Location
	}
	return ev
}

// WriteMeeting makes calendarID hold exactly one event for the booking, as m
// says now. It inserts under EventID(m.BookingID); when that id exists
// already (an earlier attempt got through, a reschedule, or an event deleted
// earlier) Google answers 409 and the event is patched instead, which also
// brings a deleted one back. It returns the event id.
func WriteMeeting(ctx context.Context, svc *calendar.Service, calendarID string, m Meeting) (string, error) {
	ev := m.event()
	_, err := svc.Events.Insert(calendarID, ev).Context(ctx).ConferenceDataVersion(1).SendUpdates("all").Do()
	if err == nil {
		return ev.Id, nil
	}
	if StatusCode(err) != http.StatusConflict {
		return "", fmt.Errorf("insert event: %w", classify(err))
	}
	patch := *ev
	patch.Id = ""
	if patch.ConferenceData != nil {
		patch.ConferenceData = nil // an existing event keeps its Meet link
	}
	if _, err := svc.Events.Patch(calendarID, ev.Id, &patch).Context(ctx).SendUpdates("all").Do(); err != nil {
		return "", fmt.Errorf("patch event: %w", classify(err))
	}
	return ev.Id, nil
}

// DeleteMeeting removes the booking's event from calendarID; an event that is
// gone already (404, 410) counts as deleted.
func DeleteMeeting(ctx context.Context, svc *calendar.Service, calendarID, bookingID string) error {
	err := svc.Events.Delete(calendarID, EventID(bookingID)).Context(ctx).SendUpdates("all").Do()
	if err == nil || IsGone(err) || StatusCode(err) == http.StatusNotFound {
		return nil
	}
	return fmt.Errorf("delete event: %w", classify(err))
}

// ErrChannelsUnsupported is returned by Watch when the address is not HTTPS
// (Google only pushes to HTTPS).
var ErrChannelsUnsupported = errors.New("google: push channels need an HTTPS address")

// Channel is a push notification channel on one calendar.
type Channel struct {
	ID         string
	ResourceID string
	CalendarID string
	Token      string
	Expires    time.Time
}

// Watch opens a push channel on calendarID's events that posts to address
// with token in X-Goog-Channel-Token, asking for ttl. allowHTTP lets tests
// use a loopback address.
func Watch(ctx context.Context, svc *calendar.Service, calendarID, channelID, address, token string, ttl time.Duration, allowHTTP bool) (Channel, error) {
	if !allowHTTP && (len(address) < 8 || address[:8] != "https://") {
		return Channel{}, ErrChannelsUnsupported
	}
	req := &calendar.Channel{Id: channelID, Type: "web_hook", Address: address, Token: token,
		Params: map[string]string{"ttl": fmt.Sprint(int64(ttl.Seconds()))}}
	res, err := svc.Events.Watch(calendarID, req).Context(ctx).Do()
	if err != nil {
		return Channel{}, fmt.Errorf("watch %q: %w", calendarID, classify(err))
	}
	return Channel{ID: res.Id, ResourceID: res.ResourceId, CalendarID: calendarID, Token: token, Expires: time.UnixMilli(res.Expiration).UTC()}, nil
}

// StopChannel stops a push channel; one that is unknown already counts as stopped.
func StopChannel(ctx context.Context, svc *calendar.Service, ch Channel) error {
	err := svc.Channels.Stop(&calendar.Channel{Id: ch.ID, ResourceId: ch.ResourceID, Token: ch.Token}).Context(ctx).Do()
	if err == nil || StatusCode(err) == http.StatusNotFound {
		return nil
	}
	return classify(err)
}

// PrimaryAccount returns the id of the primary calendar: the account's e-mail address.
func PrimaryAccount(ctx context.Context, svc *calendar.Service) (string, error) {
	cal, err := svc.Calendars.Get("primary").Context(ctx).Do()
	if err != nil {
		return "", classify(err)
	}
	return cal.Id, nil
}

// MeetingOf is what a host's calendar shows for booking v: the invitee in
// the title and as attendee, their details, notes and answers in the
// description (booking.HostCalendarEntry), Meet when the location asks,
// tentative while the booking waits for confirmation.
func MeetingOf(v booking.View) Meeting {
	summary, description := booking.HostCalendarEntry(v)
	return Meeting{
		BookingID: v.ID, Summary: summary, Description: description,
		Start: v.Start, End: v.End, Location: v.EventType.Location,
		AttendeeName: v.Invitee.Name, AttendeeEmail: v.Invitee.Email,
		Tentative: v.Status == booking.Pending,
	}
}
