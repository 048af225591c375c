package booking

import (
	"fmt"
	"strings"
	"time"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// View is one booking as every output shows it: the booking with its event
// type and hosts, loaded once (collections.LoadBookingView). Every decision
// and rendering about a booking — the invitee's reply, the admin's JSON and
// CSV row, the webhook body, the calendar invite, the host's calendar entry,
// the e-mails — is a function of a View.
type View struct {
	ID     string
	Status Status
	// Start and End are the meeting in UTC.
	Start, End time.Time
	// Sequence counts the changes made (iCalendar SEQUENCE).
	Sequence  int
	EventType EventTypeView
	// Hosts are in the booking's order: the first organises.
	Hosts           []HostView
	Invitee         Person
	Notes           string
	Answers         map[string]any
	CancelReason    string
	RescheduledFrom time.Time // zero: never moved
	Created         time.Time
	Updated         time.Time
	// Language is the invitee's language (a supported BCP 47 tag).
	Language string
	// TextLang is the language the texts are shown in (View.In); "" is English.
	TextLang string
	// Payment is the booking's payment; nil for a booking of a free type.
	Payment *PaymentView
}

// PaymentView is a booking's payment (PAYMENTS.md).
type PaymentView struct {
	// Status is awaiting, paid, expired, refunded, partially_refunded,
	// refund_pending, refund_failed or none (an admin booked without payment).
	Status string
	// Amount and Refunded are in minor units of Currency (lowercase ISO 4217).
	Amount, Refunded int64
	Currency         string
	// HoldExpiresAt is when an unpaid hold ends (zero: none).
	HoldExpiresAt time.Time
	// CheckoutURL is where the invitee pays.
	CheckoutURL string
}

// EventTypeView is the part of an event type a booking shows.
type EventTypeView struct {
	ID, Slug, Title, Description, Location string
	Duration                               time.Duration
	Questions                              []Question
	// Translations are the admin's texts per language (View.In applies them).
	Translations Translations
}

// HostView is a host as a booking shows them.
type HostView struct {
	ID, Name, Email, Timezone string
}

// Person is the invitee.
type Person struct {
	Name, Email, Timezone string
}

// Answer is one answered question, labelled and written as text.
type Answer struct {
	Question, Text string
}

// Organizer is the first host (the zero HostView when there is none).
func (v View) Organizer() HostView {
	if len(v.Hosts) == 0 {
		return HostView{}
	}
	return v.Hosts[0]
}

// HostIDs are the hosts' ids in order.
func (v View) HostIDs() []string {
	out := make([]string, len(v.Hosts))
	for i, h := range v.Hosts {
		out[i] = h.ID
	}
	return out
}

// LabelledAnswers are the invitee's answers in the event type's question
// order, labelled, in v.TextLang: options by their labels, lists joined
// with ", ", booleans as yes/no. Answers to questions the event type no
// longer has are left out.
func (v View) LabelledAnswers() []Answer {
	lang := v.TextLang
	var out []Answer
	for _, q := range v.EventType.Questions {
		a, ok := v.Answers[q.ID]
		if !ok || a == nil {
			continue
		}
		var text string
		switch a := a.(type) {
		case []any:
			parts := make([]string, len(a))
			for i, x := range a {
				parts[i] = q.optionLabel(fmt.Sprint(x))
			}
			text = strings.Join(parts, i18n.T(lang, "answer.separator"))
		case bool:
			text = i18n.T(lang, "answer.no")
			if a {
				text = i18n.T(lang, "answer.yes")
			}
		default:
			text = q.optionLabel(fmt.Sprint(a))
		}
		out = append(out, Answer{Question: q.Label, Text: text})
	}
	return out
}

// optionLabel is the label option has in the shown language (itself when
// untranslated or not an option).
func (q Question) optionLabel(option string) string {
	if len(q.OptionLabels) == len(q.Options) {
		for i, o := range q.Options {
			if o == option && q.OptionLabels[i] != "" {
				return q.OptionLabels[i]
			}
		}
	}
	return option
}

// Title is what calendars call the meeting for the invitee, in v.TextLang:
// the event type's title with the organising host.
func (v View) Title() string {
	if name := v.Organizer().Name; name != "" {
		return i18n.T(v.TextLang, "invite.summary", "title", v.EventType.Title, "host", name)
	}
	return v.EventType.Title
}
