// Package fakegoogle is an in-process stand-in for the parts of Google's
// OAuth and Calendar v3 APIs slotbase uses, for tests that drive the official
// client library against it: authorisation with PKCE, the token endpoint
// (codes, refresh, invalid_grant), freeBusy, events list with pages, sync
// tokens and 410, insert (409 on a duplicate id), get, patch, delete, watch
// and channels/stop, plus switchable faults (5xx, 429, slowness, revoked
// grants) and push notifications on demand.
package fakegoogle

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"google.golang.org/api/calendar/v3"
)

// Server is a fake Google. Create it with New; its URL serves both the OAuth
// endpoints (AuthURL, TokenURL) and the Calendar API (APIBase).
type Server struct {
	// URL is the server's base URL (http://127.0.0.1:port).
	URL string
	// Account is the e-mail of the one Google account; "primary" is its calendar.
	Account string
	// ClientID and ClientSecret are the OAuth client the token endpoint accepts.
	ClientID, ClientSecret string
	// Now is the clock channel expirations are computed on (default
	// time.Now); access tokens always use the real clock, as the client does.
	Now func() time.Time

	mu        sync.Mutex
	srv       *httptest.Server
	tokenTTL  time.Duration
	pageSize  int
	calendars map[string]*fakeCalendar
	codes     map[string]authCode
	refresh   map[string]bool
	access    map[string]time.Time // access token → expiry
	revoked   bool
	failCode  int
	failLeft  int // requests still failing; <0 = until Heal
	slow      time.Duration
	channels  map[string]*channel
	calls     map[string]int
	seq       int64
	n         int
}

type fakeCalendar struct {
	id     string
	tz     string
	gen    int
	events map[string]*storedEvent
}

type storedEvent struct {
	ev  calendar.Event
	seq int64
}

type authCode struct {
	challenge string
	redirect  string
}

type channel struct {
	calendar.Channel
	calendarID string
}

// New starts a fake Google on loopback; Close stops it.
func New() *Server {
	s := &Server{
		Account: "host@example.com", ClientID: "fake-client-id", ClientSecret: "fake-client-secret",
		tokenTTL: time.Hour, pageSize: 250,
		calendars: map[string]*fakeCalendar{}, codes: map[string]authCode{},
		refresh: map[string]bool{}, access: map[string]time.Time{},
		channels: map[string]*channel{}, calls: map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /o/oauth2/auth", s.handleAuth)
	mux.HandleFunc("POST /token", s.handleToken)
	api := func(name string, h func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { s.serveAPI(name, w, r, h) }
	}
	mux.HandleFunc("POST /calendar/v3/freeBusy", api("freebusy", s.freeBusy))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}", api("calendar", s.getCalendar))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events", api("list", s.listEvents))
	mux.HandleFunc("POST /calendar/v3/calendars/{cal}/events", api("insert", s.insertEvent))
	mux.HandleFunc("POST /calendar/v3/calendars/{cal}/events/watch", api("watch", s.watch))
	mux.HandleFunc("GET /calendar/v3/calendars/{cal}/events/{id}", api("get", s.getEvent))
	mux.HandleFunc("PATCH /calendar/v3/calendars/{cal}/events/{id}", api("patch", s.patchEvent))
	mux.HandleFunc("DELETE /calendar/v3/calendars/{cal}/events/{id}", api("delete", s.deleteEvent))
	mux.HandleFunc("POST /calendar/v3/channels/stop", api("stop", s.stopChannel))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AuthURL is the authorisation endpoint.
func (s *Server) AuthURL() string { return s.URL + "/o/oauth2/auth" }

// TokenURL is the token endpoint.
func (s *Server) TokenURL() string { return s.URL + "/token" }

// APIBase is the base to give the client (it appends /calendar/v3/).
func (s *Server) APIBase() string { return s.URL }

