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

// TestPageWeightAndSpeed loads /intro in fresh browser profiles (empty
// cache) and measures what a first visit transfers and how long it takes
// until the times are on screen; the figures go to BENCHMARKS.md. The first
// visit also meets a cold slot cache on the server.
func TestPageWeightAndSpeed(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, "slotbase demo", "#2554c7", func(s *seeder) {
		host := s.host("Demo Host", "Europe/Berlin", weekdays9to5)
		s.eventType("intro", "30-minute intro call", host, map[string]any{
			c.EventTypesDescription: "A short call to get to know each other.",
			c.EventTypesLocation:    "Video call (link follows by e-mail)",
		})
	})
	srv := startServer(t, dir)
	b := newBrowser(t, "Europe/Berlin", desktop)

	const runs = 7
	visits := make([]visit, runs)
	for i := range visits {
		visits[i] = firstVisit(t, b.ctx, srv.URL+"/intro", "Europe/Berlin")
	}
	first := visits[0]
	times := make([]time.Duration, 0, runs-1)
	for _, v := range visits[1:] {
		times = append(times, v.slots)
		if v.bytes != first.bytes {
			t.Logf("visit transferred %d bytes, the first %d", v.bytes, first.bytes)
		}
	}
	slices.Sort(times)
	median := times[len(times)/2]

	paths := make([]string, 0, len(first.resources))
	for p := range first.resources {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var report strings.Builder
	fmt.Fprintf(&report, "first visit of /intro: %d bytes (%.1f KB) transferred, gzip, headers included, logo excluded\n", first.bytes, float64(first.bytes)/1024)
	for _, p := range paths {
		fmt.Fprintf(&report, "  %-70s %6.0f B\n", p, first.resources[p])
	}
	fmt.Fprintf(&report, "navigation → times shown: first visit (cold server cache) %v; fresh profiles, warm server: median %v, min %v, max %v (%d runs)\n",
		first.slots.Round(time.Millisecond), median.Round(time.Millisecond), times[0].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond), len(times))
	t.Log("\n" + report.String())
	if err := os.WriteFile(filepath.Join(artifactDir(t, "weight"), "page-weight.txt"), []byte(report.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	if first.bytes >= MaxFirstVisitBytes {
		t.Errorf("a first visit transfers %d bytes, over the %d-byte budget", first.bytes, MaxFirstVisitBytes)
	}
	if median > 2*time.Second {
		t.Errorf("times shown after %v (median), want well under 2 s on loopback", median)
	}
}

// firstVisit opens pageURL in a new browser context (no cache, no storage)
// from a browser in zone, and measures it.
func firstVisit(t *testing.T, parent context.Context, pageURL, zone string) visit {
	t.Helper()
	ctx, cancel := chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
	defer cancel()
	var mu sync.Mutex
	urls := map[network.RequestID]string{}
	sizes := map[network.RequestID]float64{}
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventResponseReceived:
			urls[ev.RequestID] = ev.Response.URL
		case *network.EventLoadingFinished:
			sizes[ev.RequestID] = ev.EncodedDataLength
		}
	}); err != nil {
		t.Fatal(err)
	}
	tctx, tcancel := context.WithTimeout(ctx, 20*time.Second)
	defer tcancel()
	if _, err := chromedp.Call(tctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: zone}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tctx, chromedp.Navigate(pageURL), chromedp.WaitVisible(chromedp.CSS(".slot"))); err != nil {
		t.Fatal(err)
	}
	ms, err := chromedp.Run(tctx, chromedp.Evaluate[float64](`performance.getEntriesByName("slotbase:slots-shown")[0].startTime`))
	if err != nil {
		t.Fatalf("reading the slots-shown mark: %v", err)
	}
	// Wait until every response has finished loading.
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		done := len(urls) > 0 && len(sizes) >= len(urls)
		mu.Unlock()
		if done || time.Now().After(deadline) {
			break
		}
	}
	mu.Lock()
	defer mu.Unlock()
	v := visit{resources: map[string]float64{}, slots: time.Duration(ms * float64(time.Millisecond))}
	for id, raw := range urls {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme == "data" || u.Path == "/api/public/logo" {
			continue
		}
		name := u.Path
		if u.RawQuery != "" {
			name += "?" + u.RawQuery
		}
		v.resources[name] += sizes[id]
		v.bytes += int(sizes[id])
	}
	return v
}
