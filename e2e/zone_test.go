package e2e

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	c "github.com/slotbase/slotbase/collections"
)

// shownSlot is one time button: its instant and its label.
type shownSlot struct{ Start, Label string }

// TestVisitorZoneFarFromHost looks at a host in Tokyo (Monday–Friday
// 10:00–18:00) from a browser in Los Angeles: every time sits on the
// visitor's own day, including the ones after local midnight, so a Tokyo
// Friday afternoon shows as a Los Angeles Friday with times after midnight only.
// The 24 h clock and a zone chosen in the zone picker (by its city) are remembered, and an
// event type whose first times lie months ahead opens on that month. The
// brand colour is a light yellow, so axe also checks the page keeps
// contrast whatever colour the admin picked.
func TestVisitorZoneFarFromHost(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	la, _ := time.LoadLocation("America/Los_Angeles")
	nowTokyo := time.Now().In(tokyo)
	laterDay := time.Date(nowTokyo.Year(), nowTokyo.Month()+2, 10, 0, 0, 0, 0, tokyo)
	dir := t.TempDir()
	prepare(t, dir, "Sato & Partners", "#f5c518", func(s *seeder) {
		host := s.host("Haruki Sato", "Asia/Tokyo", strings.ReplaceAll(strings.ReplaceAll(weekdays9to5, "09:00", "10:00"), "17:00", "18:00"))
		s.eventType("tokyo", "Call with Tokyo", host, nil)
		rare := s.host("Rie Tanaka", "Asia/Tokyo", `{}`)
		s.record(c.DateOverrides, map[string]any{c.DateOverridesSchedule: rare.GetString(c.HostsSchedule),
			c.DateOverridesDate: laterDay.Format(time.DateOnly), c.DateOverridesIntervals: `[["10:00","12:00"]]`})
		s.eventType("later", "Quarterly review", rare, nil)
	})
	srv := startServer(t, dir)
	b := newBrowser(t, "America/Los_Angeles", desktop)
	shots := artifactDir(t, "zones")

	// The browser's zone is detected.
	b.do(chromedp.Navigate(srv.URL + "/tokyo"))
	b.waitFor("times", `document.querySelector(".slot")`)
	if zone := b.text(`document.querySelector(".tz-input").value`); zone != "America/Los_Angeles" {
		t.Fatalf("zone picker shows %q, want the browser's America/Los_Angeles", zone)
	}

	// Next month in Los Angeles is wholly in the future: compare every day.
	nowLA := time.Now().In(la)
	month := time.Date(nowLA.Year(), nowLA.Month()+1, 1, 0, 0, 0, 0, la)
	if b.text(`document.querySelector(".month").textContent`) != month.Format("January 2006") {
		b.do(chromedp.Click(chromedp.CSS(`button[aria-label="Next month"]`)))
	}
	b.waitFor(month.Format("January 2006"), `document.querySelector(".month").textContent === `+jsString(month.Format("January 2006"))+
		` && document.querySelector("table[role=grid]").getAttribute("aria-busy") === "false"`)
	got := b.daysShown()
	want := expectedDays(tokyo, la, month, "3:04 PM")
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("days shown in Los Angeles:\n got %v\nwant %v", got, want)
	}
	midnightOnly := 0
	for date, slots := range got {
		if mustDate(t, date).Weekday() != time.Friday {
			continue
		}
		for _, s := range slots {
			if local := mustTime(t, s.Start).In(la); local.Format(time.DateOnly) != date || local.Hour() >= 3 {
				t.Fatalf("Friday %s shows %v, want only times just after its midnight (Tokyo's Friday evening)", date, slots)
			}
		}
		t.Logf("Los Angeles Friday %s: %v", date, slots)
		midnightOnly++
	}
	if midnightOnly < 4 {
		t.Fatalf("%d Fridays with times, want every Friday of %s", midnightOnly, month.Format("January"))
	}
	b.do(chromedp.Click(chromedp.CSS(`button.day.open`)))
	b.screenshot(shots, "1-los-angeles")
	b.axe("Los Angeles, light brand colour")

	// The 24 h clock sticks across a reload.
	b.do(chromedp.Click(chromedp.CSS(`.clock button:nth-child(2)`)))
	if first := norm(b.text(`document.querySelector(".slot").textContent`)); len(first) != 5 || first[2] != ':' {
		t.Fatalf("24 h label %q", first)
	}
	b.do(chromedp.Reload())
	b.waitFor("times after the reload", `document.querySelector(".slot")`)
	if clock := b.text(`document.querySelector('.clock button[aria-pressed="true"]').textContent`); clock != "24 h" {
		t.Fatalf("after a reload the clock is %q, want the remembered 24 h", clock)
	}

	// Choosing another zone in the searchable picker regroups the days; it
	// is remembered too. A city is enough: "tokyo" + Enter (issue 16: it
	// answered "Pick a time zone from the list").
	b.do(chromedp.SendKeys(chromedp.CSS(".tz-input"), "tokyo"))
	b.key(kb.Enter)
	b.waitFor("Tokyo times", `localStorage.getItem("slotbase.tz") === "Asia/Tokyo" && document.querySelector("table[role=grid]").getAttribute("aria-busy") === "false"`)
	if b.text(`document.querySelector(".month").textContent`) != month.Format("January 2006") {
		b.do(chromedp.Click(chromedp.CSS(`button[aria-label="Next month"]`)))
		b.waitFor("next month in Tokyo", `document.querySelector(".month").textContent === `+jsString(month.Format("January 2006"))+
			` && document.querySelector("table[role=grid]").getAttribute("aria-busy") === "false"`)
	}
	if got, want := b.daysShown(), expectedDays(tokyo, tokyo, month, "15:04"); !reflect.DeepEqual(got, want) {
		t.Fatalf("days shown in Tokyo:\n got %v\nwant %v", got, want)
	}
	b.screenshot(shots, "2-tokyo-24h")

	// The first month with times opens by default, months ahead.
	b.do(chromedp.Navigate(srv.URL + "/later"))
	b.waitFor("the later times", `document.querySelector(".slot")`)
	if m := b.text(`document.querySelector(".month").textContent`); m != laterDay.Format("January 2006") {
		t.Fatalf("/later opened on %q, want %s (its first month with times)", m, laterDay.Format("January 2006"))
	}
	labels := b.text(`[...document.querySelectorAll(".slot")].map(s => s.textContent).join(" ")`)
	if labels != "10:00 10:30 11:00 11:30" {
		t.Fatalf("/later shows %q on %s", labels, laterDay.Format(time.DateOnly))
	}
	b.screenshot(shots, "3-later-month")

	// The list of event types, with the org's branding.
	b.do(chromedp.Navigate(srv.URL + "/"))
	b.waitFor("the event types", `document.querySelectorAll(".types a").length === 2`)
	b.screenshot(shots, "4-list")
	b.axe("event type list")
	b.checkConsole()
}

