package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// consultQuestions are the custom questions of the flow's event type: one of
// each kind the form renders differently.
const consultQuestions = `[
 {"id":"company","label":"Company","type":"text","required":true,"max_length":80},
 {"id":"topic","label":"What is it about?","type":"select","required":true,"options":["Billing","Support","Something else"]},
 {"id":"team_size","label":"Team size","type":"number"},
 {"id":"consent","label":"I agree to be contacted about this booking","type":"checkbox","required":true}]`

// TestBookingFlowByKeyboard books, reschedules and cancels on the real
// binary with the keyboard only, at desktop and at 375 px mobile width:
// each step is checked in the database, screenshotted into
// testdata/artifacts/ and checked by axe-core.
func TestBookingFlowByKeyboard(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, "Northwind Clinic", "#0f766e", func(s *seeder) {
		host := s.host("Ada Byron", "America/New_York", weekdays9to5)
		s.eventType("consult", "First consultation", host, map[string]any{
			c.EventTypesDescription: "Thirty minutes to understand what you need and how we can help.",
			c.EventTypesLocation:    "Video call (link follows by e-mail)",
			c.EventTypesQuestions:   consultQuestions,
		})
	})
	srv := startServer(t, dir)
	t.Run("headers", func(t *testing.T) { checkPageHeaders(t, srv, "'self'") })
	for _, vp := range []viewport{desktop, mobile} {
		t.Run(vp.name, func(t *testing.T) { bookingFlow(t, srv, dir, vp) })
	}
}

