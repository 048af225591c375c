package hooks

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/gcal"
	"github.com/slotbase/slotbase/internal/gcal/fakegoogle"
	"github.com/slotbase/slotbase/internal/queue"
)

// gcalEnv is a slotbase app on a settable clock with host Alice (London,
// weekdays 9–5), event type "call", a fake Google and a job worker the test
// drives by hand.
type gcalEnv struct {
	t      *testing.T
	app    *tests.TestApp
	fake   *fakegoogle.Server
	clock  *queueClock
	s      *server
	w      *queue.Worker
	base   string
	host   string
	suAuth string
}

func newGcalEnv(t *testing.T) *gcalEnv {
	t.Helper()
	fake := fakegoogle.New()
	t.Cleanup(fake.Close)
	clock := &queueClock{now: testNow}
	fake.Now = clock.Now
	cfg := Config{NoDemo: true, Now: clock.Now,
		GoogleClientID: fake.ClientID, GoogleClientSecret: fake.ClientSecret,
		GoogleAuthURL: fake.AuthURL(), GoogleTokenURL: fake.TokenURL(), GoogleAPIBase: fake.APIBase(),
		GoogleTimeout: time.Minute, GooglePushHTTP: true} // generous: no test waits for it to fire
	app := seeded(t, cfg)
	t.Cleanup(app.Cleanup)
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, map[string]any{c.EventTypesLocation: gcal.MeetLocation,
		c.EventTypesQuestions: `[{"id":"company","label":"Company","type":"text"}]`})
	base := serveHTTP(t, app)
	secret, err := loadSecret(app.DataDir())
	if err != nil {
		t.Fatal(err)
	}
	w := newQueueWorker(app, clock)
	w.Policy.MaxAttempts = 20
	w.Handle(KindBookingEvent, func(ctx context.Context, j queue.Job) error { return fanOut(app, j) })
	s := &server{app: app, cfg: &cfg, worker: w, secret: secret, now: clock.Now}
	w.Handle(KindGcalWrite, s.handleGcalWrite)
	w.Handle(KindGcalSync, s.handleGcalSync)
	col, _ := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	su := core.NewRecord(col)
	su.SetEmail("admin@example.com")
	su.SetPassword("admin-password-123")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	tok, _ := su.NewAuthToken()
	return &gcalEnv{t: t, app: app, fake: fake, clock: clock, s: s, w: w, base: base, host: host, suAuth: tok}
}

