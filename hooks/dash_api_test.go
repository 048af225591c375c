package hooks

import (
	"net/http"
	"slices"
	"testing"

	c "github.com/slotbase/slotbase/collections"
)

// itemIDs are the ids of a list answer's items, in order.
func itemIDs(body map[string]any) []string {
	var out []string
	items, _ := body["items"].([]any)
	for _, it := range items {
		out = append(out, it.(map[string]any)["id"].(string))
	}
	return out
}

func TestDashboardOverviewAndLists(t *testing.T) {
	h := newHostEnv(t)
	a1 := h.bookAs(t, "call", "2026-03-02T10:00:00Z", "ann@example.com")
	a2 := h.bookAs(t, "call", "2026-03-03T11:00:00Z", "amy@example.com")
	b1 := h.bookAs(t, "bobcall", "2026-03-02T10:00:00Z", "ben@example.com")
	if code, body := apiCall(t, "POST", h.url+"/api/admin/bookings/"+a2+"/confirm", h.admin, map[string]any{}); code != http.StatusOK {
		t.Fatalf("confirm: %d %v", code, body)
	}
	// Bob's Google connection lost its access; one job died.
	save(t, h.app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: h.bob, c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionNeedsReconnect, c.CalendarConnectionsLastError: "token revoked"})
	save(t, h.app, c.Jobs, map[string]any{c.JobsKind: "email.send", c.JobsStatus: c.JobDead, c.JobsPayload: `{}`, c.JobsRunAfter: "2026-03-01 00:00:00.000Z"})

	code, ov := apiCall(t, "GET", h.url+"/api/admin/overview", h.admin, nil)
	if code != http.StatusOK || ov["role"] != "admin" || ov["email"] != "root@example.com" || ov["pending"] != float64(2) || ov["dead_jobs"] != float64(1) {
		t.Fatalf("admin overview: %d %v", code, ov)
	}
	if rc, _ := ov["reconnect"].([]any); len(rc) != 1 || rc[0].(map[string]any)["host_name"] != "Bob" || rc[0].(map[string]any)["last_error"] != "token revoked" {
		t.Fatalf("admin overview reconnect: %v", ov["reconnect"])
	}
	if rp, _ := ov["replica"].(map[string]any); rp == nil || rp["configured"] != false {
		t.Fatalf("admin overview replica: %v", ov["replica"])
	}

	alice := h.account(t, h.host)
	code, ov = apiCall(t, "GET", h.url+"/api/host/overview", alice, nil)
	if code != http.StatusOK || ov["role"] != "host" || ov["host"] != h.host || ov["name"] != "Alice" || ov["pending"] != float64(1) {
		t.Fatalf("host overview: %d %v", code, ov)
	}
	if rc, _ := ov["reconnect"].([]any); len(rc) != 0 || ov["dead_jobs"] != nil || ov["replica"] != nil {
		t.Fatalf("Alice sees Bob's connection or the admin's news: %v", ov)
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/admin/overview", alice, nil); code != http.StatusForbidden {
		t.Fatalf("a host reached the admin overview: %d", code)
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/host/overview", h.admin, nil); code != http.StatusForbidden {
		t.Fatalf("a superuser reached the host overview: %d", code)
	}

	// Lists: several statuses at once, latest first, titles and host names.
	code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?status=pending,confirmed&sort=-start", h.admin, nil)
	if code != http.StatusOK || !slices.Equal(itemIDs(body), []string{a2, b1, a1}) && !slices.Equal(itemIDs(body), []string{a2, a1, b1}) {
		t.Fatalf("pending+confirmed, latest first: %d %v", code, itemIDs(body))
	}
	first := body["items"].([]any)[0].(map[string]any)
	if first["event_title"] != "Meeting call" || first["event_slug"] != "call" || !slices.Equal(toStrings(first["host_names"]), []string{"Alice"}) {
		t.Fatalf("booking item %v", first)
	}
	if code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?status=confirmed,cancelled", h.admin, nil); code != http.StatusOK || !slices.Equal(itemIDs(body), []string{a2}) {
		t.Fatalf("confirmed or cancelled: %d %v", code, itemIDs(body))
	}
	if code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?host="+h.bob, h.admin, nil); code != http.StatusOK || !slices.Equal(itemIDs(body), []string{b1}) {
		t.Fatalf("Bob's: %d %v", code, itemIDs(body))
	}
	for _, q := range []string{"status=pending,maybe", "sort=name"} {
		if code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?"+q, h.admin, nil); code != http.StatusBadRequest || len(body["data"].(map[string]any)) != 1 {
			t.Errorf("?%s: %d %v, want a 400 naming the field", q, code, body)
		}
	}
	if code, body := apiCall(t, "GET", h.url+"/api/admin/bookings/"+b1, h.admin, nil); code != http.StatusOK || body["id"] != b1 || body["email"] != "ben@example.com" {
		t.Fatalf("one booking: %d %v", code, body)
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/admin/bookings/nosuchbooking12", h.admin, nil); code != http.StatusNotFound {
		t.Fatalf("missing booking: %d", code)
	}

	// Hosts with their account state; event types, all or the host's own.
	code, body = apiCall(t, "GET", h.url+"/api/admin/hosts", h.admin, nil)
	if code != http.StatusOK || !slices.Equal(itemIDs(body), []string{h.host, h.bob}) {
		t.Fatalf("hosts: %d %v", code, body)
	}
	accounts := map[string]any{}
	for _, it := range body["items"].([]any) {
		accounts[it.(map[string]any)["name"].(string)] = it.(map[string]any)["account"]
	}
	if accounts["Alice"] != "invited" || accounts["Bob"] != "none" { // Alice's password was stored, not set from a link
		t.Fatalf("account states %v", accounts)
	}
	if code, body := apiCall(t, "GET", h.url+"/api/admin/event-types", h.admin, nil); code != http.StatusOK || len(itemIDs(body)) != 2 {
		t.Fatalf("admin event types: %d %v", code, body)
	}
	code, body = apiCall(t, "GET", h.url+"/api/host/event-types", alice, nil)
	if items, _ := body["items"].([]any); code != http.StatusOK || len(items) != 1 || items[0].(map[string]any)["slug"] != "call" || items[0].(map[string]any)["requires_confirmation"] != true {
		t.Fatalf("Alice's event types: %d %v", code, body)
	}
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

