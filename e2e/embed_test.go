package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestEmbedReportsHeight embeds /intro?embed=1 in a page of another origin,
// allowed by --frameAncestors, with the README's snippet: the frame loads
// (no X-Frame-Options or CSP blocks it), drops the page chrome and reports
// its height, which the parent applies.
func TestEmbedReportsHeight(t *testing.T) {
	dir := t.TempDir()
	prepare(t, dir, "Embedded Co", "#2554c7", func(s *seeder) {
		host := s.host("Demo Host", "Europe/Berlin", weekdays9to5)
		s.eventType("intro", "30-minute intro call", host, nil)
	})
	var bookingURL string
	parent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>Parent site</title><h1>Our site</h1>
<iframe id="slotbase" src="%[1]s/intro?embed=1" title="Book a meeting" style="width:100%%;border:0" loading="lazy"></iframe>
<script>
window.heights = [];
addEventListener("message", (e) => {
  if (e.origin === %[1]q && e.data && e.data.type === "slotbase:height") {
    window.heights.push(e.data.height);
    document.getElementById("slotbase").style.height = e.data.height + "px";
  }
});
</script>`, bookingURL)
	}))
	t.Cleanup(parent.Close)
	srv := startServer(t, dir, "--frameAncestors", parent.URL)
	bookingURL = srv.URL
	checkPageHeaders(t, srv, parent.URL)

	b := newBrowser(t, "Europe/Berlin", desktop)
	b.do(chromedp.Navigate(parent.URL))
	b.waitFor("the frame's height", `window.heights.length && window.heights[window.heights.length - 1] > 400`)
	var height int
	b.eval(`document.getElementById("slotbase").getBoundingClientRect().height`, &height)
	if height < 400 {
		t.Fatalf("frame is %d px high after the height messages", height)
	}
	b.screenshot(artifactDir(t, "embed"), "embedded")
	b.checkConsole()
}
