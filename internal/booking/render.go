package booking

import (
	"fmt"
	"strings"
	"time"

	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// The renderers: one function per output, each a pure function of a View.

// rfc3339 writes t in UTC, whole seconds.
func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// optionalTime is rfc3339(t), or "" for the zero time.
func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return rfc3339(t)
}

// answersOrEmpty never lets answers render as null.
func answersOrEmpty(a map[string]any) map[string]any {
	if a == nil {
		return map[string]any{}
	}
	return a
}

// Reply is how the public API shows a booking to its invitee (host names,
// not their records; never a token hash).
type Reply struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	EventType       ReplyEventType `json:"event_type"`
	Hosts           []string       `json:"hosts"`
	Name            string         `json:"name"`
	Email           string         `json:"email"`
	Timezone        string         `json:"timezone"`
	Notes           string         `json:"notes"`
	Answers         map[string]any `json:"answers"`
	CancelReason    string         `json:"cancel_reason,omitempty"`
	RescheduledFrom string         `json:"rescheduled_from,omitempty"`
	// Language is the invitee's language (a supported BCP 47 tag).
	Language string `json:"language"`
	// ManageToken and ManageURL are set only in the answer to the request
	// that made the booking (the token is never stored in clear).
	ManageToken string `json:"manage_token,omitempty"`
	ManageURL   string `json:"manage_url,omitempty"`
	// Payment is null for a booking of a free event type.
	Payment *PaymentJSON `json:"payment"`
}

// PaymentJSON is how the invitee's and the admin's answers show a payment:
// amounts in minor units, checkout_url only while it waits for the money.
type PaymentJSON struct {
	Status        string `json:"status"`
	Amount        int64  `json:"amount"`
	Currency      string `json:"currency"`
	Refunded      int64  `json:"refunded"`
	HoldExpiresAt string `json:"hold_expires_at,omitempty"`
	CheckoutURL   string `json:"checkout_url,omitempty"`
}

// paymentJSON renders v's payment (nil for a free booking).
func (v View) paymentJSON() *PaymentJSON {
	p := v.Payment
	if p == nil {
		return nil
	}
	out := &PaymentJSON{Status: p.Status, Amount: p.Amount, Currency: p.Currency, Refunded: p.Refunded}
	if p.Status == "awaiting" {
		out.HoldExpiresAt, out.CheckoutURL = optionalTime(p.HoldExpiresAt), p.CheckoutURL
	}
	return out
}

// ReplyEventType is the part of an event type a Reply shows.
type ReplyEventType struct {
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Duration int    `json:"duration"`
	Location string `json:"location"`
}

// InviteeReply renders v for its invitee.
func InviteeReply(v View) Reply {
	names := v.hostNames()
	return Reply{
		ID: v.ID, Status: string(v.Status), Start: rfc3339(v.Start), End: rfc3339(v.End),
		EventType: ReplyEventType{Slug: v.EventType.Slug, Title: v.EventType.Title, Duration: int(v.EventType.Duration.Minutes()), Location: v.EventType.Location},
		Hosts:     names, Name: v.Invitee.Name, Email: v.Invitee.Email, Timezone: v.Invitee.Timezone, Notes: v.Notes,
		Answers: answersOrEmpty(v.Answers), CancelReason: v.CancelReason, RescheduledFrom: optionalTime(v.RescheduledFrom),
		Language: v.Language, Payment: v.paymentJSON(),
	}
}

// Admin is how the admin API shows a booking (related records by id).
type Admin struct {
	ID              string         `json:"id"`
	EventType       string         `json:"event_type"`
	EventSlug       string         `json:"event_slug"`
	EventTitle      string         `json:"event_title"`
	Hosts           []string       `json:"hosts"`
	HostNames       []string       `json:"host_names"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	Status          string         `json:"status"`
	Name            string         `json:"name"`
	Email           string         `json:"email"`
	Timezone        string         `json:"timezone"`
	Notes           string         `json:"notes"`
	Answers         map[string]any `json:"answers"`
	CancelReason    string         `json:"cancel_reason,omitempty"`
	RescheduledFrom string         `json:"rescheduled_from,omitempty"`
	Language        string         `json:"language"`
	Created         string         `json:"created"`
	// Payment is null for a booking of a free event type.
	Payment *PaymentJSON `json:"payment"`
}

// AdminJSON renders v for the admin API.
func AdminJSON(v View) Admin {
	return Admin{
		ID: v.ID, EventType: v.EventType.ID, EventSlug: v.EventType.Slug, EventTitle: v.EventType.Title,
		Hosts: v.HostIDs(), HostNames: v.hostNames(), Start: rfc3339(v.Start), End: rfc3339(v.End),
		Status: string(v.Status), Name: v.Invitee.Name, Email: v.Invitee.Email, Timezone: v.Invitee.Timezone, Notes: v.Notes,
		Answers: answersOrEmpty(v.Answers), CancelReason: v.CancelReason, RescheduledFrom: optionalTime(v.RescheduledFrom),
		Language: v.Language, Created: rfc3339(v.Created), Payment: v.paymentJSON(),
	}
}

// hostNames are the hosts' names in order.
func (v View) hostNames() []string {
	out := make([]string, len(v.Hosts))
	for i, h := range v.Hosts {
		out[i] = h.Name
	}
	return out
}

// CSVHeader is the first row of the bookings CSV export.
var CSVHeader = []string{"id", "event_type", "hosts", "start", "end", "status", "name", "email", "timezone", "notes", "cancel_reason", "created"}

// CSVRow renders v as a row under CSVHeader; invitee-written text is
// defused for spreadsheets (a leading = + - @ tab or CR gets a quote).
func CSVRow(v View) []string {
	return []string{v.ID, v.EventType.ID, strings.Join(v.HostIDs(), " "), rfc3339(v.Start), rfc3339(v.End), string(v.Status),
		csvSafe(v.Invitee.Name), csvSafe(v.Invitee.Email), v.Invitee.Timezone, csvSafe(v.Notes), csvSafe(v.CancelReason), rfc3339(v.Created)}
}

// csvSafe defuses spreadsheet formulas in invitee-provided text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Webhook is what a webhook delivery tells about a booking: what an admin
// sees, never its manage token, its hash or idempotency data.
type Webhook struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"`
	Start           string         `json:"start"`
	End             string         `json:"end"`
	EventType       WebhookRef     `json:"event_type"`
	Hosts           []WebhookRef   `json:"hosts"`
	Name            string         `json:"name"`
	Email           string         `json:"email"`
	Timezone        string         `json:"timezone"`
	Notes           string         `json:"notes"`
	Answers         map[string]any `json:"answers"`
	CancelReason    string         `json:"cancel_reason,omitempty"`
	RescheduledFrom string         `json:"rescheduled_from,omitempty"`
	Sequence        int            `json:"sequence"`
	Created         string         `json:"created"`
	Updated         string         `json:"updated"`
}

