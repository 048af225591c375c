// Package mail writes slotbase's booking e-mails: Render turns a Notice
// (what happened to a booking, for whom, in which zone) into a subject, a
// plain-text and an HTML body; Message assembles them with a calendar invite
// into one MIME message that mail clients treat as a meeting invitation; a
// Sender delivers it over SMTP or into a folder of .eml files. Plain values
// in and out: no PocketBase, no clock.
package mail

import (
	"bytes"
	"errors"
	"fmt"
	netmail "net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	gomail "github.com/wneessen/go-mail"

	"github.com/slotbase/slotbase/internal/ics"
)

// Address is a mailbox: an optional display name and an address.
type Address struct {
	Name  string
	Email string
}

// Invite is the calendar object a message carries: once as a
// "text/calendar; method=…" alternative (the part Gmail, Outlook and Apple
// Mail turn into RSVP buttons) and once as an invite.ics attachment (for
// clients that only offer attachments).
type Invite struct {
	// Method must match the METHOD property inside Data.
	Method ics.Method
	// Data is the VCALENDAR, as ics.Bytes writes it.
	Data []byte
}

// InviteFilename is the name of the attached calendar file.
const InviteFilename = "invite.ics"

// Message is one e-mail to one recipient.
type Message struct {
	// ID is the Message-ID without angle brackets ("local@domain"). Callers
	// derive it from the job that sends the message, so a retried job sends
	// the same ID and receiving systems can drop the duplicate.
	ID string
	// Thread is an optional Message-ID (without brackets) every message about
	// the same booking refers to (References), so clients thread them.
	Thread string
	// Date is the Date header.
	Date time.Time
	// From, To and ReplyTo (optional: zero value for none) are single
	// mailboxes; names lose control characters, addresses must be plain.
	From, To, ReplyTo Address
	// Subject loses control characters and is cut at MaxSubject runes.
	Subject string
	// Text is required; HTML is optional.
	Text, HTML string
	// Invite is optional.
	Invite *Invite
}

// Limits of header values.
const (
	// MaxSubject is the longest Subject, in runes; longer ones end in "…".
	MaxSubject = 250
	// MaxName is the longest display name, in runes.
	MaxName = 200
)

// ErrInvalidMessage is wrapped by every error Build returns for a message it
// refuses to write; the message names the field.
var ErrInvalidMessage = errors.New("mail: invalid message")

func invalid(field, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrInvalidMessage, field, fmt.Sprintf(format, args...))
}

// msgIDPattern is a dot-atom "local@domain" of RFC 5322 §3.6.4, restricted
// to characters that need no quoting anywhere.
var msgIDPattern = regexp.MustCompile(`^[A-Za-z0-9._+=-]{1,100}@[A-Za-z0-9.-]{1,200}$`)