// daysShown clicks every day with times in the visible month and reads its
// time buttons.
func (b *browser) daysShown() map[string][]shownSlot {
	b.t.Helper()
	var days map[string][]shownSlot
	b.eval(`(() => { const out = {};
		for (const d of document.querySelectorAll("button.day.open")) {
			d.click();
			out[d.dataset.date] = [...document.querySelectorAll(".slot")].map(s => ({Start: s.dataset.start, Label: s.textContent}));
		}
		return out; })()`, &days)
	for _, slots := range days {
		for i := range slots {
			slots[i].Label = norm(slots[i].Label)
		}
	}
	return days
}

// expectedDays computes, independently of the server, the 30-minute times
// of a Monday–Friday 10:00–18:00 host in hostZone, grouped on the days of
// viewZone within the month that starts at month, labelled with layout.
func expectedDays(hostZone, viewZone *time.Location, month time.Time, layout string) map[string][]shownSlot {
	out := map[string][]shownSlot{}
	prefix := month.Format("2006-01")
	for d := month.AddDate(0, 0, -2); d.Before(month.AddDate(0, 1, 2)); d = d.AddDate(0, 0, 1) {
		day := time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, hostZone)
		if day.Weekday() == time.Saturday || day.Weekday() == time.Sunday {
			continue
		}
		for k := range 16 {
			start := day.Add(time.Duration(k) * 30 * time.Minute)
			local := start.In(viewZone)
			if date := local.Format(time.DateOnly); strings.HasPrefix(date, prefix) && start.After(time.Now()) {
				out[date] = append(out[date], shownSlot{Start: start.UTC().Format(time.RFC3339), Label: local.Format(layout)})
			}
		}
	}
	return out
}