// WebhookRef names a related record (an event type or a host).
type WebhookRef struct {
	ID    string `json:"id"`
	Slug  string `json:"slug,omitempty"`
	Title string `json:"title,omitempty"`
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
}

// WebhookJSON renders v for webhook receivers.
func WebhookJSON(v View) Webhook {
	hosts := make([]WebhookRef, len(v.Hosts))
	for i, h := range v.Hosts {
		hosts[i] = WebhookRef{ID: h.ID, Name: h.Name, Email: h.Email}
	}
	return Webhook{
		ID: v.ID, Status: string(v.Status), Start: rfc3339(v.Start), End: rfc3339(v.End),
		EventType: WebhookRef{ID: v.EventType.ID, Slug: v.EventType.Slug, Title: v.EventType.Title}, Hosts: hosts,
		Name: v.Invitee.Name, Email: v.Invitee.Email, Timezone: v.Invitee.Timezone, Notes: v.Notes,
		Answers: answersOrEmpty(v.Answers), CancelReason: v.CancelReason, RescheduledFrom: optionalTime(v.RescheduledFrom),
		Sequence: v.Sequence, Created: rfc3339(v.Created), Updated: rfc3339(v.Updated),
	}
}

// Invite is the booking as a calendar invitation: REQUEST while it holds
// its slot (TENTATIVE while pending), CANCEL once cancelled or declined.
// The UID is stable per booking and SEQUENCE grows with every change.
func Invite(v View, now time.Time) (ics.Method, ics.Event, error) {
	if len(v.Hosts) == 0 {
		return "", ics.Event{}, fmt.Errorf("booking %s has no hosts", v.ID)
	}
	organizer := v.Organizer()
	status, method := ics.StatusConfirmed, ics.Request
	switch v.Status {
	case Pending:
		status = ics.StatusTentative
	case Cancelled, Declined:
		status, method = ics.StatusCancelled, ics.Cancel
	}
	attendees := []ics.Person{{Name: v.Invitee.Name, Email: v.Invitee.Email}}
	for _, h := range v.Hosts[1:] {
		attendees = append(attendees, ics.Person{Name: h.Name, Email: h.Email})
	}
	description := v.EventType.Description
	if v.Notes != "" {
		description = strings.TrimSpace(description + "\n\n" + i18n.T(v.TextLang, "invite.notes", "notes", v.Notes))
	}
	return method, ics.Event{
		UID:         v.ID + "@slotbase",
		Sequence:    v.Sequence,
		Stamp:       now,
		Start:       v.Start,
		End:         v.End,
		Summary:     v.Title(),
		Description: description,
		Location:    v.EventType.Location,
		Organizer:   ics.Person{Name: organizer.Name, Email: organizer.Email},
		Attendees:   attendees,
		Status:      status,
		Alarm:       15 * time.Minute,
	}, nil
}

// ReleasedInvite withdraws the invite a host had before v moved to a time
// another host takes: a CANCEL at the previous time, organised by them.
func ReleasedInvite(v View, host HostView, now time.Time) ics.Event {
	start := v.RescheduledFrom
	return ics.Event{
		UID: v.ID + "@slotbase", Sequence: v.Sequence, Stamp: now,
		Start: start, End: start.Add(v.End.Sub(v.Start)), Summary: i18n.T(v.TextLang, "invite.summary", "title", v.EventType.Title, "host", host.Name),
		Organizer: ics.Person{Name: host.Name, Email: host.Email},
		Attendees: []ics.Person{{Name: v.Invitee.Name, Email: v.Invitee.Email}},
		Status:    ics.StatusCancelled,
	}
}

// HostCalendarEntry is what the host's own calendar shows for v: a title
// naming the invitee, and a description with their details, notes and
// answers.
func HostCalendarEntry(v View) (summary, description string) {
	var d strings.Builder
	fmt.Fprintf(&d, "%s booked %s.\nInvitee: %s <%s> (%s)\n", v.Invitee.Name, v.EventType.Title, v.Invitee.Name, v.Invitee.Email, v.Invitee.Timezone)
	if v.Notes != "" {
		fmt.Fprintf(&d, "\nNotes:\n%s\n", v.Notes)
	}
	if answers := v.LabelledAnswers(); len(answers) > 0 {
		d.WriteString("\n")
		for _, a := range answers {
			fmt.Fprintf(&d, "%s: %s\n", a.Question, a.Text)
		}
	}
	fmt.Fprintf(&d, "\nBooked with slotbase (booking %s).", v.ID)
	return v.EventType.Title + " with " + v.Invitee.Name, d.String()
}
