package hooks

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/msgraph"
	"github.com/slotbase/slotbase/internal/msgraph/fakegraph"
	"github.com/slotbase/slotbase/internal/queue"
)

// msEnv is icsEnv (host Alice in Berlin, weekdays 9–5, event type "call",
// a superuser, a worker driven by hand) with Microsoft aimed at a
// fakegraph on 127.0.0.1 and the worker running the fan-out and the
// Microsoft jobs.
type msEnv struct {
	*icsEnv
	s    *server
	fake *fakegraph.Server
}

func newMSEnv(t *testing.T) *msEnv {
	t.Helper()
	fake := fakegraph.New()
	t.Cleanup(fake.Close)
	fake.ClientID, fake.ClientSecret = "slotbase-test-app", "test-client-secret"
	configure := func(cfg *Config) {
		cfg.MicrosoftClientID, cfg.MicrosoftClientSecret = fake.ClientID, fake.ClientSecret
		cfg.MicrosoftAuthURL, cfg.MicrosoftTokenURL, cfg.MicrosoftAPIBase = fake.AuthURL(), fake.TokenURL(), fake.BaseURL()
	}
	x := newICSEnvWith(t, configure)
	x.w.Policy.MaxAttempts = 20
	secret, err := loadSecret(x.app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{NoDemo: true, Now: x.clock.Now, ICSAllowPrivate: true}
	configure(&cfg)
	s := &server{app: x.app, cfg: &cfg, worker: x.w, secret: secret, now: x.clock.Now}
	x.w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error { return fanOut(x.app, j) })
	x.w.Handle(KindMSGraphSync, s.handleMSGraphSync)
	x.w.Handle(KindMSGraphWrite, s.handleMSGraphWrite)
	return &msEnv{icsEnv: x, s: s, fake: fake}
}

// signInURL asks the admin route for Alice's Microsoft sign-in URL.
func (d *msEnv) signInURL() string {
	d.t.Helper()
	code, body := apiCall(d.t, "GET", d.base+"/api/admin/microsoft/connect?host="+d.host, d.suAuth, nil)
	if code != http.StatusOK {
		d.t.Fatalf("connect: %d %v", code, body)
	}
	return body["url"].(string)
}

// follow opens u in a "browser" (redirects followed: the fake's consent
// page sends it straight to slotbase's callback) and returns the final status.
func (d *msEnv) follow(u string) (int, string) {
	d.t.Helper()
	res, err := http.Get(u)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	return res.StatusCode, res.Request.URL.Path
}

// connect connects Alice's account through the sign-in flow and runs the first sync.
func (d *msEnv) connect() {
	d.t.Helper()
	if code, path := d.follow(d.signInURL()); code != http.StatusOK || path != msgraphCallbackPath {
		d.t.Fatalf("sign-in: %d at %s", code, path)
	}
	d.runJobs()
}

func (d *msEnv) conn() *connection {
	d.t.Helper()
	cn, err := findProviderConnection(d.app, d.host, c.ProviderMicrosoft)
	if err != nil || cn == nil {
		d.t.Fatalf("microsoft connection: %v %v", cn, err)
	}
	return cn
}

// ownEvents are the fake mailbox's events slotbase wrote.
func (d *msEnv) ownEvents() []fakegraph.Event {
	var out []fakegraph.Event
	for _, ev := range d.fake.Events() {
		if msgraph.IsOwnTransaction(ev.TransactionID) {
			out = append(out, ev)
		}
	}
	return out
}

