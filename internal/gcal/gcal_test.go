package gcal_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"google.golang.org/api/calendar/v3"

	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/gcal/fakegoogle"
)

var now = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

// client returns a calendar client on a fresh grant of fake, and the saved tokens.
func client(t *testing.T, fake *fakegoogle.Server) (*calendar.Service, *[]*oauth2.Token) {
	t.Helper()
	cfg := gcal.Config{ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, TokenURL: fake.TokenURL(), APIBase: fake.APIBase(), Timeout: time.Minute} // generous: no test waits for it to fire
	at, rt, exp := fake.Grant()
	tok := &oauth2.Token{AccessToken: at, RefreshToken: rt, Expiry: exp, TokenType: "Bearer"}
	var saved []*oauth2.Token
	ts := gcal.NewPersistingTokenSource(cfg.TokenSource(tok), tok, func(t *oauth2.Token) error { saved = append(saved, t); return nil })
	svc, err := cfg.Service(context.Background(), ts)
	if err != nil {
		t.Fatal(err)
	}
	return svc, &saved
}

func TestEventID(t *testing.T) {
	for _, id := range []string{"abc123def456ghi", "x", "", "0000000000000000"} {
		got := gcal.EventID(id)
		if !gcal.ValidEventID(got) || got != gcal.EventID(id) {
			t.Errorf("EventID(%q) = %q: not a valid, stable Google id", id, got)
		}
	}
	if gcal.EventID("a") == gcal.EventID("b") {
		t.Error("two bookings share an event id")
	}
	for _, s := range []struct {
		id string
		ok bool
	}{{"abcd", false}, {"abcde", true}, {"abcdw", false}, {"ABCDE", false}, {"a_bcde", false}} {
		if gcal.ValidEventID(s.id) != s.ok {
			t.Errorf("ValidEventID(%q) != %v", s.id, s.ok)
		}
	}
}

func TestBusyFromEvent(t *testing.T) {
	at := func(h int) *calendar.EventDateTime {
		return &calendar.EventDateTime{DateTime: now.Add(time.Duration(h) * time.Hour).Format(time.RFC3339)}
	}
	london, _ := time.LoadLocation("Europe/London")
	scenarios := []struct {
		name string
		ev   calendar.Event
		busy bool
	}{
		{"opaque", calendar.Event{Id: "e1", Start: at(1), End: at(2)}, true},
		{"transparent", calendar.Event{Id: "e2", Start: at(1), End: at(2), Transparency: "transparent"}, false},
		{"cancelled", calendar.Event{Id: "e3", Status: "cancelled"}, false},
		{"declined by self", calendar.Event{Id: "e4", Start: at(1), End: at(2), Attendees: []*calendar.EventAttendee{{Email: "x@y", Self: true, ResponseStatus: "declined"}}}, false},
		{"declined by another", calendar.Event{Id: "e5", Start: at(1), End: at(2), Attendees: []*calendar.EventAttendee{{Email: "x@y", ResponseStatus: "declined"}}}, true},
		{"all day", calendar.Event{Id: "e6", Start: &calendar.EventDateTime{Date: "2026-07-01"}, End: &calendar.EventDateTime{Date: "2026-07-02"}}, true},
		{"working location", calendar.Event{Id: "e7", Start: at(1), End: at(2), EventType: "workingLocation"}, false},
		{"empty span", calendar.Event{Id: "e8", Start: at(1), End: at(1)}, false},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			b, ok := gcal.BusyFromEvent("primary", &s.ev, london)
			if ok != s.busy {
				t.Fatalf("busy = %v, want %v", ok, s.busy)
			}
			if s.name == "all day" && !b.Start.Equal(time.Date(2026, 6, 30, 23, 0, 0, 0, time.UTC)) {
				t.Errorf("all-day start in the calendar's zone: %v", b.Start)
			}
		})
	}
}

func TestSyncPagesIncrementalAndGone(t *testing.T) {
	fake := fakegoogle.New()
	defer fake.Close()
	fake.SetPageSize(3)
	svc, _ := client(t, fake)
	ctx := context.Background()
	for i := range 7 {
		id := "busy" + string(rune('a'+i)) + "0000"
		fake.AddBusy("primary", id, now.Add(time.Duration(i+1)*time.Hour), now.Add(time.Duration(i+1)*time.Hour+30*time.Minute))
	}
	fake.PutEvent("primary", calendar.Event{Id: "free00000", Transparency: "transparent", Start: &calendar.EventDateTime{DateTime: now.Format(time.RFC3339)}, End: &calendar.EventDateTime{DateTime: now.Add(time.Hour).Format(time.RFC3339)}})
	full, err := gcal.SyncCalendar(ctx, svc, "primary", "", now, gcal.SyncOptions{})
	if err != nil || !full.Full || len(full.Upserts) != 7 || full.SyncToken == "" {
		t.Fatalf("full sync: %+v %v", full, err)
	}
	if fake.Calls("list") != 3 {
		t.Errorf("pages read: %d, want 3", fake.Calls("list"))
	}
	fake.RemoveEvent("primary", "busya0000")
	fake.AddBusy("primary", "busyz0000", now.Add(20*time.Hour), now.Add(21*time.Hour))
	inc, err := gcal.SyncCalendar(ctx, svc, "primary", full.SyncToken, now, gcal.SyncOptions{})
	if err != nil || inc.Full || len(inc.Upserts) != 1 || len(inc.Deletes) != 1 || inc.Deletes[0] != gcal.SourceID("primary", "busya0000") {
		t.Fatalf("incremental: %+v %v", inc, err)
	}
	fake.ExpireSyncTokens()
	again, err := gcal.SyncCalendar(ctx, svc, "primary", inc.SyncToken, now, gcal.SyncOptions{})
	if err != nil || !again.Full || len(again.Upserts) != 7 {
		t.Fatalf("after 410: %+v %v", again, err)
	}
}

