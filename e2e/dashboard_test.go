package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// Passwords of the dashboard test's accounts.
const (
	rootPassword = "a-long-password-123"
	hostPassword = "ada-password-456"
)

// dashWorld is the data one dashboard run starts from: two hosts with
// their own event types, a host account for Ada, a superuser, bookings in
// every state the screens act on, and the SMTP sink the server mails to.
type dashWorld struct {
	srv        *testenv.Server
	dir        string
	sink       *testenv.SMTPSink
	ada, grace *core.Record
	// bookings by what the flow does with them
	confirm, cancel, move, waiting, others string
	day1, day2                             time.Time // weekdays of the bookings (UTC)
}

// TestDashboard runs the admin and host dashboard (/admin/) in Chromium at
// 1280 px and at 375 px: an admin signs in from a booking link, confirms,
// cancels and reschedules bookings, edits a host's weekly hours and days
// off (and /api/slots follows), invites a host who sets a password from
// the mail's link; a host signs in and reaches only their own bookings and
// hours. The server mails a real SMTP sink, where the test reads the mails.
// Every screen is screenshotted into testdata/artifacts/ and checked by
// axe-core.
func TestDashboard(t *testing.T) {
	for _, vp := range []viewport{desktop, mobile} {
		t.Run(vp.name, func(t *testing.T) { dashboardFlow(t, vp) })
	}
}

func newDashWorld(t *testing.T) *dashWorld {
	w := &dashWorld{dir: t.TempDir(), sink: testenv.StartSMTPSink(t, testenv.FreePort(t))}
	prepare(t, w.dir, "Northwind Clinic", "#0f766e", func(s *seeder) {
		s.smtp(w.sink.Port)
		w.ada = s.host("Ada Byron", "UTC", weekdays9to5)
		w.grace = s.host("Grace Hopper", "UTC", weekdays9to5)
		s.eventType("consult", "First consultation", w.ada, map[string]any{c.EventTypesRequiresConfirmation: true})
		s.eventType("intro", "Intro call", w.ada, nil)
		s.eventType("demo", "Product demo", w.grace, nil)
		s.record(c.HostUsers, map[string]any{c.HostUsersEmail: "ada@example.com", "password": hostPassword, c.HostUsersHost: w.ada.Id, "verified": true})
	})
	if out, err := exec.Command(testenv.Binary(t), "superuser", "upsert", "root@example.com", rootPassword, "--dir", w.dir).CombinedOutput(); err != nil {
		t.Fatalf("superuser upsert: %v\n%s", err, out)
	}
	w.srv = startServer(t, w.dir)
	w.day1 = nextWeekday(time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2))
	w.day2 = nextWeekday(w.day1.AddDate(0, 0, 1))
	at := func(d time.Time, hour int) string { return d.Add(time.Duration(hour) * time.Hour).Format(time.RFC3339) }
	w.confirm = book(t, w.srv, "consult", at(w.day1, 10), "Carla Pending", "America/New_York")
	w.cancel = book(t, w.srv, "intro", at(w.day1, 11), "Dan Cancel", "UTC")
	w.move = book(t, w.srv, "intro", at(w.day1, 13), "Eve Move", "Asia/Tokyo")
	w.waiting = book(t, w.srv, "consult", at(w.day2, 10), "Gus Waiting", "UTC")
	w.others = book(t, w.srv, "demo", at(w.day1, 14), "Frank Other", "UTC")
	return w
}

