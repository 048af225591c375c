package gcal

import (
	"crypto/sha256"
	"encoding/hex"
	"time"

	"google.golang.org/api/calendar/v3"
)

// BusyBlock is a span of a host's external calendar that blocks slots.
// SourceID names its origin uniquely within one connection (see SourceID).
type BusyBlock struct {
	SourceID string
	Start    time.Time // UTC
	End      time.Time // UTC
}

// CalendarKey is a short, stable key of a calendar id, the prefix of its
// blocks' source ids (calendar ids are e-mail-like and can be long).
func CalendarKey(calendarID string) string {
	sum := sha256.Sum256([]byte(calendarID))
	return hex.EncodeToString(sum[:6])
}

// SourceID names event eventID of calendar calendarID: "<calendar key>/<event id>".
func SourceID(calendarID, eventID string) string {
	return CalendarKey(calendarID) + "/" + eventID
}

// BusyFromEvent maps one event of calendarID to a busy block. It answers
// false for everything that does not make the host busy: cancelled events,
// transparent ("show as available") events, the events slotbase wrote
// for its own bookings (they block through the booking, which a reschedule
// must be able to move over), events the calendar's owner
// declined, working-location entries, and events without a usable time.
// loc reads all-day dates (the calendar's zone; UTC when nil).
func BusyFromEvent(calendarID string, ev *calendar.Event, loc *time.Location) (BusyBlock, bool) {
	if ev == nil || ev.Id == "" || ev.Status == "cancelled" || ev.Transparency == "transparent" || ev.EventType == "workingLocation" {
		return BusyBlock{}, false
	}
	if ev.ExtendedProperties != nil && ev.ExtendedProperties.Private[BookingProperty] != "" {
		return BusyBlock{}, false // slotbase's own booking event: the booking itself blocks the slot
	}
	for _, a := range ev.Attendees {
		if a != nil && a.Self && a.ResponseStatus == "declined" {
			return BusyBlock{}, false
		}
	}
	start, ok1 := eventTime(ev.Start, loc)
	end, ok2 := eventTime(ev.End, loc)
	if !ok1 || !ok2 || !end.After(start) {
		return BusyBlock{}, false
	}
	return BusyBlock{SourceID: SourceID(calendarID, ev.Id), Start: start, End: end}, true
}

// eventTime reads an event's start or end: a dateTime with offset, or an
// all-day date at midnight in loc.
func eventTime(t *calendar.EventDateTime, loc *time.Location) (time.Time, bool) {
	if t == nil {
		return time.Time{}, false
	}
	if t.DateTime != "" {
		v, err := time.Parse(time.RFC3339, t.DateTime)
		return v.UTC(), err == nil
	}
	if t.Date != "" {
		if loc == nil {
			loc = time.UTC
		}
		v, err := time.ParseInLocation("2006-01-02", t.Date, loc)
		return v.UTC(), err == nil
	}
	return time.Time{}, false
}
