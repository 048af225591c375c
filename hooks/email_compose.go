package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/mail/i18n"
	"github.com/slotbase/slotbase/internal/queue"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// composed is an e-mail ready to send, or the reason not to send it.
type composed struct {
	msg  mail.Message
	skip string
}

// composeEmail renders the e-mail of job p from the booking as it is now.
// It skips e-mails a later change superseded, e-mails about a meeting that
// is over, and reminders of bookings that were cancelled, moved or started.
func (s *server) composeEmail(p emailJob, jobID string, now time.Time) (composed, error) {
	r, err := s.app.FindRecordById(c.Bookings, p.Booking)
	if errors.Is(err, sql.ErrNoRows) {
		return composed{skip: "the booking was deleted"}, nil
	} else if err != nil {
		return composed{}, err
	}
	b := c.NewBooking(r)
	v, err := c.BookingViewOf(s.app, r)
	if err != nil {
		return composed{}, err
	}

	site := s.site()
	var out composed
	out.msg = mail.Message{
		ID:     fmt.Sprintf("%s-%s-%s@%s", p.Kind, p.Role, jobID, site.domain),
		Thread: "booking-" + b.Id + "@" + site.domain,
		Date:   now,
		From:   site.from,
	}

	var n mail.Notice
	// inLanguage writes the e-mail (and its invite) in the recipient's language.
	inLanguage := func(lang string) {
		v = v.In(lang)
		n = mail.NoticeOf(v, p.Kind, p.Role, p.ByHost)
		n.Brand = site.brandIn(lang)
	}
	switch p.Role {
	case mail.ToInvitee:
		inLanguage(inviteeLanguage(v, site.lang))
		out.msg.To = n.Invitee
		n.Zone = zoneOr(b.Timezone(), site.zone)
		if org := v.Organizer(); org.ID != "" {
			out.msg.ReplyTo = mail.Address{Name: org.Name, Email: org.Email}
		}
		n.ManageURL = s.manageURL(site.publicURL, p.Token, p.Booking)
		n.BookURL = site.publicURL + "/" + v.EventType.Slug
	case mail.ToHost:
		hr, err := s.app.FindRecordById(c.Hosts, p.Host)
		if errors.Is(err, sql.ErrNoRows) {
			return composed{skip: "the host was deleted"}, nil
		} else if err != nil {
			return composed{}, err
		}
		h := c.NewHost(hr)
		inLanguage(hostLanguage(h, site.lang))
		out.msg.To = mail.Address{Name: h.Name(), Email: h.Email()}
		out.msg.ReplyTo = n.Invitee
		n.Zone = zoneOr(h.Timezone(), site.zone)
		n.AdminURL = site.adminBase + dashboardPath + "#/bookings/" + b.Id // the booking in the dashboard
	default:
		return composed{}, queue.Permanent(fmt.Errorf("role %q", p.Role))
	}

	if p.Released {
		return s.composeReleased(p, v, n, out, now)
	}
	if out.skip = staleReason(p, b, now); out.skip != "" {
		return out, nil
	}

	// The invite: for bookings that hold their slot confirmed, and to
	// withdraw one on cancellation. Pending and declined requests get none.
	switch {
	case p.Kind == mail.Reminder || p.Kind == mail.Requested || p.Kind == mail.Declined:
	case p.Kind == mail.Cancelled || b.Status() == c.StatusConfirmed:
		data, method, err := bookingICS(v, now)
		if err != nil {
			return composed{}, err
		}
		out.msg.Invite = &mail.Invite{Method: method, Data: data}
		n.Invite = true
	}
	content, err := mail.Render(n)
	if err != nil {
		return composed{}, queue.Permanent(fmt.Errorf("render: %w", err))
	}
	out.msg.Subject, out.msg.Text, out.msg.HTML = content.Subject, content.Text, content.HTML
	return out, nil
}

// staleReason says why an e-mail must not go out any more ("" if it must).
func staleReason(p emailJob, b *c.Booking, now time.Time) string {
	if p.Kind == mail.Reminder {
		switch {
		case b.Status() != c.StatusConfirmed:
			return "reminder of a booking that is " + b.Status()
		case b.Sequence() != p.Sequence:
			return fmt.Sprintf("reminder for sequence %d; the booking changed since (sequence %d) and has its own reminders", p.Sequence, b.Sequence())
		case !now.Before(b.Start()):
			return "reminder after the meeting started"
		}
		return ""
	}
	switch {
	case b.Sequence() > p.Sequence:
		return fmt.Sprintf("superseded: made for sequence %d, the booking is at %d and a newer e-mail tells its state", p.Sequence, b.Sequence())
	case !now.Before(b.End()):
		return "the meeting is over"
	}
	return ""
}

// mailSite is what every e-mail takes from the settings record and
// PocketBase's settings, read once per e-mail.
type mailSite struct {
	brand     mail.Branding     // the organisation's texts without translation (brandIn translates)
	settings  *c.SettingsRecord // nil before the settings exist
	lang      string            // the organisation's default language
	from      mail.Address
	domain    string // of Message-IDs
	publicURL string // where clients reach slotbase, no trailing slash
	adminBase string // PocketBase's application URL, no trailing slash
	zone      string // the organisation's zone
}