// Connecting goes through Microsoft's sign-in with PKCE (a sign-in URL
// without the challenge is refused by the fake and the callback says so);
// the token is stored sealed on a "microsoft" connection; an Outlook event
// blocks its slots after the sync, and deleting it frees them after a
// (delta) sync; a refreshed token is sealed onto the row.
func TestMicrosoftConnectAndBusyTime(t *testing.T) {
	d := newMSEnv(t)
	if code, body := apiCall(t, "GET", d.base+"/api/admin/microsoft/connect?host=nope", d.suAuth, nil); code != http.StatusBadRequest || !dataHas(body, "host") {
		t.Fatalf("connect for an unknown host: %d %v", code, body)
	}
	u, err := url.Parse(d.signInURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || strings.Contains(u.String(), "verifier") {
		t.Fatalf("sign-in URL without PKCE: %s", u)
	}
	q.Del("code_challenge")
	u.RawQuery = q.Encode()
	if code, _ := d.follow(u.String()); code != http.StatusBadRequest {
		t.Fatalf("sign-in without PKCE: %d, want 400", code)
	}
	if _, err := findProviderConnection(d.app, d.host, c.ProviderMicrosoft); err != nil {
		t.Fatal(err)
	}

	d.fake.Put(fakegraph.Event{ID: "outlook-1", Subject: "Dentist",
		Start: time.Date(2026, 3, 5, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 5, 13, 0, 0, 0, time.UTC)})
	d.fake.Put(fakegraph.Event{ID: "outlook-2", Subject: "Gym",
		Start: time.Date(2026, 3, 6, 12, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 6, 13, 0, 0, 0, time.UTC)})
	d.fake.Put(fakegraph.Event{ID: "outlook-free", Subject: "Focus", ShowAs: "free",
		Start: time.Date(2026, 3, 5, 14, 0, 0, 0, time.UTC), End: time.Date(2026, 3, 5, 15, 0, 0, 0, time.UTC)})
	d.expectBusy("before connecting", "2026-03-05", nil, []string{"12:00", "12:30"})
	d.connect()
	cn := d.conn()
	if cn.status() != c.ConnectionConnected || cn.GetString(c.CalendarConnectionsTokens) == "" || d.fake.Calls("delta") == 0 {
		t.Fatalf("after connecting: %s, %d delta calls", cn.status(), d.fake.Calls("delta"))
	}
	d.expectBusy("Outlook event", "2026-03-05", []string{"12:00", "12:30"}, []string{"11:30", "13:00", "14:00"})
	_, hostView := apiCall(t, "GET", d.base+"/api/admin/hosts/"+d.host+"/microsoft", d.suAuth, nil)
	_, list := apiCall(t, "GET", d.base+"/api/admin/google/connections", d.suAuth, nil)
	if hostView["status"] != c.ConnectionConnected || hostView["kind"] != c.ProviderMicrosoft || strings.Contains(mustJSON(hostView)+mustJSON(list), "at-") {
		t.Fatalf("host view %v, list %v", hostView, list["microsoft"])
	}
	if ms, _ := list["microsoft"].([]any); len(ms) != 1 {
		t.Fatalf("connections list: %v", list["microsoft"])
	}

	d.fake.Remove("outlook-1")
	d.fake.ExpireAccessTokens() // the next call refreshes: the rotated token must be kept
	sealed := d.conn().GetString(c.CalendarConnectionsTokens)
	d.clock.Add(time.Minute)
	if code, body := apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/microsoft/sync", d.suAuth, nil); code != http.StatusAccepted {
		t.Fatalf("sync: %d %v", code, body)
	}
	d.runJobs()
	d.expectBusy("deleted in Outlook", "2026-03-05", nil, []string{"12:00", "12:30"})
	d.expectBusy("untouched by the delta", "2026-03-06", []string{"12:00", "12:30"}, []string{"13:00"})
	if got := d.conn().GetString(c.CalendarConnectionsTokens); got == sealed {
		t.Fatal("the refreshed token was not sealed onto the connection")
	}
	d.clock.Add(time.Minute) // the stored (rotated) refresh token still works
	apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/microsoft/sync", d.suAuth, nil)
	d.runJobs()
	if cn := d.conn(); cn.status() != c.ConnectionConnected || cn.GetString(c.CalendarConnectionsLastError) != "" {
		t.Fatalf("after a sync with the rotated token: %s %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}

	// A forged state is refused before any code exchange.
	if code, _ := d.follow(d.base + msgraphCallbackPath + "?code=x&state=forged"); code != http.StatusBadRequest {
		t.Fatalf("callback with a forged state: %d, want 400", code)
	}
	// The host connects their own account the same way.
	hostAuth := hostToken(t, d.app, d.host)
	code, body := apiCall(t, "GET", d.base+"/api/host/microsoft/connect", hostAuth, nil)
	u, _ = url.Parse(fmt.Sprint(body["url"]))
	if code != http.StatusOK || u.Query().Get("code_challenge") == "" {
		t.Fatalf("host connect: %d %v", code, body)
	}
	if code, _ := d.follow(u.String()); code != http.StatusOK {
		t.Fatalf("host sign-in: %d", code)
	}
	// Disconnecting drops the connection and its busy time.
	if code, body := apiCall(t, "DELETE", d.base+"/api/host/microsoft", hostAuth, nil); code != http.StatusNoContent {
		t.Fatalf("disconnect: %d %v", code, body)
	}
	if cn, err := findProviderConnection(d.app, d.host, c.ProviderMicrosoft); cn != nil || err != nil || d.blocks("") != 0 {
		t.Fatalf("after disconnect: %v %v, %d blocks", cn, err, d.blocks(""))
	}
	d.expectBusy("after disconnect", "2026-03-06", nil, []string{"12:00", "12:30"})
}

// A booking creates one event in the mailbox (a Teams meeting, as the
// event type's location asks), a retried write does not duplicate it
// (transactionId), a reschedule updates it, a cancel deletes it; slotbase's
// own event is not busy time.
func TestMicrosoftBookingEventFollowsTheBooking(t *testing.T) {
	d := newMSEnv(t)
	et, err := d.app.FindFirstRecordByFilter(c.EventTypes, "slug = 'call'")
	if err != nil {
		t.Fatal(err)
	}
	et.Set(c.EventTypesLocation, "Microsoft Teams")
	if err := d.app.Save(et); err != nil {
		t.Fatal(err)
	}
	d.connect()
	id, token := d.book(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	d.runJobs()
	evs := d.ownEvents()
	if len(evs) != 1 || !evs[0].Start.Equal(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)) || evs[0].TransactionID != msgraph.TransactionID(caldavUID(id)) || !evs[0].Teams {
		t.Fatalf("events after booking: %+v", evs)
	}
	row, err := msgraphEventRow(d.app, d.conn().Id, id)
	if err != nil || row == nil || row.GetString(c.MSGraphEventsEventID) != evs[0].ID {
		t.Fatalf("event row: %v %v", row, err)
	}

	// A write retried after its answer was lost (the row never saved).
	if err := d.app.Delete(row); err != nil {
		t.Fatal(err)
	}
	if err := d.app.RunInTransaction(func(tx core.App) error {
		return enqueueOnce(tx, "retry-"+id, KindMSGraphWrite, calendarWritePayload{Booking: id, Host: d.host}, id, d.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	d.runJobs()
	if evs := d.ownEvents(); len(evs) != 1 {
		t.Fatalf("%d events after a retried create, want 1", len(evs))
	}

	d.clock.Add(time.Minute)
	apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/microsoft/sync", d.suAuth, nil)
	d.runJobs()
	if n := d.blocks(""); n != 0 {
		t.Fatalf("%d busy blocks after syncing the booking's own event, want 0", n)
	}

	code, body := postJSON(t, http.DefaultClient, d.base+"/api/bookings/manage/"+token+"/reschedule", map[string]any{"start": "2026-03-05T11:00:00Z"}, nil)
	if code != http.StatusOK {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	d.runJobs()
	if evs := d.ownEvents(); len(evs) != 1 || !evs[0].Start.Equal(time.Date(2026, 3, 5, 11, 0, 0, 0, time.UTC)) || d.fake.Calls("patch") == 0 {
		t.Fatalf("events after reschedule: %+v (%d patches)", evs, d.fake.Calls("patch"))
	}

	code, body = postJSON(t, http.DefaultClient, d.base+"/api/bookings/manage/"+token+"/cancel", map[string]any{"reason": "sorry"}, nil)
	if code != http.StatusOK {
		t.Fatalf("cancel: %d %v", code, body)
	}
	d.runJobs()
	if evs := d.ownEvents(); len(evs) != 0 {
		t.Fatalf("events after cancel: %+v", evs)
	}
	if row, err := msgraphEventRow(d.app, d.conn().Id, id); err != nil || row != nil {
		t.Fatalf("event row after cancel: %v %v", row, err)
	}
}

// Graph throttling (429 with Retry-After) defers the write job by at least
// that wait without spending an attempt, and it succeeds afterwards;
// revoked consent marks the connection needs_reconnect and defers jobs.
func TestMicrosoftThrottlingAndRevokedConsent(t *testing.T) {
	d := newMSEnv(t)
	d.connect()
	d.fake.Throttle(1, http.StatusTooManyRequests, "120")
	id, _ := d.book(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC))
	d.runJobs()
	jobs, err := d.app.FindRecordsByFilter(c.Jobs, "kind = {:k}", "", 0, 0, map[string]any{"k": KindMSGraphWrite})
	if err != nil || len(jobs) != 1 {
		t.Fatalf("write jobs: %v %v", jobs, err)
	}
	j := c.NewJob(jobs[0])
	if j.Status() != "pending" || j.Attempts() != 0 || j.GetDateTime("run_after").Time().Before(d.clock.Now().Add(2*time.Minute)) || len(d.ownEvents()) != 0 {
		t.Fatalf("write job after a 429: %s, %d attempts, run_after %s, %d events", j.Status(), j.Attempts(), j.GetDateTime("run_after"), len(d.ownEvents()))
	}
	d.clock.Add(3 * time.Minute)
	d.runJobs()
	if evs := d.ownEvents(); len(evs) != 1 || evs[0].TransactionID != msgraph.TransactionID(caldavUID(id)) {
		t.Fatalf("events after the wait: %+v", evs)
	}

	d.fake.Revoke()
	d.clock.Add(time.Minute)
	apiCall(t, "POST", d.base+"/api/admin/hosts/"+d.host+"/microsoft/sync", d.suAuth, nil)
	d.runJobs()
	if cn := d.conn(); cn.status() != c.ConnectionNeedsReconnect || !strings.Contains(cn.GetString(c.CalendarConnectionsLastError), "Connect the account again") {
		t.Fatalf("after revoked consent: %s %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}
	d.book(time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC))
	d.runJobs()
	pending, err := d.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && status = 'pending'", "", 0, 0, map[string]any{"k": KindMSGraphWrite})
	if err != nil || len(pending) != 1 || len(d.ownEvents()) != 1 {
		t.Fatalf("a write while needs_reconnect: %d pending (%v), %d events", len(pending), err, len(d.ownEvents()))
	}
	// The periodic sync skips it: only the deferred manual sync waits.
	d.clock.Add(15 * time.Minute)
	if err := d.s.enqueueMicrosoftSyncAll(); err != nil {
		t.Fatal(err)
	}
	syncs, err := d.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && status = 'pending'", "", 0, 0, map[string]any{"k": KindMSGraphSync})
	if err != nil || len(syncs) != 1 {
		t.Fatalf("periodic sync while needs_reconnect: %d pending syncs (%v), want 1", len(syncs), err)
	}
}
