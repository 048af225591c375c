package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// pageLanguage is what the booking page must show to a browser set to one
// language: texts a person wrote (not read from the catalogues), and how
// dates are written there.
type pageLanguage struct {
	browser    string // the browser's language (navigator.languages, Accept-Language)
	tag        string // the page's language, <html lang>
	pick, zone string // the "Choose a day and time" heading and the zone picker's label
	weekdays   [7]string
	firstDay   time.Weekday
	month      func(time.Time) string // the month heading
	day        func(time.Time) string // the day's times heading
	clock      func(time.Time) string // a time button (the locale's 12/24 h)
	search     string                 // typed into the zone picker
	finds      string                 // the zone that search offers first
}

var (
	deMonths = [...]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
	ptMonths = [...]string{"janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}

	languagesShown = []pageLanguage{
		{
			browser: "de-DE", tag: "de", pick: "Tag und Uhrzeit wählen", zone: "Zeitzone",
			weekdays: [7]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}, firstDay: time.Monday,
			month: func(d time.Time) string { return fmt.Sprintf("%s %d", deMonths[d.Month()-1], d.Year()) },
			day: func(d time.Time) string {
				return fmt.Sprintf("%s, %d. %s", [...]string{"Sonntag", "Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag"}[d.Weekday()], d.Day(), deMonths[d.Month()-1])
			},
			clock:  func(t time.Time) string { return t.Format("15:04") },
			search: "Deutschland", finds: "Europe/Berlin",
		},
		{
			browser: "ja-JP", tag: "ja", pick: "日時を選択", zone: "タイムゾーン",
			weekdays: [7]string{"日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"}, firstDay: time.Sunday,
			month: func(d time.Time) string { return fmt.Sprintf("%d年%d月", d.Year(), d.Month()) },
			day: func(d time.Time) string {
				return fmt.Sprintf("%d月%d日%s", d.Month(), d.Day(), [...]string{"日曜日", "月曜日", "火曜日", "水曜日", "木曜日", "金曜日", "土曜日"}[d.Weekday()])
			},
			clock:  func(t time.Time) string { return t.Format("15:04") },
			search: "東京", finds: "Asia/Tokyo",
		},
		{
			browser: "pt-BR", tag: "pt-BR", pick: "Escolha um dia e um horário", zone: "Fuso horário",
			weekdays: [7]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"}, firstDay: time.Sunday,
			month: func(d time.Time) string { return fmt.Sprintf("%s de %d", ptMonths[d.Month()-1], d.Year()) },
			day: func(d time.Time) string {
				return fmt.Sprintf("%s, %d de %s", [...]string{"domingo", "segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "sábado"}[d.Weekday()], d.Day(), ptMonths[d.Month()-1])
			},
			clock:  func(t time.Time) string { return t.Format("15:04") },
			search: "horário de Brasília", finds: "America/Sao_Paulo",
		},
	}
)

// speak sets the browser's languages (navigator.languages, Accept-Language
// and Intl's default locale) to lang, as a browser installed in it.
func (b *browser) speak(lang string) {
	b.t.Helper()
	ua := b.text(`navigator.userAgent`)
	accept := lang + "," + strings.Split(lang, "-")[0] + ";q=0.9"
	b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: ua, AcceptLanguage: accept}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: strings.ReplaceAll(lang, "-", "_")})
		return err
	}))
}

