package msgraph

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/slotbase/slotbase/internal/calendar"
)

// BusyBlock, ObjectBusy and Changes are internal/calendar's, shared with
// the CalDAV client. A block's SourceID is "<event id>/<start UTC RFC
// 3339>"; an occurrence of a series is an event of its own in a calendar
// view.
type (
	BusyBlock  = calendar.BusyBlock
	ObjectBusy = calendar.ObjectBusy
	Changes    = calendar.Changes[SyncState]
)

// SyncState is what the caller keeps between syncs of one calendar.
type SyncState struct {
	// DeltaLink is Graph's @odata.deltaLink of the last complete round. It
	// fixes the window of the round that made it; run a full sync (empty
	// state) daily so the window moves. Store it like a secret-less cursor;
	// it is useless without the account's token, but never log it.
	DeltaLink string
}

// PageSize is the page size Sync asks Graph for (Prefer: odata.maxpagesize).
const PageSize = 100

// maxPages bounds one round, so a server looping its links cannot hold a sync.
const maxPages = 10000

// deltaPage is one answer of calendarView/delta.
type deltaPage struct {
	Value     []graphEvent `json:"value"`
	NextLink  string       `json:"@odata.nextLink"`
	DeltaLink string       `json:"@odata.deltaLink"`
}

// Sync runs one calendarView delta round on calendarID ("" = the default
// calendar): with an empty state a full round over [from, to), else the
// changes since state's delta link (its window). It follows every
// @odata.nextLink and keeps the final @odata.deltaLink. A delta link Graph
// no longer knows (410 Gone, syncStateNotFound) starts a full round.
func (c *Client) Sync(ctx context.Context, calendarID string, state SyncState, from, to time.Time) (Changes, error) {
	if state.DeltaLink != "" {
		ch, err := c.round(ctx, state.DeltaLink, false)
		if !errors.Is(err, ErrSyncState) {
			return ch, err
		}
	}
	if !from.Before(to) {
		return Changes{}, fmt.Errorf("window: from must be before to")
	}
	q := url.Values{}
	q.Set("startDateTime", from.UTC().Format(time.RFC3339))
	q.Set("endDateTime", to.UTC().Format(time.RFC3339))
	return c.round(ctx, c.endpoint(calendarPath(calendarID)+"/calendarView/delta", q), true)
}

// round follows one delta round from link to its delta link.
func (c *Client) round(ctx context.Context, link string, full bool) (Changes, error) {
	ch := Changes{Full: full}
	for page := 0; page < maxPages; page++ {
		var p deltaPage
		err := c.do(ctx, request{op: "calendarView delta", method: "GET", url: link,
			prefer: []string{`outlook.timezone="UTC"`, fmt.Sprintf("odata.maxpagesize=%d", PageSize)}}, &p)
		if err != nil {
			return Changes{}, err
		}
		for _, ev := range p.Value {
			if ev.Removed != nil {
				ch.Removed = append(ch.Removed, ev.ID)
				continue
			}
			ch.Objects = append(ch.Objects, ObjectBusy{Key: ev.ID, Blocks: c.blocks(ev)})
		}
		switch {
		case p.NextLink != "":
			link = p.NextLink
		case p.DeltaLink != "":
			ch.State = SyncState{DeltaLink: p.DeltaLink}
			return ch, nil
		default:
			return Changes{}, fmt.Errorf("calendarView delta: Graph's page has neither a next nor a delta link")
		}
	}
	return Changes{}, fmt.Errorf("calendarView delta: more than %d pages", maxPages)
}

// blocks is the busy time of one event: none when it is free, cancelled or
// slotbase's own booking (bookings block slots by themselves) or unreadable.
func (c *Client) blocks(ev graphEvent) []BusyBlock {
	if ev.IsCancelled || strings.EqualFold(ev.ShowAs, "free") || IsOwnTransaction(ev.TransactionID) {
		return nil
	}
	start, end, ok := c.span(ev)
	if !ok || !start.Before(end) {
		return nil
	}
	return []BusyBlock{{SourceID: ev.ID + "/" + start.Format(time.RFC3339), Start: start, End: end}}
}

// span reads an event's instants. Timed events come in UTC (we ask with
// Prefer: outlook.timezone="UTC"), but any zone Graph names is honoured.
// All-day events are whole days in the event's own zone (the account's
// Location when Graph's zone name is unknown): 23 or 25 hours on DST days.
func (c *Client) span(ev graphEvent) (time.Time, time.Time, bool) {
	if ev.IsAllDay {
		sd, ok1 := parseDate(ev.Start.DateTime)
		ed, ok2 := parseDate(ev.End.DateTime)
		if !ok1 || !ok2 {
			return time.Time{}, time.Time{}, false
		}
		loc := zone(ev.OriginalStartTimeZone, c.cfg.Location)
		return midnight(sd, loc), midnight(ed, loc), true
	}
	s, ok1 := ev.Start.instant(c.cfg.Location)
	e, ok2 := ev.End.instant(c.cfg.Location)
	return s, e, ok1 && ok2
}

// calendarPath is the Graph path of a calendar ("" = the default one).
func calendarPath(id string) string {
	if id == "" {
		return "/me/calendar"
	}
	return "/me/calendars/" + url.PathEscape(id)
}
