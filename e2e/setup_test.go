// Package e2e drives the booking page (pb_public/) in Debian's headless
// Chromium against a real slotbase binary on loopback (issue 5): booking,
// rescheduling and cancelling by keyboard with database checks, axe-core,
// far-away time zones, embed mode and the page's weight and speed.
package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/hooks"
	"github.com/slotbase/slotbase/internal/testenv"
	_ "github.com/slotbase/slotbase/pb_migrations"
)

// weekdays9to5 is a Monday–Friday 09:00–17:00 weekly schedule.
const weekdays9to5 = `{"mon":[["09:00","17:00"]],"tue":[["09:00","17:00"]],"wed":[["09:00","17:00"]],"thu":[["09:00","17:00"]],"fri":[["09:00","17:00"]]}`

// stepBound limits one browser step and each wait for a condition:
// generous, so that a busy machine only makes the suite slower, never red.
const stepBound = time.Minute

// seeder writes records into a data dir before the server starts.
type seeder struct {
	t   testing.TB
	app core.App
}

// prepare makes a pb_data in dir with the schema and the settings (org name,
// brand colour), then lets fill add hosts and event types.
func prepare(t testing.TB, dir, org, brand string, fill func(s *seeder)) {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	if err := app.RunAllMigrations(); err != nil {
		t.Fatal(err)
	}
	if _, err := hooks.SeedFirstRun(app, "UTC", true); err != nil {
		t.Fatal(err)
	}
	settings, err := app.FindFirstRecordByFilter(c.Settings, "")
	if err != nil {
		t.Fatal(err)
	}
	settings.Set(c.SettingsOrgName, org)
	settings.Set(c.SettingsBrandColor, brand)
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	fill(&seeder{t: t, app: app})
}

// record saves a record of collection with values.
func (s *seeder) record(collection string, values map[string]any) *core.Record {
	s.t.Helper()
	col, err := s.app.FindCollectionByNameOrId(collection)
	if err != nil {
		s.t.Fatal(err)
	}
	r := core.NewRecord(col)
	for k, v := range values {
		r.Set(k, v)
	}
	if err := s.app.Save(r); err != nil {
		s.t.Fatalf("%s: %v", collection, err)
	}
	return r
}

// smtp points PocketBase's mail settings at an SMTP server on
// 127.0.0.1:port, so the server mails there instead of writing .eml files.
func (s *seeder) smtp(port int) {
	s.t.Helper()
	settings := s.app.Settings()
	settings.SMTP.Enabled, settings.SMTP.Host, settings.SMTP.Port = true, "127.0.0.1", port
	if err := s.app.Save(settings); err != nil {
		s.t.Fatalf("mail settings: %v", err)
	}
}

// host adds a host with its own schedule (weekly JSON in zone).
func (s *seeder) host(name, zone, weekly string) *core.Record {
	sched := s.record(c.Schedules, map[string]any{c.SchedulesName: name + "'s hours", c.SchedulesTimezone: zone, c.SchedulesWeekly: weekly})
	return s.record(c.Hosts, map[string]any{c.HostsName: name, c.HostsEmail: strings.ToLower(strings.Fields(name)[0]) + "@example.com",
		c.HostsTimezone: zone, c.HostsSchedule: sched.Id, c.HostsActive: true})
}

// eventType adds an active 30-minute event type (30-minute steps, no notice)
// of host; extra overrides or adds fields.
func (s *seeder) eventType(slug, title string, host *core.Record, extra map[string]any) *core.Record {
	values := map[string]any{c.EventTypesSlug: slug, c.EventTypesTitle: title, c.EventTypesDuration: 30, c.EventTypesSlotStep: 30,
		c.EventTypesHorizonDays: 365, c.EventTypesSeats: 1, c.EventTypesHosts: []string{host.Id},
		c.EventTypesAssignment: c.AssignmentSingle, c.EventTypesActive: true}
	for k, v := range extra {
		values[k] = v
	}
	return s.record(c.EventTypes, values)
}

// startServer runs the real binary on dir.
func startServer(t testing.TB, dir string, args ...string) *testenv.Server {
	t.Helper()
	return testenv.StartServer(t, dir, append([]string{"--rateLimits=false"}, args...)...)
}

// findRecords reads records of a data dir that a running server also uses
// (SQLite WAL allows the concurrent read).
func findRecords(t *testing.T, dir, collection, filter string, params map[string]any) []*core.Record {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	records, err := app.FindRecordsByFilter(collection, filter, "created", 0, 0, params)
	if err != nil {
		t.Fatal(err)
	}
	return records
}

// browser is one headless Chromium with one tab, and what its pages
// reported as errors.
type browser struct {
	t   testing.TB
	ctx context.Context

	mu       sync.Mutex
	problems []string
}

// viewport is a screen the flows run on.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktop = viewport{name: "desktop", width: 1280, height: 860}
	mobile  = viewport{name: "mobile", width: 375, height: 740, mobile: true}
)

// newBrowser starts Chromium with the visitor's zone, viewport and reduced
// motion (so no transition is caught half-way by a screenshot or axe).
func newBrowser(t testing.TB, zone string, vp viewport) *browser {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(testenv.Chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "en-US"),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(int(vp.width), int(vp.height)),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	b := &browser{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil { // starts the browser, without a timeout
		t.Fatalf("starting Chromium: %v", err)
	}
	if err := chromedp.Listen(ctx, b.record); err != nil {
		t.Fatal(err)
	}
	var view []chromedp.EmulateViewportOption
	if vp.mobile {
		view = append(view, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	b.do(chromedp.EmulateViewport(vp.width, vp.height, view...),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
				return err
			}
			_, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}}})
			return err
		}))
	return b
}