// Build validates m and returns it as a go-mail message, ready to send or
// write. Structure:
//
//	multipart/mixed
//	├── multipart/alternative
//	│   ├── text/plain
//	│   ├── text/html                      (when HTML is set)
//	│   └── text/calendar; method=REQUEST  (when Invite is set)
//	└── application/ics invite.ics         (when Invite is set)
func (m Message) Build() (*gomail.Msg, error) {
	if !msgIDPattern.MatchString(m.ID) {
		return nil, invalid("id", "must look like local@domain with letters, digits and ._+=-, not %q", m.ID)
	}
	if m.Thread != "" && !msgIDPattern.MatchString(m.Thread) {
		return nil, invalid("thread", "must look like local@domain, not %q", m.Thread)
	}
	if m.Date.IsZero() {
		return nil, invalid("date", "required")
	}
	from, err := mailbox("from", m.From)
	if err != nil {
		return nil, err
	}
	to, err := mailbox("to", m.To)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(m.Text) == "" {
		return nil, invalid("text", "required")
	}
	if m.Invite != nil {
		if m.Invite.Method != ics.Request && m.Invite.Method != ics.Cancel && m.Invite.Method != ics.Publish {
			return nil, invalid("invite.method", "must be REQUEST, CANCEL or PUBLISH, not %q", m.Invite.Method)
		}
		if !bytes.Contains(m.Invite.Data, []byte("\r\nMETHOD:"+string(m.Invite.Method)+"\r\n")) {
			return nil, invalid("invite.data", "must be a VCALENDAR with METHOD:%s", m.Invite.Method)
		}
	}

	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent(), gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	msg.FromMailAddress(from)
	msg.ToMailAddress(to)
	if m.ReplyTo.Email != "" {
		reply, err := mailbox("reply_to", m.ReplyTo)
		if err != nil {
			return nil, err
		}
		msg.ReplyToMailAddress(reply)
	}
	msg.Subject(HeaderText(m.Subject, MaxSubject))
	msg.SetMessageIDWithValue(m.ID)
	msg.SetDateWithValue(m.Date)
	if m.Thread != "" {
		msg.SetGenHeader(gomail.HeaderReferences, "<"+m.Thread+">")
	}
	// RFC 3834: out-of-office robots must not answer.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")

	msg.SetBodyString(gomail.TypeTextPlain, bodyText(m.Text))
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, strings.ToValidUTF8(m.HTML, "\uFFFD"))
	}
	if m.Invite != nil {
		// base64 keeps the calendar's CRLF line structure byte for byte.
		msg.AddAlternativeString(gomail.ContentType("text/calendar; method="+string(m.Invite.Method)),
			string(m.Invite.Data), gomail.WithPartEncoding(gomail.EncodingB64))
		if err := msg.AttachReader(InviteFilename, bytes.NewReader(m.Invite.Data),
			gomail.WithFileContentType(gomail.ContentType("application/ics"))); err != nil {
			return nil, fmt.Errorf("mail: attach invite: %w", err)
		}
	}
	return msg, nil
}

// Bytes returns the message as it goes over the wire (CRLF line endings).
func (m Message) Bytes() ([]byte, error) {
	msg, err := m.Build()
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if _, err := msg.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("mail: write: %w", err)
	}
	return buf.Bytes(), nil
}

// mailbox checks a and returns it as a net/mail address. The address must
// parse to itself (no display names, comments or group syntax smuggled in).
func mailbox(field string, a Address) (*netmail.Address, error) {
	email := strings.TrimSpace(a.Email)
	if email == "" {
		return nil, invalid(field, "address required")
	}
	parsed, err := netmail.ParseAddress(email)
	if err != nil || parsed.Name != "" || parsed.Address != email || strings.ContainsAny(email, " \t\r\n<>,;\"()[]\\") {
		return nil, invalid(field, "must be a plain address like name@example.com, not %q", a.Email)
	}
	name := HeaderText(a.Name, MaxName)
	if strings.Contains(name, `\`) && strings.IndexFunc(name, func(r rune) bool { return r >= utf8.RuneSelf }) >= 0 {
		// net/mail writes such a name as an encoded word with a raw
		// backslash, which readers (net/mail's own) reject: use U+29F5.
		name = strings.ReplaceAll(name, `\`, "\u29f5")
	}
	return &netmail.Address{Name: name, Address: email}, nil
}

// HeaderText makes s safe as (the text of) a header value: invalid UTF-8
// becomes U+FFFD, every control character and line or paragraph separator
// becomes a space, runs of spaces collapse, "=?" (which would start an
// encoded word) becomes "= ?", and the result is cut at max runes (ending in
// "…"). A header value built from it can never start a new header line, nor
// decode into one.
func HeaderText(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	// User text that looks like an RFC 2047 encoded word would be decoded by
	// the reader (into line breaks, even): break the "=?" that starts one.
	s = strings.ReplaceAll(s, "=?", "= ?")
	if max > 0 && utf8.RuneCountInString(s) > max {
		s = strings.TrimSpace(string([]rune(s)[:max-1])) + "…"
	}
	return s
}

// bodyText normalises line endings and drops control characters other than
// newline and tab; quoted-printable encoding does the rest.
func bodyText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
