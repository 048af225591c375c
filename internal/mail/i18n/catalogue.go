package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"strings"
)

//go:embed *.json
var files embed.FS

// catalogues maps a supported language to its messages, read once from the
// embedded files (a malformed file is a build mistake: the tests catch it).
var catalogues = func() map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, lang := range Supported {
		m, err := load(lang)
		if err != nil {
			panic(err)
		}
		out[lang] = m
	}
	return out
}()

// load reads the catalogue of lang. Keys starting with "_" are notes for
// translators, not messages.
func load(lang string) (map[string]string, error) {
	data, err := files.ReadFile(lang + ".json")
	if err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", lang, err)
	}
	var m map[string]string
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("i18n: catalogue %s: %w", lang, err)
	}
	for k := range m {
		if strings.HasPrefix(k, "_") {
			delete(m, k)
		}
	}
	return m, nil
}

// Keys are the keys of lang's catalogue (nil for an unsupported language).
func Keys(lang string) []string {
	var out []string
	for k := range catalogues[lang] {
		out = append(out, k)
	}
	return out
}

// Raw is key's message in lang as written in the catalogue, falling back
// to English; "" for a key English lacks.
func Raw(lang, key string) string {
	if s, ok := catalogues[lang][key]; ok {
		return s
	}
	return catalogues[Default][key]
}

// T is key's message in lang with its {placeholders} filled from vars,
// given as name, value pairs: T("de", "names.two", "a", "Ana", "b", "Bo").
// Values are inserted as they are, never scanned for placeholders again.
// An unknown key gives the key itself, so a mistake shows instead of
// vanishing.
func T(lang, key string, vars ...string) string {
	s := Raw(lang, key)
	if s == "" {
		return key
	}
	if len(vars) == 0 {
		return s
	}
	pairs := make([]string, 0, len(vars))
	for i := 0; i+1 < len(vars); i += 2 {
		pairs = append(pairs, "{"+vars[i]+"}", vars[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}