// bookingFlow is one keyboard-only run through booking, rescheduling and
// cancelling on viewport vp, from a browser in Europe/London.
func bookingFlow(t *testing.T, srv *testenv.Server, dir string, vp viewport) {
	b := newBrowser(t, "Europe/London", vp)
	// Step 7 checks the server's 409 for a time taken while its form is
	// filled in; live updates could take the visitor back first, so they are
	// off in this flow (TestLiveUpdates tests them).
	if _, err := chromedp.Call(b.ctx, page.AddScriptToEvaluateOnNewDocument,
		page.AddScriptToEvaluateOnNewDocumentParams{Source: "delete window.EventSource"}); err != nil {
		t.Fatal(err)
	}
	shots := artifactDir(t, "booking-"+vp.name)
	email := "grace." + vp.name + "@example.com"

	// 1. The page opens the first month with times, its first day chosen.
	b.do(chromedp.Navigate(srv.URL + "/consult"))
	b.waitFor("the times of a day", `document.querySelector(".slot")`)
	if zone := b.text(`document.querySelector(".tz-input").value`); zone != "Europe/London" {
		t.Fatalf("zone picker shows %q, want the browser's Europe/London", zone)
	}
	b.screenshot(shots, "1-opened")
	b.axe("opened")
	if vp.mobile {
		b.checkNarrow(shots, "1b-opened-320px")
	}

	// 2. Move to the next month with the keyboard.
	first := b.text(`document.querySelector(".month").textContent`)
	shown, err := time.Parse("January 2006", first)
	if err != nil {
		t.Fatalf("month heading %q: %v", first, err)
	}
	next := shown.AddDate(0, 1, 0).Format("January 2006")
	b.do(chromedp.Focus(chromedp.CSS(`button[aria-label="Next month"]`)))
	b.key(kb.Enter)
	b.waitFor(next, `document.querySelector(".month").textContent === `+jsString(next)+
		` && document.querySelector("table[role=grid]").getAttribute("aria-busy") === "false"`)

	// 3. Tab into the grid and pick a day with arrows, Home, End and Enter.
	b.key(kb.Tab)
	d0 := b.focused()
	if d0.Date == "" || d0.Disabled {
		t.Fatalf("Tab after the month buttons focused %+v, want the month's first day with times", d0)
	}
	day := mustDate(t, d0.Date).AddDate(0, 0, 7)
	b.expectDay(kb.ArrowDown, day, "ArrowDown: same weekday a week later")
	weekStart := b.text(`document.querySelector("table[role=grid] th").getAttribute("abbr")`)
	back := (int(day.Weekday()) - weekdayIndex(weekStart) + 7) % 7
	b.expectDay(kb.Home, day.AddDate(0, 0, -back), "Home: first day of the week")
	b.expectDay(kb.End, day.AddDate(0, 0, 6-back), "End: last day of the week")
	var picked focused
	for range 7 {
		b.key(kb.ArrowLeft)
		if picked = b.focused(); !picked.Disabled {
			break
		}
	}
	if picked.Date == "" || picked.Disabled {
		t.Fatalf("no day with times found with ArrowLeft: %+v", picked)
	}
	b.key(kb.Enter)
	if f := b.focused(); f.Start == "" {
		t.Fatalf("after Enter on a day the focus is on %+v, want its first time", f)
	}
	if got, want := b.text(`document.querySelector(".times-h").textContent`), mustDate(t, picked.Date).Format("Monday, January 2"); got != want {
		t.Fatalf("times heading %q, want %q", got, want)
	}
	b.screenshot(shots, "2-day-picked")
	b.axe("day picked")

	// 4. The third time of that day, by keyboard.
	b.key(kb.Tab, kb.Tab)
	slot := b.focused()
	if slot.Start == "" {
		t.Fatalf("Tab Tab focused %+v, want the third time", slot)
	}
	b.key(kb.Enter)
	b.waitFor("the form heading to have the focus", `document.activeElement.id === "form-h"`)

	// 5. Submitting nothing shows each field's problem beside it and
	// focuses the first.
	b.do(chromedp.Focus(chromedp.CSS(`form button[type=submit]`)))
	b.key(kb.Enter)
	errs := b.text(`[...document.querySelectorAll(".err:not([hidden])")].map(e => e.id).join(" ")`)
	if want := "f-name-err f-email-err f-answers-company-err f-answers-topic-err f-answers-consent-err"; errs != want {
		t.Fatalf("visible errors %q, want %q", errs, want)
	}
	if f := b.focused(); f.ID != "f-name" {
		t.Fatalf("focus on %+v after the failed submit, want the name field", f)
	}
	b.screenshot(shots, "3-form-checks")
	b.axe("form checks")
	if vp.mobile {
		b.checkNarrow(shots, "3b-form-checks-320px")
	}

	// 6. Fill the form, by typing.
	b.do(
		chromedp.SendKeys(chromedp.CSS("#f-name"), "Grace Hopper"),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-answers-company"), "US Navy"),
		chromedp.Focus(chromedp.CSS("#f-answers-topic")),
		chromedp.KeyEvent("S"), // select typeahead: Support
		chromedp.SendKeys(chromedp.CSS("#f-answers-team_size"), "12"),
		chromedp.Focus(chromedp.CSS("#f-answers-consent")),
		chromedp.KeyEvent(" "),
		chromedp.SendKeys(chromedp.CSS("#f-notes"), "About the COBOL migration."),
	)
	if v := b.text(`document.querySelector("#f-answers-topic").value`); v != "Support" {
		t.Fatalf("topic %q after typing S, want Support", v)
	}

	// 7. Someone else books that time first: the page says so, goes back to
	// the calendar with fresh times and keeps what was typed.
	postBooking(t, srv, slot.Start, "other."+vp.name+"@example.com", http.StatusCreated)
	b.do(chromedp.Focus(chromedp.CSS(`form button[type=submit]`)))
	b.key(kb.Enter)
	b.waitFor("the taken notice", `document.querySelector(".picker .alert:not([hidden])")`)
	if msg := b.text(`document.querySelector(".picker .alert").textContent`); !strings.Contains(msg, "just taken") {
		t.Fatalf("alert %q", msg)
	}
	b.waitFor("fresh times without the taken one", `document.querySelector(".slot") && !document.querySelector('.slot[data-start="`+slot.Start+`"]')`)
	b.screenshot(shots, "4-time-taken")
	b.axe("time taken")
	b.key(kb.Tab)
	slot = b.focused()
	if slot.Start == "" {
		t.Fatalf("Tab after the taken notice focused %+v, want a time", slot)
	}
	b.key(kb.Enter)
	b.waitFor("the form again", `document.activeElement.id === "form-h"`)
	if v := b.text(`document.querySelector("#f-name").value + "|" + document.querySelector("#f-answers-consent").checked`); v != "Grace Hopper|true" {
		t.Fatalf("form after going back: %q, want what was typed", v)
	}

	// 8. Book: the confirmation names the time in the visitor's zone.
	b.do(chromedp.Focus(chromedp.CSS(`form button[type=submit]`)))
	b.key(kb.Enter)
	b.waitFor("the confirmation", `document.activeElement.id === "done-h"`)
	bookings := findRecords(t, dir, c.Bookings, "email = {:e}", map[string]any{"e": email})
	if len(bookings) != 1 {
		t.Fatalf("%d bookings for %s, want 1", len(bookings), email)
	}
	bk := bookings[0]
	start := bk.GetDateTime(c.BookingsStart).Time().UTC().Format(time.RFC3339)
	if start != slot.Start || bk.GetString(c.BookingsStatus) != c.StatusConfirmed || bk.GetString(c.BookingsName) != "Grace Hopper" ||
		bk.GetString(c.BookingsTimezone) != "Europe/London" || bk.GetString(c.BookingsNotes) != "About the COBOL migration." {
		t.Fatalf("stored booking %s %s %q %s %q, want %s confirmed Grace Hopper Europe/London with the notes",
			start, bk.GetString(c.BookingsStatus), bk.GetString(c.BookingsName), bk.GetString(c.BookingsTimezone), bk.GetString(c.BookingsNotes), slot.Start)
	}
	if answers := bk.GetString(c.BookingsAnswers); answers != `{"company":"US Navy","consent":true,"team_size":12,"topic":"Support"}` {
		t.Fatalf("stored answers %s", answers)
	}
	london, _ := time.LoadLocation("Europe/London")
	when := norm(b.text(`document.querySelector(".summary").textContent`))
	wantTime := mustTime(t, slot.Start).In(london).Format("3:04")
	if !strings.Contains(when, wantTime) || !strings.Contains(when, "Europe/London") || !strings.Contains(when, "Ada Byron") {
		t.Fatalf("confirmation %q does not show %s, the zone and the host", when, wantTime)
	}
	checkCalendarLinks(t, b, srv, slot.Start)
	b.screenshot(shots, "5-confirmed")
	b.axe("confirmed")
	if vp.mobile {
		b.checkNarrow(shots, "5b-confirmed-320px")
	}

	// 9. The manage link carries the token in the fragment only.
	b.do(chromedp.Focus(chromedp.CSS("#manage-link")))
	b.key(kb.Enter)
	b.waitFor("the manage page", `document.querySelector("#manage-h") && document.querySelector(".summary")`)
	if loc := b.text(`location.pathname + "|" + location.search + "|" + location.hash.slice(0, 4)`); loc != "/manage||#mt_" {
		t.Fatalf("manage page address %q, want /manage with the token in the fragment", loc)
	}
	b.screenshot(shots, "6-manage")
	b.axe("manage")

	// 10. Reschedule with the same calendar, by keyboard.
	b.do(chromedp.Focus(chromedp.CSS(`.manage-view .actions button.primary`)))
	b.key(kb.Enter)
	b.waitFor("the new-time picker", `document.activeElement.id === "move-h" && document.querySelector(".panel .slot")`)
	b.screenshot(shots, "7-reschedule-picker")
	b.axe("reschedule picker")
	b.do(chromedp.Focus(chromedp.CSS(`.panel table[role=grid] button[tabindex="0"]`)))
	from := b.focused().Date
	b.key(kb.PageDown)
	b.waitFor("the next month", `document.activeElement.dataset.date && document.activeElement.dataset.date.slice(0, 7) !== `+jsString(from[:7]))
	var moveDay focused
	for range 7 {
		if moveDay = b.focused(); !moveDay.Disabled {
			break
		}
		b.key(kb.ArrowRight)
	}
	b.key(kb.Enter)
	newSlot := b.focused()
	if newSlot.Start == "" || newSlot.Start == slot.Start {
		t.Fatalf("after Enter on %s the focus is on %+v, want one of its times", moveDay.Date, newSlot)
	}
	b.key(kb.Enter)
	if f := b.focused(); f.Text != "Move my booking" {
		t.Fatalf("after picking a time the focus is on %+v, want the confirm button", f)
	}
	b.key(kb.Enter)
	b.waitFor("the moved notice", `document.querySelector(".notice") && document.activeElement.id === "manage-h"`)
	bk = findRecords(t, dir, c.Bookings, "id = {:id}", map[string]any{"id": bk.Id})[0]
	if got := bk.GetDateTime(c.BookingsStart).Time().UTC().Format(time.RFC3339); got != newSlot.Start {
		t.Fatalf("after rescheduling the booking starts %s, want %s", got, newSlot.Start)
	}
	if got := bk.GetDateTime(c.BookingsRescheduledFrom).Time().UTC().Format(time.RFC3339); got != slot.Start {
		t.Fatalf("rescheduled_from %s, want %s", got, slot.Start)
	}
	b.screenshot(shots, "8-rescheduled")
	b.axe("rescheduled")

	// 11. Cancel with a reason.
	b.do(chromedp.Focus(chromedp.CSS(`.manage-view .actions button.danger`)))
	b.key(kb.Enter)
	b.waitFor("the cancel form", `document.activeElement.id === "cancel-h"`)
	b.do(chromedp.SendKeys(chromedp.CSS("#cancel-reason"), "Something came up."),
		chromedp.Focus(chromedp.CSS(`form.cancel button[type=submit]`)))
	b.key(kb.Enter)
	b.waitFor("the cancelled booking", `document.querySelector("#manage-h").textContent === "Booking cancelled"`)
	bk = findRecords(t, dir, c.Bookings, "id = {:id}", map[string]any{"id": bk.Id})[0]
	if bk.GetString(c.BookingsStatus) != c.StatusCancelled || bk.GetString(c.BookingsCancelReason) != "Something came up." {
		t.Fatalf("after cancelling: status %s reason %q", bk.GetString(c.BookingsStatus), bk.GetString(c.BookingsCancelReason))
	}
	b.screenshot(shots, "9-cancelled")
	b.axe("cancelled")
	b.checkConsole()
}

