package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	scenarios := []struct{ tag, fallback, want string }{
		{"en", "de", "en"}, {"en-GB", "de", "en"}, {"de", "en", "de"}, {"de-AT", "en", "de"}, {"de-CH", "en", "de"},
		{"fr-CA", "en", "fr"}, {"es-MX", "en", "es"}, {"es-419", "en", "es"},
		{"pt", "en", "pt-BR"}, {"pt-PT", "en", "pt-BR"}, {"pt-BR", "en", "pt-BR"},
		{"ja", "en", "ja"}, {"ja-JP", "en", "ja"},
		{"", "de", "de"}, {"zh", "de", "de"}, {"xx", "fr", "fr"}, {"not a tag", "ja", "ja"},
		{"zh", "", "en"}, {"zh", "klingon", "en"},
	}
	for _, sc := range scenarios {
		if got := Match(sc.tag, sc.fallback); got != sc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", sc.tag, sc.fallback, got, sc.want)
		}
	}
}

func TestCheck(t *testing.T) {
	for _, ok := range []string{"en", "pt-BR", "de-AT", "zh-Hant-TW", "es-419", "ja-JP-u-ca-japanese"} {
		if err := Check(ok); err != nil {
			t.Errorf("Check(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "not a tag", "e", "en_US_", "de-" + strings.Repeat("x", 40), "<script>"} {
		if err := Check(bad); err == nil {
			t.Errorf("Check(%q) accepted it", bad)
		}
	}
}

// TestCatalogues holds the catalogue files to their contract: every
// language has exactly English's keys with the same placeholders, and
// every English key is used by the code.
func TestCatalogues(t *testing.T) {
	en := catalogues[Default]
	if len(en) == 0 {
		t.Fatal("English catalogue is empty")
	}
	placeholder := regexp.MustCompile(`\{[A-Za-z]+\}`)
	set := func(s string) []string {
		out := placeholder.FindAllString(s, -1)
		slices.Sort(out)
		return slices.Compact(out)
	}
	for _, lang := range Supported {
		for key, msg := range catalogues[lang] {
			base, ok := en[key]
			if !ok {
				t.Errorf("%s.json: key %q is missing from en.json", lang, key)
				continue
			}
			if got, want := set(msg), set(base); !slices.Equal(got, want) {
				t.Errorf("%s.json: %q has placeholders %v, English has %v", lang, key, got, want)
			}
			if strings.TrimSpace(msg) == "" && strings.TrimSpace(base) != "" {
				t.Errorf("%s.json: %q is empty", lang, key)
			}
		}
		for key := range en {
			if _, ok := catalogues[lang][key]; !ok {
				t.Errorf("%s.json: no translation of %q (it would fall back to English)", lang, key)
			}
		}
	}

	var source strings.Builder
	for _, dir := range []string{"..", "../../booking", "../../../hooks"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no Go files in %s: %v", dir, err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			source.Write(data)
		}
	}
	for key := range en {
		if !strings.Contains(source.String(), `"`+key+`"`) {
			t.Errorf("en.json: key %q is used nowhere in internal/mail, internal/booking or hooks", key)
		}
	}
}

func TestFallback(t *testing.T) {
	saved := catalogues["de"]
	t.Cleanup(func() { catalogues["de"] = saved })
	catalogues["de"] = map[string]string{"label.when": "Wann"}
	if got := T("de", "label.when"); got != "Wann" {
		t.Errorf("translated key: %q", got)
	}
	if got := T("de", "label.what"); got != "What" {
		t.Errorf("missing key: %q, want the English text", got)
	}
	if got := T("xx", "label.what"); got != "What" {
		t.Errorf("unsupported language: %q, want English", got)
	}
	if got := T("en", "no.such.key"); got != "no.such.key" {
		t.Errorf("unknown key: %q, want the key itself", got)
	}
	if got := T("en", "names.last", "list", "{last}", "last", "Cy"); got != "{last} and Cy" {
		t.Errorf("values must not be scanned for placeholders: %q", got)
	}
}