func dashboardFlow(t *testing.T, vp viewport) {
	w := newDashWorld(t)
	b := newBrowser(t, "Europe/Berlin", vp)
	d := &dash{t: t, b: b, vp: vp, shots: artifactDir(t, "dashboard-"+vp.name)}

	// 1. A booking link from a host mail, without a session: sign in, then
	// the booking it named.
	b.do(chromedp.Navigate(w.srv.URL + "/admin/#/bookings/" + w.confirm))
	d.wait("the sign-in form", `heading() === "Sign in"`)
	d.shot("01-sign-in")
	d.signIn("root@example.com", rootPassword)
	d.wait("the booking the link named", `heading().startsWith("Carla Pending") && document.querySelector(".summary")`)
	if inv := b.text(`document.querySelector(".summary .inv").textContent`); !strings.Contains(inv, "America/New York") {
		t.Errorf("the invitee's time is shown as %q, want it in America/New York", inv)
	}
	d.shot("02-booking-pending")

	// 2. Confirm it: the invitee gets the confirmation mail.
	d.click("button", "Confirm")
	d.wait("the confirmation", `document.querySelector(".badge-confirmed") && msg().startsWith("Confirmed.")`)
	d.dbStatus(w, w.confirm, "confirmed")
	checkMail(t, w, w.confirm, "approved", "carla@example.com", "Confirmed: First consultation with Ada Byron on ")

	// 3. The overview: what needs attention, today, this week.
	d.nav("Overview")
	d.wait("the overview", `heading() === "Overview" && !document.querySelector(".loading")`)
	if got := b.text(`document.querySelector(".attention").textContent`); !strings.Contains(got, "1 booking waits for approval") {
		t.Errorf("needs attention says %q, want the one pending booking", got)
	}
	// The System card: the readiness report (GET /api/admin/status) and the release.
	if got := b.text(`document.querySelector(".system").textContent`); !strings.Contains(got, "All background work runs normally.") ||
		!strings.Contains(got, "slotbase dev") || !strings.Contains(got, "job worker running") || !strings.Contains(got, "replica off") {
		t.Errorf("the System card says %q, want ok with the release, a running worker and the replica off", got)
	}
	d.shot("03-overview")

	// 4. The lists: upcoming, needs approval, a search.
	d.nav("Bookings")
	d.wait("the upcoming bookings", `names().includes("Eve Move") && names().includes("Frank Other")`)
	d.shot("04-bookings")
	d.click(".tabs a", "Needs approval")
	d.wait("the approval list", `names().join() === "Gus Waiting"`)
	d.shot("05-bookings-approval")
	d.click(".tabs a", "Upcoming")
	d.wait("the upcoming tab", `names().length === 5`)
	b.eval(`document.querySelector("input[type=search]").value = "dan", true`, nil)
	d.click("button", "Search")
	d.wait("the search result", `names().join() === "Dan Cancel"`)

	// 5. Cancel Dan's booking with a reason; the invitee is told.
	d.click(".bk a", "Dan Cancel")
	d.wait("Dan's booking", `heading().startsWith("Dan Cancel") && document.querySelector(".summary")`)
	d.click("button", "Cancel booking")
	d.wait("the reason form", `document.querySelector("textarea")`)
	b.do(chromedp.SendKeys(chromedp.CSS("textarea"), "The host is ill, sorry."))
	d.shot("06-cancel-form")
	d.click("button", "Cancel the booking")
	d.wait("the cancellation", `document.querySelector(".badge-cancelled") && msg().includes("with your reason")`)
	if r := d.dbStatus(w, w.cancel, "cancelled"); r.GetString(c.BookingsCancelReason) != "The host is ill, sorry." {
		t.Errorf("cancel reason %q", r.GetString(c.BookingsCancelReason))
	}
	checkMail(t, w, w.cancel, "cancelled", "dan@example.com", "Cancelled: Intro call with Ada Byron on ", "The host is ill, sorry.")

	// 6. Reschedule Eve's booking to a free time on another day; the first
	// time picked is taken meanwhile (409), so the list reloads without it.
	b.eval(`location.hash = "#/bookings/`+w.move+`", true`, nil)
	d.wait("Eve's booking", `heading().startsWith("Eve Move") && document.querySelector(".summary")`)
	d.click("button", "Reschedule")
	d.wait("the free times", `document.querySelector(".slot")`)
	day2 := w.day2.Format(time.DateOnly)
	b.eval(`(() => { const i = document.querySelector("input[type=date]"); i.value = "`+day2+`"; i.dispatchEvent(new Event("change")); return true; })()`, nil)
	d.wait("the free times on "+day2, `document.querySelector('.slot[data-start^="`+day2+`"]')`)
	taken := b.text(`document.querySelectorAll(".slot")[1].dataset.start`)
	b.eval(`document.querySelectorAll(".slot")[1].click(), true`, nil)
	d.wait("the question", `document.querySelector(".confirm-move:not([hidden])")`)
	book(t, w.srv, "intro", taken, "Hal Faster", "UTC")
	d.click("button", "Move the booking")
	d.wait("the server's 409", `msg().includes("no longer available") && document.querySelector(".slot") && !document.querySelector('.slot[data-start="`+taken+`"]')`)
	target := b.text(`document.querySelectorAll(".slot")[1].dataset.start`)
	b.eval(`document.querySelectorAll(".slot")[1].click(), true`, nil)
	d.wait("the question", `document.querySelector(".confirm-move:not([hidden])")`)
	if !d.has("details.override") {
		t.Error("an admin gets no 'Other time (override availability)'")
	}
	d.shot("07-reschedule")
	d.click("button", "Move the booking")
	d.wait("the move", `msg().startsWith("Moved to")`)
	if r := d.dbStatus(w, w.move, "confirmed"); !r.GetDateTime(c.BookingsStart).Time().Equal(mustTime(t, target)) {
		t.Errorf("booking starts at %s, want the picked %s", r.GetDateTime(c.BookingsStart), target)
	}
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	checkMail(t, w, w.move, "rescheduled", "eve@example.com", // the new time, in Eve's zone
		"Rescheduled: Intro call with Ada Byron on "+mustTime(t, target).In(tokyo).Format("Jan 2, 2006, 3:04 PM")+" (UTC+09:00)")

	// 7. The calendar, a week with the bookings.
	d.nav("Calendar")
	d.wait("the calendar", `document.querySelector(".cal")`)
	b.eval(`location.hash = "#/calendar?view=week&date=`+w.day1.Format(time.DateOnly)+`", true`, nil)
	d.wait("the week's bookings", `[...document.querySelectorAll(".cal .ev")].some(e => e.textContent.includes("Carla Pending")) && document.querySelector(".cal .work")`)
	d.shot("08-calendar-week")
	b.eval(`location.hash = "#/calendar?view=day&date=`+w.day2.Format(time.DateOnly)+`&host=`+w.ada.Id+`", true`, nil)
	d.wait("the day's pending booking", `document.querySelector(".cal-day .ev-pending") && document.querySelector(".range").textContent.includes("`+w.day2.Format("January 2")+`")`)
	d.shot("09-calendar-day")

	// 8. Ada's weekly hours: one weekday becomes 13:00–15:00, and the
	// booking page's slots follow.
	changed := nextWeekday(w.day2.AddDate(0, 0, 1))
	if got := slotsOn(t, w.srv, "intro", changed, changed)[changed.Format(time.DateOnly)]; len(got) == 0 || !strings.HasSuffix(got[0], "T09:00:00Z") {
		t.Fatalf("before the edit the slots on %s are %v, want them from 09:00", changed.Format(time.DateOnly), got)
	}
	d.nav("Availability")
	d.wait("Ada's hours", `document.querySelector(".day-row") && document.querySelector(".preview") && document.querySelector(".dbtn")`)
	row := (int(changed.Weekday()) + 6) % 7 // rows run Monday to Sunday
	setTimes := func(from, to string) {
		b.eval(`(() => { const [a, b] = document.querySelectorAll(".day-row")[`+strconv.Itoa(row)+`].querySelectorAll("input[type=time]");
			a.value = "`+from+`"; b.value = "`+to+`";
			for (const i of [a, b]) i.dispatchEvent(new Event("input", {bubbles: true}));
			return true; })()`, nil)
	}
	setTimes("13:00", "08:00")
	if !d.has(`.day-row:nth-child(` + strconv.Itoa(row+1) + `) .next-day:not([hidden])`) {
		t.Error("an end before the start is not marked 'next day'")
	}
	setTimes("13:00", "15:00")
	d.click("button", "Save weekly hours")
	d.wait("the saved hours", `[...document.querySelectorAll(".msg")].some(m => m.textContent.startsWith("Saved. Hours are in"))`)
	got := slotsOn(t, w.srv, "intro", changed, changed)[changed.Format(time.DateOnly)]
	if len(got) != 4 || !strings.HasSuffix(got[0], "T13:00:00Z") || !strings.HasSuffix(got[3], "T14:30:00Z") {
		t.Errorf("after the edit the slots on %s are %v, want 13:00 to 14:30", changed.Format(time.DateOnly), got)
	}

	// 9. A holiday week, picked in the month calendar: no slots left in it.
	monday := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 14)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, 1)
	}
	friday := monday.AddDate(0, 0, 4)
	if n := countSlots(slotsOn(t, w.srv, "intro", monday, friday)); n == 0 {
		t.Fatal("no slots in the holiday week before it is set")
	}
	d.pickDay(monday)
	d.pickDay(friday)
	if from, to := b.text(`document.querySelectorAll(".pair input")[0].value`), b.text(`document.querySelectorAll(".pair input")[1].value`); from != monday.Format(time.DateOnly) || to != friday.Format(time.DateOnly) {
		t.Fatalf("the calendar picked %s to %s, want %s to %s", from, to, monday.Format(time.DateOnly), friday.Format(time.DateOnly))
	}
	b.do(chromedp.SendKeys(chromedp.CSS(`.ov-form input[type=text]`), "Holiday"))
	d.click("button", "Save these days")
	d.wait("the holiday in the list", `[...document.querySelectorAll(".overrides li")].some(li => li.textContent.includes("Day off · Holiday"))`)
	if n := countSlots(slotsOn(t, w.srv, "intro", monday, friday)); n != 0 {
		t.Errorf("%d slots left in the holiday week", n)
	}
	d.shot("10-availability")

	// 10. Hosts: invite Grace; the mail carries the welcome link.
	d.nav("Hosts")
	d.wait("the hosts", `document.querySelectorAll(".stack tbody tr").length === 2`)
	d.shot("11-hosts")
	d.click("button", "Invite Grace Hopper")
	d.wait("the invitation", `msg().startsWith("Invitation sent to grace@example.com")`)
	token := invitationToken(t, w.sink, "grace@example.com")

	// 11. An expired session: the server refuses the token, the sign-in
	// form says so, and signing in again opens the page that was asked
	// for: the calendar connections (Google is not configured in tests).
	b.eval(`localStorage.setItem("slotbase.dash", JSON.stringify({token: "not.a.token", role: "admin", email: "root@example.com"})), true`, nil)
	b.do(chromedp.Navigate("about:blank"), chromedp.Navigate(w.srv.URL+"/admin/#/calendars"))
	d.wait("the sign-in form after a 401", `heading() === "Sign in" && msg().includes("session has ended")`)
	d.signIn("root@example.com", rootPassword)
	d.wait("the connections", `document.querySelector(".stack") && document.body.textContent.includes("Google Calendar is not set up")`)
	d.wait("the CalDAV form", `document.body.textContent.includes("No CalDAV calendar is connected") && document.body.textContent.includes("Connect a CalDAV calendar")`)
	// A refused address comes back as a 400 shown beside its field (once
	// the host list has loaded into the form's picker).
	d.wait("the CalDAV form's hosts", `document.querySelector("main form.card select") && document.querySelector("main form.card select").value !== ""`)
	b.eval(`(() => { const f = document.querySelector("main form.card"); const [u, n, p] = f.querySelectorAll("input");
		u.value = "ftp://calendar.example.com/"; n.value = "ada"; p.value = "app-password"; return true; })()`, nil)
	d.click("main form.card button", "Connect")
	d.wait("the url field's error", `[...document.querySelectorAll("main form.card .err")].some(e => !e.hidden && /only http and https/i.test(e.textContent))`)
	// Microsoft 365: listed, and without a client id Connect says what to set.
	d.wait("the Microsoft section", `document.body.textContent.includes("No Microsoft calendar is connected") && document.body.textContent.includes("Microsoft 365 is not set up on this server")`)
	d.click("main form.card button", "Connect with Microsoft")
	d.wait("Connect's answer", `msg().includes("SLOTBASE_MICROSOFT_CLIENT_ID")`)
	d.shot("12-calendars")

	// 12. Sign out; Grace sets her password from the invitation.
	d.click("button", "Sign out")
	d.wait("the sign-in form", `heading() === "Sign in"`)
	b.do(chromedp.Navigate(w.srv.URL + "/admin/#/welcome/" + token))
	d.wait("the welcome form", `heading() === "Welcome"`)
	d.shot("13-welcome")
	b.do(chromedp.SendKeys(chromedp.CSS(`input[autocomplete=new-password]`), "grace-password-789"))
	b.eval(`document.querySelectorAll("input[type=password]")[1].focus(), true`, nil)
	b.do(chromedp.SendKeys(chromedp.CSS(`input[type=password]:focus`), "grace-password-789"))
	d.click("button", "Set password")
	d.wait("the sign-in form with its notice", `heading() === "Sign in" && msg().startsWith("Your password is set")`)
	if email := b.text(`document.querySelector("input[type=email]").value`); email != "grace@example.com" {
		t.Errorf("the sign-in form after the welcome has e-mail %q", email)
	}
	if accounts := findRecords(t, w.dir, c.HostUsers, "email = 'grace@example.com' && verified = true", nil); len(accounts) != 1 {
		t.Errorf("%d verified accounts for Grace after she set her password", len(accounts))
	}

	// 13. Ada, a host, signs in: her own bookings only.
	d.signIn("ada@example.com", hostPassword)
	d.wait("Ada's overview", `heading() === "Overview" && !document.querySelector(".loading")`)
	if d.has(`#nav a[href="#/hosts"]`) {
		t.Error("a host sees the Hosts page in the navigation")
	}
	if d.has(`.system`) {
		t.Error("a host sees the System card")
	}
	d.shot("14-host-overview")
	d.nav("Bookings")
	d.wait("Ada's upcoming bookings", `names().includes("Eve Move")`)
	if names := b.text(`(() => { ` + dashJS + ` return names().sort().join(); })()`); names != "Carla Pending,Eve Move,Gus Waiting,Hal Faster" {
		t.Errorf("Ada's upcoming bookings are %q, want only hers", names)
	}
	d.shot("15-host-bookings")
	b.eval(`location.hash = "#/bookings/`+w.others+`", true`, nil)
	d.wait("the refusal", `heading() === "Booking not found"`)
	d.shot("16-host-not-found")

	// 14. The API refuses Ada another host's booking and hours: her own
	// routes do not find Grace's booking; the admin routes (the only ones
	// naming another host's hours) refuse her token (403: she is signed in,
	// as a host).
	hostToken := b.text(`JSON.parse(localStorage.getItem("slotbase.dash")).token`)
	for _, tc := range []struct {
		method, path, body string
		want               []int
	}{
		{"GET", "/api/host/bookings/" + w.others, "", []int{http.StatusNotFound}},
		{"POST", "/api/host/bookings/" + w.others + "/cancel", `{"reason":"mine now"}`, []int{http.StatusNotFound}},
		{"GET", "/api/admin/bookings/" + w.others, "", []int{http.StatusForbidden}},
		{"GET", "/api/admin/hosts/" + w.grace.Id + "/schedule", "", []int{http.StatusForbidden}},
		{"PATCH", "/api/admin/hosts/" + w.grace.Id + "/schedule", `{"weekly":{}}`, []int{http.StatusForbidden}},
		{"POST", "/api/admin/hosts/" + w.grace.Id + "/overrides", `{"from":"2030-01-07","to":"2030-01-07","intervals":[]}`, []int{http.StatusForbidden}},
	} {
		if code, body := call(t, w.srv, tc.method, tc.path, hostToken, tc.body); !slices.Contains(tc.want, code) {
			t.Errorf("%s %s as Ada = %d %s, want %v", tc.method, tc.path, code, body, tc.want)
		}
	}
	if n := len(findRecords(t, w.dir, c.Bookings, "id = {:id} && status = 'confirmed'", map[string]any{"id": w.others})); n != 1 {
		t.Error("Grace's booking changed after Ada's refused requests")
	}
	if code, body := call(t, w.srv, "GET", "/api/host/schedule", hostToken, ""); code != http.StatusOK || !strings.Contains(body, `"id":"`+w.ada.GetString(c.HostsSchedule)+`"`) {
		t.Errorf("GET /api/host/schedule as Ada = %d %s, want her own schedule", code, body)
	}

	// 15. Ada's own hours, calendar and connection.
	d.nav("Availability")
	d.wait("Ada's own hours", `document.querySelector(".day-row") && document.querySelector(".preview") && document.querySelector(".overrides li")`)
	d.shot("17-host-availability")
	d.nav("Calendar")
	d.wait("Ada's calendar", `document.querySelector(".cal")`)
	d.shot("18-host-calendar")
	d.nav("Calendar connections")
	d.wait("Ada's connection", `document.body.textContent.includes("not set up on this server yet") && document.body.textContent.includes("Connect a CalDAV calendar") && document.body.textContent.includes("Connect a Microsoft calendar")`)
	d.shot("19-host-calendars")
	b.checkConsole()
}

