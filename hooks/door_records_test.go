package hooks

import (
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// doorEnv is an e-mail env (real SMTP sink) with a superuser, a webhook
// receiver subscribed to every booking event, and the event type's id.
type doorEnv struct {
	*emailEnv
	sink *testenv.SMTPSink
	auth string
	recv *webhookReceiver
	et   string
}

func newDoorEnv(t *testing.T) *doorEnv {
	t.Helper()
	port := testenv.FreePort(t)
	sink := testenv.StartSMTPSink(t, port)
	env := newEmailEnv(t, port, nil)
	_, auth := mkSuperuser(t, env.app, "root@example.com")
	recv := &webhookReceiver{answers: map[string][]int{}}
	recv.srv = httptest.NewServer(recv)
	t.Cleanup(recv.srv.Close)
	code, w := apiCall(t, "POST", env.url+"/api/collections/webhooks/records", auth, map[string]any{
		"name": "all", "url": recv.srv.URL + "/hook", "active": true,
		"events": []string{"booking.created", "booking.confirmed", "booking.declined", "booking.cancelled", "booking.rescheduled"}})
	if code != 200 {
		t.Fatalf("webhook: %d %v", code, w)
	}
	et, err := env.app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	return &doorEnv{emailEnv: env, sink: sink, auth: auth, recv: recv, et: et.Id}
}

// records calls the records API as the admin UI does.
func (d *doorEnv) records(t *testing.T, method, path string, body any) (int, map[string]any) {
	t.Helper()
	return apiCall(t, method, d.url+"/api/collections/bookings/records"+path, d.auth, body)
}

// outcome is what one change made: the mails (recipient, subject's first
// word, invite method and SEQUENCE) and the webhook events, sorted.
type outcome struct {
	mails  []string
	events []string
}

// settle runs the jobs and returns the mails and deliveries since the last call.
func (d *doorEnv) settle(t *testing.T, seenMails, seenHooks *int) outcome {
	t.Helper()
	d.drain(t)
	var out outcome
	msgs := d.sink.Messages(t)
	for _, m := range msgs[*seenMails:] {
		line := m.Msg.To.Address + " " + strings.SplitN(m.Msg.Subject, ":", 2)[0]
		if p := m.Msg.Part("text/calendar"); p != nil {
			info := parseICS(t, p.Body)[0]
			line += " " + info.Method + " seq " + itoa(info.Sequence)
		}
		out.mails = append(out.mails, line)
	}
	*seenMails = len(msgs)
	got := d.recv.received()
	for _, r := range got[*seenHooks:] {
		out.events = append(out.events, r.header.Get(HeaderWebhookEvent))
	}
	*seenHooks = len(got)
	sort.Strings(out.mails)
	sort.Strings(out.events)
	return out
}

// TestRecordsAPIBookingDoor: what the admin UI sends goes through the same
// door as the admin API: refusals are field errors, an override is audited,
// and status and time changes send the same mails, invites and webhooks.
func TestRecordsAPIBookingDoor(t *testing.T) {
	d := newDoorEnv(t)
	mails, hooks := 0, 0
	taken, _ := d.book(t, "2026-03-03T10:00:00Z", "Bob", "bob@example.com", "Europe/London", "")
	d.settle(t, &mails, &hooks)

	// Create onto a taken slot: a field error on start, no row.
	newBooking := map[string]any{"event_type": d.et, "start": "2026-03-03 10:00:00.000Z", "name": "Carol", "email": "carol@example.com", "timezone": "Europe/Paris"}
	code, body := d.records(t, "POST", "", newBooking)
	if code != 400 || body["data"].(map[string]any)["start"] == nil {
		t.Fatalf("create on a taken slot = %d %v, want 400 naming start", code, body)
	}
	if n := countBookings(t, d.app, "email = 'carol@example.com'"); n != 0 {
		t.Fatalf("a refused create left %d rows", n)
	}

	// With the override: booked, audited as overridden, everyone told.
	newBooking["override_availability"] = true
	code, body = d.records(t, "POST", "", newBooking)
	if code != 200 {
		t.Fatalf("create with override = %d %v", code, body)
	}
	carol := body["id"].(string)
	if body["status"] != "confirmed" || body["override_availability"] != false || len(body["hosts"].([]any)) != 1 || body["end"] != "2026-03-03 10:30:00.000Z" {
		t.Fatalf("admin booking: %v", body)
	}
	entry, err := d.app.FindFirstRecordByFilter(c.AuditLog, "record_id = {:id} && action = 'booking.created'", dbx.Params{"id": carol})
	if err != nil {
		t.Fatal(err)
	}
	if ch := entry.GetString(c.AuditLogChanges); !strings.Contains(ch, `"override_availability":{"old":null,"new":true}`) || entry.GetString(c.AuditLogActorKind) != ActorSuperuser {
		t.Fatalf("audit of an overridden create: actor %s changes %s", entry.GetString(c.AuditLogActorKind), ch)
	}
	got := d.settle(t, &mails, &hooks)
	if want := []string{"alice@example.com New booking REQUEST seq 0", "carol@example.com Confirmed REQUEST seq 0"}; strings.Join(got.mails, "|") != strings.Join(want, "|") {
		t.Errorf("admin create mailed %v, want %v", got.mails, want)
	}
	if strings.Join(got.events, ",") != "booking.created" {
		t.Errorf("admin create webhooks: %v", got.events)
	}
	// The invitee of an admin booking gets their own manage link.
	carolMail := byRecipient(t, d.sink.Messages(t), "carol@example.com")
	if !strings.Contains(carolMail.Msg.Text(), "https://book.acme.test/manage#mt_") {
		t.Errorf("admin booking's invitee mail lacks the manage link:\n%s", carolMail.Msg.Text())
	}

	// An override's end more than a day after its start: availability reads
	// would miss such a meeting, so it is refused on end.
	long := map[string]any{"event_type": d.et, "start": "2026-03-06 10:00:00.000Z", "end": "2026-03-07 10:01:00.000Z", "override_availability": true,
		"name": "Long", "email": "long@example.com", "timezone": "Europe/Paris"}
	if code, body := d.records(t, "POST", "", long); code != 400 || body["data"].(map[string]any)["end"] == nil {
		t.Fatalf("a 24-hour-and-a-minute meeting = %d %v, want 400 naming end", code, body)
	}
	long["end"] = "2026-03-07 10:00:00.000Z"
	code, body = d.records(t, "POST", "", long)
	if code != 200 {
		t.Fatalf("a 24-hour meeting with override = %d %v", code, body)
	}
	longID := body["id"].(string)
	if code, body := d.records(t, "PATCH", "/"+longID, map[string]any{"end": "2026-03-08 10:00:00.000Z", "override_availability": true}); code != 400 || body["data"].(map[string]any)["end"] == nil {
		t.Fatalf("stretching it to two days = %d %v, want 400 naming end", code, body)
	}
	d.settle(t, &mails, &hooks)

	// Moving onto a taken slot: a field error, nothing changes.
	code, body = d.records(t, "PATCH", "/"+carol, map[string]any{"start": "2026-03-03 10:00:00.000Z", "override_availability": false})
	if code != 200 { // unchanged start: a no-op save
		t.Fatalf("no-op save = %d %v", code, body)
	}
	d.book(t, "2026-03-04T11:00:00Z", "Dan", "dan@example.com", "Europe/London", "")
	d.settle(t, &mails, &hooks)
	code, body = d.records(t, "PATCH", "/"+carol, map[string]any{"start": "2026-03-04 11:00:00.000Z"})
	if code != 400 || body["data"].(map[string]any)["start"] == nil {
		t.Fatalf("move onto a taken slot = %d %v, want 400 naming start", code, body)
	}
	// Onto a free slot: a reschedule, SEQUENCE + 1 for both.
	code, body = d.records(t, "PATCH", "/"+carol, map[string]any{"start": "2026-03-04 14:00:00.000Z"})
	if code != 200 || body["start"] != "2026-03-04 14:00:00.000Z" || body["end"] != "2026-03-04 14:30:00.000Z" || body["sequence"] != float64(1) {
		t.Fatalf("move onto a free slot = %d %v", code, body)
	}
	got = d.settle(t, &mails, &hooks)
	if want := []string{"alice@example.com Rescheduled REQUEST seq 1", "carol@example.com Rescheduled REQUEST seq 1"}; strings.Join(got.mails, "|") != strings.Join(want, "|") {
		t.Errorf("records API reschedule mailed %v, want %v", got.mails, want)
	}

	// A status change through the records API does what the admin API's
	// cancel does: compare the two on two equal bookings.
	viaRecords := d.cancelVia(t, taken, func() (int, map[string]any) {
		return d.records(t, "PATCH", "/"+taken, map[string]any{"status": "cancelled", "cancel_reason": "Host ill"})
	}, &mails, &hooks)
	other, _ := d.book(t, "2026-03-05T10:00:00Z", "Bob", "bob@example.com", "Europe/London", "")
	d.settle(t, &mails, &hooks)
	viaAdminAPI := d.cancelVia(t, other, func() (int, map[string]any) {
		return apiCall(t, "POST", d.url+"/api/admin/bookings/"+other+"/cancel", d.auth, map[string]any{"reason": "Host ill"})
	}, &mails, &hooks)
	if strings.Join(viaRecords.mails, "|") != strings.Join(viaAdminAPI.mails, "|") || strings.Join(viaRecords.events, ",") != strings.Join(viaAdminAPI.events, ",") {
		t.Errorf("records API cancel: %v %v\nadmin API cancel: %v %v", viaRecords.mails, viaRecords.events, viaAdminAPI.mails, viaAdminAPI.events)
	}
	if want := []string{"alice@example.com Cancelled CANCEL seq 1", "bob@example.com Cancelled CANCEL seq 1"}; strings.Join(viaRecords.mails, "|") != strings.Join(want, "|") || strings.Join(viaRecords.events, ",") != "booking.cancelled" {
		t.Errorf("cancel mailed %v / %v, want %v and booking.cancelled", viaRecords.mails, viaRecords.events, want)
	}

	// What the state machine refuses, and what slotbase keeps, are field errors.
	for _, s := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"status": "confirmed"}, "status"}, // cancelled → confirmed
		{map[string]any{"sequence": 7}, "sequence"},
		{map[string]any{"payment_status": "refunded"}, "payment_status"},
		{map[string]any{"refunded_amount": 500}, "refunded_amount"},
		{map[string]any{"status": "cancelled", "start": "2026-03-06 10:00:00.000Z"}, "status"},
	} {
		target := taken
		if s.field != "status" || s.body["start"] != nil {
			target = carol
		}
		code, body := d.records(t, "PATCH", "/"+target, s.body)
		if code != 400 || body["data"].(map[string]any)[s.field] == nil {
			t.Errorf("PATCH %v = %d %v, want 400 naming %s", s.body, code, body, s.field)
		}
	}

	// Deleting: refused while the booking holds its slot, allowed after.
	if code, body := d.records(t, "DELETE", "/"+carol, nil); code != 400 {
		t.Errorf("delete of a live booking = %d %v, want 400", code, body)
	}
	if code, body := d.records(t, "DELETE", "/"+taken, nil); code != 204 {
		t.Errorf("delete of a cancelled booking = %d %v, want 204", code, body)
	}
	if n := countBookings(t, d.app, "id = {:id}", dbx.Params{"id": carol}); n != 1 {
		t.Errorf("refused delete removed the booking")
	}
}