func TestDashboardCalendar(t *testing.T) {
	h := newHostEnv(t)
	a1 := h.bookAs(t, "call", "2026-03-02T10:00:00Z", "ann@example.com")
	b1 := h.bookAs(t, "bobcall", "2026-03-02T11:00:00Z", "ben@example.com")
	cancelled := h.bookAs(t, "call", "2026-03-02T12:00:00Z", "cy@example.com")
	if code, _ := apiCall(t, "POST", h.url+"/api/admin/bookings/"+cancelled+"/cancel", h.admin, map[string]any{"reason": "x"}); code != http.StatusOK {
		t.Fatal("cancel")
	}
	cn := save(t, h.app, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: h.host, c.CalendarConnectionsProvider: "google",
		c.CalendarConnectionsStatus: c.ConnectionConnected})
	save(t, h.app, c.BusyBlocks, map[string]any{c.BusyBlocksConnection: cn.Id, c.BusyBlocksSourceID: "ev1",
		c.BusyBlocksStart: "2026-03-03 14:00:00.000Z", c.BusyBlocksEnd: "2026-03-03 15:30:00.000Z"})

	week := "?from=2026-03-02T00:00:00Z&to=2026-03-09T00:00:00Z"
	type lane struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Working []struct{ Start, End string }
		Busy    []struct{ Start, End string }
	}
	var cal struct {
		Hosts    []lane
		Bookings []struct{ ID, Status string }
	}
	getCal := func(url, auth string) int {
		t.Helper()
		code, body := apiCall(t, "GET", url, auth, nil)
		cal.Hosts, cal.Bookings = nil, nil
		if code == http.StatusOK {
			decodeInto(t, mustJSON(body), &cal)
		}
		return code
	}
	if code := getCal(h.url+"/api/admin/calendar"+week, h.admin); code != http.StatusOK || len(cal.Hosts) != 2 || len(cal.Bookings) != 2 {
		t.Fatalf("team calendar: %d %+v", code, cal)
	}
	alice := cal.Hosts[0]
	if alice.ID != h.host || len(alice.Working) != 5 || alice.Working[0].Start != "2026-03-02T09:00:00Z" || alice.Working[4].End != "2026-03-06T17:00:00Z" {
		t.Fatalf("Alice's working hours %+v", alice.Working)
	}
	if len(alice.Busy) != 1 || alice.Busy[0].Start != "2026-03-03T14:00:00Z" || len(cal.Hosts[1].Busy) != 0 {
		t.Fatalf("busy time %+v / %+v", alice.Busy, cal.Hosts[1].Busy)
	}
	if code := getCal(h.url+"/api/admin/calendar"+week+"&host="+h.bob, h.admin); code != http.StatusOK || len(cal.Hosts) != 1 || len(cal.Bookings) != 1 || cal.Bookings[0].ID != b1 {
		t.Fatalf("Bob's calendar: %d %+v", code, cal)
	}

	auth := h.account(t, h.host)
	if code := getCal(h.url+"/api/host/calendar"+week, auth); code != http.StatusOK || len(cal.Hosts) != 1 || cal.Hosts[0].ID != h.host ||
		len(cal.Bookings) != 1 || cal.Bookings[0].ID != a1 {
		t.Fatalf("Alice's own calendar: %d %+v", code, cal)
	}
	// A host asking for Bob's lane still gets only their own.
	if code := getCal(h.url+"/api/host/calendar"+week+"&host="+h.bob, auth); code != http.StatusOK || len(cal.Hosts) != 1 || cal.Hosts[0].ID != h.host {
		t.Fatalf("host calendar with ?host: %d %+v", code, cal)
	}
	for _, q := range []string{"?from=2026-03-02&to=2026-03-09T00:00:00Z", "?from=2026-03-09T00:00:00Z&to=2026-03-02T00:00:00Z",
		"?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z"} {
		if code, body := apiCall(t, "GET", h.url+"/api/admin/calendar"+q, h.admin, nil); code != http.StatusBadRequest || body["data"] == nil {
			t.Errorf("calendar%s: %d %v, want 400 naming the field", q, code, body)
		}
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/admin/calendar"+week+"&host=nosuchhost12345", h.admin, nil); code != http.StatusBadRequest {
		t.Errorf("unknown host: %d", code)
	}
}

