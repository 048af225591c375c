package gcal

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/api/calendar/v3"
)

// SyncLookBack is how far before now a full sync starts reading events.
const SyncLookBack = 24 * time.Hour

// maxPages bounds one sync run (250 events a page by default).
const maxPages = 2000

// Changes is what one sync of one calendar found.
type Changes struct {
	CalendarID string
	// Full means the blocks are the calendar's complete busy time: the cache
	// of this calendar must be replaced, not patched (first sync, or a stale
	// sync token that Google answered with 410).
	Full bool
	// Upserts are blocks to insert or update (by SourceID).
	Upserts []BusyBlock
	// Deletes are source ids that no longer make the host busy.
	Deletes []string
	// SyncToken is the token of the next incremental sync.
	SyncToken string
}

// SyncOptions tune a sync run.
type SyncOptions struct {
	// PageSize is the events per page asked for (0 = Google's default, 250).
	PageSize int64
}

// SyncCalendar brings one calendar's busy time up to date. With an empty
// syncToken it reads every event from now−SyncLookBack on (a full sync);
// otherwise only the changes since the token. A stale token (410 Gone) falls
// back to a clean full sync, reported with Full set.
func SyncCalendar(ctx context.Context, svc *calendar.Service, calendarID, syncToken string, now time.Time, opt SyncOptions) (Changes, error) {
	if syncToken != "" {
		ch, err := listChanges(ctx, svc, calendarID, syncToken, now, opt)
		if !IsGone(err) {
			return ch, err
		}
	}
	return listChanges(ctx, svc, calendarID, "", now, opt)
}

func listChanges(ctx context.Context, svc *calendar.Service, calendarID, syncToken string, now time.Time, opt SyncOptions) (Changes, error) {
	ch := Changes{CalendarID: calendarID, Full: syncToken == ""}
	pageToken := ""
	for page := 0; ; page++ {
		if page >= maxPages {
			return ch, fmt.Errorf("calendar %q: more than %d pages of events", calendarID, maxPages)
		}
		call := svc.Events.List(calendarID).Context(ctx).SingleEvents(true)
		if opt.PageSize > 0 {
			call.MaxResults(opt.PageSize)
		}
		if syncToken != "" {
			call.SyncToken(syncToken)
		} else {
			call.TimeMin(now.Add(-SyncLookBack).UTC().Format(time.RFC3339))
		}
		if pageToken != "" {
			call.PageToken(pageToken)
		}
		res, err := call.Do()
		if err != nil {
			return ch, classify(err)
		}
		loc := time.UTC
		if res.TimeZone != "" {
			if l, err := time.LoadLocation(res.TimeZone); err == nil {
				loc = l
			}
		}
		for _, ev := range res.Items {
			if b, ok := BusyFromEvent(calendarID, ev, loc); ok {
				ch.Upserts = append(ch.Upserts, b)
			} else if !ch.Full && ev != nil && ev.Id != "" {
				ch.Deletes = append(ch.Deletes, SourceID(calendarID, ev.Id))
			}
		}
		if res.NextPageToken == "" {
			ch.SyncToken = res.NextSyncToken
			return ch, nil
		}
		pageToken = res.NextPageToken
	}
}

// FreeBusy asks Google, live, which parts of [from, to) are busy in the
// given calendars. Callers bound ctx tightly (slotbase: about 2 s) and fall
// back to the cached busy blocks when it fails.
func FreeBusy(ctx context.Context, svc *calendar.Service, calendarIDs []string, from, to time.Time) ([]BusyBlock, error) {
	req := &calendar.FreeBusyRequest{TimeMin: from.UTC().Format(time.RFC3339), TimeMax: to.UTC().Format(time.RFC3339)}
	for _, id := range calendarIDs {
		req.Items = append(req.Items, &calendar.FreeBusyRequestItem{Id: id})
	}
	res, err := svc.Freebusy.Query(req).Context(ctx).Do()
	if err != nil {
		return nil, classify(err)
	}
	var out []BusyBlock
	for id, cal := range res.Calendars {
		if len(cal.Errors) > 0 {
			return nil, fmt.Errorf("freeBusy: calendar %q: %s", id, cal.Errors[0].Reason)
		}
		for _, p := range cal.Busy {
			s, err1 := time.Parse(time.RFC3339, p.Start)
			e, err2 := time.Parse(time.RFC3339, p.End)
			if err1 != nil || err2 != nil || !e.After(s) {
				continue
			}
			out = append(out, BusyBlock{SourceID: "freebusy/" + CalendarKey(id) + "/" + s.UTC().Format("20060102T150405Z"), Start: s.UTC(), End: e.UTC()})
		}
	}
	return out, nil
}
