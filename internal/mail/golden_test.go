package mail_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// goldenView is the one booking of the golden files (testdata/golden):
// an event type with texts in every language, a select and a checkbox
// question answered.
func goldenView() booking.View {
	start := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	tr := func(title, description, topic string, options []string, newsletter string) booking.EventTypeText {
		return booking.EventTypeText{Title: title, Description: description, Questions: map[string]booking.QuestionTranslation{
			"topic": {Label: topic, Options: options}, "newsletter": {Label: newsletter},
		}}
	}
	return booking.View{
		ID: "bk1", Status: booking.Confirmed, Start: start, End: start.Add(30 * time.Minute),
		EventType: booking.EventTypeView{
			ID: "et1", Slug: "intro", Title: "Intro call", Description: "A first chat to see how we can help.",
			Location: "google_meet", Duration: 30 * time.Minute,
			Questions: []booking.Question{
				{ID: "topic", Label: "Topic", Type: booking.QuestionSelect, Options: []string{"Pricing", "Support"}},
				{ID: "newsletter", Label: "Send me the newsletter", Type: booking.QuestionCheckbox},
			},
			Translations: booking.Translations{
				"de":    tr("Erstgespräch", "Ein erstes Gespräch, um zu sehen, wie wir helfen können.", "Thema", []string{"Preise", "Support"}, "Newsletter abonnieren"),
				"fr":    tr("Premier échange", "Un premier échange pour voir comment nous pouvons vous aider.", "Sujet", []string{"Tarifs", "Assistance"}, "Recevoir la newsletter"),
				"es":    tr("Llamada inicial", "Una primera charla para ver cómo podemos ayudarle.", "Tema", []string{"Precios", "Soporte"}, "Recibir el boletín"),
				"pt-BR": tr("Conversa inicial", "Uma primeira conversa para ver como podemos ajudar.", "Assunto", []string{"Preços", "Suporte"}, "Receber a newsletter"),
				"ja":    tr("初回相談", "どのようにお手伝いできるかを確認する最初の打ち合わせです。", "ご相談内容", []string{"料金", "サポート"}, "ニュースレターを受け取る"),
			},
		},
		Hosts:   []booking.HostView{{ID: "h1", Name: "Ana Lima", Email: "ana@example.com", Timezone: "Europe/Berlin"}},
		Invitee: booking.Person{Name: "Bob Meyer", Email: "bob@example.com", Timezone: "Europe/Berlin"},
		Answers: map[string]any{"topic": "Pricing", "newsletter": true},
	}
}

// TestGoldenConfirmation renders the golden booking's confirmation in every
// language and compares it with the text a person wrote for it.
func TestGoldenConfirmation(t *testing.T) {
	subjects := map[string]string{}
	raw, err := os.ReadFile(filepath.Join("testdata", "golden", "subjects.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n") {
		lang, subject, _ := strings.Cut(line, ": ")
		subjects[lang] = subject
	}
	for _, lang := range i18n.Supported {
		t.Run(lang, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "golden", "confirmation."+lang+".txt"))
			if err != nil {
				t.Fatal(err)
			}
			n := mail.NoticeOf(goldenView().In(lang), mail.Confirmed, mail.ToInvitee, false)
			n.Zone, n.Brand, n.Invite = zone(t, "Europe/Berlin"), mail.Branding{OrgName: "Acme"}, true
			n.ManageURL = "https://book.example.com/manage#sb_tok"
			got, err := mail.Render(n)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != string(want) {
				t.Errorf("text differs from testdata/golden/confirmation.%s.txt\n--- got:\n%s\n--- want:\n%s", lang, got.Text, want)
			}
			if got.Subject != subjects[lang] {
				t.Errorf("subject %q\n   want %q", got.Subject, subjects[lang])
			}
			if !strings.Contains(got.HTML, `<html lang="`+lang+`">`) {
				t.Errorf("HTML does not say its language %s", lang)
			}
		})
	}
}