func TestAdminEditsHostHours(t *testing.T) {
	h := newHostEnv(t)
	base := h.url + "/api/admin/hosts/" + h.host
	if code, body := apiCall(t, "GET", base+"/schedule", h.admin, nil); code != http.StatusOK || body["timezone"] != "Europe/London" {
		t.Fatalf("schedule: %d %v", code, body)
	}
	if before := slotStarts(t, h.url, "call", "2026-03-04"); len(before) == 0 || before[0] != "09:00" {
		t.Fatalf("slots before: %v", before)
	}
	weekly := map[string]any{"wed": [][]string{{"13:00", "15:00"}}}
	if code, body := apiCall(t, "PATCH", base+"/schedule", h.admin, map[string]any{"weekly": weekly}); code != http.StatusOK {
		t.Fatalf("patch: %d %v", code, body)
	}
	if got := slotStarts(t, h.url, "call", "2026-03-04"); !slices.Equal(got, []string{"13:00", "13:30", "14:00", "14:30"}) {
		t.Fatalf("slots after the edit: %v", got)
	}
	if code, body := apiCall(t, "PATCH", base+"/schedule", h.admin, map[string]any{"weekly": map[string]any{"wed": [][]string{{"13:00", "13:00"}}}}); code != http.StatusBadRequest || !dataHas(body, "weekly") {
		t.Fatalf("bad weekly: %d %v", code, body)
	}

	// A holiday week in one request; a range in the wrong order or too long is refused.
	code, body := apiCall(t, "POST", base+"/overrides", h.admin, map[string]any{"from": "2026-03-09", "to": "2026-03-15", "intervals": []any{}, "reason": "Holiday"})
	if code != http.StatusOK || len(body["items"].([]any)) != 7 {
		t.Fatalf("holiday week: %d %v", code, body)
	}
	for _, d := range []string{"2026-03-09", "2026-03-11", "2026-03-13"} {
		if got := slotStarts(t, h.url, "call", d); len(got) != 0 {
			t.Errorf("slots on holiday %s: %v", d, got)
		}
	}
	if got := slotStarts(t, h.url, "call", "2026-03-18"); len(got) != 4 {
		t.Errorf("slots the Wednesday after the holiday: %v", got)
	}
	for _, bad := range []map[string]any{
		{"from": "2026-03-15", "to": "2026-03-09", "intervals": []any{}},
		{"from": "2026-01-01", "to": "2027-01-02", "intervals": []any{}},
		{"from": "2026-03-9", "to": "2026-03-10", "intervals": []any{}},
		{"from": "2026-03-20", "to": "2026-03-21", "intervals": [][]string{{"10:00"}}},
		{"from": "2026-03-20", "to": "2026-03-21"},
	} {
		if code, body := apiCall(t, "POST", base+"/overrides", h.admin, bad); code != http.StatusBadRequest || body["data"] == nil {
			t.Errorf("range %v: %d %v, want 400 naming the field", bad, code, body)
		}
	}
	// The refused ranges wrote nothing: all or none.
	if code, body := apiCall(t, "GET", base+"/overrides?from=2026-03-01&to=2026-03-31", h.admin, nil); code != http.StatusOK || len(body["items"].([]any)) != 7 {
		t.Fatalf("overrides after refusals: %d %v", code, body)
	}
	if code, _ := apiCall(t, "DELETE", base+"/overrides/2026-03-11", h.admin, nil); code != http.StatusNoContent {
		t.Fatalf("delete: %d", code)
	}
	if got := slotStarts(t, h.url, "call", "2026-03-11"); !slices.Equal(got, []string{"13:00", "13:30", "14:00", "14:30"}) {
		t.Fatalf("slots after removing one holiday date: %v", got)
	}

	// An admin may edit a schedule other hosts share, and is told it is shared.
	hr, _ := h.app.FindRecordById(c.Hosts, h.host)
	bobHost, _ := h.app.FindRecordById(c.Hosts, h.bob)
	bobHost.Set(c.HostsSchedule, c.NewHost(hr).ScheduleID())
	if err := h.app.Save(bobHost); err != nil {
		t.Fatal(err)
	}
	if code, body := apiCall(t, "PATCH", base+"/schedule", h.admin, map[string]any{"timezone": "Asia/Tokyo"}); code != http.StatusOK || body["shared"] != true {
		t.Fatalf("admin edit of a shared schedule: %d %v", code, body)
	}
	alice := h.account(t, h.host)
	if code, _ := apiCall(t, "POST", h.url+"/api/host/overrides", alice, map[string]any{"from": "2026-03-20", "to": "2026-03-21", "intervals": []any{}}); code != http.StatusConflict {
		t.Fatalf("host range on a shared schedule: %d, want 409", code)
	}
	for _, r := range []struct{ method, path string }{
		{"GET", "/api/admin/hosts/" + h.bob + "/schedule"},
		{"PATCH", "/api/admin/hosts/" + h.bob + "/schedule"},
		{"POST", "/api/admin/hosts/" + h.bob + "/overrides"},
	} {
		if code, _ := apiCall(t, r.method, h.url+r.path, alice, map[string]any{}); code != http.StatusForbidden {
			t.Errorf("host %s %s: %d", r.method, r.path, code)
		}
	}
	if code, _ := apiCall(t, "GET", h.url+"/api/admin/hosts/nosuchhost12345/schedule", h.admin, nil); code != http.StatusNotFound {
		t.Errorf("unknown host: %d", code)
	}
	if code, body := apiCall(t, "GET", h.url+"/api/host/availability?from=2026-03-16&to=2026-03-16&tz=UTC&event_type=call", alice, nil); code != http.StatusOK || body["days"] == nil {
		t.Errorf("host preview: %d %v", code, body)
	}
}

