package hooks

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
	"github.com/slotbase/slotbase/internal/testenv"
)

// hostEnv is an e-mail test app on a real SMTP sink: host Alice with event
// type "call" and host Bob with "bobcall" (both need the host's approval),
// and a superuser.
type hostEnv struct {
	*emailEnv
	sink  *testenv.SMTPSink
	admin string // superuser token
	bob   string // Bob's host id
}

func newHostEnv(t *testing.T) *hostEnv {
	t.Helper()
	port := testenv.FreePort(t)
	sink := testenv.StartSMTPSink(t, port)
	env := newEmailEnv(t, port, map[string]any{c.EventTypesRequiresConfirmation: true})
	_, admin := mkSuperuser(t, env.app, "root@example.com")
	bob := mkHost(t, env.app, "Bob", "Europe/London", weekdays9to5)
	mkEventType(t, env.app, "bobcall", []string{bob}, map[string]any{c.EventTypesRequiresConfirmation: true})
	return &hostEnv{emailEnv: env, sink: sink, admin: admin, bob: bob}
}

// hostPassword is the password test hosts choose.
const hostPassword = "host-password-123"

// signIn signs in to host_users and returns the auth token.
func (h *hostEnv) signIn(t *testing.T, email, password string) string {
	t.Helper()
	code, body := apiCall(t, "POST", h.url+"/api/collections/host_users/auth-with-password", "", map[string]any{"identity": email, "password": password})
	if code != http.StatusOK {
		t.Fatalf("sign in %s: %d %v", email, code, body)
	}
	return body["token"].(string)
}

// account stores a host account with hostPassword directly (for the tests
// that are not about the invitation) and signs it in.
func (h *hostEnv) account(t *testing.T, hostID string) string {
	t.Helper()
	return h.signIn(t, saveHostAccount(t, h.app, hostID).Email(), hostPassword)
}

// bookAs books event type slug at start (RFC 3339) and returns the id.
func (h *hostEnv) bookAs(t *testing.T, slug, start, email string) string {
	t.Helper()
	code, body := postJSON(t, http.DefaultClient, h.url+"/api/bookings", map[string]any{
		"event_type": slug, "start": start, "name": "Client " + email, "email": email, "timezone": "Europe/London"}, nil)
	if code != http.StatusCreated {
		t.Fatalf("booking %s at %s: %d %v", slug, start, code, body)
	}
	return body["id"].(string)
}

