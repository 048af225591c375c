package fakegraph

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// mailboxZone is the zone the fake renders times in when the client does
// not ask for UTC (Graph's default is the mailbox's zone, here Pacific).
const mailboxZone, mailboxWindows = "America/Los_Angeles", "Pacific Standard Time"

const wallLayout = "2006-01-02T15:04:05.0000000"

type wireTime struct {
	DateTime string `json:"dateTime"`
	TimeZone string `json:"timeZone"`
}

// wireEvent is Graph's JSON event (the fields the fake knows).
type wireEvent struct {
	ID                    string    `json:"id,omitempty"`
	Removed               any       `json:"@removed,omitempty"`
	TransactionID         string    `json:"transactionId,omitempty"`
	Subject               string    `json:"subject,omitempty"`
	Start                 *wireTime `json:"start,omitempty"`
	End                   *wireTime `json:"end,omitempty"`
	IsAllDay              bool      `json:"isAllDay"`
	IsCancelled           bool      `json:"isCancelled"`
	ShowAs                string    `json:"showAs,omitempty"`
	OriginalStartTimeZone string    `json:"originalStartTimeZone,omitempty"`
	IsOnlineMeeting       *bool     `json:"isOnlineMeeting,omitempty"`
	OnlineMeetingProvider string    `json:"onlineMeetingProvider,omitempty"`
	OnlineMeeting         *struct {
		JoinURL string `json:"joinUrl"`
	} `json:"onlineMeeting,omitempty"`
	Attendees []struct {
		EmailAddress struct {
			Address string `json:"address"`
		} `json:"emailAddress"`
	} `json:"attendees,omitempty"`
}

// render is ev as Graph answers it, times in UTC or the mailbox zone.
func render(ev Event, utc bool) wireEvent {
	loc, name := time.UTC, "UTC"
	if !utc {
		loc, _ = time.LoadLocation(mailboxZone)
		name = mailboxWindows
	}
	wt := func(t time.Time) *wireTime {
		if ev.AllDay { // all-day events keep their dates whatever the zone
			return &wireTime{DateTime: t.Format("2006-01-02") + "T00:00:00.0000000", TimeZone: name}
		}
		return &wireTime{DateTime: t.In(loc).Format(wallLayout), TimeZone: name}
	}
	on := ev.Teams
	w := wireEvent{ID: ev.ID, TransactionID: ev.TransactionID, Subject: ev.Subject, Start: wt(ev.Start), End: wt(ev.End),
		IsAllDay: ev.AllDay, IsCancelled: ev.Cancelled, ShowAs: ev.ShowAs, OriginalStartTimeZone: ev.TimeZone, IsOnlineMeeting: &on}
	if w.ShowAs == "" {
		w.ShowAs = "busy"
	}
	if ev.Teams {
		w.OnlineMeetingProvider = "teamsForBusiness"
		w.OnlineMeeting = &struct {
			JoinURL string `json:"joinUrl"`
		}{JoinURL: ev.JoinURL}
	}
	return w
}

// prefers reads the Prefer headers: UTC times and the page size.
func (s *Server) prefers(r *http.Request) (utc bool, size int) {
	size = s.pageSize
	for _, h := range r.Header.Values("Prefer") {
		for _, p := range strings.Split(h, ",") {
			p = strings.TrimSpace(p)
			if strings.EqualFold(p, `outlook.timezone="UTC"`) {
				utc = true
			}
			if v, ok := strings.CutPrefix(p, "odata.maxpagesize="); ok {
				if n, err := strconv.Atoi(v); err == nil && n > 0 && (size == 0 || n < size) {
					size = n
				}
			}
		}
	}
	if size <= 0 {
		size = 50
	}
	return utc, size
}

// cursor is what the fake's $skiptoken and $deltatoken carry.
type cursor struct {
	Gen      int    `json:"g"`
	Inc      bool   `json:"i"` // an incremental round: changes after Since
	Since    int64  `json:"s"`
	From     int64  `json:"f"` // window, Unix seconds
	To       int64  `json:"t"`
	Offset   int    `json:"o"`
	Calendar string `json:"c"`
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c)
	return hex.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	raw, err := hex.DecodeString(s)
	if err != nil {
		return cursor{}, false
	}
	var c cursor
	return c, json.Unmarshal(raw, &c) == nil
}