// dash drives the dashboard in one browser.
type dash struct {
	t     *testing.T
	b     *browser
	vp    viewport
	shots string
}

// dashJS are the page-side helpers the conditions use: the main heading,
// the live messages, the names in a booking list.
const dashJS = `const heading = () => (document.querySelector("main h1") || {}).textContent || "";
const msg = () => [...document.querySelectorAll("main .msg")].map(m => m.textContent).join(" ");
const names = () => [...document.querySelectorAll(".bk-who a")].map(a => a.textContent);`

// wait polls a condition that may use dashJS's helpers.
func (d *dash) wait(what, js string) {
	d.t.Helper()
	d.b.waitFor(what, "(() => { "+dashJS+" return "+js+"; })()")
}

// has reports whether a selector matches.
func (d *dash) has(css string) bool {
	d.t.Helper()
	var ok bool
	d.b.eval(`!!document.querySelector(`+jsString(css)+`)`, &ok)
	return ok
}

// click clicks the element matching css whose text (spaces collapsed) is text.
func (d *dash) click(css, text string) {
	d.t.Helper()
	var ok bool
	d.b.eval(`(() => { const el = [...document.querySelectorAll(`+jsString(css)+`)]
		.find(e => e.textContent.replace(/\s+/g, " ").trim() === `+jsString(text)+`);
		if (el) el.click();
		return !!el; })()`, &ok)
	if !ok {
		d.t.Fatalf("no %s with the text %q", css, text)
	}
}

