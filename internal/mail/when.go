package mail

import (
	"strings"
	"time"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/es"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/ja"
	"github.com/go-playground/locales/pt_BR"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// cldr holds the CLDR date and time formats of each supported language
// (github.com/go-playground/locales, generated from CLDR).
var cldr = map[string]locales.Translator{
	"en": en.New(), "de": de.New(), "fr": fr.New(), "es": es.New(), "pt-BR": pt_BR.New(), "ja": ja.New(),
}

// When writes a meeting's time span in loc and language lang the way the
// booking page writes it with the browser's Intl (dateStyle "full",
// timeStyle "short"): "Friday, December 4, 2026, 5:00 PM–5:45 PM
// (America/Los_Angeles, UTC-08:00)". A span ending on another local day
// names both days; an offset change during the meeting shows both offsets
// ("America/New_York, UTC-04:00/-05:00"); the zone UTC is just "UTC". A nil
// loc means UTC; an unsupported lang means English. A pure function of its
// arguments.
func When(start, end time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	lang = i18n.Match(lang, i18n.Default)
	s, e := start.In(loc), end.In(loc)
	key := "when.sameDay"
	if !sameDay(s, e) {
		key = "when.twoDays"
	}
	return spaces(i18n.T(lang, key, "date", fullDate(s, lang), "start", shortTime(s, lang),
		"endDate", fullDate(e, lang), "end", shortTime(e, lang), "zone", zoneLabel(s, e, loc)))
}

// ShortWhen is the start alone, short enough for a subject line: CLDR's
// medium date and short time in lang, and the offset, e.g.
// "Dec 4, 2026, 5:00 PM (UTC-08:00)".
func ShortWhen(start time.Time, loc *time.Location, lang string) string {
	if loc == nil {
		loc = time.UTC
	}
	lang = i18n.Match(lang, i18n.Default)
	s := start.In(loc)
	zone := "UTC"
	if name := loc.String(); name != "UTC" && name != "" {
		zone += s.Format("-07:00")
	}
	return spaces(i18n.T(lang, "when.short", "date", cldr[lang].FmtDateMedium(s), "start", shortTime(s, lang), "zone", zone))
}

// fullDate is CLDR's "full" date of t in lang.
func fullDate(t time.Time, lang string) string { return cldr[lang].FmtDateFull(t) }

// shortTime is CLDR's "short" time of t in lang. English is the one
// exception: go-playground/locales v0.14.2 carries "am"/"pm" as English's
// abbreviated day periods where CLDR (and every browser's Intl) has
// "AM"/"PM", so English uses Go's own 12-hour clock, whose markers are
// exactly those ("5:00 PM", the pattern CLDR gives: "h:mm a").
func shortTime(t time.Time, lang string) string {
	if lang == "en" {
		return t.Format("3:04 PM")
	}
	return cldr[lang].FmtTimeShort(t)
}

// zoneLabel is "Europe/London, UTC+00:00" (the zone id as is and the
// start's offset), or just "UTC"; when a meeting crosses an offset change
// the end's offset follows ("America/New_York, UTC-04:00/-05:00").
func zoneLabel(s, e time.Time, loc *time.Location) string {
	name := loc.String()
	if name == "UTC" || name == "" {
		return "UTC"
	}
	label := name + ", UTC" + s.Format("-07:00")
	if so, eo := s.Format("-07:00"), e.Format("-07:00"); so != eo {
		label += "/" + eo
	}
	return label
}

// spaces turns the narrow and ordinary no-break spaces CLDR puts in dates
// and times into plain spaces, as the booking page does.
func spaces(s string) string {
	return strings.NewReplacer("\u202f", " ", "\u00a0", " ").Replace(s)
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