func TestHostReschedulesOwnBooking(t *testing.T) {
	h := newHostEnv(t)
	a1 := h.bookAs(t, "call", "2026-03-02T10:00:00Z", "ann@example.com")
	b1 := h.bookAs(t, "bobcall", "2026-03-02T10:00:00Z", "ben@example.com")
	h.bookAs(t, "call", "2026-03-02T14:00:00Z", "amy@example.com")
	auth := h.account(t, h.host)
	move := func(id, start string, force bool) (int, map[string]any) {
		return apiCall(t, "POST", h.url+"/api/host/bookings/"+id+"/reschedule", auth, map[string]any{"start": start, "force": force})
	}
	if code, body := move(a1, "2026-03-02T11:00:00Z", false); code != http.StatusOK || body["start"] != "2026-03-02T11:00:00Z" || body["rescheduled_from"] != "2026-03-02T10:00:00Z" {
		t.Fatalf("reschedule: %d %v", code, body)
	}
	if code, _ := move(a1, "2026-03-02T14:00:00Z", false); code != http.StatusConflict {
		t.Fatalf("onto a taken slot: %d, want 409", code)
	}
	if code, body := move(a1, "2026-03-02T20:00:00Z", true); code != http.StatusBadRequest || !dataHas(body, "force") {
		t.Fatalf("force by a host: %d %v", code, body)
	}
	if code, body := move(a1, "2026-03-02T20:00:00Z", false); code != http.StatusBadRequest || !dataHas(body, "start") {
		t.Fatalf("outside hours: %d %v", code, body)
	}
	if code, _ := move(b1, "2026-03-02T11:00:00Z", false); code != http.StatusNotFound {
		t.Fatalf("Bob's booking: %d, want 404", code)
	}
	if r, _ := h.app.FindRecordById(c.Bookings, b1); c.NewBooking(r).Start().Format("15:04") != "10:00" {
		t.Fatal("Bob's booking moved")
	}
}

