package mail

import (
	"time"

	"github.com/slotbase/slotbase/internal/booking"
)

// Kind says what happened to a booking, and so which e-mail to write.
type Kind string

// The kinds of booking e-mail.
const (
	// Confirmed: booked, no approval needed.
	Confirmed Kind = "confirmed"
	// Requested: booked, waiting for a host's approval.
	Requested Kind = "requested"
	// Approved: a host confirmed a requested booking.
	Approved Kind = "approved"
	// Declined: a host refused a requested booking.
	Declined Kind = "declined"
	// Rescheduled: the booking moved to another time.
	Rescheduled Kind = "rescheduled"
	// Cancelled: the booking was called off.
	Cancelled Kind = "cancelled"
	// Reminder: the meeting is coming up.
	Reminder Kind = "reminder"
	// PaymentRefunded: a payment came after the hold ended and the time
	// was taken meanwhile, so it was refunded (to the invitee).
	PaymentRefunded Kind = "payment_refunded"
	// RefundIssued: a cancelled booking's payment was refunded, in full or
	// in part (to the invitee; the amounts are in the mail's rows).
	RefundIssued Kind = "refund_issued"
)

// Role is who an e-mail is for.
type Role string

// The recipients of booking e-mails.
const (
	// ToInvitee is the person who booked.
	ToInvitee Role = "invitee"
	// ToHost is a host taking the meeting.
	ToHost Role = "host"
)

// DefaultColor is the accent colour when the settings have none.
const DefaultColor = "#2554c7"

// Branding is the organisation's name, colour and words, from the settings.
type Branding struct {
	// OrgName signs every e-mail.
	OrgName string
	// Color is the accent as #rrggbb; DefaultColor when empty or malformed.
	Color string
	// Intro is the first paragraph of confirmations to invitees.
	Intro string
	// Signature is the closing lines of every e-mail.
	Signature string
}

// Answer is one custom question and the invitee's answer.
type Answer struct {
	Question, Answer string
}

// Notice is what one e-mail about a booking says. Every text in it may come
// from a user: Render escapes it for HTML and never puts it in a header
// without HeaderText.
type Notice struct {
	Kind Kind
	Role Role
	// Zone is the recipient's zone: every time is shown in it, named.
	Zone *time.Location
	// Lang is the recipient's language (a supported BCP 47 tag; others
	// give the closest one, or English). Every text of the Notice is
	// already in it: Render adds only the catalogue's words.
	Lang  string
	Brand Branding
	// Title, Description and Location describe the event type.
	Title, Description, Location string
	// Start and End are the meeting's time (any zone; shown in Zone).
	Start, End time.Time
	// PreviousStart is where a Rescheduled booking was (same duration).
	PreviousStart time.Time
	// Hosts are the names of the hosts taking the meeting.
	Hosts []string
	// Invitee is the person who booked.
	Invitee Address
	// Notes and Answers are what the invitee wrote when booking.
	Notes   string
	Answers []Answer
	// Reason is why a booking was cancelled or declined (may be empty).
	Reason string
	// ByHost says a Cancelled booking was called off by the host side.
	ByHost bool
	// ManageURL is the invitee's link to reschedule or cancel.
	ManageURL string
	// AdminURL is the booking in the admin UI, for hosts.
	AdminURL string
	// BookURL is where an invitee can book another time.
	BookURL string
	// Invite says the e-mail carries a calendar invitation.
	Invite bool
	// Paid and Refunded are the booking's payment and refund in minor
	// units of Currency (0 when none), written in Lang by Money.
	Paid, Refunded int64
	Currency       string
}

// Content is a rendered e-mail: a subject (safe for HeaderText), a plain
// text body and an HTML body.
type Content struct {
	Subject, Text, HTML string
}

// NoticeOf is the part of a Notice every e-mail about booking v shares:
// what, when, who, the invitee's notes and answers, and the reason of a
// cancellation, in v's text language (View.In). Recipients, zones, links
// and branding are the caller's.
func NoticeOf(v booking.View, kind Kind, role Role, byHost bool) Notice {
	n := Notice{
		Kind: kind, Role: role, Lang: v.TextLang,
		Title: v.EventType.Title, Description: v.EventType.Description, Location: v.EventType.Location,
		Start: v.Start, End: v.End, PreviousStart: v.RescheduledFrom,
		Invitee: Address{Name: v.Invitee.Name, Email: v.Invitee.Email},
		Notes:   v.Notes, Reason: v.CancelReason, ByHost: byHost,
	}
	if p := v.Payment; p != nil && p.Status != "none" && p.Status != "awaiting" && p.Status != "expired" && p.Amount > 0 {
		n.Paid, n.Refunded, n.Currency = p.Amount, max(p.Refunded, 0), p.Currency
	}
	for _, a := range v.LabelledAnswers() {
		n.Answers = append(n.Answers, Answer{Question: a.Question, Answer: a.Text})
	}
	for _, h := range v.Hosts {
		n.Hosts = append(n.Hosts, h.Name)
	}
	return n
}