// apiError is Google's JSON error body.
type apiError struct {
	code   int
	reason string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, reason, format string, args ...any) error {
	return &apiError{code: code, reason: reason, msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, err error) {
	ae, ok := err.(*apiError)
	if !ok {
		ae = &apiError{code: 500, reason: "backendError", msg: err.Error()}
	}
	writeJSON(w, ae.code, map[string]any{"error": map[string]any{
		"code": ae.code, "message": ae.msg,
		"errors": []map[string]string{{"domain": "global", "reason": ae.reason, "message": ae.msg}},
	}})
}

// serveAPI applies faults, checks the access token, counts the call and runs h.
func (s *Server) serveAPI(name string, w http.ResponseWriter, r *http.Request, h func(http.ResponseWriter, *http.Request) error) {
	s.mu.Lock()
	s.calls[name]++
	slow := s.slow
	fail := 0
	if s.failLeft != 0 {
		fail = s.failCode
		if s.failLeft > 0 {
			s.failLeft--
		}
	}
	s.mu.Unlock()
	if slow > 0 {
		// Read the body first: only then does net/http watch the connection
		// and cancel r.Context() when the client gives up.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-time.After(slow):
		case <-r.Context().Done():
			return
		}
	}
	if fail != 0 {
		reason := "backendError"
		if fail == http.StatusTooManyRequests {
			reason = "rateLimitExceeded"
		}
		writeError(w, errorf(fail, reason, "fake fault %d", fail))
		return
	}
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	s.mu.Lock()
	exp, ok := s.access[tok]
	s.mu.Unlock()
	if !ok || !time.Now().Before(exp) {
		writeError(w, errorf(http.StatusUnauthorized, "authError", "Invalid Credentials"))
		return
	}
	if err := h(w, r); err != nil {
		writeError(w, err)
	}
}

// Calls counts the API requests of one kind so far: freebusy, calendar,
// list, insert, watch, get, patch, delete, stop, token.
func (s *Server) Calls(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[name]
}

// SetPageSize sets the default events per page (Google's is 250).
func (s *Server) SetPageSize(n int) { s.mu.Lock(); s.pageSize = n; s.mu.Unlock() }

// SetTokenTTL sets the lifetime of new access tokens.
func (s *Server) SetTokenTTL(d time.Duration) { s.mu.Lock(); s.tokenTTL = d; s.mu.Unlock() }

// Fail makes the next n API requests answer status (5xx, 429, …); n < 0
// fails every request until Heal.
func (s *Server) Fail(status, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failLeft = status, n
}

// Slow delays every request by d (0 turns it off).
func (s *Server) Slow(d time.Duration) { s.mu.Lock(); s.slow = d; s.mu.Unlock() }

// Heal ends failures and slowness.
func (s *Server) Heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failCode, s.failLeft, s.slow = 0, 0, 0
}

// Revoke revokes every grant so far, as when the user removes the app's
// access: refreshes answer invalid_grant and access tokens 401. Grants made
// later (a reconnect) work.
func (s *Server) Revoke() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refresh = map[string]bool{}
	s.access = map[string]time.Time{}
}

// ExpireSyncTokens makes every sync token handed out so far stale (410).
func (s *Server) ExpireSyncTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.calendars {
		c.gen++
	}
}

