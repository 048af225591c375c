package ics

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func fold(s string) string {
	var w contentWriter
	w.line(s)
	return w.buf.String()
}

func TestFold(t *testing.T) {
	a := strings.Repeat
	scenarios := []struct {
		name string
		in   string
		want []string // physical lines; nil: only check the invariants
	}{
		{"short", "SUMMARY:hi", []string{"SUMMARY:hi"}},
		{"exactly 75", a("a", 75), []string{a("a", 75)}},
		{"76 ascii", a("a", 76), []string{a("a", 75), " a"}},
		{"75+74+1 ascii", a("a", 150), []string{a("a", 75), " " + a("a", 74), " a"}},
		{"é across 75", a("a", 74) + "é" + "b", []string{a("a", 74), " éb"}},
		{"é ends at 75", a("a", 73) + "é" + "b", []string{a("a", 73) + "é", " b"}},
		{"李 across 75 (1 byte in)", a("a", 74) + "李", []string{a("a", 74), " 李"}},
		{"李 across 75 (2 bytes in)", a("a", 73) + "李", []string{a("a", 73), " 李"}},
		{"李 ends at 75", a("a", 72) + "李x", []string{a("a", 72) + "李", " x"}},
		{"emoji 1 byte in", a("a", 74) + "😀", []string{a("a", 74), " 😀"}},
		{"emoji 2 bytes in", a("a", 73) + "😀", []string{a("a", 73), " 😀"}},
		{"emoji 3 bytes in", a("a", 72) + "😀", []string{a("a", 72), " 😀"}},
		{"emoji ends at 75", a("a", 71) + "😀x", []string{a("a", 71) + "😀", " x"}},
		{"continuation boundary", a("a", 75) + a("b", 73) + "é", []string{a("a", 75), " " + a("b", 73), " é"}},
		{"all é", a("é", 200), nil},
		{"all 李", a("李", 200), nil},
		{"all emoji", a("😀", 200), nil},
		{"mixed", a("aé李😀", 60), nil},
		{"escaped text", "DESCRIPTION:" + escapeText(a("x,y;z\\w\né ", 40)), nil},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			out := fold(s.in)
			if !strings.HasSuffix(out, "\r\n") {
				t.Fatalf("no final CRLF: %q", out)
			}
			phys := strings.Split(strings.TrimSuffix(out, "\r\n"), "\r\n")
			var unfolded strings.Builder
			for i, p := range phys {
				if len(p) > maxLine || !utf8.ValidString(p) || strings.ContainsAny(p, "\r\n") {
					t.Fatalf("line %d bad (%d octets): %q", i+1, len(p), p)
				}
				if i > 0 {
					if p[0] != ' ' || len(p) < 2 {
						t.Fatalf("continuation %d = %q", i+1, p)
					}
					p = p[1:]
				}
				if i < len(phys)-1 && len(phys[i]) <= maxLine-utf8.UTFMax {
					t.Errorf("line %d folded early at %d octets", i+1, len(phys[i]))
				}
				unfolded.WriteString(p)
			}
			if unfolded.String() != s.in {
				t.Errorf("unfolds to %q, want %q", unfolded.String(), s.in)
			}
			if s.want != nil && out != strings.Join(s.want, "\r\n")+"\r\n" {
				t.Errorf("got %q\nwant %q", phys, s.want)
			}
		})
	}
}

