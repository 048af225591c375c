package msgraph_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/slotbase/slotbase/internal/msgraph"
	"github.com/slotbase/slotbase/internal/msgraph/fakegraph"
)

// sleeper records the waits a client asks for instead of waiting.
type sleeper struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (s *sleeper) Sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waits = append(s.waits, d)
	return nil
}

func (s *sleeper) Waits() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Duration(nil), s.waits...)
}

var now = time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)

func config(f *fakegraph.Server, sl *sleeper) msgraph.Config {
	return msgraph.Config{
		ClientID: f.ClientID, RedirectURL: "http://127.0.0.1:8090/api/microsoft/callback",
		AuthURL: f.AuthURL(), TokenURL: f.TokenURL(), BaseURL: f.BaseURL(),
		Sleep: sl.Sleep, Now: func() time.Time { return now },
	}
}

// connected is a client on a fresh grant whose access token expires at expiry.
func connected(t *testing.T, f *fakegraph.Server, sl *sleeper, expiry time.Time, saved *[]*oauth2.Token) *msgraph.Client {
	t.Helper()
	at, rt := f.Grant(expiry)
	c, err := msgraph.NewClient(config(f, sl), &oauth2.Token{AccessToken: at, RefreshToken: rt, Expiry: expiry},
		func(tok *oauth2.Token) error { *saved = append(*saved, tok); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newFake(t *testing.T) *fakegraph.Server {
	f := fakegraph.New()
	t.Cleanup(f.Close)
	return f
}

var (
	from = time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC)
	to   = time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC)
)

// authorize follows the authorize URL like a browser that signed in and
// returns the code slotbase's callback would get.
func authorize(t *testing.T, authURL string) (code, state string) {
	t.Helper()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %d %v", resp.StatusCode, err)
	}
	if e := loc.Query().Get("error"); e != "" {
		t.Fatalf("authorize refused: %s %s", e, loc.Query().Get("error_description"))
	}
	return loc.Query().Get("code"), loc.Query().Get("state")
}

func TestConnectWithPKCE(t *testing.T) {
	f := newFake(t)
	cfg := config(f, &sleeper{})
	verifier := oauth2.GenerateVerifier()
	u, _ := url.Parse(cfg.AuthCodeURL("sealed-state", verifier))
	q := u.Query()
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != oauth2.S256ChallengeFromVerifier(verifier) {
		t.Fatalf("authorize URL lacks the S256 challenge: %s", u.RawQuery)
	}
	if strings.Contains(u.String(), verifier) {
		t.Fatal("the verifier itself must never be in the URL")
	}
	if got := q.Get("scope"); got != "offline_access Calendars.ReadWrite User.Read" {
		t.Fatalf("scope = %q", got)
	}

	code, state := authorize(t, u.String())
	if state != "sealed-state" {
		t.Fatalf("state = %q", state)
	}
	if _, err := cfg.Exchange(context.Background(), code, oauth2.GenerateVerifier()); !errors.Is(err, msgraph.ErrUnauthorized) {
		t.Fatalf("a wrong verifier: got %v, want ErrUnauthorized", err)
	}
	code, _ = authorize(t, u.String())
	tok, err := cfg.Exchange(context.Background(), code, verifier)
	if err != nil || tok.AccessToken == "" || tok.RefreshToken == "" {
		t.Fatalf("exchange: %v %+v", err, tok)
	}
	c, err := msgraph.NewClient(cfg, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to); err != nil {
		t.Fatalf("sync with the exchanged token: %v", err)
	}
}

func TestTokenRefresh(t *testing.T) {
	f := newFake(t)
	var saved []*oauth2.Token
	c := connected(t, f, &sleeper{}, time.Now().Add(-time.Minute), &saved) // expired
	old := c.Token()
	if _, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to); err != nil {
		t.Fatal(err)
	}
	if len(saved) != 1 || saved[0].AccessToken == old.AccessToken || saved[0].RefreshToken == old.RefreshToken {
		t.Fatalf("the callback must see one new (rotated) token, saw %d", len(saved))
	}
	if c.Token().AccessToken != saved[0].AccessToken {
		t.Fatal("the client must use the token it reported")
	}

	// A token Graph refuses before its expiry (401) is refreshed once.
	f.ExpireAccessTokens()
	if _, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to); err != nil {
		t.Fatalf("after a 401: %v", err)
	}
	if len(saved) != 2 {
		t.Fatalf("a 401 must refresh and report once more, saw %d tokens", len(saved))
	}
}

func TestRevokedConsent(t *testing.T) {
	scenarios := []struct {
		name   string
		expiry time.Time
	}{
		{"expired access token, refresh refused", time.Now().Add(-time.Minute)},
		{"live access token answered 401, refresh refused", time.Now().Add(time.Hour)},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			f := newFake(t)
			var saved []*oauth2.Token
			c := connected(t, f, &sleeper{}, s.expiry, &saved)
			f.Revoke()
			_, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to)
			if !errors.Is(err, msgraph.ErrUnauthorized) || msgraph.IsRetryable(err) {
				t.Fatalf("got %v, want ErrUnauthorized", err)
			}
			_, err = c.CreateEvent(context.Background(), "", msgraph.Event{UID: "b1", Start: from, End: from.Add(time.Hour)})
			if !errors.Is(err, msgraph.ErrUnauthorized) {
				t.Fatalf("create: got %v, want ErrUnauthorized", err)
			}
			if len(saved) != 0 {
				t.Fatal("no token may be reported after a refused refresh")
			}
		})
	}
}