// site reads the organisation's name, colour, texts and language from
// settings, the sender's address from PocketBase's mail settings (its name
// is the organisation's: the settings' email_from_name, else org_name) and
// the URLs links use.
func (s *server) site() mailSite {
	meta := s.app.Settings().Meta
	ms := mailSite{
		brand:     mail.Branding{OrgName: meta.AppName},
		from:      mail.Address{Name: meta.SenderName, Email: meta.SenderAddress},
		publicURL: meta.AppURL,
		adminBase: strings.TrimRight(meta.AppURL, "/"),
		lang:      i18n.Default,
	}
	if st, err := s.settings.get(s.app); err == nil {
		ms.settings, ms.lang = st, st.DefaultLanguage()
		if st.OrgName() != "" {
			ms.brand.OrgName = st.OrgName()
			ms.from.Name = st.OrgName()
		}
		ms.brand.Color = st.BrandColor()
		ms.brand.Intro = st.GetString(c.SettingsEmailIntro)
		ms.brand.Signature = st.GetString(c.SettingsEmailSignature)
		if name := st.GetString(c.SettingsEmailFrom); name != "" {
			ms.from.Name = name
		}
		if st.PublicURL() != "" {
			ms.publicURL = st.PublicURL()
		}
		ms.zone = st.Timezone()
	}
	ms.publicURL = strings.TrimRight(ms.publicURL, "/")
	if ms.from.Email == "" {
		ms.from.Email = "noreply@localhost"
	}
	_, domain, _ := strings.Cut(ms.from.Email, "@")
	ms.domain = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return -1
	}, domain)
	if ms.domain == "" {
		ms.domain = "slotbase.invalid"
	}
	return ms
}

// brandIn is the organisation's branding in lang: its translated name,
// intro and signature where settings.translations has them.
func (ms mailSite) brandIn(lang string) mail.Branding {
	b := ms.brand
	if ms.settings == nil {
		return b
	}
	t := ms.settings.Texts(lang)
	if t.OrgName != "" {
		b.OrgName = t.OrgName
	}
	b.Intro, b.Signature = t.EmailIntro, t.EmailSignature
	return b
}

// mailSender is SMTP as configured in PocketBase's mail settings, or, with
// SMTP off (a fresh install), .eml files in <pb_data>/mail.
func (s *server) mailSender() mail.Sender {
	cfg := s.app.Settings().SMTP
	if !cfg.Enabled {
		return mail.Dir{Path: filepath.Join(s.app.DataDir(), "mail")}
	}
	return mail.SMTP{
		Host: cfg.Host, Port: cfg.Port, Username: cfg.Username, Password: cfg.Password,
		AuthMethod: cfg.AuthMethod, TLS: cfg.TLS, LocalName: cfg.LocalName,
	}
}

// manageURL opens the sealed manage token into the invitee's private link
// ("" without a token). The token itself is never logged.
func (s *server) manageURL(base, sealed, bookingID string) string {
	if sealed == "" {
		return ""
	}
	token, err := secretbox.Open(s.secret, PurposeManageToken, sealed)
	if err != nil || !booking.WellFormedToken(string(token)) {
		s.app.Logger().Warn("email: the manage token of a booking does not open (server secret changed?); sending without the link", "booking", bookingID)
		return ""
	}
	return base + "/manage#" + string(token)
}

// zoneOr loads name, falling back to the organisation's zone, then UTC.
func zoneOr(name, fallback string) *time.Location {
	if loc, err := loadZone(name); err == nil {
		return loc
	}
	if loc, err := loadZone(fallback); err == nil {
		return loc
	}
	return time.UTC
}

// composeReleased tells a host taken off a booking (it moved to a time only
// another host had free) that their meeting is off: the previous time, and
// an iCalendar CANCEL of the invite they had, organised by them.
func (s *server) composeReleased(p emailJob, v booking.View, n mail.Notice, out composed, now time.Time) (composed, error) {
	if slices.Contains(v.HostIDs(), p.Host) {
		out.skip = "the host is on the booking again"
		return out, nil
	}
	if v.RescheduledFrom.IsZero() || !v.RescheduledFrom.Add(v.End.Sub(v.Start)).After(now) {
		out.skip = "the meeting the host had is over"
		return out, nil
	}
	hr, err := s.app.FindRecordById(c.Hosts, p.Host)
	if err != nil {
		return composed{}, err
	}
	h := c.NewHost(hr)
	ev := booking.ReleasedInvite(v, booking.HostView{ID: h.Id, Name: h.Name(), Email: h.Email(), Timezone: h.Timezone()}, now)
	n.Start, n.End, n.PreviousStart = ev.Start, ev.End, time.Time{}
	n.Reason, n.ByHost = i18n.T(v.TextLang, "body.released"), true
	data, err := ics.Bytes(ics.Cancel, ev)
	if err != nil {
		return composed{}, err
	}
	out.msg.Invite = &mail.Invite{Method: ics.Cancel, Data: data}
	n.Invite = true
	content, err := mail.Render(n)
	if err != nil {
		return composed{}, queue.Permanent(fmt.Errorf("render: %w", err))
	}
	out.msg.Subject, out.msg.Text, out.msg.HTML = content.Subject, content.Text, content.HTML
	return out, nil
}