// hostUsers counts the host accounts.
func hostUsers(t *testing.T, app core.App) int64 {
	t.Helper()
	n, err := app.CountRecords(c.HostUsers)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// dataHas reports whether a PocketBase error body names field in its data.
func dataHas(body map[string]any, field string) bool {
	data, _ := body["data"].(map[string]any)
	_, ok := data[field]
	return ok
}

var resetLink = regexp.MustCompile(`https://admin\.acme\.test/admin/#/welcome/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)`)

func TestHostInvitation(t *testing.T) {
	h := newHostEnv(t)
	alice := h.host

	code, body := apiCall(t, "POST", h.url+"/api/admin/hosts/"+alice+"/invite", h.admin, nil)
	if code != http.StatusOK || body["host"] != alice || body["email"] != "alice@example.com" || body["invited"] != true || body["delivery"] != "smtp" {
		t.Fatalf("invite: %d %v", code, body)
	}
	mails := h.sink.Messages(t)
	if len(mails) != 1 {
		t.Fatalf("%d mails, want the invitation only", len(mails))
	}
	m := mails[0]
	if !slices.Equal(m.RcptTos, []string{"alice@example.com"}) || m.Msg.To.Address != "alice@example.com" || !strings.Contains(m.Msg.Subject, "invited") {
		t.Fatalf("invitation to %v (%v), subject %q", m.RcptTos, m.Msg.To, m.Msg.Subject)
	}
	found := resetLink.FindStringSubmatch(m.Msg.Text())
	if found == nil || !strings.Contains(m.Msg.HTML(), found[0]) {
		t.Fatalf("no password link in the text and HTML parts:\n%s\n%s", m.Msg.Text(), m.Msg.HTML())
	}
	token := found[1]

	// The audit log names the admin and never the password.
	entries := auditEntries(t, h.app, c.HostUsers, accountOf(t, h.app, alice).Id)
	if len(entries) != 1 || entries[0].Action != ActionHostInvited || entries[0].ActorKind != ActorSuperuser ||
		changeOf(entries[0], "invitation") != `{"old":null,"new":"alice@example.com"}` || changeOf(entries[0], "tokenKey") != `{"old":null,"new":"[redacted]"}` {
		t.Fatalf("audit %+v", entries)
	}
	if account := accountOf(t, h.app, alice); strings.Contains(entries[0].Raw, account.TokenKey()) || strings.Contains(entries[0].Raw, "$2a$") {
		t.Fatalf("the audit entry shows a secret: %s", entries[0].Raw)
	}

	// The link's token sets the password through PocketBase's own route, once.
	confirm := map[string]any{"token": token, "password": hostPassword, "passwordConfirm": hostPassword}
	if code, body := apiCall(t, "POST", h.url+"/api/collections/host_users/confirm-password-reset", "", confirm); code != http.StatusNoContent {
		t.Fatalf("confirm reset: %d %v", code, body)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/collections/host_users/confirm-password-reset", "", confirm); code != http.StatusBadRequest {
		t.Fatalf("the link worked twice: %d", code)
	}
	auth := h.signIn(t, "alice@example.com", hostPassword)
	if code, me := apiCall(t, "GET", h.url+"/api/host/me", auth, nil); code != http.StatusOK || me["id"] != alice || me["email"] != "alice@example.com" || me["timezone"] != "Europe/London" || me["schedule"] == "" || me["language"] != "" {
		t.Fatalf("me: %d %v", code, me)
	}

	// Inviting again re-uses the account, keeps the password and mails a new link.
	if code, body := apiCall(t, "POST", h.url+"/api/admin/hosts/"+alice+"/invite", h.admin, nil); code != http.StatusOK {
		t.Fatalf("second invite: %d %v", code, body)
	}
	if n := hostUsers(t, h.app); n != 1 {
		t.Fatalf("%d accounts after two invitations", n)
	}
	if mails := h.sink.Messages(t); len(mails) != 2 || resetLink.FindString(mails[1].Msg.Text()) == "" {
		t.Fatalf("%d mails after the second invitation", len(mails))
	}
	h.signIn(t, "alice@example.com", hostPassword)
}

// accountOf is the host_users record of host hostID.
func accountOf(t *testing.T, app core.App, hostID string) *core.Record {
	t.Helper()
	u, err := c.FindHostUserByHost(app, hostID)
	if err != nil {
		t.Fatal(err)
	}
	return u.Record
}

func TestHostInvitationRefusals(t *testing.T) {
	h := newHostEnv(t)
	hr, _ := h.app.FindRecordById(c.Hosts, h.bob)
	hr.Set(c.HostsActive, false)
	if err := h.app.Save(hr); err != nil {
		t.Fatal(err)
	}
	aliceAuth := h.account(t, h.host)
	admin := "Bearer " + mkKey(t, h.app, []string{apikey.ScopeAdmin}, time.Time{})
	writer := "Bearer " + mkKey(t, h.app, []string{apikey.ScopeBookingsWrite}, time.Time{})

	scenarios := []struct {
		name, host, auth string
		code             int
		field            string // named in the error's data
	}{
		{"anonymous", h.host, "", http.StatusUnauthorized, ""},
		{"a host's own token", h.host, aliceAuth, http.StatusForbidden, ""},
		{"key without the admin scope", h.host, writer, http.StatusForbidden, ""},
		{"inactive host", h.bob, h.admin, http.StatusBadRequest, "host"},
		{"unknown host", "nosuchhost0000x", h.admin, http.StatusNotFound, "host"},
		{"admin key", h.host, admin, http.StatusOK, ""},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := apiCall(t, "POST", h.url+"/api/admin/hosts/"+s.host+"/invite", s.auth, nil)
			if code != s.code || (s.field != "" && !dataHas(body, s.field)) {
				t.Fatalf("%d %v, want %d naming %q", code, body, s.code, s.field)
			}
		})
	}
	if n := hostUsers(t, h.app); n != 1 {
		t.Fatalf("%d accounts, want Alice's only", n)
	}
}