// cancelVia cancels booking id with do and returns the mails and webhooks it caused.
func (d *doorEnv) cancelVia(t *testing.T, id string, do func() (int, map[string]any), mails, hooks *int) outcome {
	t.Helper()
	if code, body := do(); code != 200 || body["status"] != "cancelled" {
		t.Fatalf("cancel %s = %d %v", id, code, body)
	}
	return d.settle(t, mails, hooks)
}

// TestRecordsAPIRace: 25 admin creates through the records API and 25
// public bookings race for one slot: exactly one wins.
func TestRecordsAPIRace(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	_, auth := mkSuperuser(t, app, "root@example.com")
	et, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 50}}
	var mu sync.Mutex
	codes := map[string]int{}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			var code int
			kind := "public"
			if i%2 == 0 {
				kind = "admin"
				code, _ = apiCall(t, "POST", url+"/api/collections/bookings/records", auth, map[string]any{
					"event_type": et.Id, "start": "2026-03-02 10:00:00.000Z", "name": "Admin " + itoa(i),
					"email": "admin" + itoa(i) + "@example.com", "timezone": "UTC", "hosts": []string{host}})
			} else {
				code, _ = postJSON(t, client, url+"/api/bookings", distinctInvitee(i), nil)
			}
			mu.Lock()
			codes[kind+" "+itoa(code)]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	if wins := codes["admin 200"] + codes["public 201"]; wins != 1 || codes["admin 400"]+codes["public 409"] != 49 {
		t.Fatalf("outcomes %v: want exactly one winner and 49 refusals", codes)
	}
	if n := countBookings(t, app, "start = '2026-03-02 10:00:00.000Z' && "+c.LiveStatusFilter); n != 1 {
		t.Fatalf("%d live bookings on the slot", n)
	}
}