// expectDay presses key and checks the focus moved to want.
func (b *browser) expectDay(key string, want time.Time, what string) {
	b.t.Helper()
	b.key(key)
	if got := b.focused().Date; got != want.Format(time.DateOnly) {
		b.t.Fatalf("%s: focus on %q, want %s", what, got, want.Format(time.DateOnly))
	}
}

// checkNarrow shows the page 320 px wide (the narrowest phones): nothing may
// stick out sideways. It returns to the mobile viewport afterwards.
func (b *browser) checkNarrow(dir, name string) {
	b.t.Helper()
	phone := []chromedp.EmulateViewportOption{chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait}
	b.do(chromedp.EmulateViewport(320, 640, phone...))
	var width int
	b.eval(`document.documentElement.scrollWidth`, &width)
	if width > 320 {
		b.t.Errorf("%s: the page is %d px wide in a 320 px viewport", name, width)
	}
	b.screenshot(dir, name)
	b.do(chromedp.EmulateViewport(mobile.width, mobile.height, phone...))
}

// checkCalendarLinks checks the confirmation's .ics download and Google
// Calendar link.
func checkCalendarLinks(t *testing.T, b *browser, srv *testenv.Server, start string) {
	t.Helper()
	ics := b.text(`document.querySelector("a[download]").getAttribute("href")`)
	if !strings.HasPrefix(ics, "/api/bookings/manage/mt_") {
		t.Fatalf(".ics link %q", ics)
	}
	status, body := srv.Get(t, ics)
	if status != http.StatusOK || !strings.Contains(body, "BEGIN:VEVENT") {
		t.Fatalf(".ics download: %d %.200s", status, body)
	}
	google := b.text(`document.querySelector('a[href^="https://calendar.google.com/"]').href`)
	stamp := strings.NewReplacer("-", "", ":", "").Replace(start)
	if !strings.Contains(google, "dates="+stamp+"%2F") {
		t.Fatalf("Google Calendar link %q lacks dates=%s/…", google, stamp)
	}
}

