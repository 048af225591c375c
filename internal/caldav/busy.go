package caldav

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emersion/go-webdav/caldav"

	"github.com/slotbase/slotbase/internal/calendar"
)

// ObjectBusy and Changes are internal/calendar's, shared with Microsoft's
// client (Changes carries this package's SyncState).
type (
	ObjectBusy = calendar.ObjectBusy
	Changes    = calendar.Changes[SyncState]
)

// SyncState is what the caller keeps between syncs of one calendar.
type SyncState struct {
	SyncToken string // RFC 6578 token, when the server offers them
	CTag      string // collection ctag, the fallback change marker
}

// Busy asks the server, live, which parts of [from, to) are busy in
// calendar calPath: a calendar-query REPORT with a time-range filter,
// recurring events expanded here with their exceptions. (Radicale 3.1 does
// not implement the server-side <expand>, and expanding here keeps the
// same rules for every server.)
func (c *Client) Busy(ctx context.Context, calPath string, from, to time.Time) ([]BusyBlock, error) {
	objs, err := c.queryRange(ctx, calPath, from, to)
	if err != nil {
		return nil, err
	}
	return c.Blocks(objs, from, to).Blocks(), nil
}

// Blocks expands fetched objects into per-object busy time (unparseable
// objects count as free rather than failing the calendar, see expandObject).
func (c *Client) Blocks(objs []caldav.CalendarObject, from, to time.Time) Changes {
	var ch Changes
	for _, o := range objs {
		ch.Objects = append(ch.Objects, c.expandObject(o, from, to))
	}
	return ch
}

// expandObject expands one object; a broken object (a bad RRULE, an
// unknown TZID) yields no blocks so that one event cannot stop a whole
// calendar from syncing.
func (c *Client) expandObject(o caldav.CalendarObject, from, to time.Time) ObjectBusy {
	key := ObjectKey(o.Path)
	if o.Data == nil {
		return ObjectBusy{Key: key}
	}
	bs, err := BusyFromCalendar(o.Data, key, from, to, c.loc)
	if err != nil {
		return ObjectBusy{Key: key}
	}
	return ObjectBusy{Key: key, Blocks: bs}
}

// queryRange runs a calendar-query REPORT for the VEVENTs of calPath that
// overlap [from, to) (the server matches recurring events by any instance).
func (c *Client) queryRange(ctx context.Context, calPath string, from, to time.Time) ([]caldav.CalendarObject, error) {
	q := &caldav.CalendarQuery{
		CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		// A day wider on each side: servers read all-day and floating
		// events in their own zone; the expansion clips to [from, to).
		CompFilter: caldav.CompFilter{Name: "VCALENDAR", Comps: []caldav.CompFilter{{
			Name: "VEVENT", Start: from.Add(-24 * time.Hour).UTC(), End: to.Add(24 * time.Hour).UTC(),
		}}},
	}
	objs, err := func() (objs []caldav.CalendarObject, err error) {
		defer recoverParse(&err) // go-webdav decodes each object with go-ical
		return c.dav.QueryCalendar(ctx, dirPath(calPath), q)
	}()
	if err != nil {
		return nil, fmt.Errorf("busy time of %s: %w", calPath, err)
	}
	return objs, nil
}

// Sync brings the busy time of calendar calPath in [from, to) up to date
// since state. With a sync token it asks only for the delta
// (sync-collection REPORT); a server without tokens is polled by ctag
// (unchanged ctag: nothing to do; changed: a full time-range query). An
// empty or stale state starts a full sync. Occurrences of unchanged
// recurring events that enter the window as it moves are only seen by a
// full sync: callers run one daily (an empty SyncState).
func (c *Client) Sync(ctx context.Context, calPath string, state SyncState, from, to time.Time) (Changes, error) {
	calPath = dirPath(calPath)
	if state.SyncToken != "" {
		ch, err := c.delta(ctx, calPath, state.SyncToken, from, to)
		if !errors.Is(err, ErrSyncToken) {
			return ch, err
		}
	}
	markers, err := c.changeMarkers(ctx, calPath, "0")
	if err != nil {
		return Changes{}, fmt.Errorf("sync %s: %w", calPath, err)
	}
	m := markers[calPath]
	if state.SyncToken == "" && state.CTag != "" && m.SyncToken == "" && m.CTag == state.CTag {
		return Changes{State: state}, nil // polled by ctag: nothing changed
	}
	// Full sync: take the token first, so a change racing the query is
	// reported again by the next delta (replaying a change is harmless).
	objs, err := c.queryRange(ctx, calPath, from, to)
	if err != nil {
		return Changes{}, err
	}
	ch := c.Blocks(objs, from, to)
	ch.Full = true
	ch.State = SyncState{SyncToken: m.SyncToken, CTag: m.CTag}
	return ch, nil
}

// delta runs a sync-collection REPORT from token and fetches the changed
// objects' data with a calendar-multiget.
func (c *Client) delta(ctx context.Context, calPath, token string, from, to time.Time) (Changes, error) {
	q := &xmlSyncCollection{SyncToken: token, SyncLevel: "1"}
	q.Prop.ETag = &struct{}{}
	ms, err := c.xmlRequest(ctx, "REPORT", calPath, "", q)
	if err != nil {
		var se *StatusError
		if errors.As(err, &se) && (se.Status == 403 || se.Status == 409 || se.Status == 400) {
			return Changes{}, ErrSyncToken // RFC 6578 §3.2: valid-sync-token precondition
		}
		return Changes{}, fmt.Errorf("sync %s: %w", calPath, err)
	}
	ch := Changes{State: SyncState{SyncToken: ms.SyncToken}}
	var changed []string
	for _, r := range ms.Responses {
		p := hrefPath(r.Href)
		if dirPath(p) == calPath || !strings.HasSuffix(p, ".ics") {
			continue
		}
		if strings.Contains(r.Status, " 404") {
			ch.Removed = append(ch.Removed, ObjectKey(p))
			continue
		}
		changed = append(changed, p)
	}
	if len(changed) == 0 {
		return ch, nil
	}
	objs, err := func() (objs []caldav.CalendarObject, err error) {
		defer recoverParse(&err) // go-webdav decodes each object with go-ical
		return c.dav.MultiGetCalendar(ctx, calPath, &caldav.CalendarMultiGet{
			Paths:       changed,
			CompRequest: caldav.CalendarCompRequest{Name: "VCALENDAR", AllProps: true, AllComps: true},
		})
	}()
	if err != nil {
		return Changes{}, fmt.Errorf("sync %s: fetching %d changed events: %w", calPath, len(changed), err)
	}
	got := c.Blocks(objs, from, to)
	ch.Objects = got.Objects
	return ch, nil
}