func TestHostBookings(t *testing.T) {
	h := newHostEnv(t)
	a1 := h.bookAs(t, "call", "2026-03-02T10:00:00Z", "ann@example.com")
	a2 := h.bookAs(t, "call", "2026-03-02T11:00:00Z", "amy@example.com")
	b1 := h.bookAs(t, "bobcall", "2026-03-02T10:00:00Z", "ben@example.com")
	auth := h.account(t, h.host)

	list := func(query string) (int, map[string]any) {
		return apiCall(t, "GET", h.url+"/api/host/bookings"+query, auth, nil)
	}
	ids := func(body map[string]any) []string {
		var out []string
		items, _ := body["items"].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any)["id"].(string))
		}
		slices.Sort(out)
		return out
	}
	mine := []string{a1, a2}
	slices.Sort(mine)
	if code, body := list(""); code != http.StatusOK || !slices.Equal(ids(body), mine) || body["totalItems"] != float64(2) {
		t.Fatalf("list: %d %v, want %v", code, body, mine)
	}
	if code, body := list("?status=pending&from=2026-03-02T10:30:00Z&to=2026-03-03T00:00:00Z"); code != http.StatusOK || !slices.Equal(ids(body), []string{a2}) {
		t.Fatalf("filtered list: %d %v", code, body)
	}
	if code, body := list("?status=maybe"); code != http.StatusBadRequest || !dataHas(body, "status") {
		t.Fatalf("bad status: %d %v", code, body)
	}

	// Bob's booking does not exist for Alice: not to view, not to confirm.
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/host/bookings/" + b1},
		{"POST", "/api/host/bookings/" + b1 + "/confirm"},
		{"POST", "/api/host/bookings/" + b1 + "/cancel"},
		{"POST", "/api/host/bookings/nosuchbooking12/confirm"},
	} {
		if code, body := apiCall(t, r.method, h.url+r.path, auth, map[string]any{}); code != http.StatusNotFound {
			t.Errorf("%s %s: %d %v, want 404", r.method, r.path, code, body)
		}
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/collections/bookings/records/"+b1, auth, nil); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("records API view of Bob's booking: %d", code)
	}
	if r, _ := h.app.FindRecordById(c.Bookings, b1); r.GetString(c.BookingsStatus) != c.StatusPending {
		t.Fatalf("Bob's booking became %s", r.GetString(c.BookingsStatus))
	}

	// Alice approves one request and declines the other, through the door.
	if code, body := apiCall(t, "GET", h.url+"/api/host/bookings/"+a1, auth, nil); code != http.StatusOK || body["status"] != "pending" {
		t.Fatalf("view: %d %v", code, body)
	}
	if code, body := apiCall(t, "POST", h.url+"/api/host/bookings/"+a1+"/confirm", auth, map[string]any{}); code != http.StatusOK || body["status"] != "confirmed" {
		t.Fatalf("confirm: %d %v", code, body)
	}
	if code, body := apiCall(t, "POST", h.url+"/api/host/bookings/"+a2+"/decline", auth, map[string]any{"reason": "away"}); code != http.StatusOK || body["status"] != "declined" || body["cancel_reason"] != "away" {
		t.Fatalf("decline: %d %v", code, body)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/host/bookings/"+a1+"/confirm", auth, map[string]any{}); code != http.StatusConflict {
		t.Fatalf("second confirm: %d", code)
	}
	if code, body := apiCall(t, "POST", h.url+"/api/host/bookings/"+a1+"/confirm", auth, map[string]any{"force": true}); code != http.StatusBadRequest || !dataHas(body, "body") {
		t.Fatalf("unknown field: %d %v", code, body)
	}

	// The change left its outbox event and audit entry, both naming the host.
	events, err := h.app.FindRecordsByFilter(c.Jobs, "kind = {:k} && booking = {:b}", "created", 0, 0, dbx.Params{"k": KindBookingEvent, "b": a1})
	if err != nil {
		t.Fatal(err)
	}
	var confirmed int
	for _, j := range events {
		p := j.GetString(c.JobsPayload)
		if strings.Contains(p, `"event":"confirmed"`) {
			confirmed++
			if !strings.Contains(p, `"actor":"host"`) {
				t.Errorf("confirmed event %s", p)
			}
		}
	}
	if confirmed != 1 {
		t.Fatalf("%d confirmed events in %d jobs", confirmed, len(events))
	}
	entries := auditEntries(t, h.app, c.Bookings, a1)
	last := entries[len(entries)-1]
	if last.Action != ActionBookingConfirmed || last.ActorKind != ActorHost || last.ActorID != h.host || last.ActorLabel != "alice@example.com" {
		t.Fatalf("audit %+v", last)
	}
}

