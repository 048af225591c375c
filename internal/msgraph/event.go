package msgraph

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// graphEvent is the part of Graph's event resource slotbase reads and writes.
type graphEvent struct {
	ID                    string         `json:"id,omitempty"`
	Removed               *struct{}      `json:"@removed,omitempty"`
	TransactionID         string         `json:"transactionId,omitempty"`
	Subject               string         `json:"subject,omitempty"`
	Body                  *graphBody     `json:"body,omitempty"`
	Start                 graphTime      `json:"start"`
	End                   graphTime      `json:"end"`
	IsAllDay              bool           `json:"isAllDay,omitempty"`
	IsCancelled           bool           `json:"isCancelled,omitempty"`
	ShowAs                string         `json:"showAs,omitempty"`
	OriginalStartTimeZone string         `json:"originalStartTimeZone,omitempty"`
	Location              *graphLocation `json:"location,omitempty"`
	Attendees             []graphPerson  `json:"attendees,omitempty"`
	IsOnlineMeeting       bool           `json:"isOnlineMeeting,omitempty"`
	OnlineMeetingProvider string         `json:"onlineMeetingProvider,omitempty"`
	OnlineMeeting         *struct {
		JoinURL string `json:"joinUrl"`
	} `json:"onlineMeeting,omitempty"`
	WebLink string `json:"webLink,omitempty"`
}

type graphBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

type graphLocation struct {
	DisplayName string `json:"displayName"`
}

type graphPerson struct {
	EmailAddress struct {
		Address string `json:"address"`
		Name    string `json:"name,omitempty"`
	} `json:"emailAddress"`
	Type string `json:"type"`
}

// Attendee is a person invited to a booking's event.
type Attendee struct {
	Email, Name string
}

// Event is a booking's event as slotbase writes it.
type Event struct {
	// UID is the booking's stable id; the event's transactionId derives
	// from it (TransactionID), so a retried create never duplicates.
	UID        string
	Subject    string
	Body       string // plain text
	Start, End time.Time
	Location   string
	Attendees  []Attendee
	// Teams asks Graph for a Teams meeting (work or school accounts).
	Teams bool
}

// Written is what Graph answered for a written event.
type Written struct {
	ID      string // Graph's event id: store it for update and delete
	JoinURL string // the Teams join URL, when one was asked for and made
	WebLink string
}

// ownPrefix marks transactionIds slotbase made, so busy time skips them.
const ownPrefix = "slotbase-"

// TransactionID is the transactionId of a booking's event: "slotbase-" and
// 32 hex digits of SHA-256(uid). Graph answers a repeated create with the
// same transactionId by the event it already made.
func TransactionID(uid string) string {
	sum := sha256.Sum256([]byte(uid))
	return ownPrefix + hex.EncodeToString(sum[:16])
}

// IsOwnTransaction reports a transactionId TransactionID made.
func IsOwnTransaction(id string) bool { return strings.HasPrefix(id, ownPrefix) }

func (e Event) validate() error {
	if strings.TrimSpace(e.UID) == "" {
		return fmt.Errorf("uid: must not be empty")
	}
	if e.Start.IsZero() || !e.Start.Before(e.End) {
		return fmt.Errorf("end: must be after start")
	}
	return nil
}

// graph renders e as Graph's event body; instants in UTC.
func (e Event) graph(withTransaction bool) graphEvent {
	g := graphEvent{
		Subject:  e.Subject,
		Body:     &graphBody{ContentType: "text", Content: e.Body},
		Start:    graphTime{DateTime: e.Start.UTC().Format(wallLayout), TimeZone: "UTC"},
		End:      graphTime{DateTime: e.End.UTC().Format(wallLayout), TimeZone: "UTC"},
		ShowAs:   "busy",
		Location: &graphLocation{DisplayName: e.Location},
	}
	if withTransaction {
		g.TransactionID = TransactionID(e.UID)
	}
	for _, a := range e.Attendees {
		p := graphPerson{Type: "required"}
		p.EmailAddress.Address, p.EmailAddress.Name = a.Email, a.Name
		g.Attendees = append(g.Attendees, p)
	}
	if e.Teams {
		g.IsOnlineMeeting, g.OnlineMeetingProvider = true, "teamsForBusiness"
	}
	return g
}

func written(g graphEvent) Written {
	w := Written{ID: g.ID, WebLink: g.WebLink}
	if g.OnlineMeeting != nil {
		w.JoinURL = g.OnlineMeeting.JoinURL
	}
	return w
}

// CreateEvent writes a booking's event to calendarID ("" = the default
// calendar) under TransactionID(ev.UID): a retry (in this call or a later
// job) returns the event already made instead of a second one.
func (c *Client) CreateEvent(ctx context.Context, calendarID string, ev Event) (Written, error) {
	if err := ev.validate(); err != nil {
		return Written{}, err
	}
	var out graphEvent
	err := c.do(ctx, request{op: "create event", method: "POST",
		url: c.endpoint(calendarPath(calendarID)+"/events", nil), body: ev.graph(true)}, &out)
	if err != nil {
		return Written{}, err
	}
	return written(out), nil
}

// UpdateEvent patches event id (time, text, attendees, Teams) to ev. A
// missing event answers ErrNotFound: the caller creates it again.
func (c *Client) UpdateEvent(ctx context.Context, id string, ev Event) (Written, error) {
	if err := ev.validate(); err != nil {
		return Written{}, err
	}
	if id == "" {
		return Written{}, fmt.Errorf("id: must not be empty")
	}
	var out graphEvent
	err := c.do(ctx, request{op: "update event", method: "PATCH",
		url: c.endpoint("/me/events/"+url.PathEscape(id), nil), body: ev.graph(false)}, &out)
	if err != nil {
		return Written{}, err
	}
	return written(out), nil
}

// DeleteEvent deletes event id; an event already gone (404) is success.
func (c *Client) DeleteEvent(ctx context.Context, id string) error {
	if id == "" {
		return fmt.Errorf("id: must not be empty")
	}
	err := c.do(ctx, request{op: "delete event", method: "DELETE",
		url: c.endpoint("/me/events/"+url.PathEscape(id), nil)}, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}
