// Package fakegraph is an in-process stand-in for the parts of the
// Microsoft identity platform and Microsoft Graph that internal/msgraph
// uses: authorize with PKCE (S256), the token endpoint (codes, rotating
// refresh tokens, invalid_grant), calendarView/delta with pages, delta links
// and 410 Gone, event create (a repeated transactionId returns the existing
// event), patch and delete, Teams join URLs, and switchable faults
// (throttling with Retry-After, revoked consent, expired access tokens).
package fakegraph

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"time"
)

// Event is an event in the fake mailbox (one occurrence: Graph's calendar
// view expands series server-side, so a view holds single instances).
type Event struct {
	ID            string
	TransactionID string
	Subject       string
	Start, End    time.Time // UTC; for all-day events midnights of the dates
	AllDay        bool
	TimeZone      string // originalStartTimeZone (Windows or IANA name)
	ShowAs        string // "busy" when empty
	Cancelled     bool
	Teams         bool
	JoinURL       string
	Attendees     []string
	Calendar      string // "" = the default calendar
}

// Server is a fake Microsoft. URL serves both the identity platform
// (AuthURL, TokenURL) and Graph (BaseURL).
type Server struct {
	// URL is http://127.0.0.1:port.
	URL string
	// ClientID is the app registration the token endpoint accepts;
	// ClientSecret, when set, must be sent too (a confidential client).
	ClientID, ClientSecret string

	mu        sync.Mutex
	srv       *httptest.Server
	tokenTTL  time.Duration
	pageSize  int
	codes     map[string]authCode
	refresh   map[string]bool
	access    map[string]time.Time
	events    map[string]*stored
	gone      map[string]int64 // deleted id → seq of the deletion
	txns      map[string]string
	seq       int64
	gen       int
	revoked   bool
	throttleN int
	throttleS int
	retryHdr  string
	calls     map[string]int
}

type stored struct {
	Event
	seq int64
}

type authCode struct {
	challenge, redirect, scope string
}

