package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// liveGone is what the page says when the time being booked was taken.
const liveGone = "That time was just taken. Please pick another."

// TestLiveUpdates (issue 18): an open booking page learns of bookings made
// elsewhere (here through the API, as a second visitor would). A time it
// shows disappears without the visitor losing their place; the time whose
// form the visitor is filling in sends them back to the times with a notice
// and keeps what they typed; the page opens one stream and closes it when
// the booking is done. Rescheduling from the manage page is live the same
// way. Every wait is a generous poll (stepBound); no
// duration is asserted.
func TestLiveUpdates(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, "Lakeside Studio", "#1d4ed8", func(s *seeder) {
		host := s.host("Lin Live", "UTC", weekdays9to5)
		// A day's notice: the first day with times has all sixteen of them.
		s.eventType("live", "Studio visit", host, map[string]any{c.EventTypesMinNotice: 24 * 60})
	})
	srv := startServer(t, dir)
	b := newBrowser(t, "UTC", desktop)
	shots := artifactDir(t, "live")

	b.do(chromedp.Navigate(srv.URL + "/live"))
	b.waitFor("times on screen and the live stream open",
		`document.querySelectorAll(".slot").length >= 3 && performance.getEntriesByName("slotbase:live").length`)
	place := `document.querySelector(".month").textContent + " | " + document.querySelector(".times-h").textContent`
	before := b.text(place)

	// 1. Someone books a time the page shows: it goes, the day stays chosen.
	third := b.text(`document.querySelectorAll(".slot")[2].dataset.start`)
	bookLive(t, srv, third, "first.other@example.com")
	b.waitFor("the booked time to disappear", `!document.querySelector('.slot[data-start="`+third+`"]')`)
	if after := b.text(place); after != before {
		t.Fatalf("the page moved from %q to %q", before, after)
	}
	if b.text(`document.querySelector(".picker .alert").hidden ? "" : "shown"`) != "" {
		t.Fatal("a notice for a time the visitor had not picked")
	}

	// 2. The visitor picks a time and starts the form; someone books that time.
	second := b.text(`document.querySelectorAll(".slot")[1].dataset.start`)
	b.do(chromedp.Click(chromedp.CSS(`.slot[data-start="` + second + `"]`)))
	b.waitFor("the form", `document.activeElement.id === "form-h"`)
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "Ines Invitee"))
	bookLive(t, srv, second, "second.other@example.com")
	b.waitFor("back to the times with the notice", `document.querySelector(".picker .alert:not([hidden])") && document.querySelector(".slot")`+
		` && !document.querySelector('.slot[data-start="`+second+`"]')`)
	if msg := b.text(`document.querySelector(".picker .alert").textContent`); msg != liveGone {
		t.Fatalf("notice %q, want %q", msg, liveGone)
	}
	b.waitFor("the focus on the times", `document.activeElement.classList.contains("times-h")`)
	if after := b.text(place); after != before {
		t.Fatalf("back on %q, want %q", after, before)
	}
	b.screenshot(shots, "1-time-taken-while-filling-in")
	b.axe("time taken while filling in")

	// 3. Another time: what was typed is still there; booking ends the stream.
	b.do(chromedp.Click(chromedp.CSS(`.slot`)))
	b.waitFor("the form again", `document.activeElement.id === "form-h"`)
	if name := b.text(`document.querySelector("#f-name").value`); name != "Ines Invitee" {
		t.Fatalf("name %q after going back, want what was typed", name)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#f-email"), "ines@example.com"),
		chromedp.Click(chromedp.CSS(`form button[type=submit]`)))
	b.waitFor("the confirmation", `document.querySelector("#done-h")`)
	if n := b.text(`String(performance.getEntriesByType("resource").filter(r => r.name.includes("/api/slots/live")).length) + "/" +
		performance.getEntriesByName("slotbase:live").length`); n != "1/1" {
		t.Fatalf("live streams closed/opened: %s, want 1/1 (one stream, closed after booking)", n)
	}

	// 4. Rescheduling from the manage page: the new times are live too.
	b.do(chromedp.Click(chromedp.CSS("#manage-link")))
	b.waitFor("the manage page", `document.querySelector("#manage-h")`)
	b.do(chromedp.Click(chromedp.CSS(".manage-view .actions button.primary")))
	b.waitFor("the new times and the live stream",
		`document.querySelectorAll(".slot").length >= 3 && performance.getEntriesByName("slotbase:live").length`)
	shown := b.text(`document.querySelectorAll(".slot")[2].dataset.start`)
	bookLive(t, srv, shown, "third.other@example.com")
	b.waitFor("the booked time to disappear", `!document.querySelector('.slot[data-start="`+shown+`"]')`)
	picked := b.text(`document.querySelectorAll(".slot")[0].dataset.start`)
	b.do(chromedp.Click(chromedp.CSS(`.slot[data-start="` + picked + `"]`)))
	b.waitFor("the question", `!document.querySelector(".confirm-move").hidden`)
	bookLive(t, srv, picked, "fourth.other@example.com")
	b.waitFor("the notice instead of the question", `document.querySelector(".confirm-move").hidden && `+
		`document.querySelector(".picker .alert:not([hidden])") && !document.querySelector('.slot[data-start="`+picked+`"]')`)
	if msg := b.text(`document.querySelector(".picker .alert").textContent`); msg != liveGone {
		t.Fatalf("notice %q, want %q", msg, liveGone)
	}
	b.axe("reschedule time taken")
	b.checkConsole()
}

// bookLive books start of "live" through the API, as another visitor.
func bookLive(t *testing.T, srv *testenv.Server, start, email string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"event_type": "live", "start": start, "name": "Someone Else", "email": email, "timezone": "UTC"})
	res, err := http.Post(srv.URL+"/api/bookings", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		out, _ := io.ReadAll(res.Body)
		t.Fatalf("POST /api/bookings %s: %d %s", start, res.StatusCode, out)
	}
}
