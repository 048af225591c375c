package booking

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

// Limits of an event type's translated texts: the same as its base fields.
const (
	// MaxTitleRunes is the longest event type title, in characters.
	MaxTitleRunes = 200
	// MaxDescriptionRunes is the longest event type description.
	MaxDescriptionRunes = 5000
)

// EventTypeText is an event type's texts in one language; an empty text
// falls back to the base one.
type EventTypeText struct {
	Title       string                         `json:"title,omitempty"`
	Description string                         `json:"description,omitempty"`
	Questions   map[string]QuestionTranslation `json:"questions,omitempty"`
}

// QuestionTranslation is one question's label and option labels in one language.
// Options are display labels in the order of the question's options (the
// answers stay the canonical options).
type QuestionTranslation struct {
	Label   string   `json:"label,omitempty"`
	Options []string `json:"options,omitempty"`
}

// Translations are an event type's texts per supported language, the
// event_types.translations JSON: {"de": {"title": "…", "questions": {…}}}.
type Translations map[string]EventTypeText

// ParseTranslations decodes and checks event_types.translations against
// the event type's questions: known language keys only, strings within
// the base fields' limits and free of control characters, question ids
// that exist, option lists as long as the question's. Empty input and
// null mean none. Errors wrap ErrInvalidTranslations and name each problem
// by path: `translations.de.questions.company.options: 2 labels for 3 options`.
func ParseTranslations(data []byte, questions []Question) (Translations, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var t Translations
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf(`%w: translations: must be {"<language>": {"title": "…", "description": "…", "questions": {"<id>": {"label": "…", "options": ["…"]}}}}: %v`, ErrInvalidTranslations, err)
	}
	byID := map[string]Question{}
	for _, q := range questions {
		byID[q.ID] = q
	}
	var problems []string
	bad := func(path, format string, args ...any) {
		problems = append(problems, "translations."+path+": "+fmt.Sprintf(format, args...))
	}
	text := func(path, s string, max int, multiline bool) {
		if n := utf8.RuneCountInString(s); n > max {
			bad(path, "at most %d characters, not %d", max, n)
		} else if err := checkText(s, multiline); err != nil {
			bad(path, "%s", err.Error())
		}
	}
	for _, lang := range slices.Sorted(maps.Keys(t)) {
		tt := t[lang]
		if !i18n.IsSupported(lang) {
			bad(lang, "not a supported language (%s)", strings.Join(i18n.Supported, ", "))
			continue
		}
		text(lang+".title", tt.Title, MaxTitleRunes, false)
		text(lang+".description", tt.Description, MaxDescriptionRunes, true)
		for _, id := range slices.Sorted(maps.Keys(tt.Questions)) {
			qt, path := tt.Questions[id], lang+".questions."+id
			q, ok := byID[id]
			if !ok {
				bad(path, "the event type has no question %q", id)
				continue
			}
			text(path+".label", qt.Label, MaxLabelRunes, false)
			if len(qt.Options) > 0 && len(qt.Options) != len(q.Options) {
				bad(path+".options", "%d labels for %d options (one per option, in order)", len(qt.Options), len(q.Options))
			}
			for i, o := range qt.Options {
				text(fmt.Sprintf("%s.options[%d]", path, i), o, MaxOptionRunes, false)
			}
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidTranslations, strings.Join(problems, "; "))
	}
	return t, nil
}

// In is v with its event type's texts in lang where a translation exists
// (the base text elsewhere), and TextLang set to lang for the words the
// renderers add (yes/no, "with"). Answers stay canonical; LabelledAnswers
// shows translated option labels.
func (v View) In(lang string) View {
	v.TextLang = lang
	tt, ok := v.EventType.Translations[lang]
	if !ok {
		return v
	}
	et := v.EventType
	if tt.Title != "" {
		et.Title = tt.Title
	}
	if tt.Description != "" {
		et.Description = tt.Description
	}
	if len(tt.Questions) > 0 {
		qs := make([]Question, len(et.Questions))
		for i, q := range et.Questions {
			if qt, ok := tt.Questions[q.ID]; ok {
				if qt.Label != "" {
					q.Label = qt.Label
				}
				if len(qt.Options) == len(q.Options) {
					q.OptionLabels = qt.Options
				}
			}
			qs[i] = q
		}
		et.Questions = qs
	}
	v.EventType = et
	return v
}