// runJobs runs due jobs until none is left.
func (g *gcalEnv) runJobs() {
	g.t.Helper()
	for range 50 {
		n, err := g.w.RunOnce(context.Background())
		if err != nil {
			g.t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	g.t.Fatal("jobs keep coming")
}

// connect walks the browser flow: the admin asks for the consent URL, Google
// (the fake) redirects back with a code, the callback stores the connection.
func (g *gcalEnv) connect() *connection {
	g.t.Helper()
	return g.connectVia("/api/admin/google/connect?host="+g.host, g.suAuth, g.host)
}

// connectVia is connect with the consent URL from path, asked with auth,
// for host hostID.
func (g *gcalEnv) connectVia(path, auth, hostID string) *connection {
	g.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, g.base+path, nil)
	req.Header.Set("Authorization", auth)
	var out struct{ URL string }
	res := do(g.t, req, &out)
	if res != 200 || !strings.Contains(out.URL, "code_challenge=") || !strings.Contains(out.URL, "access_type=offline") {
		g.t.Fatalf("connect: %d %q", res, out.URL)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	consent, err := noFollow.Get(out.URL)
	if err != nil || consent.StatusCode != http.StatusFound {
		g.t.Fatalf("consent: %v %v", consent, err)
	}
	consent.Body.Close()
	cb, err := http.Get(consent.Header.Get("Location"))
	if err != nil || cb.StatusCode != 200 {
		g.t.Fatalf("callback: %v %v", cb.StatusCode, err)
	}
	cb.Body.Close()
	g.runJobs() // the first sync
	cn, err := findConnection(g.app, hostID)
	if err != nil {
		g.t.Fatal(err)
	}
	if cn == nil || cn.status() != c.ConnectionConnected {
		g.t.Fatalf("connection after callback: %+v", cn)
	}
	return cn
}

func do(t *testing.T, req *http.Request, into any) int {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if into != nil {
		_ = jsonDecode(res.Body, into)
	}
	return res.StatusCode
}

// slotStarts lists the free slot starts (UTC "15:04") of date.
func (g *gcalEnv) slotStarts(date string) []string {
	g.t.Helper()
	var out slotsResponse
	if code := getJSON(g.t, g.base+"/api/slots?event_type=call&from="+date+"&to="+date+"&tz=UTC", &out); code != 200 {
		g.t.Fatalf("slots: %d", code)
	}
	var starts []string
	for _, d := range out.Days {
		for _, s := range d.Slots {
			starts = append(starts, s.Start[11:16])
		}
	}
	return starts
}

// book books the call at start and returns the booking id and manage token.
func (g *gcalEnv) book(start time.Time) (string, string) {
	g.t.Helper()
	code, body := postJSON(g.t, http.DefaultClient, g.base+"/api/bookings", map[string]any{
		"event_type": "call", "start": start.Format(time.RFC3339), "name": "Ann Invitee",
		"email": "ann@example.com", "timezone": "Europe/London", "answers": map[string]any{"company": "Acme"}}, nil)
	if code != 201 {
		g.t.Fatalf("booking at %s: %d %v", start, code, body)
	}
	return body["id"].(string), body["manage_token"].(string)
}

// connection is the host's Google connection (nil if none).
func (g *gcalEnv) connection() *connection {
	g.t.Helper()
	cn, err := findConnection(g.app, g.host)
	if err != nil {
		g.t.Fatal(err)
	}
	return cn
}

func (g *gcalEnv) sync() {
	g.t.Helper()
	cn := g.connection()
	if err := g.s.syncConnection(context.Background(), cn); err != nil {
		g.t.Fatalf("sync: %v", err)
	}
}

var tue10 = time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)

func has(list []string, v string) bool { return contains(list, v) }

func TestGcalBusyTimeSyncsIntoSlots(t *testing.T) {
	g := newGcalEnv(t)
	g.fake.AddBusy("primary", "meeting01", tue10, tue10.Add(time.Hour))
	g.fake.PutEvent("primary", calendarEvent("freetime1", tue10.Add(2*time.Hour), tue10.Add(3*time.Hour), "transparent"))
	before := g.slotStarts("2026-03-03")
	if !has(before, "10:00") {
		t.Fatalf("slots before connecting: %v", before)
	}
	g.connect()
	after := g.slotStarts("2026-03-03")
	if has(after, "10:00") || has(after, "10:30") || !has(after, "11:00") || !has(after, "12:00") || !has(after, "09:30") {
		t.Fatalf("a busy event must remove exactly its slots (a transparent one none): %v", after)
	}
	lists := g.fake.Calls("list")
	g.fake.RemoveEvent("primary", "meeting01")
	if has(g.slotStarts("2026-03-03"), "10:00") {
		t.Fatal("slots changed before a sync: slot queries must not call Google")
	}
	g.sync()
	if !has(g.slotStarts("2026-03-03"), "10:00") {
		t.Fatal("an event deleted in Google still blocks after the next sync")
	}
	if g.fake.Calls("list") != lists+1 || g.fake.Calls("freebusy") != 0 {
		t.Errorf("the second sync should be one incremental list: %d list calls, %d freeBusy", g.fake.Calls("list")-lists, g.fake.Calls("freebusy"))
	}
	if n, _ := g.app.CountRecords(c.BusyBlocks); n != 0 {
		t.Errorf("busy blocks left: %d", n)
	}
}

func TestGcalStaleSyncTokenRecovers(t *testing.T) {
	g := newGcalEnv(t)
	g.fake.AddBusy("primary", "meetinga1", tue10, tue10.Add(time.Hour))
	g.connect()
	g.fake.ExpireSyncTokens()
	g.fake.RemoveEvent("primary", "meetinga1")
	g.fake.AddBusy("primary", "meetingb1", tue10.Add(4*time.Hour), tue10.Add(5*time.Hour))
	g.sync()
	got := g.slotStarts("2026-03-03")
	if !has(got, "10:00") || has(got, "14:00") || has(got, "14:30") {
		t.Fatalf("after a 410 the cache must equal Google's state: %v", got)
	}
	cn := g.connection()
	st, err := cn.syncState()
	if err != nil {
		t.Fatal(err)
	}
	if st := st.Calendars["primary"]; st.SyncToken == "" || !st.FullSync.Equal(testNow) {
		t.Errorf("sync state after the full resync: %+v", st)
	}
}

func TestGcalBookingWritesExactlyOneEvent(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	id, _ := g.book(tue10)
	// The worker claims the calendar job, Google answers, and the worker
	// "crashes" before it records the outcome.
	if _, err := g.w.RunOnce(context.Background()); err != nil { // the booking.event fan-out
		t.Fatal(err)
	}
	claimed, err := (jobStore{g.app}).Claim(context.Background(), []string{KindGcalWrite}, g.clock.Now(), time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	if err := g.s.handleGcalWrite(context.Background(), claimed[0]); err != nil {
		t.Fatal(err)
	}
	g.clock.Add(time.Minute) // the lease runs out: the job runs again
	g.runJobs()
	// And a duplicate delivery of the same job id once more.
	if err := g.s.handleGcalWrite(context.Background(), claimed[0]); err != nil {
		t.Fatal(err)
	}
	events := g.fake.LiveEvents("primary")
	if len(events) != 1 {
		t.Fatalf("%d events for one booking", len(events))
	}
	ev := events[0]
	if ev.Id != gcal.EventID(id) || ev.HangoutLink == "" || len(ev.Attendees) != 1 || ev.Attendees[0].Email != "ann@example.com" ||
		!strings.Contains(ev.Description, "Company: Acme") || ev.Start.DateTime != "2026-03-03T10:00:00Z" {
		t.Fatalf("event: %+v", ev)
	}
	if g.fake.Calls("insert") != 3 || g.fake.Calls("patch") != 2 {
		t.Errorf("insert %d, patch %d: retries must meet the 409 and patch", g.fake.Calls("insert"), g.fake.Calls("patch"))
	}
	r, _ := g.app.FindRecordById(c.Bookings, id)
	if r.GetString(c.BookingsGoogleEventID) != ev.Id {
		t.Errorf("google_event_id = %q", r.GetString(c.BookingsGoogleEventID))
	}
	// The host's own booking event, synced back, does not block its slot twice.
	g.sync()
	if n, _ := g.app.CountRecords(c.BusyBlocks); n != 0 {
		t.Errorf("slotbase's own event became %d busy blocks", n)
	}
}

func TestGcalRescheduleAndCancel(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	id, token := g.book(tue10)
	g.runJobs()
	moved := tue10.Add(3 * time.Hour)
	code, body := postJSON(t, http.DefaultClient, g.base+"/api/bookings/manage/"+token+"/reschedule", map[string]any{"start": moved.Format(time.RFC3339)}, nil)
	if code != 200 {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	patches := g.fake.Calls("patch")
	g.runJobs()
	events := g.fake.LiveEvents("primary")
	if len(events) != 1 || events[0].Start.DateTime != "2026-03-03T13:00:00Z" || g.fake.Calls("patch") != patches+1 {
		t.Fatalf("after reschedule: %d events, patches %d: %+v", len(events), g.fake.Calls("patch")-patches, events)
	}
	code, body = postJSON(t, http.DefaultClient, g.base+"/api/bookings/manage/"+token+"/cancel", map[string]any{"reason": "sorry"}, nil)
	if code != 200 {
		t.Fatalf("cancel: %d %v", code, body)
	}
	g.runJobs()
	if n := len(g.fake.LiveEvents("primary")); n != 0 || g.fake.Calls("delete") != 1 {
		t.Fatalf("after cancel: %d events, %d deletes", n, g.fake.Calls("delete"))
	}
	if ev, ok := g.fake.Event("primary", gcal.EventID(id)); !ok || ev.Status != "cancelled" {
		t.Fatalf("the event must be deleted, not replaced: %+v", ev)
	}
}

func TestGcalInvalidGrantWaitsForReconnect(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	g.fake.Revoke() // the user removed slotbase's access in their Google account
	id, _ := g.book(tue10)
	g.runJobs() // 401 → the access token is dropped, the job retries
	g.clock.Add(time.Minute)
	g.runJobs() // the refresh answers invalid_grant
	cn := g.connection()
	if cn.status() != c.ConnectionNeedsReconnect || !strings.Contains(cn.GetString(c.CalendarConnectionsLastError), "invalid_grant") {
		t.Fatalf("connection: %s %q", cn.status(), cn.GetString(c.CalendarConnectionsLastError))
	}
	job, err := g.app.FindFirstRecordByFilter(c.Jobs, "kind = {:k}", dbx.Params{"k": KindGcalWrite})
	if err != nil {
		t.Fatal(err)
	}
	j := c.NewJob(job)
	if j.Status() != c.JobPending || !j.RunAfter().After(g.clock.Now().Add(time.Hour)) {
		t.Fatalf("the calendar job must wait for the reconnect: %s until %s", j.Status(), j.RunAfter())
	}
	attempts := j.Attempts()
	g.clock.Add(10 * time.Minute)
	g.runJobs()
	if c.NewJob(mustFind(t, g.app, job.Id)).Attempts() != attempts {
		t.Fatal("a waiting job ran (and burnt an attempt) before the reconnect")
	}
	// The admin sees the reason.
	req, _ := http.NewRequest(http.MethodGet, g.base+"/api/admin/google/connections", nil)
	req.Header.Set("Authorization", g.suAuth)
	var view struct{ Connections []connectionView }
	if do(t, req, &view) != 200 || len(view.Connections) != 1 || view.Connections[0].Status != c.ConnectionNeedsReconnect ||
		!strings.Contains(view.Connections[0].LastError, "Reconnect") || view.Connections[0].WaitingJobs != 1 {
		t.Fatalf("admin view: %+v", view)
	}
	anon, _ := http.NewRequest(http.MethodGet, g.base+"/api/admin/google/connections", nil)
	if code := do(t, anon, nil); code != 401 {
		t.Errorf("the admin view without a superuser: %d", code)
	}
	if len(g.fake.LiveEvents("primary")) != 0 {
		t.Fatal("an event was written with a revoked grant")
	}
	g.connect() // reconnect: the waiting job is due at once
	if evs := g.fake.LiveEvents("primary"); len(evs) != 1 || evs[0].Id != gcal.EventID(id) {
		t.Fatalf("after the reconnect: %+v", evs)
	}
	if j := c.NewJob(mustFind(t, g.app, job.Id)); j.Status() != c.JobDone {
		t.Fatalf("job after reconnect: %s", j.Status())
	}
}

func TestGcalGoogleDownBookingsStillSucceed(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	g.fake.Fail(http.StatusServiceUnavailable, -1)
	a, _ := g.book(tue10)
	b, _ := g.book(tue10.Add(time.Hour))
	g.runJobs()
	g.clock.Add(time.Minute)
	g.runJobs()
	g.fake.Fail(http.StatusTooManyRequests, -1)
	g.clock.Add(5 * time.Minute)
	g.runJobs()
	if n := len(g.fake.LiveEvents("primary")); n != 0 {
		t.Fatalf("%d events while Google is down", n)
	}
	if n, _ := g.app.CountRecords(c.Jobs, dbx.NewExp("kind = {:k} AND status = 'pending' AND last_error != ''", dbx.Params{"k": KindGcalWrite})); n != 2 {
		t.Fatalf("want 2 calendar jobs backing off, got %d", n)
	}
	g.fake.Heal()
	g.clock.Add(2 * time.Hour)
	g.runJobs()
	evs := g.fake.LiveEvents("primary")
	if len(evs) != 2 || !(has([]string{evs[0].Id, evs[1].Id}, gcal.EventID(a)) && has([]string{evs[0].Id, evs[1].Id}, gcal.EventID(b))) {
		t.Fatalf("after recovery: %+v", evs)
	}
	if cn := g.connection(); cn.status() != c.ConnectionConnected {
		t.Errorf("an outage is not a reconnect: %s", cn.status())
	}
}

func TestGcalTokensAreEncryptedAtRest(t *testing.T) {
	g := newGcalEnv(t)
	g.connect()
	var row struct {
		Tokens string `db:"tokens_encrypted"`
		State  string `db:"sync_state"`
	}
	if err := g.app.DB().NewQuery("SELECT tokens_encrypted, sync_state FROM calendar_connections").One(&row); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ya29.", "1//", "access_token", "refresh_token"} {
		if strings.Contains(row.Tokens, secret) || strings.Contains(row.State, secret) {
			t.Fatalf("the raw row shows %q: %s", secret, row.Tokens)
		}
	}
	if !strings.HasPrefix(row.Tokens, "v1.") {
		t.Fatalf("not a sealed value: %q", row.Tokens)
	}
	if _, err := gcal.OpenToken(make([]byte, 32), row.Tokens); err == nil {
		t.Fatal("tokens open without the server key")
	}
	tok, err := gcal.OpenToken(g.s.secret, row.Tokens)
	if err != nil || !strings.HasPrefix(tok.RefreshToken, "1//") {
		t.Fatalf("tokens with the key: %v", err)
	}
}

func TestGcalPushChannelTriggersSync(t *testing.T) {
	g := newGcalEnv(t)
	settings, _ := g.app.FindFirstRecordByFilter(c.Settings, "id != ''")
	settings.Set(c.SettingsPublicURL, g.base)
	if err := g.app.Save(settings); err != nil {
		t.Fatal(err)
	}
	g.connect()
	chans := g.fake.Channels()
	if len(chans) != 1 {
		t.Fatalf("channels: %v", chans)
	}
	g.fake.AddBusy("primary", "pushed001", tue10, tue10.Add(time.Hour))
	if st := g.fake.Notify("primary"); len(st) != 1 || st[0] != 200 {
		t.Fatalf("notify: %v", st)
	}
	g.runJobs()
	if has(g.slotStarts("2026-03-03"), "10:00") {
		t.Fatal("a pushed change did not reach the slots")
	}
	bad, _ := http.NewRequest(http.MethodPost, g.base+notifyPath, nil)
	for id := range chans {
		bad.Header.Set("X-Goog-Channel-ID", id)
	}
	bad.Header.Set("X-Goog-Channel-Token", "forged")
	if code := do(t, bad, nil); code != 403 {
		t.Errorf("forged notification: %d", code)
	}
	// Renewal: a day before expiry the channel is replaced and the old one stopped.
	g.clock.Add(6*24*time.Hour + time.Hour)
	g.sync()
	now := g.fake.Channels()
	for id := range chans {
		if _, still := now[id]; still || len(now) != 1 {
			t.Fatalf("channel not renewed: before %v, after %v", chans, now)
		}
	}
}

func mustFind(t *testing.T, app core.App, jobID string) *core.Record {
	t.Helper()
	r, err := app.FindRecordById(c.Jobs, jobID)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestGcalLiveFreeBusyCheck(t *testing.T) {
	g := newGcalEnv(t)
	srv, _ := testServers.Load(core.App(g.app))
	liveCheck := &srv.(*server).cfg.GoogleLiveCheckTimeout
	*liveCheck = time.Minute // generous: the answer must arrive on a loaded machine too
	g.connect()
	// A meeting added in Google after the last sync: the slot still shows,
	// but the live check at booking time catches it.
	g.fake.AddBusy("primary", "latecomer", tue10, tue10.Add(time.Hour))
	if !has(g.slotStarts("2026-03-03"), "10:00") {
		t.Fatal("the slot should still show from the cache")
	}
	code, _ := postJSON(t, http.DefaultClient, g.base+"/api/bookings", map[string]any{
		"event_type": "call", "start": tue10.Format(time.RFC3339), "name": "Ann", "email": "ann@example.com", "timezone": "UTC"}, nil)
	if code != http.StatusConflict {
		t.Fatalf("booking over a fresh Google event: %d, want 409", code)
	}
	liveBlocks := func() int64 {
		n, err := g.app.CountRecords(c.BusyBlocks, dbx.NewExp("source_id LIKE 'freebusy/%'"))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if liveBlocks() == 0 {
		t.Fatal("the live check stored no busy block")
	}
	g.sync()
	if n := liveBlocks(); n != 0 {
		t.Errorf("live-check blocks survive a sync: %d", n)
	}

	// Google stops answering: only the check's own timeout, whatever its
	// length, ends the wait; the booking is then taken on the cached busy
	// time, which has not seen Google's new meeting.
	tue13 := tue10.Add(3 * time.Hour)
	g.fake.AddBusy("primary", "unseen", tue13, tue13.Add(time.Hour))
	g.fake.Slow(time.Hour)
	*liveCheck = 100 * time.Millisecond
	asked := g.fake.Calls("freebusy")
	code, body := postJSON(t, &http.Client{Timeout: time.Minute}, g.base+"/api/bookings", map[string]any{
		"event_type": "call", "start": tue13.Format(time.RFC3339), "name": "Ann", "email": "ann@example.com", "timezone": "UTC"}, nil)
	if code != http.StatusCreated {
		t.Fatalf("booking while Google does not answer: %d %v, want 201", code, body)
	}
	if g.fake.Calls("freebusy") == asked {
		t.Error("the booking did not ask Google")
	}
	if n := liveBlocks(); n != 0 {
		t.Errorf("%d live-check blocks from a check that got no answer", n)
	}
	g.fake.Heal()
}