// nav follows a link of the dashboard's navigation, which marks it current.
func (d *dash) nav(label string) {
	d.t.Helper()
	d.click("#nav a", label)
	d.wait("the "+label+" link marked current", `document.querySelector('#nav a[aria-current="page"]').textContent === `+jsString(label))
}

// signIn fills and sends the sign-in form.
func (d *dash) signIn(email, password string) {
	d.t.Helper()
	d.b.eval(`document.querySelector("input[type=email]").value = "", true`, nil)
	d.b.do(chromedp.SendKeys(chromedp.CSS("input[type=email]"), email), chromedp.SendKeys(chromedp.CSS("input[type=password]"), password))
	d.click("button", "Sign in")
}

// shot screenshots the page, runs axe-core on it and checks that nothing
// sticks out sideways (the week grid scrolls inside its own box).
func (d *dash) shot(name string) {
	d.t.Helper()
	d.b.screenshot(d.shots, name)
	d.b.axe(name)
	var over bool
	d.b.eval(`document.documentElement.scrollWidth > window.innerWidth`, &over)
	if over {
		d.t.Errorf("%s: the page scrolls sideways at %d px", name, d.vp.width)
	}
}

// pickDay clicks day in the days-off month calendar, paging forward to its month.
func (d *dash) pickDay(day time.Time) {
	d.t.Helper()
	sel := `.dbtn[data-date="` + day.Format(time.DateOnly) + `"]`
	for range 14 {
		if d.has(sel) {
			d.b.eval(`document.querySelector(`+jsString(sel)+`).click(), true`, nil)
			return
		}
		label := d.b.text(`document.querySelector(".month-cal .month").textContent`)
		d.b.eval(`document.querySelector('.month-cal button[aria-label="Next month"]').click(), true`, nil)
		d.wait("the next month", `document.querySelector(".month-cal .month").textContent !== `+jsString(label))
	}
	d.t.Fatalf("the month calendar never showed %s", day.Format(time.DateOnly))
}

