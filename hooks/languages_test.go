package hooks

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// setSettings saves values on the settings record.
func setSettings(t *testing.T, app core.App, values map[string]any) {
	t.Helper()
	st, err := c.FindSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		st.Set(k, v)
	}
	if err := app.Save(st); err != nil {
		t.Fatal(err)
	}
}

// TestBookingLanguage: a booking keeps the supported language closest to
// the one sent (the organisation's for none or an unrelated one), refuses
// malformed tags with a field error, and shows it to its invitee.
func TestBookingLanguage(t *testing.T) {
	app, _ := bookingApp(t, nil)
	setSettings(t, app, map[string]any{c.SettingsDefaultLanguage: "fr"})
	url := serveHTTP(t, app)
	scenarios := []struct {
		start, language string
		code            int
		want            string
	}{
		{"2026-03-03T10:00:00Z", "", http.StatusCreated, "fr"},
		{"2026-03-03T10:30:00Z", "pt-PT", http.StatusCreated, "pt-BR"},
		{"2026-03-03T11:00:00Z", "de-AT", http.StatusCreated, "de"},
		{"2026-03-03T11:30:00Z", "ja-JP", http.StatusCreated, "ja"},
		{"2026-03-03T12:00:00Z", "zh-Hant", http.StatusCreated, "fr"},
		{"2026-03-03T12:30:00Z", "not a tag", http.StatusBadRequest, ""},
		{"2026-03-03T13:00:00Z", "de-" + strings.Repeat("x", 33), http.StatusBadRequest, ""},
	}
	for _, sc := range scenarios {
		t.Run(sc.language, func(t *testing.T) {
			code, body := postJSON(t, http.DefaultClient, url+"/api/bookings", map[string]any{
				"event_type": "call", "start": sc.start, "name": "Bob", "email": "bob@example.com",
				"timezone": "Europe/London", "language": sc.language,
			}, nil)
			if code != sc.code {
				t.Fatalf("%d %v, want %d", code, body, sc.code)
			}
			if code != http.StatusCreated {
				data, _ := body["data"].(map[string]any)
				if _, ok := data["language"]; !ok || len(data) != 1 {
					t.Errorf("errors %v, want one on language", body)
				}
				return
			}
			r, err := app.FindRecordById(c.Bookings, body["id"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if got := r.GetString(c.BookingsLanguage); got != sc.want {
				t.Errorf("stored %q, want %q", got, sc.want)
			}
			var manage map[string]any
			if getJSON(t, url+"/api/bookings/manage/"+body["manage_token"].(string), &manage); manage["language"] != sc.want {
				t.Errorf("manage GET language %v, want %q", manage["language"], sc.want)
			}
		})
	}
}

// TestEmailLanguages: the invitee's mails and invite are in the booking's
// language with the admin's translated texts, the host's in the host's
// language, and the sender is the organisation.
func TestEmailLanguages(t *testing.T) {
	port := testenv.FreePort(t)
	sink := testenv.StartSMTPSink(t, port)
	env := newEmailEnv(t, port, map[string]any{
		c.EventTypesQuestions: `[{"id":"topic","label":"Topic","type":"select","options":["Pricing","Support"]}]`,
		c.EventTypesTranslations: `{"de": {"title": "Beratungsgespräch", "questions": {"topic": {"label": "Thema", "options": ["Preise", "Support"]}}},
			"ja": {"title": "相談"}}`,
	})
	setSettings(t, env.app, map[string]any{
		c.SettingsEmailFrom:    "",
		c.SettingsTranslations: `{"de": {"email_intro": "Danke für Ihre Buchung bei Acme.", "org_name": "Acme Praxis"}}`,
	})
	host, err := env.app.FindRecordById(c.Hosts, env.host)
	if err != nil {
		t.Fatal(err)
	}
	host.Set(c.HostsLanguage, "ja")
	if err := env.app.Save(host); err != nil {
		t.Fatal(err)
	}
	code, body := postJSON(t, http.DefaultClient, env.url+"/api/bookings", map[string]any{
		"event_type": "call", "start": "2026-03-03T10:00:00Z", "name": "Bob", "email": "bob@example.com",
		"timezone": "Europe/Berlin", "language": "de-DE", "answers": map[string]any{"topic": "Pricing"},
	}, nil)
	if code != http.StatusCreated {
		t.Fatalf("%d %v", code, body)
	}
	env.drain(t)
	got := sink.Messages(t)
	invitee, hostMail := byRecipient(t, got, "bob@example.com"), byRecipient(t, got, "alice@example.com")
	for _, m := range got {
		if m.Msg.From.Name != "Acme Clinic" || m.Msg.From.Address != "bookings@acme.test" {
			t.Errorf("From %v, want the organisation's name at the sender address", m.Msg.From)
		}
	}
	expectMail(t, invitee.Msg, "Bestätigt: Beratungsgespräch mit Alice am 03.03.2026, 11:00 (UTC+01:00)",
		"Ihr Termin ist gebucht", "Danke für Ihre Buchung bei Acme.",
		"Wann: Dienstag, 3. März 2026, 11:00–11:30 (Europe/Berlin, UTC+01:00)", "Thema: Preise",
		"Verschieben oder absagen: https://book.acme.test/manage#", "Acme Praxis")
	expectMail(t, hostMail.Msg, "新しい予約：Bobとの相談、2026/03/03 10:00（UTC+00:00）",
		"新しい予約", "Bob様が相談を予約しました。", "日時：2026年3月3日火曜日 10:00～10:30（Europe/London, UTC+00:00）", "Topic：Pricing")
	infos := parseICS(t, invitee.Msg.Part("text/calendar").Body, hostMail.Msg.Part("text/calendar").Body)
	if infos[0].Summary != "Beratungsgespräch mit Alice" || infos[1].Summary != "相談（Alice）" {
		t.Errorf("invite summaries %q, %q", infos[0].Summary, infos[1].Summary)
	}
}

// TestPublicLanguages: the page learns the languages, the organisation's
// default and the event types' translations; a database failure reading
// the settings is a 500, not "not set up".
func TestPublicLanguages(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{
		c.EventTypesTranslations: `{"ja": {"title": "通話", "description": "短い通話です。"}}`,
	})
	setSettings(t, app, map[string]any{c.SettingsDefaultLanguage: "de"})
	url := serveHTTP(t, app)

	var settings struct {
		DefaultLanguage string   `json:"default_language"`
		Languages       []string `json:"languages"`
	}
	if code := getJSON(t, url+"/api/public/settings", &settings); code != http.StatusOK ||
		settings.DefaultLanguage != "de" || strings.Join(settings.Languages, ",") != "en,de,fr,es,pt-BR,ja" {
		t.Errorf("settings %d %+v", code, settings)
	}
	var types struct {
		Items []struct {
			Translations map[string]map[string]any `json:"translations"`
		} `json:"items"`
	}
	if code := getJSON(t, url+"/api/public/event-types", &types); code != http.StatusOK || len(types.Items) != 1 ||
		types.Items[0].Translations["ja"]["title"] != "通話" {
		t.Errorf("event types %d %+v", code, types)
	}

	if _, err := app.DB().NewQuery("ALTER TABLE settings RENAME TO settings_away").Execute(); err != nil {
		t.Fatal(err)
	}
	var failed map[string]any
	if code := getJSON(t, url+"/api/public/settings", &failed); code != http.StatusInternalServerError {
		t.Errorf("settings with a broken database: %d %v, want 500", code, failed)
	}
}

// TestTranslationValidation: translations that do not fit are refused on
// save with an error on the field that names the problem.
func TestTranslationValidation(t *testing.T) {
	app, _ := bookingApp(t, map[string]any{
		c.EventTypesQuestions: `[{"id":"topic","label":"Topic","type":"select","options":["A","B"]}]`,
	})
	et, err := app.FindFirstRecordByData(c.EventTypes, c.EventTypesSlug, "call")
	if err != nil {
		t.Fatal(err)
	}
	scenarios := []struct{ json, want string }{
		{`{"xx": {"title": "?"}}`, "xx: not a supported language"},
		{`{"de": {"title": "` + strings.Repeat("x", 201) + `"}}`, "de.title: at most 200 characters"},
		{`{"de": {"questions": {"nope": {"label": "?"}}}}`, `no question "nope"`},
		{`{"de": {"questions": {"topic": {"options": ["Eins"]}}}}`, "1 labels for 2 options"},
		{`{"de": {"titel": "Tippfehler"}}`, "unknown field"},
		{`{"de": {"title": "Zeile\nZeile"}}`, "de.title"},
	}
	for _, sc := range scenarios {
		et.Set(c.EventTypesTranslations, sc.json)
		err := app.Save(et)
		if err == nil || !strings.Contains(err.Error(), c.EventTypesTranslations) || !strings.Contains(err.Error(), sc.want) {
			t.Errorf("%s: %v, want an error on translations naming %q", sc.json, err, sc.want)
		}
	}
	et.Set(c.EventTypesTranslations, `{"de": {"title": "Anruf", "questions": {"topic": {"label": "Thema", "options": ["Eins", "Zwei"]}}}}`)
	if err := app.Save(et); err != nil {
		t.Errorf("valid translations refused: %v", err)
	}

	st, err := c.FindSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	for json, want := range map[string]string{
		`{"de": {"greeting": "Hallo"}}`:                                "de.greeting: unknown text",
		`{"kl": {"org_name": "Qapla"}}`:                                "kl: not a supported language",
		`{"de": {"email_intro": "` + strings.Repeat("x", 2001) + `"}}`: "de.email_intro: at most 2000 characters",
	} {
		st.Set(c.SettingsTranslations, json)
		if err := app.Save(st); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("settings %.40s: %v, want %q", json, err, want)
		}
	}
}