// postBooking books start directly through the API, as another visitor.
func postBooking(t *testing.T, srv *testenv.Server, start, email string, want int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"event_type": "consult", "start": start, "name": "Someone Else", "email": email, "timezone": "UTC",
		"answers": map[string]any{"company": "Other", "topic": "Billing", "consent": true}})
	res, err := http.Post(srv.URL+"/api/bookings", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != want {
		out, _ := io.ReadAll(res.Body)
		t.Fatalf("POST /api/bookings: %d %s", res.StatusCode, out)
	}
}

// checkPageHeaders checks the page's security headers, gzip and ETags.
func checkPageHeaders(t *testing.T, srv *testenv.Server, ancestors string) {
	t.Helper()
	for _, path := range []string{"/", "/consult", "/manage", "/app.js", "/style.css"} {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		if res.StatusCode != http.StatusOK || !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "style-src 'self';") ||
			strings.Contains(csp, "unsafe") || !strings.HasSuffix(csp, "frame-ancestors "+ancestors) {
			t.Errorf("%s: %d CSP %q", path, res.StatusCode, csp)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") != "no-referrer" || h.Get("Content-Encoding") != "gzip" || h.Get("ETag") == "" {
			t.Errorf("%s: headers %v", path, h)
		}
		req.Header.Set("If-None-Match", h.Get("ETag"))
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotModified {
			t.Errorf("%s with its ETag: %d, want 304", path, res.StatusCode)
		}
	}
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// mustDate parses a YYYY-MM-DD date.
func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// mustTime parses an RFC 3339 instant.
func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// weekdayIndex is time.Weekday of an English day name.
func weekdayIndex(name string) int {
	for d := time.Sunday; d <= time.Saturday; d++ {
		if d.String() == name {
			return int(d)
		}
	}
	return 0
}