// dbStatus waits until booking id has status in the database and returns it.
func (d *dash) dbStatus(w *dashWorld, id, status string) *core.Record {
	d.t.Helper()
	var r *core.Record
	eventually(d.t, "booking "+id+" "+status, func() bool {
		found := findRecords(d.t, w.dir, c.Bookings, "id = {:id} && status = {:s}", map[string]any{"id": id, "s": status})
		if len(found) == 1 {
			r = found[0]
		}
		return r != nil
	})
	return r
}

// checkMail waits for the booking's e-mail of kind to the invitee: its
// email_log row says the SMTP server took it, and the message the row
// names (by Message-ID) is in the sink, addressed to the invitee's address
// to, with a subject starting with subject and a text containing each of has.
func checkMail(t *testing.T, w *dashWorld, booking, kind, to, subject string, has ...string) {
	t.Helper()
	var log *core.Record
	eventually(t, kind+" mail to "+to+" in email_log", func() bool {
		logs := findRecords(t, w.dir, c.EmailLog, "booking = {:b} && kind = {:k} && role = 'invitee' && status = 'sent'", map[string]any{"b": booking, "k": kind})
		if len(logs) > 0 {
			log = logs[0]
		}
		return log != nil
	})
	if tr := log.GetString(c.EmailLogTransport); tr != "smtp" {
		t.Errorf("%s mail went by %q, want smtp", kind, tr)
	}
	id := log.GetString(c.EmailLogMessageID)
	m := sinkMessage(t, w.sink, kind+" mail <"+id+"> in the SMTP sink", func(m testenv.SinkMessage) bool { return m.Msg.MessageID == id })
	if !slices.Equal(m.RcptTos, []string{to}) || m.Msg.To == nil || m.Msg.To.Address != to {
		t.Errorf("%s mail goes to %v (header %v), want %s", kind, m.RcptTos, m.Msg.To, to)
	}
	if !strings.HasPrefix(m.Msg.Subject, subject) {
		t.Errorf("%s mail subject %q, want it to start %q", kind, m.Msg.Subject, subject)
	}
	text := m.Msg.Text()
	for _, want := range has {
		if !strings.Contains(text, want) {
			t.Errorf("%s mail lacks %q:\n%s", kind, want, text)
		}
	}
}