// TestPageInBrowserLanguages opens the booking page from browsers in
// German, Japanese and Brazilian Portuguese: translated labels, weekdays
// and months in that language, the week starting where that country starts
// it, times in the locale's clock, and a zone search in that language.
// Desktop and phone screenshots go to testdata/artifacts/i18n/.
func TestPageInBrowserLanguages(t *testing.T) {
	srv := startIntro(t)
	berlin, _ := time.LoadLocation("Europe/Berlin")
	shots := artifactDir(t, "i18n")
	for _, lang := range languagesShown {
		t.Run(lang.tag, func(t *testing.T) {
			b := newBrowser(t, "Europe/Berlin", desktop)
			b.do(chromedp.Navigate("about:blank"))
			b.speak(lang.browser)
			b.do(chromedp.Navigate(srv.URL + "/intro"))
			b.waitFor("the times", `document.querySelector(".slot")`)
			if got := b.text(`document.documentElement.lang + " " + document.documentElement.dir + " " + navigator.languages[0]`); got != lang.tag+" ltr "+lang.browser {
				t.Fatalf("<html lang dir> and navigator.languages[0]: %q, want %q", got, lang.tag+" ltr "+lang.browser)
			}
			if got := b.text(`document.querySelector("#pick-h").textContent + "|" + document.querySelector(".tz label").textContent`); got != lang.pick+"|"+lang.zone {
				t.Fatalf("headings %q, want %q", got, lang.pick+"|"+lang.zone)
			}
			var heads []string
			b.eval(`[...document.querySelectorAll("table[role=grid] th")].map(th => th.getAttribute("abbr"))`, &heads)
			var want []string
			for i := range 7 {
				want = append(want, lang.weekdays[(int(lang.firstDay)+i)%7])
			}
			if strings.Join(heads, " ") != strings.Join(want, " ") {
				t.Fatalf("calendar weekdays %v, want %v", heads, want)
			}
			now := time.Now().In(berlin)
			month := b.text(`document.querySelector(".month").textContent`)
			this, next := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, berlin), time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, berlin)
			if month != lang.month(this) && month != lang.month(next) {
				t.Fatalf("month heading %q, want %q or %q", month, lang.month(this), lang.month(next))
			}
			var first struct{ Start, Label, Day, Date string }
			b.eval(`(() => { const s = document.querySelector(".slot"), d = document.querySelector('td[aria-selected="true"] button');
				return {Start: s.dataset.start, Label: s.textContent, Day: document.querySelector(".times-h").textContent, Date: d.dataset.date}; })()`, &first)
			start := mustTime(t, first.Start).In(berlin)
			if norm(first.Label) != lang.clock(start) || first.Day != lang.day(mustDate(t, first.Date)) {
				t.Fatalf("first time %q on %q, want %q on %q", first.Label, first.Day, lang.clock(start), lang.day(mustDate(t, first.Date)))
			}
			b.screenshot(shots, lang.tag+"-desktop")
			b.axe(lang.tag + " booking page")

			// The zone search in the page's language.
			b.do(chromedp.SendKeys(chromedp.CSS(".tz-input"), lang.search))
			b.waitFor("zone results", `document.querySelector(".tz-list li")`)
			if got := b.text(`document.querySelector(".tz-list li").textContent`); !strings.Contains(got, lang.finds) {
				t.Fatalf("zone search %q first offers %q, want %s", lang.search, got, lang.finds)
			}
			if got := b.text(`document.querySelector(".tz-input").getAttribute("aria-expanded")`); got != "true" {
				t.Fatalf("combobox aria-expanded %q with results shown", got)
			}
			b.screenshot(shots, lang.tag+"-zone-search")
			b.axe(lang.tag + " zone search")
			b.key(kb.ArrowDown, kb.Enter)
			b.waitFor(lang.finds+" chosen", `document.querySelector(".tz-input").value === `+jsString(lang.finds)+` && document.querySelector(".tz-list").hidden`)
			b.checkConsole()
		})
	}
}