// New starts a fake on 127.0.0.1 with client id "fake-client".
func New() *Server {
	s := &Server{
		ClientID: "fake-client",
		tokenTTL: time.Hour,
		codes:    map[string]authCode{},
		refresh:  map[string]bool{},
		access:   map[string]time.Time{},
		events:   map[string]*stored{},
		gone:     map[string]int64{},
		txns:     map[string]string{},
		calls:    map[string]int{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{tenant}/oauth2/v2.0/authorize", s.handleAuthorize)
	mux.HandleFunc("POST /{tenant}/oauth2/v2.0/token", s.handleToken)
	mux.HandleFunc("GET /v1.0/me/calendar/calendarView/delta", s.graph("delta", s.delta))
	mux.HandleFunc("GET /v1.0/me/calendars/{cal}/calendarView/delta", s.graph("delta", s.delta))
	mux.HandleFunc("POST /v1.0/me/calendar/events", s.graph("create", s.create))
	mux.HandleFunc("POST /v1.0/me/calendars/{cal}/events", s.graph("create", s.create))
	mux.HandleFunc("GET /v1.0/me/events/{id}", s.graph("get", s.get))
	mux.HandleFunc("PATCH /v1.0/me/events/{id}", s.graph("patch", s.patch))
	mux.HandleFunc("DELETE /v1.0/me/events/{id}", s.graph("delete", s.remove))
	s.srv = httptest.NewServer(mux)
	s.URL = s.srv.URL
	return s
}

// Close stops the server.
func (s *Server) Close() { s.srv.Close() }

// AuthURL is the authorize endpoint of tenant "common".
func (s *Server) AuthURL() string { return s.URL + "/common/oauth2/v2.0/authorize" }

// TokenURL is the token endpoint of tenant "common".
func (s *Server) TokenURL() string { return s.URL + "/common/oauth2/v2.0/token" }

// BaseURL is Graph's root with its version.
func (s *Server) BaseURL() string { return s.URL + "/v1.0" }

// Calls counts the Graph requests by name (delta, create, get, patch,
// delete), throttled ones included.
func (s *Server) Calls(name string) int { s.mu.Lock(); defer s.mu.Unlock(); return s.calls[name] }

// SetPageSize caps delta pages (the client's odata.maxpagesize may lower it).
func (s *Server) SetPageSize(n int) { s.mu.Lock(); s.pageSize = n; s.mu.Unlock() }

// SetTokenTTL sets the lifetime of access tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) { s.mu.Lock(); s.tokenTTL = d; s.mu.Unlock() }

// Throttle makes the next n Graph requests answer status with the header
// Retry-After: retryAfter ("" = none), like Graph's 429 and 503.
func (s *Server) Throttle(n, status int, retryAfter string) {
	s.mu.Lock()
	s.throttleN, s.throttleS, s.retryHdr = n, status, retryAfter
	s.mu.Unlock()
}

// Revoke withdraws consent: every refresh token answers invalid_grant and
// every access token 401.
func (s *Server) Revoke() {
	s.mu.Lock()
	s.revoked = true
	s.refresh = map[string]bool{}
	s.access = map[string]time.Time{}
	s.mu.Unlock()
}

// ExpireAccessTokens makes Graph refuse (401) every access token issued so
// far, as when Microsoft invalidates sessions; refresh tokens still work.
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	s.access = map[string]time.Time{}
	s.mu.Unlock()
}

// ExpireDeltaLinks makes every delta and next link issued so far answer
// 410 Gone (syncStateNotFound).
func (s *Server) ExpireDeltaLinks() { s.mu.Lock(); s.gen++; s.mu.Unlock() }

// Grant issues tokens without the browser flow, for tests that start
// connected: the access token expires at expiry.
func (s *Server) Grant(expiry time.Time) (accessToken, refreshToken string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	accessToken, refreshToken = random("at-"), random("rt-")
	s.access[accessToken] = expiry
	s.refresh[refreshToken] = true
	return accessToken, refreshToken
}

// Put adds or replaces an event as if the user edited their calendar.
func (s *Server) Put(ev Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.put(ev)
}

// Remove deletes event id as if the user deleted it.
func (s *Server) Remove(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delete(id)
}

// Events is every live event, by id.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Event, 0, len(s.events))
	for _, e := range s.events {
		out = append(out, e.Event)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Event is one live event.
func (s *Server) Event(id string) (Event, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.events[id]
	if !ok {
		return Event{}, false
	}
	return e.Event, true
}

func (s *Server) put(ev Event) {
	s.seq++
	ev.Start, ev.End = ev.Start.UTC(), ev.End.UTC()
	s.events[ev.ID] = &stored{Event: ev, seq: s.seq}
	delete(s.gone, ev.ID)
	if ev.TransactionID != "" {
		s.txns[ev.TransactionID] = ev.ID
	}
}

func (s *Server) delete(id string) bool {
	e, ok := s.events[id]
	if !ok {
		return false
	}
	s.seq++
	delete(s.events, id)
	s.gone[id] = s.seq
	if e.TransactionID != "" {
		delete(s.txns, e.TransactionID)
	}
	return true
}

func random(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// graphError writes Graph's error shape.
func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

// graph wraps a Graph handler: counts it, applies throttling, checks the
// bearer token, and holds the lock.
func (s *Server) graph(name string, h func(http.ResponseWriter, *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.calls[name]++
		if s.throttleN > 0 {
			s.throttleN--
			if s.retryHdr != "" {
				w.Header().Set("Retry-After", s.retryHdr)
			}
			graphError(w, s.throttleS, "TooManyRequests", fmt.Sprintf("throttled (%d)", s.throttleS))
			return
		}
		const prefix = "Bearer "
		auth := r.Header.Get("Authorization")
		exp, ok := s.access[auth[min(len(prefix), len(auth)):]]
		if len(auth) <= len(prefix) || auth[:len(prefix)] != prefix || !ok || !time.Now().Before(exp) {
			graphError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
			return
		}
		h(w, r)
	}
}
