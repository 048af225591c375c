package caldav

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
)

// Calendar is one calendar collection of the account.
type Calendar struct {
	// Path is the collection's path on the server, ending in "/"; it is
	// the id the caller stores (busy calendars, write calendar).
	Path string
	// Name is the display name the user gave it.
	Name string
	// Components are the component kinds it accepts ("VEVENT", "VTODO"…);
	// empty when the server does not say (then it accepts all).
	Components []string
	// CTag changes whenever anything in the calendar changes (when offered).
	CTag string
	// SyncToken is the current RFC 6578 token ("" when the server offers none).
	SyncToken string
}

// HoldsEvents reports whether the calendar accepts VEVENTs.
func (cal Calendar) HoldsEvents() bool {
	return len(cal.Components) == 0 || slices.Contains(cal.Components, "VEVENT")
}

// Discover finds the account's calendars that hold events:
// current-user-principal → calendar-home-set → the calendars in it, with
// their ctag and sync token where the server offers them.
func (c *Client) Discover(ctx context.Context) ([]Calendar, error) {
	principal, err := c.dav.FindCurrentUserPrincipal(ctx)
	if err != nil {
		return nil, fmt.Errorf("discover principal: %w", err)
	}
	home, err := c.dav.FindCalendarHomeSet(ctx, principal)
	if err != nil {
		return nil, fmt.Errorf("discover calendar home of %s: %w", principal, err)
	}
	found, err := c.dav.FindCalendars(ctx, home)
	if err != nil {
		return nil, fmt.Errorf("discover calendars in %s: %w", home, err)
	}
	markers, err := c.changeMarkers(ctx, home, "1")
	if err != nil {
		return nil, fmt.Errorf("discover calendars in %s: %w", home, err)
	}
	var cals []Calendar
	for _, f := range found {
		cal := Calendar{Path: dirPath(f.Path), Name: f.Name, Components: upper(f.SupportedComponentSet)}
		if !cal.HoldsEvents() {
			continue
		}
		m := markers[cal.Path]
		cal.CTag, cal.SyncToken = m.CTag, m.SyncToken
		cals = append(cals, cal)
	}
	if len(cals) == 0 {
		return nil, ErrNoCalendar
	}
	return cals, nil
}

// marker is a collection's change state.
type marker struct{ CTag, SyncToken string }

// changeMarkers reads getctag and sync-token of collection p (depth "0")
// or of its children (depth "1"), keyed by path.
func (c *Client) changeMarkers(ctx context.Context, p, depth string) (map[string]marker, error) {
	q := &xmlPropfind{}
	q.Prop.CTag, q.Prop.SyncToken = &struct{}{}, &struct{}{}
	ms, err := c.xmlRequest(ctx, "PROPFIND", p, depth, q)
	if err != nil {
		return nil, err
	}
	out := map[string]marker{}
	for _, r := range ms.Responses {
		var m marker
		for _, ps := range r.Propstats {
			if !statusOK(ps.Status) {
				continue
			}
			if ps.Prop.CTag != "" {
				m.CTag = ps.Prop.CTag
			}
			if ps.Prop.SyncToken != "" {
				m.SyncToken = ps.Prop.SyncToken
			}
		}
		out[dirPath(hrefPath(r.Href))] = m
	}
	return out, nil
}

// xmlRequest sends an XML body and decodes a 207 multistatus.
func (c *Client) xmlRequest(ctx context.Context, method, p, depth string, body any) (*xmlMultistatus, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(body); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.resolve(p), &buf)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `application/xml; charset="utf-8"`)
	if depth != "" {
		req.Header.Set("Depth", depth)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, &StatusError{Op: method + " " + p, Status: resp.StatusCode}
	}
	var ms xmlMultistatus
	if err := xml.NewDecoder(resp.Body).Decode(&ms); err != nil {
		return nil, fmt.Errorf("%s %s: reading the answer: %w", method, p, err)
	}
	return &ms, nil
}

// hrefPath returns the unescaped path of an href (absolute URL or path).
func hrefPath(href string) string {
	u, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return href
	}
	return u.Path
}

// dirPath makes a collection path end in exactly one "/".
func dirPath(p string) string {
	return strings.TrimSuffix(path.Clean("/"+p), "/") + "/"
}

func upper(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToUpper(s)
	}
	return out
}