// TestZonePickerAboveTimesOnPhone checks that a phone shows the zone
// picker before the calendar and the times (issue 16: it sat ~1,100 px
// down, below the times).
func TestZonePickerAboveTimesOnPhone(t *testing.T) {
	srv := startIntro(t)
	shots := artifactDir(t, "i18n")
	for _, lang := range []string{"de-DE", "ja-JP"} {
		b := newBrowser(t, "Europe/Berlin", viewport{name: "phone", width: 390, height: 844, mobile: true})
		b.do(chromedp.Navigate("about:blank"))
		b.speak(lang)
		b.do(chromedp.Navigate(srv.URL + "/intro"))
		b.waitFor("the times", `document.querySelector(".slot")`)
		var pos struct{ Zone, Grid, Slot, Height float64 }
		b.eval(`(() => { const top = (s) => document.querySelector(s).getBoundingClientRect().top + scrollY;
			return {Zone: top(".tz-input"), Grid: top("table[role=grid]"), Slot: top(".slot"), Height: innerHeight}; })()`, &pos)
		if pos.Zone >= pos.Grid || pos.Zone >= pos.Slot {
			t.Errorf("%s: zone picker at %.0f px, calendar at %.0f px, first time at %.0f px: want the picker first", lang, pos.Zone, pos.Grid, pos.Slot)
		}
		b.screenshot(shots, strings.Split(lang, "-")[0]+"-phone")
		b.checkConsole()
	}
}

// jaTranslations are the event type's Japanese texts (event_types.translations).
const jaTranslations = `{"ja": {"title": "はじめてのご相談", "description": "ご用件を伺う30分の通話です。",
	"questions": {"topic": {"label": "ご用件", "options": ["ご請求", "サポート", "その他"]}}}}`

