package hooks

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// auditEntry is one audit_log record as the tests read it.
type auditEntry struct {
	ActorKind, ActorID, ActorLabel, Action, Collection, RecordID string
	Changes                                                      map[string]fieldChange
	Raw                                                          string
}

// auditEntries returns the audit entries of one record, oldest first.
func auditEntries(t testing.TB, app core.App, collection, recordID string) []auditEntry {
	t.Helper()
	var records []*core.Record
	err := app.RecordQuery(c.AuditLog).AndWhere(dbx.HashExp{c.AuditLogCollection: collection, c.AuditLogRecordID: recordID}).
		OrderBy("created ASC", "rowid ASC").All(&records)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]auditEntry, len(records))
	for i, r := range records {
		out[i] = auditEntry{
			ActorKind: r.GetString(c.AuditLogActorKind), ActorID: r.GetString(c.AuditLogActorID),
			ActorLabel: r.GetString(c.AuditLogActorLabel), Action: r.GetString(c.AuditLogAction),
			Collection: r.GetString(c.AuditLogCollection), RecordID: r.GetString(c.AuditLogRecordID),
			Raw: r.GetString(c.AuditLogChanges),
		}
		if err := json.Unmarshal([]byte(out[i].Raw), &out[i].Changes); err != nil {
			t.Fatalf("changes %q: %v", out[i].Raw, err)
		}
	}
	return out
}

// mkSuperuser stores a superuser and returns it with an auth token.
func mkSuperuser(t testing.TB, app core.App, email string) (*core.Record, string) {
	t.Helper()
	col, err := app.FindCollectionByNameOrId(core.CollectionNameSuperusers)
	if err != nil {
		t.Fatal(err)
	}
	su := core.NewRecord(col)
	su.SetEmail(email)
	su.SetPassword("admin-password-123")
	if err := app.Save(su); err != nil {
		t.Fatal(err)
	}
	tok, err := su.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	return su, tok
}

// apiCall sends a JSON request with an Authorization header (if any) and
// decodes the answer.
func apiCall(t testing.TB, method, url, auth string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = strings.NewReader(mustJSON(body))
	}
	req, _ := http.NewRequest(method, url, rd)
	req.Header.Set("Content-Type", "application/json")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := map[string]any{}
	_ = json.Unmarshal(raw, &out)
	return res.StatusCode, out
}

// changeOf renders one field change as JSON, e.g. {"old":"confirmed","new":"cancelled"}.
func changeOf(e auditEntry, field string) string {
	ch, ok := e.Changes[field]
	if !ok {
		return "<unchanged>"
	}
	return mustJSON(ch)
}