func TestThrottlingHonoursRetryAfter(t *testing.T) {
	scenarios := []struct {
		name       string
		status     int
		failures   int
		retryAfter string
		wantWaits  []time.Duration
		wantCalls  int
		wantErr    bool
		wantAfter  time.Duration
	}{
		{"429 seconds", 429, 1, "7", []time.Duration{7 * time.Second}, 2, false, 0},
		{"503 HTTP date", 503, 1, now.Add(20 * time.Second).Format(http.TimeFormat), []time.Duration{20 * time.Second}, 2, false, 0},
		{"503 without Retry-After backs off", 503, 2, "", []time.Duration{time.Second, 2 * time.Second}, 3, false, 0},
		{"beyond MaxTries", 429, 5, "7", []time.Duration{7 * time.Second, 7 * time.Second}, 3, true, 7 * time.Second},
		{"beyond MaxWait", 429, 1, "120", nil, 1, true, 120 * time.Second},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			f := newFake(t)
			sl := &sleeper{}
			var saved []*oauth2.Token
			c := connected(t, f, sl, time.Now().Add(time.Hour), &saved)
			f.Throttle(s.failures, s.status, s.retryAfter)
			_, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to)
			if (err != nil) != s.wantErr {
				t.Fatalf("err = %v", err)
			}
			if s.wantErr && (!msgraph.IsRetryable(err) || msgraph.RetryAfter(err) != s.wantAfter) {
				t.Fatalf("got %v (retry after %s), want retryable after %s", err, msgraph.RetryAfter(err), s.wantAfter)
			}
			if got := sl.Waits(); !equalDurations(got, s.wantWaits) {
				t.Fatalf("waits = %v, want %v", got, s.wantWaits)
			}
			if got := f.Calls("delta"); got != s.wantCalls {
				t.Fatalf("calls = %d, want %d", got, s.wantCalls)
			}
		})
	}
}

func equalDurations(a, b []time.Duration) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func at(day, hour, min int) time.Time { return time.Date(2026, 3, day, hour, min, 0, 0, time.UTC) }

func blockStrings(bs []msgraph.BusyBlock) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.SourceID+" "+b.End.Format(time.RFC3339))
	}
	sort.Strings(out)
	return out
}