func (s *Server) random(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// issue makes a new access (and refresh) token pair; s.mu held.
func (s *Server) issue(withRefresh bool) map[string]any {
	at := s.random("ya29.")
	s.access[at] = time.Now().Add(s.tokenTTL)
	out := map[string]any{"access_token": at, "token_type": "Bearer", "expires_in": int(s.tokenTTL.Seconds()), "scope": calendar.CalendarEventsScope}
	if withRefresh {
		rt := s.random("1//")
		s.refresh[rt] = true
		out["refresh_token"] = rt
	}
	return out
}

// Grant returns a fresh access and refresh token, as a finished connect
// flow would, for tests that store a connection directly.
func (s *Server) Grant() (accessToken, refreshToken string, expiry time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.issue(true)
	return t["access_token"].(string), t["refresh_token"].(string), s.access[t["access_token"].(string)]
}

// handleAuth is the consent screen, approved at once: it redirects to the
// redirect_uri with a code bound to the PKCE challenge.
func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.ClientID || q.Get("redirect_uri") == "" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "invalid_request: client_id, redirect_uri and an S256 code_challenge are required", http.StatusBadRequest)
		return
	}
	if q.Get("access_type") != "offline" {
		http.Error(w, "fakegoogle: slotbase must ask for offline access", http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	code := s.random("4/")
	s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri")}
	s.calls["auth"]++
	s.mu.Unlock()
	target := q.Get("redirect_uri") + "?code=" + urlEscape(code) + "&state=" + urlEscape(q.Get("state"))
	http.Redirect(w, r, target, http.StatusFound)
}

func urlEscape(v string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F", "&", "%26", "+", "%2B", "=", "%3D", "?", "%3F", "#", "%23", " ", "%20").Replace(v)
}

func tokenError(w http.ResponseWriter, code, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": code, "error_description": desc})
}

// handleToken is the token endpoint: authorization_code (with PKCE) and refresh_token.
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.calls["token"]++
	slow := s.slow
	s.mu.Unlock()
	if slow > 0 {
		time.Sleep(slow)
	}
	if err := r.ParseForm(); err != nil {
		tokenError(w, "invalid_request", err.Error())
		return
	}
	f := r.PostForm
	if f.Get("client_id") != s.ClientID || f.Get("client_secret") != s.ClientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch f.Get("grant_type") {
	case "authorization_code":
		ac, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		switch {
		case !ok:
			tokenError(w, "invalid_grant", "Malformed auth code.")
		case base64.RawURLEncoding.EncodeToString(sum[:]) != ac.challenge:
			tokenError(w, "invalid_grant", "Invalid code verifier.")
		case f.Get("redirect_uri") != ac.redirect:
			tokenError(w, "redirect_uri_mismatch", "Bad Request")
		default:
			writeJSON(w, http.StatusOK, s.issue(true))
		}
	case "refresh_token":
		if !s.refresh[f.Get("refresh_token")] {
			tokenError(w, "invalid_grant", "Token has been expired or revoked.")
			return
		}
		writeJSON(w, http.StatusOK, s.issue(false))
	default:
		tokenError(w, "unsupported_grant_type", f.Get("grant_type"))
	}
}

// calendarOf resolves an id ("primary" = the account's); s.mu held.
func (s *Server) calendarOf(id string) *fakeCalendar {
	if id == "primary" {
		id = s.Account
	}
	c := s.calendars[id]
	if c == nil {
		c = &fakeCalendar{id: id, tz: "UTC", events: map[string]*storedEvent{}}
		s.calendars[id] = c
	}
	return c
}

func (s *Server) getCalendar(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	c := s.calendarOf(r.PathValue("cal"))
	out := calendar.Calendar{Id: c.id, Summary: c.id, TimeZone: c.tz}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, out)
	return nil
}

// PutEvent stores ev in calendarID as if the user had made or edited it
// there (a new change for sync). ev.Id is required.
func (s *Server) PutEvent(calendarID string, ev calendar.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Status == "" {
		ev.Status = "confirmed"
	}
	s.put(s.calendarOf(calendarID), ev)
}

// AddBusy stores an ordinary (opaque) event from start to end.
func (s *Server) AddBusy(calendarID, id string, start, end time.Time) {
	s.PutEvent(calendarID, calendar.Event{Id: id, Summary: "busy " + id,
		Start: &calendar.EventDateTime{DateTime: start.UTC().Format(time.RFC3339)},
		End:   &calendar.EventDateTime{DateTime: end.UTC().Format(time.RFC3339)}})
}

// RemoveEvent deletes an event as the user would in Google's UI.
func (s *Server) RemoveEvent(calendarID, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calendarOf(calendarID)
	if e, ok := c.events[id]; ok {
		ev := e.ev
		ev.Status = "cancelled"
		s.put(c, ev)
	}
}

// Event returns an event (cancelled ones included) of calendarID.
func (s *Server) Event(calendarID, id string) (calendar.Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.calendarOf(calendarID).events[id]
	if !ok {
		return calendar.Event{}, false
	}
	return e.ev, true
}

// LiveEvents returns the events of calendarID that are not cancelled, by id.
func (s *Server) LiveEvents(calendarID string) []calendar.Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []calendar.Event
	for _, e := range s.calendarOf(calendarID).events {
		if e.ev.Status != "cancelled" {
			out = append(out, e.ev)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Id < out[j].Id })
	return out
}

