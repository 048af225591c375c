package ics_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/slotbase/slotbase/internal/ics"
)

func TestParse(t *testing.T) {
	crlf := func(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }
	scenarios := []struct {
		name string
		in   string
		want []ics.Property // nil: an ErrSyntax error is expected
	}{
		{"unfolds space and tab", crlf("BEGIN:VCALENDAR", "SUMMARY:ab", " cd", "\tef", "END:VCALENDAR"), []ics.Property{
			{Name: "BEGIN", Value: "VCALENDAR"},
			{Name: "SUMMARY", Value: "abcdef"},
			{Name: "END", Value: "VCALENDAR"},
		}},
		{"params quoted and not", crlf(`attendee;cn="Doe, Jane: PhD";Role=CHAIR:mailto:jane@x.test`), []ics.Property{
			{Name: "ATTENDEE", Params: map[string]string{"CN": "Doe, Jane: PhD", "ROLE": "CHAIR"}, Value: "mailto:jane@x.test"},
		}},
		{"colons in value", crlf("URL:https://x.test:8080/a"), []ics.Property{
			{Name: "URL", Value: "https://x.test:8080/a"},
		}},
		{"empty value", crlf("SUMMARY:"), []ics.Property{{Name: "SUMMARY"}}},
		{"empty input", "", nil},
		{"no final CRLF", "SUMMARY:x", nil},
		{"bare LF", "SUMMARY:x\nUID:y\r\n", nil},
		{"bare CR", "SUMMARY:x\rUID:y\r\n", nil},
		{"empty line", crlf("SUMMARY:x", "", "UID:y"), nil},
		{"leading continuation", crlf(" x"), nil},
		{"control character", crlf("SUMMARY:a\x00b"), nil},
		{"invalid UTF-8", crlf("SUMMARY:\xff"), nil},
		{"no colon", crlf("SUMMARY"), nil},
		{"no name", crlf(":x"), nil},
		{"bad name", crlf("SUM MARY:x"), nil},
		{"param without =", crlf("ATTENDEE;CN:x"), nil},
		{"unterminated quote", crlf(`ATTENDEE;CN="x:y`), nil},
		{"quote inside value", crlf(`ATTENDEE;CN=a"b":x`), nil},
		{"junk after quote", crlf(`ATTENDEE;CN="a"b:x`), nil},
		{"repeated param", crlf("ATTENDEE;CN=a;CN=b:x"), nil},
		{"unbalanced END", crlf("BEGIN:VCALENDAR", "END:VEVENT"), nil},
		{"missing END", crlf("BEGIN:VCALENDAR", "BEGIN:VEVENT", "END:VEVENT"), nil},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, err := ics.Parse(strings.NewReader(s.in))
			if s.want == nil {
				if !errors.Is(err, ics.ErrSyntax) {
					t.Fatalf("Parse = %v, %v; want ErrSyntax", got, err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, s.want) {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, s.want)
			}
		})
	}
}

func TestPropertyText(t *testing.T) {
	scenarios := []struct {
		raw, want string
		ok        bool
	}{
		{`plain: text "quoted"`, `plain: text "quoted"`, true},
		{`a\,b\;c\\d\ne\Nf`, "a,b;c\\d\ne\nf", true},
		{`\\n`, `\n`, true},
		{`é 李 😀`, `é 李 😀`, true},
		{`a,b`, "", false},
		{`a;b`, "", false},
		{`trailing\`, "", false},
		{`bad\x`, "", false},
		{`bad\:`, "", false},
	}
	for _, s := range scenarios {
		t.Run(s.raw, func(t *testing.T) {
			got, err := ics.Property{Name: "SUMMARY", Value: s.raw}.Text()
			if s.ok && (err != nil || got != s.want) || !s.ok && !errors.Is(err, ics.ErrSyntax) {
				t.Errorf("Text(%q) = %q, %v; want %q (ok %v)", s.raw, got, err, s.want, s.ok)
			}
		})
	}
}

// FuzzParse checks that Parse and Text never panic and that every property
// Parse returns has an upper-case name.
func FuzzParse(f *testing.F) {
	f.Add("BEGIN:VCALENDAR\r\nATTENDEE;CN=\"a, b\":mailto:a@b\r\n x\r\nEND:VCALENDAR\r\n")
	f.Add("SUMMARY:a\\,b\\nc\r\n")
	f.Fuzz(func(t *testing.T, in string) {
		props, err := ics.Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range props {
			if p.Name == "" || p.Name != strings.ToUpper(p.Name) {
				t.Fatalf("name %q", p.Name)
			}
			_, _ = p.Text()
		}
	})
}
