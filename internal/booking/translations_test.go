package booking

import (
	"errors"
	"strings"
	"testing"
)

func TestParseTranslations(t *testing.T) {
	questions := []Question{
		{ID: "topic", Label: "Topic", Type: QuestionSelect, Options: []string{"A", "B"}},
		{ID: "ok", Label: "OK?", Type: QuestionCheckbox},
	}
	scenarios := []struct {
		name, json string
		problem    string // "" = valid
	}{
		{"none", ``, ""},
		{"null", `null`, ""},
		{"full", `{"de": {"title": "Anruf", "description": "Zeile 1\nZeile 2", "questions": {"topic": {"label": "Thema", "options": ["Eins", "Zwei"]}, "ok": {"label": "Okay?"}}}}`, ""},
		{"label only keeps the options", `{"ja": {"questions": {"topic": {"label": "話題"}}}}`, ""},
		{"unsupported language", `{"de-AT": {"title": "x"}}`, "translations.de-AT: not a supported language"},
		{"unknown question", `{"fr": {"questions": {"nope": {"label": "x"}}}}`, `translations.fr.questions.nope: the event type has no question "nope"`},
		{"too few options", `{"es": {"questions": {"topic": {"options": ["Uno"]}}}}`, "translations.es.questions.topic.options: 1 labels for 2 options"},
		{"long title", `{"de": {"title": "` + strings.Repeat("é", MaxTitleRunes+1) + `"}}`, "translations.de.title: at most 200 characters, not 201"},
		{"line break in a title", `{"de": {"title": "a\nb"}}`, "translations.de.title"},
		{"long option", `{"de": {"questions": {"topic": {"options": ["` + strings.Repeat("x", MaxOptionRunes+1) + `", "b"]}}}}`, "translations.de.questions.topic.options[0]: at most 200 characters"},
		{"unknown field", `{"de": {"titel": "x"}}`, "unknown field"},
		{"not an object", `["de"]`, "translations: must be"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			_, err := ParseTranslations([]byte(sc.json), questions)
			switch {
			case sc.problem == "" && err != nil:
				t.Errorf("refused: %v", err)
			case sc.problem != "" && (err == nil || !errors.Is(err, ErrInvalidTranslations) || !strings.Contains(err.Error(), sc.problem)):
				t.Errorf("error %v, want one naming %q", err, sc.problem)
			}
		})
	}
}

func TestViewIn(t *testing.T) {
	v := View{
		EventType: EventTypeView{Title: "Call", Description: "About", Questions: []Question{
			{ID: "topic", Label: "Topic", Type: QuestionSelect, Options: []string{"A", "B"}},
			{ID: "tags", Label: "Tags", Type: QuestionMultiselect, Options: []string{"A", "B"}},
			{ID: "ok", Label: "OK?", Type: QuestionCheckbox},
		}, Translations: Translations{"de": {Title: "Anruf", Questions: map[string]QuestionTranslation{
			"topic": {Label: "Thema", Options: []string{"Eins", "Zwei"}}, "tags": {Options: []string{"Eins", "Zwei"}},
		}}}},
		Hosts:   []HostView{{Name: "Ana"}},
		Answers: map[string]any{"topic": "B", "tags": []any{"A", "B"}, "ok": true},
	}
	scenarios := []struct {
		lang, title, summary string
		answers              []Answer
	}{
		{"de", "Anruf", "Anruf mit Ana", []Answer{{"Thema", "Zwei"}, {"Tags", "Eins, Zwei"}, {"OK?", "ja"}}},
		{"ja", "Call", "Call（Ana）", []Answer{{"Topic", "B"}, {"Tags", "A、B"}, {"OK?", "はい"}}},
		{"", "Call", "Call with Ana", []Answer{{"Topic", "B"}, {"Tags", "A, B"}, {"OK?", "yes"}}},
	}
	for _, sc := range scenarios {
		in := v.In(sc.lang)
		if in.EventType.Title != sc.title || in.EventType.Description != "About" || in.Title() != sc.summary {
			t.Errorf("%s: title %q description %q summary %q", sc.lang, in.EventType.Title, in.EventType.Description, in.Title())
		}
		got := in.LabelledAnswers()
		if len(got) != len(sc.answers) {
			t.Fatalf("%s: answers %v", sc.lang, got)
		}
		for i := range got {
			if got[i] != sc.answers[i] {
				t.Errorf("%s: answer %d = %v, want %v", sc.lang, i, got[i], sc.answers[i])
			}
		}
	}
	if v.EventType.Title != "Call" || v.EventType.Questions[0].Label != "Topic" {
		t.Error("In changed the view it was called on")
	}
}