// delta serves calendarView/delta: a first request with startDateTime and
// endDateTime, then $skiptoken pages and $deltatoken rounds.
func (s *Server) delta(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var cur cursor
	switch tok := q.Get("$skiptoken") + q.Get("$deltatoken"); {
	case tok != "":
		c, ok := decodeCursor(tok)
		if !ok {
			graphError(w, http.StatusBadRequest, "BadRequest", "invalid token")
			return
		}
		if c.Gen != s.gen {
			graphError(w, http.StatusGone, "SyncStateNotFound", "The sync state generation is not found.")
			return
		}
		cur = c
		if q.Get("$deltatoken") != "" {
			cur.Offset = 0
		}
	default:
		from, err1 := time.Parse(time.RFC3339, q.Get("startDateTime"))
		to, err2 := time.Parse(time.RFC3339, q.Get("endDateTime"))
		if err1 != nil || err2 != nil || !from.Before(to) {
			graphError(w, http.StatusBadRequest, "ErrorInvalidParameter", "startDateTime and endDateTime are required ISO 8601 instants")
			return
		}
		cur = cursor{Gen: s.gen, From: from.Unix(), To: to.Unix(), Calendar: r.PathValue("cal")}
	}
	utc, size := s.prefers(r)
	from, to := time.Unix(cur.From, 0).UTC(), time.Unix(cur.To, 0).UTC()

	var rows []wireEvent
	for _, e := range s.events {
		if e.Calendar != cur.Calendar || e.seq <= cur.Since {
			continue
		}
		if e.Start.Before(to) && from.Before(e.End) {
			rows = append(rows, render(e.Event, utc))
		} else if cur.Inc { // moved out of the window
			rows = append(rows, wireEvent{ID: e.ID, Removed: map[string]string{"reason": "deleted"}})
		}
	}
	if cur.Inc {
		for id, seq := range s.gone {
			if seq > cur.Since {
				rows = append(rows, wireEvent{ID: id, Removed: map[string]string{"reason": "deleted"}})
			}
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
	page := rows[min(cur.Offset, len(rows)):]
	out := map[string]any{}
	link := s.URL + r.URL.Path + "?"
	if len(page) > size {
		page = page[:size]
		next := cur
		next.Offset += size
		out["@odata.nextLink"] = link + url.Values{"$skiptoken": {next.encode()}}.Encode()
	} else {
		next := cursor{Gen: s.gen, Inc: true, Since: s.seq, From: cur.From, To: cur.To, Calendar: cur.Calendar}
		out["@odata.deltaLink"] = link + url.Values{"$deltatoken": {next.encode()}}.Encode()
	}
	out["value"] = page
	writeJSON(w, http.StatusOK, out)
}

// parseWire reads a dateTimeTimeZone the client sent.
func parseWire(t *wireTime) (time.Time, error) {
	if t == nil {
		return time.Time{}, fmt.Errorf("missing")
	}
	name := t.TimeZone
	if name == mailboxWindows {
		name = mailboxZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.Time{}, err
	}
	return time.ParseInLocation("2006-01-02T15:04:05.9999999", t.DateTime, loc)
}

// apply copies the fields present in body onto ev.
func apply(ev *Event, body wireEvent) error {
	if body.Subject != "" {
		ev.Subject = body.Subject
	}
	if body.Start != nil || body.End != nil {
		st, err1 := parseWire(body.Start)
		en, err2 := parseWire(body.End)
		if err1 != nil || err2 != nil || !st.Before(en) {
			return fmt.Errorf("start and end must be dateTimeTimeZone values with start before end")
		}
		ev.Start, ev.End = st.UTC(), en.UTC()
	}
	if body.ShowAs != "" {
		ev.ShowAs = body.ShowAs
	}
	if body.Attendees != nil {
		ev.Attendees = nil
		for _, a := range body.Attendees {
			ev.Attendees = append(ev.Attendees, a.EmailAddress.Address)
		}
	}
	if body.IsOnlineMeeting != nil {
		ev.Teams = *body.IsOnlineMeeting && body.OnlineMeetingProvider == "teamsForBusiness"
		if ev.Teams && ev.JoinURL == "" {
			ev.JoinURL = "https://teams.microsoft.com/l/meetup-join/" + ev.ID
		}
	}
	return nil
}

// create serves POST …/events. A transactionId already used by a live
// event answers that event (201) instead of making a second one.
func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var body wireEvent
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		graphError(w, http.StatusBadRequest, "RequestBodyRead", err.Error())
		return
	}
	if id, ok := s.txns[body.TransactionID]; ok && body.TransactionID != "" {
		writeJSON(w, http.StatusCreated, render(s.events[id].Event, true))
		return
	}
	ev := Event{ID: random("AAMk-"), TransactionID: body.TransactionID, Calendar: r.PathValue("cal")}
	if body.Start == nil || body.End == nil {
		graphError(w, http.StatusBadRequest, "ErrorInvalidRequest", "start and end are required")
		return
	}
	if err := apply(&ev, body); err != nil {
		graphError(w, http.StatusBadRequest, "ErrorInvalidRequest", err.Error())
		return
	}
	s.put(ev)
	writeJSON(w, http.StatusCreated, render(ev, true))
}

// lookup finds the event of the path's id or answers Graph's 404.
func (s *Server) lookup(w http.ResponseWriter, r *http.Request) (*stored, bool) {
	e, ok := s.events[r.PathValue("id")]
	if !ok {
		notFound(w)
	}
	return e, ok
}

func notFound(w http.ResponseWriter) {
	graphError(w, http.StatusNotFound, "ErrorItemNotFound", "The specified object was not found in the store.")
}

func (s *Server) get(w http.ResponseWriter, r *http.Request) {
	e, ok := s.lookup(w, r)
	if !ok {
		return
	}
	utc, _ := s.prefers(r)
	writeJSON(w, http.StatusOK, render(e.Event, utc))
}

func (s *Server) patch(w http.ResponseWriter, r *http.Request) {
	e, ok := s.lookup(w, r)
	if !ok {
		return
	}
	var body wireEvent
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		graphError(w, http.StatusBadRequest, "RequestBodyRead", err.Error())
		return
	}
	ev := e.Event
	if err := apply(&ev, body); err != nil {
		graphError(w, http.StatusBadRequest, "ErrorInvalidRequest", err.Error())
		return
	}
	s.put(ev)
	writeJSON(w, http.StatusOK, render(ev, true))
}

func (s *Server) remove(w http.ResponseWriter, r *http.Request) {
	if !s.delete(r.PathValue("id")) {
		notFound(w)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
