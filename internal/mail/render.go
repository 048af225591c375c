package mail

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"net/url"
	"regexp"
	"strings"
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
	who := names(n.Hosts)
	other := who // the other side of the meeting, as the recipient sees it
	if n.Role == ToHost {
		other = HeaderText(n.Invitee.Name, MaxName)
		if other == "" {
			other = n.Invitee.Email
		}
	}
	short := ShortWhen(n.Start, n.Zone)
	v := view{Org: HeaderText(n.Brand.OrgName, 200), Color: n.Brand.Color}
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
	invite := ""
	if n.Invite {
		invite = "The calendar invitation is attached."
	}
	invitee := n.Role == ToInvitee
	switch n.Kind {
	case Confirmed:
		if invitee {
			v.Subject, v.Headline = "Confirmed: "+title+" with "+other+" on "+short, "You're booked"
			say(n.Brand.Intro, "Your booking with "+other+" is confirmed. "+invite)
		} else {
			v.Subject, v.Headline = "New booking: "+title+" with "+other+" on "+short, "New booking"
			say(other + " booked " + title + " with you. " + invite)
		}
	case Requested:
		if invitee {
			v.Subject, v.Headline = "Request received: "+title+" with "+other+" on "+short, "Request received"
			say("Your request was sent to "+other+". You will get another e-mail, with the calendar invitation, once it is confirmed.",
				"The time is held for you until then.")
		} else {
			v.Subject, v.Headline = "Approval needed: "+title+" with "+other+" on "+short, "Please confirm or decline"
			say(other + " asked for " + title + ". The time is held until the request is confirmed or declined.")
		}
	case Approved:
		if invitee {
			v.Subject, v.Headline = "Confirmed: "+title+" with "+other+" on "+short, "Your booking is confirmed"
			say(other + " confirmed your booking. " + invite)
		} else {
			v.Subject, v.Headline = "Confirmed: "+title+" with "+other+" on "+short, "Booking confirmed"
			say("The booking with " + other + " is confirmed. " + invite)
		}
	case Declined:
		if invitee {
			v.Subject, v.Headline = "Declined: "+title+" with "+other+" on "+short, "Your request was declined"
			say(other + " could not accept your request for this time. We are sorry.")
		} else {
			v.Subject, v.Headline = "Declined: "+title+" with "+other+" on "+short, "Request declined"
			say("The request from " + other + " was declined; the time is free again.")
		}
	case Rescheduled:
		if invitee {
			v.Subject, v.Headline = "Rescheduled: "+title+" with "+other+" on "+short, "Your booking has moved"
			say("Your booking with " + other + " is now at the time below. " + invite)
		} else {
			v.Subject, v.Headline = "Rescheduled: "+title+" with "+other+" on "+short, "Booking moved"
			say(other + " moved their booking to the time below. " + invite)
		}
	case Cancelled:
		v.Subject = "Cancelled: " + title + " with " + other + " on " + short
		switch {
		case invitee && n.ByHost:
			v.Headline = "Your booking was cancelled"
			say(other + " cancelled your booking. We are sorry for the change of plans.")
		case invitee:
			v.Headline = "Your booking is cancelled"
			say("You cancelled your booking with " + other + ".")
		case n.ByHost:
			v.Headline = "Booking cancelled"
			say("The booking with " + other + " was cancelled; the time is free again.")
		default:
			v.Headline = "Booking cancelled"
			say(other + " cancelled their booking; the time is free again.")
		}
		if n.Invite {
			say("The attached update removes it from your calendar.")
		}
	case Reminder:
		v.Subject, v.Headline = "Reminder: "+title+" with "+other+" on "+short, "Coming up"
		say("A reminder of your booking with " + other + ".")
	default:
		return view{}, invalid("kind", "unknown kind %q", n.Kind)
	}

	v.Rows = append(v.Rows, row{"When", []string{When(n.Start, n.End, n.Zone)}})
	if n.Kind == Rescheduled && !n.PreviousStart.IsZero() {
		v.Rows = append(v.Rows, row{"Was", []string{When(n.PreviousStart, n.PreviousStart.Add(n.End.Sub(n.Start)), n.Zone)}})
	}
	v.Rows = append(v.Rows, row{"What", []string{title}})
	if invitee {
		v.Rows = append(v.Rows, row{"With", []string{who}})
	} else {
		v.Rows = append(v.Rows, row{"With", []string{strings.TrimSpace(other + " <" + n.Invitee.Email + ">")}})
	}
	if loc := strings.TrimSpace(n.Location); loc == "google_meet" {
		v.Rows = append(v.Rows, row{"Where", []string{"Google Meet (the link is in the calendar event)"}})
	} else if loc != "" {
		v.Rows = append(v.Rows, row{"Where", lines(loc)})
	}
	if invitee && strings.TrimSpace(n.Description) != "" && n.Kind != Cancelled && n.Kind != Declined {
		v.Rows = append(v.Rows, row{"About", lines(n.Description)})
	}
	if strings.TrimSpace(n.Notes) != "" {
		v.Rows = append(v.Rows, row{"Notes", lines(n.Notes)})
	}
	for _, a := range n.Answers {
		if q := HeaderText(a.Question, 200); q != "" && strings.TrimSpace(a.Answer) != "" {
			v.Rows = append(v.Rows, row{q, lines(a.Answer)})
		}
	}
	if (n.Kind == Cancelled || n.Kind == Declined) && strings.TrimSpace(n.Reason) != "" {
		v.Rows = append(v.Rows, row{"Reason", lines(n.Reason)})
	}

	switch {
	case invitee && (n.Kind == Cancelled || n.Kind == Declined):
		if n.BookURL != "" {
			v.Action = &link{"Book another time", n.BookURL}
		}
	case invitee:
		if n.ManageURL != "" {
			v.Action = &link{"Reschedule or cancel", n.ManageURL}
		}
	case n.AdminURL != "":
		label := "Open the booking"
		if n.Kind == Requested {
			label = "Confirm or decline"
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
	for _, r := range v.Rows {
		b.WriteString(r.Label + ": ")
		for i, l := range r.Lines {
			if i > 0 {
				b.WriteString("\n    ")
			}
			b.WriteString(l)
		}
		b.WriteString("\n")
	}
	if v.Action != nil {
		b.WriteString("\n" + v.Action.Label + ": " + v.Action.URL + "\n")
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

// names joins host names: "Ana", "Ana and Bo", "Ana, Bo and Cy".
func names(list []string) string {
	var clean []string
	for _, n := range list {
		if n = HeaderText(n, MaxName); n != "" {
			clean = append(clean, n)
		}
	}
	switch len(clean) {
	case 0:
		return "your host"
	case 1:
		return clean[0]
	default:
		return strings.Join(clean[:len(clean)-1], ", ") + " and " + clean[len(clean)-1]
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