// TestBookingInJapanese books from a ja-JP browser in Tokyo: the page shows
// the event type's Japanese title and question (its options' Japanese
// labels), the booking request carries language "ja" and the canonical
// option value, the booking keeps "ja", the confirmation and the manage
// page write the meeting in Japanese exactly as the confirmation e-mail
// does (through a real SMTP server), and the e-mail's invite parses.
func TestBookingInJapanese(t *testing.T) {
	sink := testenv.StartSMTPSink(t, testenv.FreePort(t))
	dir := t.TempDir()
	prepare(t, dir, "slotbase demo", "#2554c7", func(s *seeder) {
		s.smtp(sink.Port)
		host := s.host("Demo Host", "Europe/Berlin", weekdays9to5)
		s.eventType("intro", "First consultation", host, map[string]any{c.EventTypesQuestions: `[
			{"id":"topic","label":"What is it about?","type":"select","required":true,"options":["Billing","Support","Something else"]}]`,
			c.EventTypesTranslations: jaTranslations})
	})
	srv := startServer(t, dir)
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	b := newBrowser(t, "Asia/Tokyo", desktop)
	var mu sync.Mutex
	var bodies []string
	if err := chromedp.Listen(b.ctx, func(ev any) {
		if ev, ok := ev.(*network.EventRequestWillBeSent); ok && ev.Request.Method == "POST" && strings.HasSuffix(ev.Request.URL, "/api/bookings") {
			var body strings.Builder
			for _, e := range ev.Request.PostDataEntries {
				body.Write(e.Bytes)
			}
			mu.Lock()
			bodies = append(bodies, body.String())
			mu.Unlock()
		}
	}); err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.Navigate("about:blank"))
	b.speak("ja-JP")
	b.do(chromedp.Navigate(srv.URL + "/intro"))
	b.waitFor("the times", `document.querySelector(".slot")`)
	if got := b.text(`document.querySelector(".info h1").textContent + "|" + document.querySelector(".info .desc").textContent`); got != "はじめてのご相談|ご用件を伺う30分の通話です。" {
		t.Fatalf("event type shown as %q, want its Japanese title and description", got)
	}
	start := b.text(`document.querySelector(".slot").dataset.start`)
	b.do(chromedp.Click(chromedp.CSS(".slot")))
	b.waitFor("the form", `document.activeElement.id === "form-h"`)
	if got := b.text(`document.querySelector("#form-h").textContent + "|" + document.querySelector("label[for=f-name]").textContent`); got != "お客様情報|お名前 *" {
		t.Fatalf("form texts %q", got)
	}
	var topic []string
	b.eval(`[document.querySelector("label[for=f-answers-topic]").textContent,
		...[...document.querySelectorAll("#f-answers-topic option")].map(o => o.value + "=" + o.textContent)]`, &topic)
	if want := "ご用件 *|=選択してください|Billing=ご請求|Support=サポート|Something else=その他"; strings.Join(topic, "|") != want {
		t.Fatalf("question shown as %q, want %q", strings.Join(topic, "|"), want)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#f-name"), "山田 花子"), chromedp.SendKeys(chromedp.CSS("#f-email"), "hanako@example.com"),
		chromedp.SetValue(chromedp.CSS("#f-answers-topic"), "Support"),
		chromedp.Click(chromedp.CSS("form button[type=submit]")))
	b.waitFor("the confirmation", `document.activeElement.id === "done-h"`)

	mu.Lock()
	sent := append([]string(nil), bodies...)
	mu.Unlock()
	if len(sent) != 1 {
		t.Fatalf("%d booking requests seen, want 1", len(sent))
	}
	var body struct {
		Language, Timezone, Name string
		Answers                  map[string]any
	}
	if err := json.Unmarshal([]byte(sent[0]), &body); err != nil {
		t.Fatalf("booking request %q: %v", sent[0], err)
	}
	if body.Language != "ja" || body.Timezone != "Asia/Tokyo" || body.Name != "山田 花子" || body.Answers["topic"] != "Support" {
		t.Fatalf("booking request sent %+v, want language ja, zone Asia/Tokyo, topic Support (the option's value, not its label)", body)
	}
	if n := len(findRecords(t, dir, c.Bookings, "email = 'hanako@example.com' && language = 'ja'", nil)); n != 1 {
		t.Fatalf("%d bookings stored with language ja, want 1", n)
	}

	// 2026年3月2日月曜日 10:00～10:30（Asia/Tokyo, UTC+09:00）, written here by hand.
	s := mustTime(t, start).In(tokyo)
	e := s.Add(30 * time.Minute)
	weekday := [...]string{"日", "月", "火", "水", "木", "金", "土"}[s.Weekday()]
	when := fmt.Sprintf("%d年%d月%d日%s曜日 %d:%02d～%d:%02d（Asia/Tokyo, UTC+09:00）", s.Year(), s.Month(), s.Day(), weekday, s.Hour(), s.Minute(), e.Hour(), e.Minute())
	if got := b.text(`document.querySelector("#done-h").textContent`); got != "予約が完了しました" {
		t.Fatalf("confirmation heading %q", got)
	}
	if got := b.text(`document.querySelectorAll(".summary dd")[1].textContent`); got != when {
		t.Fatalf("confirmation writes the meeting %q, want %q", got, when)
	}
	b.screenshot(artifactDir(t, "i18n"), "ja-confirmed")
	b.axe("ja confirmation")

	// The confirmation e-mail says the same, in Japanese, and its invite parses.
	m := sinkMessage(t, sink, "the confirmation to hanako@example.com", func(m testenv.SinkMessage) bool {
		return len(m.RcptTos) == 1 && m.RcptTos[0] == "hanako@example.com"
	})
	if !strings.HasPrefix(m.Msg.Subject, "予約確定：Demo Hostとのはじめてのご相談、") {
		t.Errorf("subject %q, want the Japanese confirmation", m.Msg.Subject)
	}
	for _, want := range []string{"ご予約が確定しました", "日時：" + when, "内容：はじめてのご相談", "ご用件：サポート"} {
		if !strings.Contains(m.Msg.Text(), want) {
			t.Errorf("the mail lacks %q:\n%s", want, m.Msg.Text())
		}
	}
	if cal := m.Msg.Part("text/calendar"); cal == nil {
		t.Errorf("no invite in %s", m.Msg.Structure)
	} else if summary := inviteSummary(t, cal.Body); summary != "はじめてのご相談（Demo Host）" {
		t.Errorf("invite SUMMARY %q, want はじめてのご相談（Demo Host）", summary)
	}

	// The manage page in Japanese too.
	b.do(chromedp.Click(chromedp.CSS("#manage-link")))
	b.waitFor("the manage page", `document.querySelector("#manage-h") && document.querySelector(".summary")`)
	if got := b.text(`document.querySelector("#manage-h").textContent + "|" + document.querySelectorAll(".summary dd")[1].textContent`); got != "ご予約|"+when {
		t.Fatalf("manage page %q, want ご予約|%s", got, when)
	}
	b.checkConsole()

	// An English browser opening the link sees the booking's language
	// (the manage answer's "language").
	link := b.text(`location.href`)
	en := newBrowser(t, "Asia/Tokyo", desktop)
	en.do(chromedp.Navigate(link))
	en.waitFor("the manage page", `document.querySelector("#manage-h") && document.querySelector(".summary")`)
	if got := en.text(`navigator.language + "|" + document.documentElement.lang + "|" + document.querySelector("#manage-h").textContent`); got != "en-US|ja|ご予約" {
		t.Fatalf("manage page in an English browser: %q, want en-US|ja|ご予約 (the booking's language)", got)
	}
	en.checkConsole()
}

