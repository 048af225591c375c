package mail

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

var colorPattern = regexp.MustCompile(`^#[0-9a-fA-F]{6}$`)

//go:embed template.html
var htmlSource string

var htmlTemplate = template.Must(template.New("mail").Parse(htmlSource))

// view is a rendered notice before layout: the words, decided once for
// both the text and the HTML body.
type view struct {
	Subject    string
	Headline   string
	Paragraphs []string
	Rows       []row
	Action     *link
	Footer     []string
	Org        string
	Color      string
	// Lang is the BCP 47 tag of the e-mail's language (the HTML lang).
	Lang string
}

type row struct {
	Label string
	Lines []string
}

type link struct {
	Label, URL string
}

// Render writes the e-mail for n.
func Render(n Notice) (Content, error) {
	v, err := words(n)
	if err != nil {
		return Content{}, err
	}
	var html bytes.Buffer
	if err := htmlTemplate.Execute(&html, v); err != nil {
		return Content{}, fmt.Errorf("mail: html: %w", err)
	}
	return Content{Subject: HeaderText(v.Subject, MaxSubject), Text: plain(v), HTML: html.String()}, nil
}

// words decides what the e-mail says.
func words(n Notice) (view, error) {
	if n.Role != ToInvitee && n.Role != ToHost {
		return view{}, invalid("role", "must be invitee or host, not %q", n.Role)
	}
	if !n.Start.Before(n.End) {
		return view{}, invalid("end", "must be after start")
	}
	title := HeaderText(n.Title, 200)
	if title == "" {
		return view{}, invalid("title", "required")
	}
	lang := i18n.Match(n.Lang, i18n.Default)
	t := func(key string, vars ...string) string { return i18n.T(lang, key, vars...) }
	who := names(n.Hosts, lang)
	other := who // the other side of the meeting, as the recipient sees it
	if n.Role == ToHost {
		other = HeaderText(n.Invitee.Name, MaxName)
		if other == "" {
			other = n.Invitee.Email
		}
	}
	subject := func(key string) string {
		return t(key, "title", title, "other", other, "when", ShortWhen(n.Start, n.Zone, lang))
	}
	body := func(key string) string { return t(key, "title", title, "other", other) }
	v := view{Org: HeaderText(n.Brand.OrgName, 200), Color: n.Brand.Color, Lang: lang}
	if !colorPattern.MatchString(v.Color) {
		v.Color = DefaultColor
	}
	say := func(p ...string) {
		for _, s := range p {
			if s = strings.TrimSpace(s); s != "" {
				v.Paragraphs = append(v.Paragraphs, s)
			}
		}
	}
	// withInvite adds the invitation sentence to a paragraph when there is one.
	withInvite := func(p string) string {
		if !n.Invite {
			return p
		}
		return t("sentences", "first", p, "second", t("body.inviteAttached"))
	}
	invitee := n.Role == ToInvitee
	switch n.Kind {
	case Confirmed:
		if invitee {
			v.Subject, v.Headline = subject("subject.confirmed"), t("headline.booked")
			say(n.Brand.Intro, withInvite(body("body.confirmed.invitee")))
		} else {
			v.Subject, v.Headline = subject("subject.newBooking"), t("headline.newBooking")
			say(withInvite(body("body.confirmed.host")))
		}
	case Requested:
		if invitee {
			v.Subject, v.Headline = subject("subject.requestReceived"), t("headline.requestReceived")
			say(body("body.requested.invitee"), t("body.requested.held"))
		} else {
			v.Subject, v.Headline = subject("subject.approvalNeeded"), t("headline.confirmOrDecline")
			say(body("body.requested.host"))
		}
	case Approved:
		if invitee {
			v.Subject, v.Headline = subject("subject.confirmed"), t("headline.yourBookingConfirmed")
			say(withInvite(body("body.approved.invitee")))
		} else {
			v.Subject, v.Headline = subject("subject.confirmed"), t("headline.bookingConfirmed")
			say(withInvite(body("body.approved.host")))
		}
	case Declined:
		if invitee {
			v.Subject, v.Headline = subject("subject.declined"), t("headline.yourRequestDeclined")
			say(body("body.declined.invitee"))
		} else {
			v.Subject, v.Headline = subject("subject.declined"), t("headline.requestDeclined")
			say(body("body.declined.host"))
		}
	case Rescheduled:
		if invitee {
			v.Subject, v.Headline = subject("subject.rescheduled"), t("headline.yourBookingMoved")
			say(withInvite(body("body.rescheduled.invitee")))
		} else {
			v.Subject, v.Headline = subject("subject.rescheduled"), t("headline.bookingMoved")
			say(withInvite(body("body.rescheduled.host")))
		}
	case Cancelled:
		v.Subject = subject("subject.cancelled")
		switch {
		case invitee && n.ByHost:
			v.Headline = t("headline.cancelledByHost")
			say(body("body.cancelled.inviteeByHost"))
		case invitee:
			v.Headline = t("headline.youCancelled")
			say(body("body.cancelled.invitee"))
		case n.ByHost:
			v.Headline = t("headline.bookingCancelled")
			say(body("body.cancelled.hostByHost"))
		default:
			v.Headline = t("headline.bookingCancelled")
			say(body("body.cancelled.host"))
		}
		if n.Invite {
			say(t("body.cancelled.invite"))
		}
	case Reminder:
		v.Subject, v.Headline = subject("subject.reminder"), t("headline.reminder")
		say(body("body.reminder"))
	case PaymentRefunded:
		if !invitee {
			return view{}, invalid("role", "a refund notice goes to the invitee")
		}
		v.Subject, v.Headline = subject("subject.paymentRefunded"), t("headline.paymentRefunded")
		say(body("body.paymentRefunded.invitee"))
	case RefundIssued:
		if !invitee {
			return view{}, invalid("role", "a refund notice goes to the invitee")
		}
		v.Subject, v.Headline = subject("subject.refundIssued"), t("headline.refundIssued")
		say(body("body.refundIssued.invitee"))
	default:
		return view{}, invalid("kind", "unknown kind %q", n.Kind)
	}

	v.Rows = append(v.Rows, row{t("label.when"), []string{When(n.Start, n.End, n.Zone, lang)}})
	if n.Kind == Rescheduled && !n.PreviousStart.IsZero() {
		v.Rows = append(v.Rows, row{t("label.was"), []string{When(n.PreviousStart, n.PreviousStart.Add(n.End.Sub(n.Start)), n.Zone, lang)}})
	}
	v.Rows = append(v.Rows, row{t("label.what"), []string{title}})
	if invitee {
		v.Rows = append(v.Rows, row{t("label.with"), []string{who}})
	} else {
		v.Rows = append(v.Rows, row{t("label.with"), []string{strings.TrimSpace(other + " <" + n.Invitee.Email + ">")}})
	}
	if loc := strings.TrimSpace(n.Location); loc == "google_meet" {
		v.Rows = append(v.Rows, row{t("label.where"), []string{t("where.googleMeet")}})
	} else if loc != "" {
		v.Rows = append(v.Rows, row{t("label.where"), lines(loc)})
	}
	if invitee && strings.TrimSpace(n.Description) != "" && n.Kind != Cancelled && n.Kind != Declined {
		v.Rows = append(v.Rows, row{t("label.about"), lines(n.Description)})
	}
	if strings.TrimSpace(n.Notes) != "" {
		v.Rows = append(v.Rows, row{t("label.notes"), lines(n.Notes)})
	}
	for _, a := range n.Answers {
		if q := HeaderText(a.Question, 200); q != "" && strings.TrimSpace(a.Answer) != "" {
			v.Rows = append(v.Rows, row{q, lines(a.Answer)})
		}
	}
	if (n.Kind == Cancelled || n.Kind == Declined) && strings.TrimSpace(n.Reason) != "" {
		v.Rows = append(v.Rows, row{t("label.reason"), lines(n.Reason)})
	}
	if n.Paid > 0 {
		v.Rows = append(v.Rows, row{t("label.paid"), []string{Money(n.Paid, n.Currency, n.Lang)}})
	}
	if n.Refunded > 0 {
		v.Rows = append(v.Rows, row{t("label.refunded"), []string{Money(n.Refunded, n.Currency, n.Lang)}})
	}

	switch {
	case invitee && (n.Kind == Cancelled || n.Kind == Declined || n.Kind == PaymentRefunded || n.Kind == RefundIssued):
		if n.BookURL != "" {
			v.Action = &link{t("button.bookAgain"), n.BookURL}
		}
	case invitee:
		if n.ManageURL != "" {
			v.Action = &link{t("button.manage"), n.ManageURL}
		}
	case n.AdminURL != "":
		label := t("button.open")
		if n.Kind == Requested {
			label = t("button.confirmOrDecline")
		}
		v.Action = &link{label, n.AdminURL}
	}
	if v.Action != nil && !webURL(v.Action.URL) {
		v.Action = nil
	}
	v.Footer = lines(n.Brand.Signature)
	return v, nil
}