func TestAuditInviteeBookingChanges(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	client := &http.Client{Timeout: 10 * time.Second}

	code, created := postJSON(t, client, url+"/api/bookings", goodBooking(), map[string]string{"Idempotency-Key": "audit-1"})
	if code != 201 {
		t.Fatalf("booking: %d %v", code, created)
	}
	id, token := created["id"].(string), created["manage_token"].(string)
	manage := url + "/api/bookings/manage/" + token
	if code, body := postJSON(t, client, manage+"/reschedule", map[string]any{"start": "2026-03-02T11:00:00Z"}, nil); code != 200 {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	if code, body := postJSON(t, client, manage+"/cancel", map[string]any{"reason": "ill"}, nil); code != 200 {
		t.Fatalf("cancel: %d %v", code, body)
	}
	// A replayed create changes nothing, so it adds no entry.
	if code, _ := postJSON(t, client, url+"/api/bookings", goodBooking(), map[string]string{"Idempotency-Key": "audit-1"}); code != 201 {
		t.Fatalf("replay: %d", code)
	}

	entries := auditEntries(t, app, c.Bookings, id)
	if len(entries) != 3 {
		t.Fatalf("want created, rescheduled, cancelled; got %+v", entries)
	}
	r, _ := app.FindRecordById(c.Bookings, id)
	scenarios := []struct {
		action string
		want   map[string]string // field → change as JSON
	}{
		{ActionBookingCreated, map[string]string{
			c.BookingsStatus:          `{"old":null,"new":"confirmed"}`,
			c.BookingsStart:           `{"old":null,"new":"2026-03-02 10:00:00.000Z"}`,
			c.BookingsEmail:           `{"old":null,"new":"zoe+test@example.com"}`,
			c.BookingsManageTokenHash: `{"old":null,"new":"[redacted]"}`,
			c.BookingsIdempotencyKey:  `{"old":null,"new":"[redacted]"}`,
			c.BookingsIdempotentReply: `{"old":null,"new":"[redacted]"}`,
			c.BookingsCancelReason:    "<unchanged>",
		}},
		{ActionBookingRescheduled, map[string]string{
			c.BookingsStart:           `{"old":"2026-03-02 10:00:00.000Z","new":"2026-03-02 11:00:00.000Z"}`,
			c.BookingsRescheduledFrom: `{"old":"","new":"2026-03-02 10:00:00.000Z"}`,
			c.BookingsSequence:        `{"old":0,"new":1}`,
			c.BookingsStatus:          "<unchanged>",
			c.BookingsName:            "<unchanged>",
		}},
		{ActionBookingCancelled, map[string]string{
			c.BookingsStatus:       `{"old":"confirmed","new":"cancelled"}`,
			c.BookingsCancelReason: `{"old":"","new":"ill"}`,
			c.BookingsStart:        "<unchanged>",
		}},
	}
	for i, s := range scenarios {
		t.Run(s.action, func(t *testing.T) {
			e := entries[i]
			if e.Action != s.action || e.ActorKind != ActorInvitee || e.ActorID != id || e.ActorLabel != "zoe+test@example.com" || e.Collection != c.Bookings {
				t.Fatalf("entry %+v", e)
			}
			for field, want := range s.want {
				if got := changeOf(e, field); got != want {
					t.Errorf("%s: %s, want %s", field, got, want)
				}
			}
			for _, secret := range []string{token, r.GetString(c.BookingsManageTokenHash), r.GetString(c.BookingsIdempotencyKey), "audit-1"} {
				if strings.Contains(e.Raw, secret) {
					t.Errorf("the entry shows a secret %q: %s", secret, e.Raw)
				}
			}
		})
	}
}

func TestAuditRecordsAPI(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	su, auth := mkSuperuser(t, app, "root@example.com")
	records := url + "/api/collections/"

	// Create, update and delete a schedule through the records API, as the admin UI does.
	code, sched := apiCall(t, "POST", records+"schedules/records", auth, map[string]any{
		"name": "Evenings", "timezone": "Europe/Paris", "weekly": map[string]any{"mon": [][]string{{"18:00", "21:00"}}}})
	if code != 200 {
		t.Fatalf("create: %d %v", code, sched)
	}
	id := sched["id"].(string)
	if code, body := apiCall(t, "PATCH", records+"schedules/records/"+id, auth, map[string]any{"name": "Late evenings", "timezone": "Europe/Paris"}); code != 200 {
		t.Fatalf("update: %d %v", code, body)
	}
	if code, body := apiCall(t, "PATCH", records+"schedules/records/"+id, auth, map[string]any{"name": "Late evenings"}); code != 200 {
		t.Fatalf("no-op update: %d %v", code, body)
	}
	if code, body := apiCall(t, "DELETE", records+"schedules/records/"+id, auth, nil); code != 204 {
		t.Fatalf("delete: %d %v", code, body)
	}
	// A rejected change leaves no entry.
	if code, _ := apiCall(t, "PATCH", records+"hosts/records/"+host, auth, map[string]any{"email": "not an e-mail"}); code != 400 {
		t.Fatalf("bad update: %d", code)
	}
	if n := len(auditEntries(t, app, c.Hosts, host)); n != 0 {
		t.Fatalf("a rejected update left %d entries", n)
	}

	entries := auditEntries(t, app, c.Schedules, id)
	want := []struct{ action, field, change string }{
		{ActionRecordCreated, c.SchedulesName, `{"old":null,"new":"Evenings"}`},
		{ActionRecordUpdated, c.SchedulesName, `{"old":"Evenings","new":"Late evenings"}`},
		{ActionRecordDeleted, c.SchedulesTimezone, `{"old":"Europe/Paris","new":null}`},
	}
	if len(entries) != len(want) {
		t.Fatalf("entries: %+v (the no-op update must not count)", entries)
	}
	for i, w := range want {
		e := entries[i]
		if e.Action != w.action || e.ActorKind != ActorSuperuser || e.ActorID != su.Id || e.ActorLabel != "root@example.com" {
			t.Errorf("entry %d: %+v", i, e)
		}
		if got := changeOf(e, w.field); got != w.change {
			t.Errorf("entry %d %s: %s, want %s", i, w.field, got, w.change)
		}
	}
	if _, ok := entries[1].Changes[c.SchedulesTimezone]; ok || len(entries[1].Changes) != 1 {
		t.Errorf("update lists unchanged fields: %s", entries[1].Raw)
	}
	if weekly := changeOf(entries[0], c.SchedulesWeekly); weekly != `{"old":null,"new":{"mon":[["18:00","21:00"]]}}` {
		t.Errorf("JSON field: %s", weekly)
	}

	// Secrets set through the admin UI are redacted too.
	code, key := apiCall(t, "POST", records+"api_keys/records", auth, map[string]any{
		"name": "ci", "prefix": "abc123", "key_hash": "deadbeefhash", "scopes": []string{"bookings:read"}})
	if code != 200 {
		t.Fatalf("api key: %d %v", code, key)
	}
	keyEntries := auditEntries(t, app, c.APIKeys, key["id"].(string))
	if len(keyEntries) != 1 || changeOf(keyEntries[0], c.APIKeysKeyHash) != `{"old":null,"new":"[redacted]"}` || strings.Contains(keyEntries[0].Raw, "deadbeefhash") {
		t.Fatalf("api key entry: %+v", keyEntries)
	}

	// The batch API runs its requests in one transaction of its own: audited too, once.
	settings := app.Settings()
	settings.Batch.Enabled, settings.Batch.MaxRequests = true, 10
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	code, body := apiCall(t, "POST", url+"/api/batch", auth, map[string]any{"requests": []map[string]any{
		{"method": "PATCH", "url": "/api/collections/hosts/records/" + host, "body": map[string]any{"name": "Alicia"}}}})
	if code != 200 {
		t.Fatalf("batch: %d %v", code, body)
	}
	if e := auditEntries(t, app, c.Hosts, host); len(e) != 1 || changeOf(e[0], c.HostsName) != `{"old":"Alice","new":"Alicia"}` || e[0].ActorID != su.Id {
		t.Fatalf("batch entries: %+v", e)
	}
}

// TestAuditSharesTheChangesTransaction: a handler after the audit one that
// fails undoes the change and its entry together.
func TestAuditSharesTheChangesTransaction(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	app.OnRecordUpdateRequest(c.Hosts).BindFunc(func(e *core.RecordRequestEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if e.App.TxInfo() == nil {
			t.Error("the save ran outside a transaction")
		}
		return errors.New("a later hook fails")
	})
	url := serveHTTP(t, app)
	_, auth := mkSuperuser(t, app, "root@example.com")
	if code, _ := apiCall(t, "PATCH", url+"/api/collections/hosts/records/"+host, auth, map[string]any{"name": "Renamed"}); code < 400 {
		t.Fatalf("update answered %d despite the failing hook", code)
	}
	r, _ := app.FindRecordById(c.Hosts, host)
	if r.GetString(c.HostsName) != "Alice" {
		t.Fatalf("the change survived the rollback: %q", r.GetString(c.HostsName))
	}
	if n := len(auditEntries(t, app, c.Hosts, host)); n != 0 {
		t.Fatalf("%d entries for a rolled-back change", n)
	}
}

func TestAuditLogIsReadOnly(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	_, auth := mkSuperuser(t, app, "root@example.com")
	base := url + "/api/collections/audit_log/records"
	settings := app.Settings()
	settings.Batch.Enabled, settings.Batch.MaxRequests = true, 10
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	if code, _ := apiCall(t, "PATCH", url+"/api/collections/hosts/records/"+host, auth, map[string]any{"name": "Alicia"}); code != 200 {
		t.Fatal("update failed")
	}
	code, list := apiCall(t, "GET", base, auth, nil)
	items, _ := list["items"].([]any)
	if code != 200 || len(items) != 1 {
		t.Fatalf("superuser list: %d %v", code, list)
	}
	entryID := items[0].(map[string]any)["id"].(string)

	scenarios := []struct {
		name, method, url, auth string
		body                    any
		want                    int
	}{
		{"anonymous list", "GET", base, "", nil, 403},
		{"anonymous view", "GET", base + "/" + entryID, "", nil, 403},
		{"superuser view", "GET", base + "/" + entryID, auth, nil, 200},
		{"superuser create", "POST", base, auth, map[string]any{"actor_kind": "system", "action": "forged", "collection": "hosts", "record_id": host}, 403},
		{"superuser update", "PATCH", base + "/" + entryID, auth, map[string]any{"action": "forged"}, 403},
		{"superuser delete", "DELETE", base + "/" + entryID, auth, nil, 403},
		{"superuser batch create", "POST", url + "/api/batch", auth, map[string]any{"requests": []map[string]any{{"method": "POST", "url": "/api/collections/audit_log/records", "body": map[string]any{"actor_kind": "system", "action": "forged", "collection": "hosts", "record_id": host}}}}, 400},
		{"delivery log create", "POST", url + "/api/collections/webhook_deliveries/records", auth, map[string]any{"event": "booking.created"}, 403},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			code, body := apiCall(t, s.method, s.url, s.auth, s.body)
			if code != s.want {
				t.Fatalf("%d %v, want %d", code, body, s.want)
			}
		})
	}
	entries := auditEntries(t, app, c.Hosts, host)
	if len(entries) != 1 || entries[0].Action != ActionRecordUpdated {
		t.Fatalf("the audit log changed: %+v", entries)
	}
	if n, _ := app.CountRecords(c.AuditLog); n != 1 {
		t.Fatalf("%d audit entries, want the one update", n)
	}
}