func TestEscapeText(t *testing.T) {
	scenarios := []struct{ in, want string }{
		{"plain text: with colon", "plain text: with colon"},
		{"a,b", `a\,b`},
		{"a;b", `a\;b`},
		{`a\b`, `a\\b`},
		{`literal \n stays`, `literal \\n stays`},
		{`\,;`, `\\\,\;`},
		{"a\nb", `a\nb`},
		{"a\r\nb", `a\nb`},
		{"a\rb", `a\nb`},
		{"\n\r", `\n\n`},
		{"\r\n\r\n", `\n\n`},
		{"x\r\nATTENDEE:mailto:evil@x", `x\nATTENDEE:mailto:evil@x`},
		{"x\r\n END:VEVENT", `x\n END:VEVENT`},
		{"tab\tkept", "tab\tkept"},
		{"nul\x00bel\x07esc\x1bdel\x7fnel\u0085", "nulbelescdelnel"},
		{`"quotes" stay`, `"quotes" stay`},
		{"bad \xff\xfe utf8", "bad \uFFFD utf8"},
		{"é 李 😀", "é 李 😀"},
		{"", ""},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := escapeText(s.in); got != s.want {
				t.Errorf("escapeText(%q) = %q, want %q", s.in, got, s.want)
			}
		})
	}
}

func TestParamValue(t *testing.T) {
	scenarios := []struct{ in, want string }{
		{"Ana Host", "Ana Host"},
		{"Zoë 李", "Zoë 李"},
		{"O'Neil, Jr.", `"O'Neil, Jr."`},
		{"a;b", `"a;b"`},
		{"a:b", `"a:b"`},
		{`Bob "Bobby" Jones`, "Bob Bobby Jones"},
		{`x";X-EVIL=1:mailto:evil@x`, `"x;X-EVIL=1:mailto:evil@x"`},
		{"Eve\r\nATTENDEE:mailto:evil@x", `"Eve ATTENDEE:mailto:evil@x"`},
		{"Eve\nMallory\rTrent\tX", "Eve Mallory Trent X"},
		{"bel\x07\x00", "bel"},
		{` "" `, ""},
		{"", ""},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			if got := paramValue(s.in); got != s.want {
				t.Errorf("paramValue(%q) = %q, want %q", s.in, got, s.want)
			}
		})
	}
}

func TestMailto(t *testing.T) {
	scenarios := []struct{ in, want string }{ // want "" means refused
		{"bob@example.com", "mailto:bob@example.com"},
		{"Bob.Smith+tag@Example.COM", "mailto:Bob.Smith+tag@Example.COM"},
		{"o'neil@example.ie", "mailto:o'neil@example.ie"},
		{"a&b/c?d#e%f@x.test", "mailto:a%26b%2Fc%3Fd%23e%25f@x.test"},
		{"ü@exämple.de", "mailto:%C3%BC@ex%C3%A4mple.de"},
		{"", ""}, {"bob", ""}, {"@x.test", ""}, {"bob@", ""}, {"a@b@c", ""},
		{"a b@x.test", ""}, {"bob@x.test\r\nX-EVIL:1", ""}, {"bob@x.test\n", ""},
		{`"a"@x.test`, ""}, {"<a@x.test>", ""}, {"a@[127.0.0.1]", ""},
		{"a,b@x.test", ""}, {"a;b@x.test", ""}, {"a:b@x.test", ""}, {"\xff@x.test", ""},
	}
	for _, s := range scenarios {
		t.Run(s.in, func(t *testing.T) {
			got, ok := mailto(s.in)
			if got != s.want || ok != (s.want != "") {
				t.Errorf("mailto(%q) = %q, %v; want %q", s.in, got, ok, s.want)
			}
		})
	}
}

func TestFormatTrigger(t *testing.T) {
	scenarios := []struct {
		in   time.Duration
		want string
	}{
		{time.Second, "-PT1S"},
		{45 * time.Second, "-PT45S"},
		{15 * time.Minute, "-PT15M"},
		{time.Hour, "-PT1H"},
		{90 * time.Minute, "-PT1H30M"},
		{time.Hour + 5*time.Second, "-PT1H0M5S"},
		{24 * time.Hour, "-P1D"},
		{26 * time.Hour, "-P1DT2H"},
		{24*time.Hour + 30*time.Second, "-P1DT30S"},
		{7 * 24 * time.Hour, "-P7D"},
	}
	for _, s := range scenarios {
		if got := formatTrigger(s.in); got != s.want {
			t.Errorf("formatTrigger(%s) = %q, want %q", s.in, got, s.want)
		}
	}
}