func TestWriteMeetingIsIdempotent(t *testing.T) {
	fake := fakegoogle.New()
	defer fake.Close()
	svc, _ := client(t, fake)
	ctx := context.Background()
	m := gcal.Meeting{BookingID: "bk1234567890abc", Summary: "Call", Start: now.Add(time.Hour), End: now.Add(90 * time.Minute),
		AttendeeEmail: "ann@example.com", AttendeeName: "Ann", Location: gcal.MeetLocation}
	for range 3 {
		if _, err := gcal.WriteMeeting(ctx, svc, "primary", m); err != nil {
			t.Fatal(err)
		}
	}
	evs := fake.LiveEvents("primary")
	if len(evs) != 1 || evs[0].Id != gcal.EventID(m.BookingID) || evs[0].HangoutLink == "" || evs[0].Attendees[0].Email != "ann@example.com" {
		t.Fatalf("events: %+v", evs)
	}
	m.Start, m.End = m.Start.Add(24*time.Hour), m.End.Add(24*time.Hour)
	if _, err := gcal.WriteMeeting(ctx, svc, "primary", m); err != nil {
		t.Fatal(err)
	}
	if ev, _ := fake.Event("primary", gcal.EventID(m.BookingID)); ev.Start.DateTime != m.Start.Format(time.RFC3339) || ev.HangoutLink == "" {
		t.Fatalf("after reschedule: %+v", ev.Start)
	}
	for range 2 {
		if err := gcal.DeleteMeeting(ctx, svc, "primary", m.BookingID); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(fake.LiveEvents("primary")); n != 0 {
		t.Fatalf("%d events after delete", n)
	}
	// A booking written again after its event was deleted comes back (409 → patch).
	if _, err := gcal.WriteMeeting(ctx, svc, "primary", m); err != nil || len(fake.LiveEvents("primary")) != 1 {
		t.Fatalf("rewrite after delete: %v", err)
	}
}

func TestFaultsAndInvalidGrant(t *testing.T) {
	fake := fakegoogle.New()
	defer fake.Close()
	fake.SetTokenTTL(5 * time.Second) // always refreshed (the client refreshes 10 s early), yet valid while a slow machine uses it
	svc, saved := client(t, fake)
	ctx := context.Background()
	if _, err := gcal.FreeBusy(ctx, svc, []string{"primary"}, now, now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if len(*saved) == 0 {
		t.Error("the refreshed token was not persisted")
	}
	fake.Fail(http.StatusServiceUnavailable, 1)
	if _, err := gcal.FreeBusy(ctx, svc, []string{"primary"}, now, now.Add(time.Hour)); gcal.StatusCode(err) != 503 {
		t.Errorf("5xx: %v", err)
	}
	fake.Fail(http.StatusTooManyRequests, 1)
	if _, err := gcal.FreeBusy(ctx, svc, []string{"primary"}, now, now.Add(time.Hour)); gcal.StatusCode(err) != 429 {
		t.Errorf("429: %v", err)
	}
	fake.Slow(500 * time.Millisecond)
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	_, err := gcal.FreeBusy(short, svc, []string{"primary"}, now, now.Add(time.Hour))
	cancel()
	if !gcal.IsTimeout(err) {
		t.Errorf("slow: %v", err)
	}
	fake.Heal()
	fake.Revoke()
	_, err = gcal.FreeBusy(ctx, svc, []string{"primary"}, now, now.Add(time.Hour))
	if !errors.Is(err, gcal.ErrInvalidGrant) {
		t.Fatalf("revoked: %v", err)
	}
}

func TestStateAndTokenSealing(t *testing.T) {
	key := bytes.Repeat([]byte{3}, 32)
	st, err := gcal.SealState(key, gcal.OAuthState{Host: "h1", Verifier: "v", Expires: now.Add(10 * time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := gcal.OpenState(key, st, now); err != nil || got.Host != "h1" {
		t.Fatalf("open: %+v %v", got, err)
	}
	if _, err := gcal.OpenState(key, st, now.Add(11*time.Minute)); !errors.Is(err, gcal.ErrStateExpired) {
		t.Errorf("expired: %v", err)
	}
	if _, err := gcal.OpenState(bytes.Repeat([]byte{4}, 32), st, now); !errors.Is(err, gcal.ErrStateInvalid) {
		t.Errorf("other key: %v", err)
	}
	sealed, _ := gcal.SealToken(key, &oauth2.Token{AccessToken: "ya29.secret", RefreshToken: "1//secret"})
	if bytes.Contains([]byte(sealed), []byte("secret")) {
		t.Fatal("token readable when sealed")
	}
	if tok, err := gcal.OpenToken(key, sealed); err != nil || tok.RefreshToken != "1//secret" {
		t.Fatalf("open token: %v", err)
	}
}