// slotStarts lists the UTC start times ("15:04") GET /api/slots offers for
// slug on date.
func slotStarts(t *testing.T, url, slug, date string) []string {
	t.Helper()
	var res slotsResponse
	if code := getJSON(t, url+"/api/slots?event_type="+slug+"&from="+date+"&to="+date+"&tz=UTC", &res); code != http.StatusOK {
		t.Fatalf("slots: %d", code)
	}
	var out []string
	for _, d := range res.Days {
		for _, s := range d.Slots {
			out = append(out, s.Start[11:16])
		}
	}
	return out
}

func TestHostHours(t *testing.T) {
	h := newHostEnv(t)
	auth := h.account(t, h.host)
	call := func(method, path string, body any) (int, map[string]any) {
		return apiCall(t, method, h.url+path, auth, body)
	}
	code, sched := call("GET", "/api/host/schedule", nil)
	if code != http.StatusOK || sched["shared"] != false || sched["timezone"] != "Europe/London" {
		t.Fatalf("schedule: %d %v", code, sched)
	}
	mine := sched["id"].(string)
	bobHost, _ := h.app.FindRecordById(c.Hosts, h.bob)
	bobs := c.NewHost(bobHost).ScheduleID()

	// Bob's schedule is out of reach through the records API too.
	if code, _ := call("PATCH", "/api/collections/schedules/records/"+bobs, map[string]any{"weekly": map[string]any{}}); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Fatalf("records API edit of Bob's schedule: %d", code)
	}
	if r, _ := h.app.FindRecordById(c.Schedules, bobs); !strings.Contains(r.GetString(c.SchedulesWeekly), "fri") {
		t.Fatalf("Bob's schedule changed: %s", r.GetString(c.SchedulesWeekly))
	}

	// Alice's new Monday hours are what the booking page offers.
	if code, body := call("PATCH", "/api/host/schedule", map[string]any{"weekly": map[string]any{"mon": [][]string{{"13:00", "15:00"}}}}); code != http.StatusOK || body["id"] != mine {
		t.Fatalf("edit: %d %v", code, body)
	}
	if got := slotStarts(t, h.url, "call", "2026-03-09"); !slices.Equal(got, []string{"13:00", "13:30", "14:00", "14:30"}) {
		t.Fatalf("Monday slots %v", got)
	}
	if got := slotStarts(t, h.url, "bobcall", "2026-03-09"); len(got) != 16 {
		t.Fatalf("Bob's Monday changed: %v", got)
	}
	if e := auditEntries(t, h.app, c.Schedules, mine); len(e) != 1 || e[0].ActorKind != ActorHost || e[0].ActorID != h.host {
		t.Fatalf("audit %+v", e)
	}

	bad := []struct {
		name  string
		body  any
		field string
	}{
		{"hours past 24:00", map[string]any{"weekly": map[string]any{"mon": [][]string{{"25:00", "26:00"}}}}, "weekly"},
		{"not an object", map[string]any{"weekly": "mornings"}, "weekly"},
		{"unknown day", map[string]any{"weekly": map[string]any{"someday": [][]string{{"09:00", "10:00"}}}}, "weekly"},
		{"unknown zone", map[string]any{"timezone": "Mars/Olympus"}, "timezone"},
		{"a field hosts do not edit", map[string]any{"name": "Mine"}, "body"},
	}
	for _, s := range bad {
		t.Run(s.name, func(t *testing.T) {
			if code, body := call("PATCH", "/api/host/schedule", s.body); code != http.StatusBadRequest || !dataHas(body, s.field) {
				t.Fatalf("%d %v, want 400 naming %s", code, body, s.field)
			}
		})
	}
	if got := slotStarts(t, h.url, "call", "2026-03-09"); len(got) != 4 {
		t.Fatalf("a refused edit changed the hours: %v", got)
	}

	// An override opens Tuesday morning; the list shows it; deleting closes it again.
	override := map[string]any{"intervals": [][]string{{"09:00", "10:00"}}, "reason": "morning only"}
	if code, body := call("PUT", "/api/host/overrides/2026-03-10", override); code != http.StatusCreated || body["date"] != "2026-03-10" {
		t.Fatalf("override: %d %v", code, body)
	}
	if code, body := call("PUT", "/api/host/overrides/2026-03-10", override); code != http.StatusOK {
		t.Fatalf("same override again: %d %v", code, body)
	}
	if got := slotStarts(t, h.url, "call", "2026-03-10"); !slices.Equal(got, []string{"09:00", "09:30"}) {
		t.Fatalf("Tuesday slots %v", got)
	}
	if code, body := call("GET", "/api/host/overrides?from=2026-03-01&to=2026-03-31", nil); code != http.StatusOK || len(body["items"].([]any)) != 1 {
		t.Fatalf("overrides: %d %v", code, body)
	}
	for _, s := range []struct {
		name, date string
		body       any
		field      string
	}{
		{"impossible date", "2026-02-30", override, "date"},
		{"empty window", "2026-03-11", map[string]any{"intervals": [][]string{{"10:00", "10:00"}}}, "intervals"},
		{"no intervals", "2026-03-11", map[string]any{"reason": "?"}, "intervals"},
	} {
		if code, body := call("PUT", "/api/host/overrides/"+s.date, s.body); code != http.StatusBadRequest || !dataHas(body, s.field) {
			t.Errorf("%s: %d %v, want 400 naming %s", s.name, code, body, s.field)
		}
	}
	if code, body := call("GET", "/api/host/overrides?from=March", nil); code != http.StatusBadRequest || !dataHas(body, "from") {
		t.Errorf("bad from: %d %v", code, body)
	}
	if code, _ := call("DELETE", "/api/host/overrides/2026-03-10", nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if code, body := call("DELETE", "/api/host/overrides/2026-03-10", nil); code != http.StatusNotFound || !dataHas(body, "date") {
		t.Fatalf("second delete: %d %v", code, body)
	}
	if got := slotStarts(t, h.url, "call", "2026-03-10"); len(got) != 0 {
		t.Fatalf("Tuesday slots after the delete: %v", got)
	}

	// A schedule another host shares is read-only for each of them.
	save(t, h.app, c.Hosts, map[string]any{c.HostsName: "Cleo", c.HostsEmail: "cleo@example.com",
		c.HostsTimezone: "Europe/London", c.HostsSchedule: mine, c.HostsActive: true})
	if code, body := call("GET", "/api/host/schedule", nil); code != http.StatusOK || body["shared"] != true {
		t.Fatalf("shared schedule: %d %v", code, body)
	}
	if code, _ := call("PATCH", "/api/host/schedule", map[string]any{"timezone": "Europe/Paris"}); code != http.StatusConflict {
		t.Fatalf("edit of a shared schedule: %d", code)
	}
	if code, _ := call("PUT", "/api/host/overrides/2026-03-10", override); code != http.StatusConflict {
		t.Fatalf("override on a shared schedule: %d", code)
	}
}