// record keeps JavaScript exceptions and CSP or script errors the page logs
// (failed requests such as an expected 409 are the network's, not errors).
func (b *browser) record(ev any) {
	var msg string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		msg = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			msg += " " + ev.ExceptionDetails.Exception.Description
		}
	case *cdplog.EventEntryAdded:
		if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
			msg = fmt.Sprintf("console %s: %s", ev.Entry.Source, ev.Entry.Text)
		}
	}
	if msg != "" {
		b.mu.Lock()
		b.problems = append(b.problems, msg)
		b.mu.Unlock()
	}
}

// checkConsole fails the test on any exception or CSP violation so far.
func (b *browser) checkConsole() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.problems {
		b.t.Errorf("page reported %s", p)
	}
	b.problems = nil
}

// do runs steps within stepBound.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepBound)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// eval evaluates JavaScript and decodes its result into out.
func (b *browser) eval(js string, out any) {
	b.t.Helper()
	if err := b.tryEval(js, out); err != nil {
		b.t.Fatal(err)
	}
}

// tryEval is eval returning its error.
func (b *browser) tryEval(js string, out any) error {
	ctx, cancel := context.WithTimeout(b.ctx, stepBound)
	defer cancel()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		return fmt.Errorf("evaluating %.80q: %w", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("evaluating %.80q: %w (%s)", js, err, raw)
		}
	}
	return nil
}

// navigating reports an evaluation cut off because the page was being
// replaced (a link followed while waitFor polls): not an answer yet.
func navigating(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "navigated or closed") || strings.Contains(msg, "Execution context was destroyed") ||
		strings.Contains(msg, "Cannot find context")
}

// text evaluates JavaScript that returns a string.
func (b *browser) text(js string) string {
	b.t.Helper()
	var s string
	b.eval(js, &s)
	return s
}

// waitFor polls a JavaScript condition until it is true.
func (b *browser) waitFor(what, js string) {
	b.t.Helper()
	deadline := time.Now().Add(stepBound)
	for {
		var ok bool
		if err := b.tryEval("!!("+js+")", &ok); err != nil && !navigating(err) {
			b.t.Fatal(err)
		}
		if ok {
			return
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("timed out waiting for %s (%s)", what, js)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// key presses keys on whatever has the focus.
func (b *browser) key(keys ...string) {
	b.t.Helper()
	for _, k := range keys {
		b.do(chromedp.KeyEvent(k))
	}
}

// focused describes document.activeElement.
type focused struct {
	Tag, ID, Date, Start, Text string
	Disabled                   bool
}

// focused reads what has the focus now.
func (b *browser) focused() focused {
	b.t.Helper()
	var f focused
	b.eval(`(() => { const a = document.activeElement || document.body;
		return {Tag: a.tagName, ID: a.id, Date: a.dataset.date || "", Start: a.dataset.start || "",
			Text: a.textContent.trim(), Disabled: a.getAttribute("aria-disabled") === "true"}; })()`, &f)
	return f
}

// artifactDir is where screenshots go (gitignored by testdata/artifacts/).
func artifactDir(t testing.TB, name string) string {
	dir := filepath.Join("testdata", "artifacts", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves a full-page PNG of the current page.
func (b *browser) screenshot(dir, name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepBound)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

var (
	axeOnce   sync.Once
	axeSource string
	axeErr    error
)

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID, Impact, Help string
	Nodes            []string
}

// axe runs axe-core (vendored in testdata/axe.min.js) on the current page
// and fails the test on serious or critical violations; minor and moderate
// ones are logged.
func (b *browser) axe(step string) {
	b.t.Helper()
	axeOnce.Do(func() {
		src, err := os.ReadFile(filepath.Join("testdata", "axe.min.js"))
		axeSource, axeErr = string(src), err
	})
	if axeErr != nil {
		b.t.Fatal(axeErr)
	}
	var loaded bool
	b.eval(`typeof window.axe !== "undefined"`, &loaded)
	if !loaded {
		b.eval(axeSource+"\n;true", nil)
	}
	var res struct {
		Passes     int
		Violations []axeViolation
	}
	b.eval(`axe.run(document, {resultTypes: ["violations"]}).then(r => ({Passes: r.passes.length, Violations: r.violations.map(v => ({
		ID: v.id, Impact: v.impact || "", Help: v.help,
		Nodes: v.nodes.slice(0, 4).map(n => n.target.join(" ") + " — " + (n.failureSummary || "").replace(/\s+/g, " "))}))}))`, &res)
	if res.Passes == 0 {
		b.t.Fatalf("axe (%s) checked nothing", step)
	}
	for _, v := range res.Violations {
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Errorf("axe (%s): %s %s: %s\n  %s", step, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, "\n  "))
		} else {
			b.t.Logf("axe (%s): %s %s: %s", step, v.Impact, v.ID, v.Help)
		}
	}
}

// spaces normalises the narrow and no-break spaces Intl puts before AM/PM.
var spaces = regexp.MustCompile(`[\s\x{202f}\x{00a0}]+`)

// norm collapses every kind of space in s to one ASCII space.
func norm(s string) string { return strings.TrimSpace(spaces.ReplaceAllString(s, " ")) }