// webURL reports whether s is an absolute http(s) URL: the only links an
// e-mail carries.
func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// plain lays a view out as the text/plain body.
func plain(v view) string {
	var b strings.Builder
	b.WriteString(v.Headline + "\n\n")
	for _, p := range v.Paragraphs {
		b.WriteString(p + "\n\n")
	}
	colon := i18n.T(v.Lang, "label.colon")
	for _, r := range v.Rows {
		b.WriteString(r.Label + colon)
		for i, l := range r.Lines {
			if i > 0 {
				b.WriteString("\n    ")
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
	}
	if v.Action != nil {
		b.WriteString("\n" + v.Action.Label + colon + v.Action.URL + "\n")
	}
	if len(v.Footer) > 0 || v.Org != "" {
		b.WriteString("\n-- \n")
		for _, l := range v.Footer {
			b.WriteString(l + "\n")
		}
		if v.Org != "" {
			b.WriteString(v.Org + "\n")
		}
	}
	return b.String()
}

// names joins host names in lang: "Ana", "Ana and Bo", "Ana, Bo and Cy".
func names(list []string, lang string) string {
	var clean []string
	for _, n := range list {
		if n = HeaderText(n, MaxName); n != "" {
			clean = append(clean, n)
		}
	}
	switch len(clean) {
	case 0:
		return i18n.T(lang, "names.yourHost")
	case 1:
		return clean[0]
	default:
		return i18n.T(lang, "names.last", "list", strings.Join(clean[:len(clean)-1], i18n.T(lang, "names.separator")), "last", clean[len(clean)-1])
	}
}

// lines splits free text into trimmed lines, each without control
// characters, dropping leading and trailing blank ones.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(bodyText(s), "\n") {
		out = append(out, strings.TrimRight(strings.ReplaceAll(l, "\t", "    "), " "))
	}
	for len(out) > 0 && strings.TrimSpace(out[0]) == "" {
		out = out[1:]
	}
	for len(out) > 0 && strings.TrimSpace(out[len(out)-1]) == "" {
		out = out[:len(out)-1]
	}
	return out
}