// TestLanguageSwitcher changes the language with the page's switcher
// (remembered) and with ?lang= (not remembered).
func TestLanguageSwitcher(t *testing.T) {
	srv := startIntro(t)
	b := newBrowser(t, "Europe/Berlin", desktop)
	b.do(chromedp.Navigate("about:blank"))
	b.speak("de-DE")
	b.do(chromedp.Navigate(srv.URL + "/intro"))
	b.waitFor("the German page", `document.querySelector(".slot") && document.documentElement.lang === "de"`)
	if got := b.text(`document.querySelector("label[for=lang]").textContent + "|" + document.querySelector("#lang").value`); got != "Sprache|de" {
		t.Fatalf("switcher %q, want Sprache|de", got)
	}
	b.do(chromedp.Focus(chromedp.CSS("#lang")))
	b.eval(`(() => { const s = document.querySelector("#lang"); s.value = "fr"; setTimeout(() => s.dispatchEvent(new Event("change")), 0); return true; })()`, nil)
	b.waitThroughLoad("the French page", `document.documentElement.lang === "fr" && document.querySelector("#pick-h")`)
	if got := b.text(`document.querySelector("#pick-h").textContent`); got != "Choisissez un jour et une heure" {
		t.Fatalf("French heading %q", got)
	}
	b.do(chromedp.Reload())
	b.waitFor("French after a reload", `document.documentElement.lang === "fr" && document.querySelector("#pick-h")`)
	b.do(chromedp.Navigate(srv.URL + "/intro?lang=es"))
	b.waitFor("the Spanish page", `document.documentElement.lang === "es" && document.querySelector("#pick-h")`)
	if got := b.text(`document.querySelector("#pick-h").textContent + "|" + localStorage.getItem("slotbase.lang")`); got != "Elija un día y una hora|fr" {
		t.Fatalf("?lang=es shows %q, want the Spanish heading with fr still remembered", got)
	}
	b.checkConsole()
}

// waitThroughLoad polls a JavaScript condition across a navigation the page
// starts itself: evaluation errors while the old document goes away count
// as "not yet".
func (b *browser) waitThroughLoad(what, js string) {
	b.t.Helper()
	var last error
	for deadline := time.Now().Add(stepBound); time.Now().Before(deadline); time.Sleep(25 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(b.ctx, stepBound)
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool]("!!(document.documentElement && ("+js+"))"))
		cancel()
		if err == nil && ok {
			return
		}
		last = err
	}
	b.t.Fatalf("timed out waiting for %s (%s): %v", what, js, last)
}