// put stores ev as a new change; s.mu held.
func (s *Server) put(c *fakeCalendar, ev calendar.Event) {
	s.seq++
	ev.Updated = time.Now().UTC().Format(time.RFC3339Nano)
	c.events[ev.Id] = &storedEvent{ev: ev, seq: s.seq}
}

func validID(id string) bool {
	if len(id) < 5 || len(id) > 1024 {
		return false
	}
	for _, ch := range id {
		if !(ch >= 'a' && ch <= 'v' || ch >= '0' && ch <= '9') {
			return false
		}
	}
	return true
}

func (s *Server) insertEvent(w http.ResponseWriter, r *http.Request) error {
	var ev calendar.Event
	if err := json.NewDecoder(r.Body).Decode(&ev); err != nil {
		return errorf(400, "parseError", "Parse Error")
	}
	if ev.Start == nil || ev.End == nil {
		return errorf(400, "required", "Missing end time.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calendarOf(r.PathValue("cal"))
	if ev.Id == "" {
		s.n++
		ev.Id = "gen" + strconv.Itoa(s.n) + "x0000"
	} else if !validID(ev.Id) {
		return errorf(400, "invalid", "Invalid resource id value.")
	}
	if _, dup := c.events[ev.Id]; dup {
		return errorf(409, "duplicate", "The requested identifier already exists.")
	}
	if ev.Status == "" {
		ev.Status = "confirmed"
	}
	if ev.ConferenceData != nil && ev.ConferenceData.CreateRequest != nil {
		if r.URL.Query().Get("conferenceDataVersion") == "1" {
			link := "https://meet.google.com/" + ev.Id[:3] + "-" + ev.Id[3:7] + "-" + ev.Id[7:10]
			ev.HangoutLink = link
			ev.ConferenceData = &calendar.ConferenceData{ConferenceId: ev.Id[:10],
				EntryPoints: []*calendar.EntryPoint{{EntryPointType: "video", Uri: link}}}
		} else {
			ev.ConferenceData = nil // Google ignores it without conferenceDataVersion=1
		}
	}
	ev.Organizer = &calendar.EventOrganizer{Email: c.id, Self: true}
	s.put(c, ev)
	writeJSON(w, http.StatusOK, ev)
	return nil
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	e, ok := s.calendarOf(r.PathValue("cal")).events[r.PathValue("id")]
	s.mu.Unlock()
	if !ok {
		return errorf(404, "notFound", "Not Found")
	}
	writeJSON(w, http.StatusOK, e.ev)
	return nil
}

// patchEvent merges the body's top-level fields into the stored event.
func (s *Server) patchEvent(w http.ResponseWriter, r *http.Request) error {
	var patch map[string]json.RawMessage
	if err := json.NewDecoder(r.Body).Decode(&patch); err != nil {
		return errorf(400, "parseError", "Parse Error")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calendarOf(r.PathValue("cal"))
	e, ok := c.events[r.PathValue("id")]
	if !ok {
		return errorf(404, "notFound", "Not Found")
	}
	raw, _ := json.Marshal(e.ev)
	var cur map[string]json.RawMessage
	_ = json.Unmarshal(raw, &cur)
	for k, v := range patch {
		if k == "id" {
			continue
		}
		cur[k] = v
	}
	raw, _ = json.Marshal(cur)
	var ev calendar.Event
	if err := json.Unmarshal(raw, &ev); err != nil {
		return errorf(400, "invalid", "%v", err)
	}
	if _, ok := patch["status"]; !ok && ev.Status == "cancelled" {
		ev.Status = "confirmed" // patching a deleted event without a status keeps Google's behaviour simple here
	}
	s.put(c, ev)
	writeJSON(w, http.StatusOK, ev)
	return nil
}

func (s *Server) deleteEvent(w http.ResponseWriter, r *http.Request) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calendarOf(r.PathValue("cal"))
	e, ok := c.events[r.PathValue("id")]
	switch {
	case !ok:
		return errorf(404, "notFound", "Not Found")
	case e.ev.Status == "cancelled":
		return errorf(410, "deleted", "Resource has been deleted")
	}
	ev := e.ev
	ev.Status = "cancelled"
	s.put(c, ev)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// syncToken encodes a calendar generation and a change sequence number.
func syncToken(gen int, seq int64) string { return fmt.Sprintf("st.%d.%d", gen, seq) }

func parseSyncToken(tok string) (gen int, seq int64, ok bool) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || parts[0] != "st" {
		return 0, 0, false
	}
	g, err1 := strconv.Atoi(parts[1])
	q, err2 := strconv.ParseInt(parts[2], 10, 64)
	return g, q, err1 == nil && err2 == nil
}

// listEvents pages through a calendar: all live events from timeMin (full
// sync) or every change after a sync token, deleted ones included; the last
// page carries nextSyncToken. A token of an older generation answers 410.
func (s *Server) listEvents(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calendarOf(r.PathValue("cal"))
	size := s.pageSize
	if n, err := strconv.Atoi(q.Get("maxResults")); err == nil && n > 0 && n < size {
		size = n
	}
	// A page token carries the snapshot sequence, the offset and the sync token.
	snapshot, offset, since := s.seq, 0, q.Get("syncToken")
	if pt := q.Get("pageToken"); pt != "" {
		parts := strings.SplitN(pt, "|", 3)
		if len(parts) != 3 {
			return errorf(400, "invalid", "Invalid page token")
		}
		snapshot, _ = strconv.ParseInt(parts[0], 10, 64)
		offset, _ = strconv.Atoi(parts[1])
		since = parts[2]
	}
	var sinceSeq int64 = -1
	if since != "" {
		if q.Get("timeMin") != "" || q.Get("timeMax") != "" || q.Get("orderBy") != "" || q.Get("q") != "" {
			return errorf(400, "invalid", "Sync token cannot be used with other filters")
		}
		gen, seq, ok := parseSyncToken(since)
		if !ok || gen != c.gen {
			return errorf(410, "fullSyncRequired", "Sync token is no longer valid, a full sync is required.")
		}
		sinceSeq = seq
	}
	var timeMin time.Time
	if v := q.Get("timeMin"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return errorf(400, "invalid", "Bad timeMin")
		}
		timeMin = t
	}
	showDeleted := sinceSeq >= 0 || q.Get("showDeleted") == "true"
	var items []*storedEvent
	for _, e := range c.events {
		switch {
		case sinceSeq >= 0 && e.seq <= sinceSeq:
			continue
		case e.ev.Status == "cancelled" && !showDeleted:
			continue
		case !timeMin.IsZero() && e.ev.End != nil && e.ev.End.DateTime != "":
			if end, err := time.Parse(time.RFC3339, e.ev.End.DateTime); err == nil && !end.After(timeMin) {
				continue
			}
		}
		items = append(items, e)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].seq < items[j].seq })
	res := calendar.Events{Kind: "calendar#events", Summary: c.id, TimeZone: c.tz, Items: []*calendar.Event{}}
	end := min(offset+size, len(items))
	for _, e := range items[min(offset, len(items)):end] {
		ev := e.ev
		if ev.Status == "cancelled" {
			ev = calendar.Event{Id: ev.Id, Status: "cancelled"} // Google sends only the id of deleted events
		}
		res.Items = append(res.Items, &ev)
	}
	if end < len(items) {
		res.NextPageToken = fmt.Sprintf("%d|%d|%s", snapshot, end, since)
	} else {
		res.NextSyncToken = syncToken(c.gen, snapshot)
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// freeBusy answers the busy periods of the asked calendars in [timeMin, timeMax).
func (s *Server) freeBusy(w http.ResponseWriter, r *http.Request) error {
	var req calendar.FreeBusyRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return errorf(400, "parseError", "Parse Error")
	}
	from, err1 := time.Parse(time.RFC3339, req.TimeMin)
	to, err2 := time.Parse(time.RFC3339, req.TimeMax)
	if err1 != nil || err2 != nil || !to.After(from) {
		return errorf(400, "timeRangeEmpty", "The specified time range is empty.")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	res := calendar.FreeBusyResponse{Kind: "calendar#freeBusy", TimeMin: req.TimeMin, TimeMax: req.TimeMax, Calendars: map[string]calendar.FreeBusyCalendar{}}
	for _, item := range req.Items {
		c := s.calendarOf(item.Id)
		var busy []*calendar.TimePeriod
		for _, e := range c.events {
			if e.ev.Status == "cancelled" || e.ev.Transparency == "transparent" || e.ev.Start == nil || e.ev.End == nil {
				continue
			}
			st, err1 := time.Parse(time.RFC3339, e.ev.Start.DateTime)
			en, err2 := time.Parse(time.RFC3339, e.ev.End.DateTime)
			if err1 != nil || err2 != nil || !en.After(from) || !st.Before(to) {
				continue
			}
			busy = append(busy, &calendar.TimePeriod{Start: st.UTC().Format(time.RFC3339), End: en.UTC().Format(time.RFC3339)})
		}
		sort.Slice(busy, func(i, j int) bool { return busy[i].Start < busy[j].Start })
		res.Calendars[item.Id] = calendar.FreeBusyCalendar{Busy: busy}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) watch(w http.ResponseWriter, r *http.Request) error {
	var req calendar.Channel
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Id == "" || req.Address == "" || req.Type != "web_hook" {
		return errorf(400, "invalid", "id, type web_hook and address are required")
	}
	ttl := 7 * 24 * time.Hour
	if v, err := strconv.Atoi(req.Params["ttl"]); err == nil && v > 0 {
		ttl = time.Duration(v) * time.Second
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.channels[req.Id]; dup {
		return errorf(400, "channelIdNotUnique", "Channel id not unique")
	}
	c := s.calendarOf(r.PathValue("cal"))
	ch := &channel{Channel: calendar.Channel{Kind: "api#channel", Id: req.Id, Address: req.Address, Token: req.Token,
		ResourceId: "res-" + CalendarResource(c.id), ResourceUri: s.URL + "/calendar/v3/calendars/" + c.id + "/events",
		Expiration: s.now().Add(ttl).UnixMilli()}, calendarID: c.id}
	s.channels[req.Id] = ch
	out := ch.Channel
	out.Address, out.Token = "", ""
	writeJSON(w, http.StatusOK, out)
	return nil
}

// CalendarResource is the resource id part the fake gives a calendar's channels.
func CalendarResource(calendarID string) string {
	sum := sha256.Sum256([]byte(calendarID))
	return hex.EncodeToString(sum[:6])
}

func (s *Server) stopChannel(w http.ResponseWriter, r *http.Request) error {
	var req calendar.Channel
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		return errorf(400, "parseError", "Parse Error")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ch, ok := s.channels[req.Id]
	if !ok || ch.ResourceId != req.ResourceId {
		return errorf(404, "notFound", "Channel '%s' not found for project", req.Id)
	}
	delete(s.channels, req.Id)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// Channels returns the open push channels (id → calendar id).
func (s *Server) Channels() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]string{}
	for id, ch := range s.channels {
		out[id] = ch.calendarID
	}
	return out
}

// Notify posts a change notification to every channel on calendarID, as
// Google does after a change, and returns the HTTP statuses received.
func (s *Server) Notify(calendarID string) []int {
	s.mu.Lock()
	if calendarID == "primary" {
		calendarID = s.Account
	}
	var chans []calendar.Channel
	for _, ch := range s.channels {
		if ch.calendarID == calendarID {
			chans = append(chans, ch.Channel)
		}
	}
	s.mu.Unlock()
	var statuses []int
	for _, ch := range chans {
		req, _ := http.NewRequest(http.MethodPost, ch.Address, nil)
		req.Header.Set("X-Goog-Channel-ID", ch.Id)
		req.Header.Set("X-Goog-Channel-Token", ch.Token)
		req.Header.Set("X-Goog-Resource-ID", ch.ResourceId)
		req.Header.Set("X-Goog-Resource-State", "exists")
		req.Header.Set("X-Goog-Message-Number", "2")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			statuses = append(statuses, 0)
			continue
		}
		res.Body.Close()
		statuses = append(statuses, res.StatusCode)
	}
	return statuses
}