func TestDeltaPagingIncrementalAndResync(t *testing.T) {
	f := newFake(t)
	var saved []*oauth2.Token
	c := connected(t, f, &sleeper{}, time.Now().Add(time.Hour), &saved)
	f.SetPageSize(3)
	berlin := time.Date(2026, 3, 29, 0, 0, 0, 0, time.UTC) // the CET→CEST day
	for _, ev := range []fakegraph.Event{
		{ID: "e1", Start: at(21, 9, 0), End: at(21, 10, 0)},
		{ID: "e2", Start: at(22, 9, 0), End: at(22, 9, 30), ShowAs: "tentative"},
		{ID: "e3", Start: at(23, 23, 0), End: at(24, 1, 0)},
		{ID: "e4", Start: at(24, 14, 0), End: at(24, 15, 0), ShowAs: "oof"},
		{ID: "e5", Start: at(25, 8, 0), End: at(25, 9, 0)},
		{ID: "f1", Start: at(25, 10, 0), End: at(25, 11, 0), ShowAs: "free"},
		{ID: "f2", Start: at(25, 12, 0), End: at(25, 13, 0), Cancelled: true},
		{ID: "f3", Start: at(26, 12, 0), End: at(26, 13, 0), TransactionID: msgraph.TransactionID("booking-1")},
		{ID: "d1", Start: berlin, End: berlin.AddDate(0, 0, 1), AllDay: true, TimeZone: "W. Europe Standard Time"},
		{ID: "x1", Start: at(1, 9, 0), End: at(1, 10, 0)}, // before the window
	} {
		f.Put(ev)
	}
	ch, err := c.Sync(context.Background(), "", msgraph.SyncState{}, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Calls("delta"); got != 3 {
		t.Fatalf("9 events in the window at 3 a page: %d requests, want 3", got)
	}
	want := []string{
		// all-day in Berlin: 23 hours on the DST day, midnight to midnight local
		"d1/2026-03-28T23:00:00Z 2026-03-29T22:00:00Z",
		"e1/2026-03-21T09:00:00Z 2026-03-21T10:00:00Z",
		"e2/2026-03-22T09:00:00Z 2026-03-22T09:30:00Z",
		"e3/2026-03-23T23:00:00Z 2026-03-24T01:00:00Z",
		"e4/2026-03-24T14:00:00Z 2026-03-24T15:00:00Z",
		"e5/2026-03-25T08:00:00Z 2026-03-25T09:00:00Z",
	}
	if got := blockStrings(ch.Blocks()); !ch.Full || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("full=%v blocks:\n%s\nwant:\n%s", ch.Full, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(ch.Objects) != 9 || ch.State.DeltaLink == "" {
		t.Fatalf("objects = %d (free, cancelled and own events come with no blocks), delta link %q", len(ch.Objects), ch.State.DeltaLink)
	}

	// Incremental: one event moved, one deleted.
	f.Put(fakegraph.Event{ID: "e1", Start: at(21, 11, 0), End: at(21, 12, 0)})
	f.Remove("e5")
	inc, err := c.Sync(context.Background(), "", ch.State, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Full || len(inc.Objects) != 1 || inc.Objects[0].Key != "e1" ||
		strings.Join(blockStrings(inc.Blocks()), ",") != "e1/2026-03-21T11:00:00Z 2026-03-21T12:00:00Z" ||
		strings.Join(inc.Removed, ",") != "e5" {
		t.Fatalf("incremental: %+v", inc)
	}
	if inc.State.DeltaLink == "" || inc.State.DeltaLink == ch.State.DeltaLink {
		t.Fatal("an incremental round must keep a new delta link")
	}

	// Graph forgets the delta link: 410 Gone → a full resync.
	f.ExpireDeltaLinks()
	re, err := c.Sync(context.Background(), "", inc.State, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if !re.Full || len(re.Blocks()) != 5 || re.State.DeltaLink == "" {
		t.Fatalf("resync after 410: full=%v blocks=%v", re.Full, blockStrings(re.Blocks()))
	}
}

func TestDeltaLinkMustStayOnGraph(t *testing.T) {
	f := newFake(t)
	var saved []*oauth2.Token
	c := connected(t, f, &sleeper{}, time.Now().Add(time.Hour), &saved)
	_, err := c.Sync(context.Background(), "", msgraph.SyncState{DeltaLink: "https://attacker.example/v1.0/me/calendarView/delta?$deltatoken=x"}, from, to)
	if err == nil || !strings.Contains(err.Error(), "refusing a link") {
		t.Fatalf("got %v, want a refusal", err)
	}
}

func TestWriteEvents(t *testing.T) {
	f := newFake(t)
	var saved []*oauth2.Token
	c := connected(t, f, &sleeper{}, time.Now().Add(time.Hour), &saved)
	ctx := context.Background()
	ev := msgraph.Event{UID: "booking-42", Subject: "Intro call", Body: "Answers", Start: at(27, 9, 0), End: at(27, 9, 30),
		Attendees: []msgraph.Attendee{{Email: "ann@example.org", Name: "Ann"}}, Teams: true}

	first, err := c.CreateEvent(ctx, "", ev)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.CreateEvent(ctx, "", ev) // a retried job
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == "" || again.ID != first.ID || len(f.Events()) != 1 {
		t.Fatalf("same transactionId: ids %q %q, %d events in the mailbox, want one", first.ID, again.ID, len(f.Events()))
	}
	if !strings.HasPrefix(first.JoinURL, "https://teams.microsoft.com/") {
		t.Fatalf("Teams join URL = %q", first.JoinURL)
	}
	got, _ := f.Event(first.ID)
	if got.TransactionID != msgraph.TransactionID("booking-42") || !got.Start.Equal(ev.Start) || got.Attendees[0] != "ann@example.org" {
		t.Fatalf("stored event: %+v", got)
	}

	plain, err := c.CreateEvent(ctx, "", msgraph.Event{UID: "booking-43", Start: at(27, 10, 0), End: at(27, 11, 0)})
	if err != nil || plain.JoinURL != "" {
		t.Fatalf("no Teams asked: %+v %v", plain, err)
	}

	ev.Start, ev.End = at(28, 14, 0), at(28, 14, 30)
	if _, err := c.UpdateEvent(ctx, first.ID, ev); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Event(first.ID); !got.Start.Equal(ev.Start) || !got.End.Equal(ev.End) {
		t.Fatalf("after update: %+v", got)
	}
	if err := c.DeleteEvent(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteEvent(ctx, first.ID); err != nil {
		t.Fatalf("deleting again must succeed: %v", err)
	}
	if _, ok := f.Event(first.ID); ok {
		t.Fatal("the event is still there")
	}
	if _, err := c.UpdateEvent(ctx, first.ID, ev); !errors.Is(err, msgraph.ErrNotFound) {
		t.Fatalf("update of a deleted event: %v, want ErrNotFound", err)
	}
	if _, err := c.CreateEvent(ctx, "", msgraph.Event{UID: "", Start: ev.Start, End: ev.End}); err == nil || !strings.HasPrefix(err.Error(), "uid:") {
		t.Fatalf("empty uid: %v", err)
	}
}

func TestTransactionIDIsStable(t *testing.T) {
	a, b := msgraph.TransactionID("x"), msgraph.TransactionID("x")
	if a != b || a == msgraph.TransactionID("y") || !msgraph.IsOwnTransaction(a) || len(a) > 64 {
		t.Fatalf("TransactionID: %q %q", a, b)
	}
}