func TestHostAccess(t *testing.T) {
	h := newHostEnv(t)
	auth := h.account(t, h.host)
	routes := []struct{ method, path string }{
		{"GET", "/api/host/me"},
		{"GET", "/api/host/bookings"},
		{"GET", "/api/host/bookings/nosuchbooking12"},
		{"POST", "/api/host/bookings/nosuchbooking12/cancel"},
		{"GET", "/api/host/schedule"},
		{"PATCH", "/api/host/schedule"},
		{"GET", "/api/host/overrides"},
		{"PUT", "/api/host/overrides/2026-03-10"},
		{"DELETE", "/api/host/overrides/2026-03-10"},
	}
	for _, r := range routes {
		if code, _ := apiCall(t, r.method, h.url+r.path, "", map[string]any{}); code != http.StatusUnauthorized {
			t.Errorf("anonymous %s %s: %d, want 401", r.method, r.path, code)
		}
		if code, _ := apiCall(t, r.method, h.url+r.path, h.admin, map[string]any{}); code != http.StatusForbidden {
			t.Errorf("superuser %s %s: %d, want 403", r.method, r.path, code)
		}
	}

	// No sign-up; an account sees only itself; its e-mail is the host's.
	signUp := map[string]any{"email": "eve@example.com", "password": hostPassword, "passwordConfirm": hostPassword, "host": h.bob}
	if code, _ := apiCall(t, "POST", h.url+"/api/collections/host_users/records", "", signUp); code != http.StatusForbidden && code != http.StatusBadRequest {
		t.Errorf("public sign-up: %d", code)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/collections/host_users/records", auth, signUp); code != http.StatusForbidden && code != http.StatusBadRequest {
		t.Errorf("sign-up by a host: %d", code)
	}
	if n := hostUsers(t, h.app); n != 1 {
		t.Fatalf("%d accounts after sign-up attempts", n)
	}
	own := accountOf(t, h.app, h.host).Id
	if code, body := apiCall(t, "GET", h.url+"/api/collections/host_users/records/"+own, auth, nil); code != http.StatusOK || body["host"] != h.host {
		t.Errorf("own account: %d %v", code, body)
	}
	if code, body := apiCall(t, "GET", h.url+"/api/collections/host_users/records", auth, nil); code == http.StatusOK && len(body["items"].([]any)) > 0 {
		t.Errorf("a host listed accounts: %v", body)
	}
	if code, _ := apiCall(t, "PATCH", h.url+"/api/collections/host_users/records/"+own, auth, map[string]any{"host": h.bob}); code != http.StatusForbidden && code != http.StatusNotFound {
		t.Errorf("a host moved their account to another host: %d", code)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/collections/host_users/request-email-change", auth, map[string]any{"newEmail": "alice2@example.com"}); code != http.StatusForbidden {
		t.Errorf("e-mail change: %d", code)
	}

	// Deactivating the host closes the account: its token and new sign-ins.
	hr, _ := h.app.FindRecordById(c.Hosts, h.host)
	hr.Set(c.HostsActive, false)
	if err := h.app.Save(hr); err != nil {
		t.Fatal(err)
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/host/me", auth, nil); code != http.StatusForbidden {
		t.Errorf("inactive host's token: %d, want 403", code)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/collections/host_users/auth-with-password", "", map[string]any{"identity": "alice@example.com", "password": hostPassword}); code == http.StatusOK {
		t.Errorf("an inactive host signed in")
	}
}