// TestAuditSystemChange: a job changing a booking (as the Google Calendar
// and e-mail sinks do) records a system entry in its own transaction.
func TestAuditSystemChange(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	_, created := postJSON(t, &http.Client{Timeout: 10 * time.Second}, url+"/api/bookings", goodBooking(), nil)
	id := created["id"].(string)
	err := app.RunInTransaction(func(tx core.App) error {
		r, err := tx.FindRecordById(c.Bookings, id)
		if err != nil {
			return err
		}
		r.Set(c.BookingsGoogleEventID, "sb1234")
		return auditedSave(tx, systemActor, ActionRecordUpdated, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	entries := auditEntries(t, app, c.Bookings, id)
	if len(entries) != 2 {
		t.Fatalf("entries: %+v", entries)
	}
	e := entries[1]
	if e.ActorKind != ActorSystem || e.ActorID != "" || e.Action != ActionRecordUpdated || changeOf(e, c.BookingsGoogleEventID) != `{"old":"","new":"sb1234"}` || len(e.Changes) != 1 {
		t.Fatalf("system entry: %+v", e)
	}
	// Job bookkeeping is not audited.
	if recs, _ := app.FindRecordsByFilter(c.AuditLog, "collection = 'jobs'", "", 0, 0); len(recs) != 0 {
		t.Fatalf("%d job entries", len(recs))
	}
}

func TestAuditRedactsSecrets(t *testing.T) {
	app := seeded(t, Config{NoDemo: true})
	defer app.Cleanup()
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	conn := save(t, app, c.CalendarConnections, map[string]any{
		c.CalendarConnectionsHost: host, c.CalendarConnectionsProvider: "google", c.CalendarConnectionsAccount: "alice@example.com",
		c.CalendarConnectionsTokens: "sealed-refresh-token", c.CalendarConnectionsSyncState: `{"primary":"sync-token-1"}`,
		c.CalendarConnectionsStatus: c.ConnectionConnected,
	})
	r, _ := app.FindRecordById(c.CalendarConnections, conn.Id)
	r.Set(c.CalendarConnectionsTokens, "")
	r.Set(c.CalendarConnectionsSyncState, `{"primary":"sync-token-2"}`)
	r.Set(c.CalendarConnectionsStatus, c.ConnectionNeedsReconnect)
	scenarios := []struct {
		field, want string
	}{
		{c.CalendarConnectionsTokens, `{"old":"[redacted]","new":null}`},
		{c.CalendarConnectionsSyncState, `{"old":"[redacted]","new":"[redacted]"}`},
		{c.CalendarConnectionsStatus, `{"old":"connected","new":"needs_reconnect"}`},
		{c.CalendarConnectionsAccount, "<unchanged>"},
	}
	e := auditEntry{Changes: recordChanges(r, r.Original(), false)}
	for _, s := range scenarios {
		if got := changeOf(e, s.field); got != s.want {
			t.Errorf("%s: %s, want %s", s.field, got, s.want)
		}
	}
	raw := mustJSON(recordChanges(r, nil, false)) + mustJSON(recordChanges(r.Original(), nil, true))
	for _, secret := range []string{"sealed-refresh-token", "sync-token"} {
		if strings.Contains(raw, secret) {
			t.Errorf("%q shown: %s", secret, raw)
		}
	}
}

// TestChangesJSONIsTheMapsJSON: the audit entry's changes written by hand
// decode to what encoding the map would give, keys in order, for every
// kind of shown value (raw JSON, the redacted marker, a too-large note,
// null, text with markup and non-ASCII characters).
func TestChangesJSONIsTheMapsJSON(t *testing.T) {
	changes := map[string]fieldChange{
		"name":     {Old: nil, New: shownValue(valueJSON("Zoë <b>&</b> 李"))},
		"hosts":    {Old: shownValue(valueJSON([]string{"a", "b"})), New: shownValue(valueJSON([]string{"b"}))},
		"token":    {Old: redactedValue([]byte("null")), New: redactedValue(valueJSON("secret"))},
		"notes":    {Old: shownValue(make([]byte, maxAuditValue+1)), New: nil},
		"seats":    {Old: shownValue(valueJSON(1)), New: shownValue(valueJSON(2.5))},
		"ümlaut":   {Old: shownValue(valueJSON(map[string]any{"x": true})), New: shownValue(valueJSON(false))},
		"a\"quote": {Old: nil, New: shownValue(valueJSON(""))},
	}
	got, err := changesJSON(changes)
	if err != nil {
		t.Fatal(err)
	}
	want, err := json.Marshal(changes)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("changesJSON gave invalid JSON %s: %v", got, err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("changesJSON\n%s\nwant the map's\n%s", got, want)
	}
	if empty, err := changesJSON(nil); err != nil || string(empty) != "{}" {
		t.Fatalf("no changes: %s %v, want {}", empty, err)
	}
}