func TestNewEventTypeDefaults(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	bare := save(t, app, c.EventTypes, map[string]any{c.EventTypesSlug: "bare", c.EventTypesTitle: "Bare", c.EventTypesHosts: []string{host}, c.EventTypesQuestions: `[]`})
	et := c.NewEventType(bare)
	if et.Duration().Minutes() != 30 || bare.GetInt(c.EventTypesSeats) != 1 || et.MinNotice().Hours() != 4 || et.HorizonDays() != 60 || et.Assignment() != c.AssignmentSingle {
		t.Fatalf("defaults: duration %v seats %d notice %v horizon %d assignment %q", et.Duration(), bare.GetInt(c.EventTypesSeats), et.MinNotice(), et.HorizonDays(), et.Assignment())
	}
	// Values given are kept; several hosts take turns; later edits to 0 stay 0.
	other := mkHost(t, app, "Bob", "Europe/London", weekdays9to5)
	set := save(t, app, c.EventTypes, map[string]any{c.EventTypesSlug: "set", c.EventTypesTitle: "Set", c.EventTypesHosts: []string{host, other},
		c.EventTypesDuration: 45, c.EventTypesMinNotice: 0, c.EventTypesHorizonDays: 14, c.EventTypesQuestions: `[]`})
	et = c.NewEventType(set)
	if et.Duration().Minutes() != 45 || et.MinNotice() != 0 || et.HorizonDays() != 14 || et.Assignment() != c.AssignmentRoundRobin {
		t.Fatalf("given values: duration %v notice %v horizon %d assignment %q", et.Duration(), et.MinNotice(), et.HorizonDays(), et.Assignment())
	}
	bare.Set(c.EventTypesMinNotice, 0)
	if err := app.Save(bare); err != nil {
		t.Fatal(err)
	}
	again, _ := app.FindRecordById(c.EventTypes, bare.Id)
	if c.NewEventType(again).MinNotice() != 0 {
		t.Fatal("an edit to no notice was overwritten by the defaults")
	}
}

// TestListTotalsFollowChanges: the cached totals of a list follow every
// booking change, and a filtered count counts each booking once.
func TestListTotalsFollowChanges(t *testing.T) {
	h := newHostEnv(t)
	total := func(query string) float64 {
		t.Helper()
		code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?perPage=1"+query, h.admin, nil)
		if code != http.StatusOK {
			t.Fatalf("list %s: %d %v", query, code, body)
		}
		return body["totalItems"].(float64)
	}
	h.bookAs(t, "call", "2026-03-02T10:00:00Z", "ann@example.com")
	if n := total(""); n != 1 {
		t.Fatalf("total %v, want 1", n)
	}
	if n := total(""); n != 1 { // from the cache
		t.Fatalf("total again %v, want 1", n)
	}
	b := h.bookAs(t, "bobcall", "2026-03-02T10:00:00Z", "ben@example.com")
	if n := total(""); n != 2 {
		t.Fatalf("total after a booking %v, want 2", n)
	}
	if n := total("&host=" + h.bob); n != 1 {
		t.Fatalf("Bob's total %v, want 1", n)
	}
	if code, _ := apiCall(t, "POST", h.url+"/api/admin/bookings/"+b+"/cancel", h.admin, map[string]any{}); code != http.StatusOK {
		t.Fatal("cancel")
	}
	if n := total("&status=pending,confirmed"); n != 1 {
		t.Fatalf("live total after a cancellation %v, want 1", n)
	}
	if n := total("&event_type=bobcall"); n != 1 {
		t.Fatalf("bobcall total %v, want 1 (by slug)", n)
	}
	for _, q := range []string{"&host=" + h.bob[:5], "&event_type=nosuchtype"} {
		if code, body := apiCall(t, "GET", h.url+"/api/admin/bookings?perPage=1"+q, h.admin, nil); code != http.StatusBadRequest || body["data"] == nil {
			t.Errorf("%s: %d %v, want 400 naming the field", q, code, body)
		}
	}
}