// TestAdminBookingLanguage: a booking made or edited in the admin UI takes a
// language tag too (matched like the public API's; the organisation's when
// none), and refuses a malformed one on the field.
func TestAdminBookingLanguage(t *testing.T) {
	d := newDoorEnv(t)
	setSettings(t, d.app, map[string]any{c.SettingsDefaultLanguage: "es"})
	base := map[string]any{"event_type": d.et, "name": "Eve", "email": "eve@example.com", "timezone": "Europe/London"}
	with := func(start, lang string) map[string]any {
		body := map[string]any{"start": start, "language": lang}
		for k, v := range base {
			body[k] = v
		}
		return body
	}
	if code, body := d.records(t, "POST", "", with("2026-03-03 10:00:00.000Z", "??")); code != http.StatusBadRequest || !strings.Contains(mustJSON(body), `"language"`) {
		t.Errorf("malformed language: %d %v, want a 400 on language", code, body)
	}
	code, body := d.records(t, "POST", "", with("2026-03-03 10:00:00.000Z", ""))
	if code != http.StatusOK || body["language"] != "es" {
		t.Fatalf("no language: %d %v, want the organisation's (es)", code, body)
	}
	id := body["id"].(string)
	if code, body := d.records(t, "PATCH", "/"+id, map[string]any{"language": "pt"}); code != http.StatusOK || body["language"] != "pt-BR" {
		t.Errorf("edit to pt: %d %v, want pt-BR", code, body)
	}
	if code, body := d.records(t, "PATCH", "/"+id, map[string]any{"language": "not a tag"}); code != http.StatusBadRequest || !strings.Contains(mustJSON(body), `"language"`) {
		t.Errorf("edit to a malformed tag: %d %v, want a 400 on language", code, body)
	}
}
