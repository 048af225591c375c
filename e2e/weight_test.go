package e2e

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// MaxFirstVisitBytes is the budget for a first visit, gzip, logo
// excluded.
const MaxFirstVisitBytes = 30 * 1024

// visit is what one first visit of the booking page cost.
type visit struct {
	bytes     int                // transferred, headers included, logo excluded
	resources map[string]float64 // path → bytes
	slots     time.Duration      // navigation start → first times shown
}

// startIntro serves a demo-like event type "intro" (host in Europe/Berlin,
// Monday–Friday 09:00–17:00).
func startIntro(t testing.TB) *testenv.Server {
	t.Helper()
	dir := t.TempDir()
	prepare(t, dir, "slotbase demo", "#2554c7", func(s *seeder) {
		host := s.host("Demo Host", "Europe/Berlin", weekdays9to5)
		s.eventType("intro", "30-minute intro call", host, map[string]any{
			c.EventTypesDescription: "A short call to get to know each other.",
			c.EventTypesLocation:    "Video call (link follows by e-mail)",
		})
	})
	return startServer(t, dir)
}

// TestPageWeight loads /intro in a fresh browser profile (empty cache) in
// English, German and Japanese and checks what each first visit transfers
// against the budget: only the catalogue in use is loaded (no English
// fallback, no zone search data before the zone picker is used). The bytes
// go to BENCHMARKS.md. How fast the times show is BenchmarkTimesShown's: a
// test asserts no durations.
func TestPageWeight(t *testing.T) {
	srv := startIntro(t)
	b := newBrowser(t, "Europe/Berlin", desktop)
	var reports []string
	for _, lang := range []string{"en", "de", "ja"} {
		page := "/intro"
		if lang != "en" {
			page += "?lang=" + lang
		}
		first := firstVisit(t, b.ctx, srv.URL+page, "Europe/Berlin")
		report := first.report("first visit of " + page)
		t.Log("\n" + report)
		reports = append(reports, report)
		if first.bytes >= MaxFirstVisitBytes {
			t.Errorf("%s: a first visit transfers %d bytes, over the %d-byte budget", lang, first.bytes, MaxFirstVisitBytes)
		}
		for path := range first.resources {
			if strings.HasPrefix(path, "/i18n/") && path != "/i18n/"+lang+".json" {
				t.Errorf("%s: a first visit loads %s, want only /i18n/%s.json", lang, path, lang)
			}
		}
		if _, ok := first.resources["/i18n/"+lang+".json"]; !ok {
			t.Errorf("%s: the catalogue /i18n/%s.json was not loaded", lang, lang)
		}
	}
	if err := os.WriteFile(filepath.Join(artifactDir(t, "weight"), "page-weight.txt"), []byte(strings.Join(reports, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkTimesShown measures navigation → times shown (the page's own
// slotbase:slots-shown mark) of first visits of /intro, each in a fresh
// browser profile: cold-ms is the first visit (cold server slot cache), the
// others are over the visits of the loop (warm server). Run it as
// BENCHMARKS.md says.
func BenchmarkTimesShown(b *testing.B) {
	srv := startIntro(b)
	br := newBrowser(b, "Europe/Berlin", desktop)
	cold := firstVisit(b, br.ctx, srv.URL+"/intro", "Europe/Berlin").slots
	var times []time.Duration
	for b.Loop() {
		times = append(times, firstVisit(b, br.ctx, srv.URL+"/intro", "Europe/Berlin").slots)
	}
	slices.Sort(times)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(cold), "cold-ms")
	b.ReportMetric(ms(times[len(times)/2]), "median-ms")
	b.ReportMetric(ms(times[0]), "min-ms")
	b.ReportMetric(ms(times[len(times)-1]), "max-ms")
}

// firstVisit opens pageURL in a new browser context (no cache, no storage)
// from a browser in zone, and measures it.
func firstVisit(t testing.TB, parent context.Context, pageURL, zone string) visit {
	t.Helper()
	var ms float64
	// Times on screen and the live-updates stream open (its headers and first event counted).
	ready := `document.querySelector(".slot") && performance.getEntriesByName("slotbase:live").length`
	v := measureVisit(t, parent, pageURL, zone, ready, nil, func(ctx context.Context) error {
		var err error
		ms, err = chromedp.Run(ctx, chromedp.Evaluate[float64](`performance.getEntriesByName("slotbase:slots-shown")[0].startTime`))
		if err != nil {
			return fmt.Errorf("reading the slots-shown mark: %w", err)
		}
		return nil
	})
	v.slots = time.Duration(ms * float64(time.Millisecond))
	return v
}

// measureVisit opens pageURL in a new browser context (no cache, no
// storage) from a browser in zone, after before (may be nil) ran on the
// empty context; waits until the JavaScript condition ready holds, runs
// after (may be nil), and adds up what every response transferred (an
// event stream, which stays open, with what it transferred so far).
func measureVisit(t testing.TB, parent context.Context, pageURL, zone, ready string, before, after func(ctx context.Context) error) visit {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	defer cancel()
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	sizes := map[network.RequestID]float64{}
	failed := map[network.RequestID]bool{}
	streams := map[network.RequestID]float64{} // open event streams: bytes so far
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			urls[ev.RequestID] = ev.Response.URL
			if ev.Response.MimeType == "text/event-stream" {
				streams[ev.RequestID] += ev.Response.EncodedDataLength
			}
		case *network.EventDataReceived:
			if _, ok := streams[ev.RequestID]; ok {
				streams[ev.RequestID] += float64(ev.EncodedDataLength)
			}
		case *network.EventLoadingFinished:
			sizes[ev.RequestID] = ev.EncodedDataLength
		case *network.EventLoadingFailed:
			failed[ev.RequestID] = true
		}
	}); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, stepBound)
	defer tcancel()
	if _, err := chromedp.Call(tctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		t.Fatal(err)
	}
	if before != nil {
		if err := before(tctx); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		clear(urls)
		clear(sizes)
		clear(failed)
		clear(streams)
		mu.Unlock()
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(stepBound); ; time.Sleep(20 * time.Millisecond) {
		ok, err := chromedp.Run(tctx, chromedp.Evaluate[bool]("!!("+ready+")"))
		if err == nil && ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s still false after %s (%v)", pageURL, ready, stepBound, err)
		}
	}
	if after != nil {
		if err := after(tctx); err != nil {
			t.Fatal(err)
		}
	}
	// Wait until every response has finished loading (or failed). Not
	// waited for: the browser's own /favicon.ico request (no page of ours
	// asks for it; Chromium sometimes never reports its end to the page's
	// target, and a CI run waited a minute for it and failed). Its bytes
	// still count when its end was reported.
	loading := func() []string {
		mu.Lock()
		defer mu.Unlock()
		var open []string
		for id, u := range urls {
			if _, stream := streams[id]; stream {
				continue
			}
			if pu, err := url.Parse(u); err == nil && pu.Path == "/favicon.ico" {
				continue
			}
			if _, ok := sizes[id]; !ok && !failed[id] {
				open = append(open, u)
			}
		}
		if len(urls) == 0 {
			open = append(open, "(no response yet)")
		}
		return open
	}
	for deadline := time.Now().Add(stepBound); ; time.Sleep(20 * time.Millisecond) {
		open := loading()
		if len(open) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("responses still loading after %s: %v", stepBound, open)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	v := visit{resources: map[string]float64{}}
	for id, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "data" || u.Path == "/api/public/logo" {
			continue
		}
		name := u.Path
		if u.RawQuery != "" {
			name += "?" + u.RawQuery
		}
		size, ok := sizes[id]
		if !ok {
			size = streams[id]
		}
		v.resources[name] += size
		v.bytes += int(size)
	}
	return v
}

// report writes a visit's bytes per resource under title.
func (v visit) report(title string) string {
	paths := make([]string, 0, len(v.resources))
	for p := range v.resources {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d bytes (%.1f KB) transferred, gzip, headers included, logo excluded\n", title, v.bytes, float64(v.bytes)/1024)
	for _, p := range paths {
		fmt.Fprintf(&b, "  %-70s %6.0f B\n", p, v.resources[p])
	}
	return b.String()
}
