package hooks

import (
	"encoding/json"
	"io"
	"time"

	"google.golang.org/api/calendar/v3"
)

func jsonDecode(r io.Reader, into any) error { return json.NewDecoder(r).Decode(into) }

// calendarEvent is a timed event with the given transparency.
func calendarEvent(id string, start, end time.Time, transparency string) calendar.Event {
	return calendar.Event{Id: id, Transparency: transparency,
		Start: &calendar.EventDateTime{DateTime: start.Format(time.RFC3339)},
		End:   &calendar.EventDateTime{DateTime: end.Format(time.RFC3339)}}
}
