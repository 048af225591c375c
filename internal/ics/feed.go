package ics

import "fmt"

// FeedBytes returns a subscribable calendar (method PUBLISH) with one VEVENT
// per event, named name (X-WR-CALNAME, which Apple, Google and Outlook show),
// e.g. a host's private feed of their bookings. Every event is checked as
// Bytes checks it; the first invalid one fails the whole feed, naming its
// index. An empty feed is a valid VCALENDAR with no VEVENT.
func FeedBytes(name, prodID string, events []Event) ([]byte, error) {
	checks := make([]checked, len(events))
	for i, e := range events {
		e.ProdID = prodID
		v, err := check(Publish, e)
		if err != nil {
			return nil, fmt.Errorf("event %d: %w", i, err)
		}
		checks[i] = v
	}
	if prodID == "" {
		prodID = DefaultProdID
	}
	var w contentWriter
	w.line("BEGIN:VCALENDAR")
	w.line("VERSION:2.0")
	w.line("PRODID:" + escapeText(prodID))
	w.line("CALSCALE:GREGORIAN")
	w.line("METHOD:" + string(Publish))
	if s := escapeText(name); s != "" {
		w.line("X-WR-CALNAME:" + s)
	}
	for i, e := range events {
		writeEvent(&w, Publish, e, checks[i])
	}
	w.line("END:VCALENDAR")
	return w.buf.Bytes(), nil
}