// sinkMessage waits until the sink holds a message matching match and
// returns the last such.
func sinkMessage(t *testing.T, sink *testenv.SMTPSink, what string, match func(testenv.SinkMessage) bool) testenv.SinkMessage {
	t.Helper()
	var found *testenv.SinkMessage
	eventually(t, what, func() bool {
		for _, m := range sink.Messages(t) {
			if match(m) {
				found = &m
			}
		}
		return found != nil
	})
	return *found
}

var welcomeLink = regexp.MustCompile(`/admin/#/welcome/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)`)

// invitationToken reads the set-password token from the invitation mail
// to email in the sink.
func invitationToken(t *testing.T, sink *testenv.SMTPSink, email string) string {
	t.Helper()
	m := sinkMessage(t, sink, "the invitation mail to "+email, func(m testenv.SinkMessage) bool {
		return slices.Equal(m.RcptTos, []string{email}) && strings.HasPrefix(m.Msg.Subject, "You are invited to ")
	})
	link := welcomeLink.FindStringSubmatch(m.Msg.Text())
	if link == nil {
		t.Fatalf("the invitation mail to %s has no welcome link:\n%s", email, m.Msg.Text())
	}
	return link[1]
}

// eventually polls cond until it holds, within stepBound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(stepBound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// book books a start through the public API and returns the booking's id.
func book(t *testing.T, srv *testenv.Server, slug, start, name, zone string) string {
	t.Helper()
	email := strings.ToLower(strings.Fields(name)[0]) + "@example.com"
	body, _ := json.Marshal(map[string]any{"event_type": slug, "start": start, "name": name, "email": email, "timezone": zone})
	code, reply := call(t, srv, "POST", "/api/bookings", "", string(body))
	if code != http.StatusCreated {
		t.Fatalf("booking %s at %s: %d %s", slug, start, code, reply)
	}
	var out struct{ ID string }
	if err := json.Unmarshal([]byte(reply), &out); err != nil {
		t.Fatal(err)
	}
	return out.ID
}

// slotsOn is GET /api/slots from..to in UTC: slot starts by date.
func slotsOn(t *testing.T, srv *testenv.Server, slug string, from, to time.Time) map[string][]string {
	t.Helper()
	code, body := call(t, srv, "GET", "/api/slots?event_type="+slug+"&from="+from.Format(time.DateOnly)+"&to="+to.Format(time.DateOnly)+"&tz=UTC", "", "")
	if code != http.StatusOK {
		t.Fatalf("GET /api/slots: %d %s", code, body)
	}
	var out struct {
		Days []struct {
			Date  string
			Slots []struct{ Start string }
		}
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	days := map[string][]string{}
	for _, d := range out.Days {
		for _, s := range d.Slots {
			days[d.Date] = append(days[d.Date], s.Start)
		}
	}
	return days
}

func countSlots(days map[string][]string) int {
	n := 0
	for _, s := range days {
		n += len(s)
	}
	return n
}

// call sends a request with an optional token and JSON body.
func call(t *testing.T, srv *testenv.Server, method, path, token, body string) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != "" && method != "GET" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(out)
}
