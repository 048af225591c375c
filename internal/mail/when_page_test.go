package mail

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// TestWhenAsThePageWritesIt runs the booking page's own formatWhen
// (pb_public/when.js, with the page's catalogues) in node's Intl and checks
// that the e-mails write every meeting the same way in every language
// (issue 16: "the page and the mails write the same booking the same way").
func TestWhenAsThePageWritesIt(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("node is required under CI=true (scripts/test.sh installs nodejs)")
		}
		t.Skip("node not installed: apt-get install nodejs")
	}
	public, err := filepath.Abs("../../pb_public")
	if err != nil {
		t.Fatal(err)
	}
	type meeting struct {
		Start, End time.Time
		Zone       string
	}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	var cases []meeting
	for _, m := range []struct{ start, zone string }{
		{"2026-12-04T16:00:00Z", "Europe/Berlin"},
		{"2026-03-08T06:30:00Z", "America/New_York"},    // across the spring-forward gap
		{"2026-11-01T05:30:00Z", "America/New_York"},    // inside the repeated hour
		{"2026-04-05T15:00:00Z", "Australia/Lord_Howe"}, // half-hour DST change
		{"2026-07-01T23:30:00Z", "Asia/Tokyo"},          // morning in Tokyo
		{"2026-01-15T12:00:00Z", "UTC"},
		{"2026-06-30T18:45:00Z", "Asia/Kolkata"},  // +05:30
		{"2026-10-25T00:30:00Z", "Europe/London"}, // fall back
		{"2026-02-28T22:00:00Z", "America/Sao_Paulo"},
	} {
		s := utc(m.start)
		for _, d := range []time.Duration{30 * time.Minute, 90 * time.Minute, 10 * time.Hour} {
			cases = append(cases, meeting{s, s.Add(d), m.zone})
		}
	}
	in, err := json.Marshal(map[string]any{"public": public, "langs": i18n.Supported, "cases": cases})
	if err != nil {
		t.Fatal(err)
	}
	script := `
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
(async () => {
  const { formatWhen } = await import("file://" + input.public + "/when.js");
  const out = {};
  for (const lang of input.langs) {
    const cat = JSON.parse(require("fs").readFileSync(input.public + "/i18n/" + lang + ".json", "utf8"));
    out[lang] = input.cases.map((c) => formatWhen(c.Start, c.End, c.Zone, lang, cat));
  }
  process.stdout.write(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });`
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var page map[string][]string
	if err := json.Unmarshal(raw, &page); err != nil {
		t.Fatalf("node output %q: %v", raw, err)
	}
	for _, lang := range i18n.Supported {
		if len(page[lang]) != len(cases) {
			t.Fatalf("%s: the page wrote %d meetings, want %d", lang, len(page[lang]), len(cases))
		}
		for i, c := range cases {
			loc, err := time.LoadLocation(c.Zone)
			if err != nil {
				t.Fatal(err)
			}
			if got := When(c.Start, c.End, loc, lang); got != page[lang][i] {
				t.Errorf("%s, %s %s–%s:\n mail %q\n page %q", lang, c.Zone, c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339), got, page[lang][i])
			}
		}
	}
}
