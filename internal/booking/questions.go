package booking

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"unicode/utf8"
)

// Question types an event type may ask.
const (
	QuestionText        = "text"        // one line; answer string
	QuestionTextarea    = "textarea"    // several lines; answer string
	QuestionEmail       = "email"       // answer string, checked like the booking's e-mail
	QuestionPhone       = "phone"       // answer string of digits, spaces and + - ( ) .
	QuestionSelect      = "select"      // answer string, one of Options
	QuestionMultiselect = "multiselect" // answer list of strings, each one of Options
	QuestionCheckbox    = "checkbox"    // answer bool; required means it must be checked
	QuestionNumber      = "number"      // answer finite JSON number
)

// Limits of an event type's questions.
const (
	// MaxQuestions is the most questions one event type may ask.
	MaxQuestions = 50
	// MaxLabelRunes is the longest question label, in characters.
	MaxLabelRunes = 500
	// MaxOptions is the most options of one select or multiselect question.
	MaxOptions = 100
	// MaxOptionRunes is the longest option, in characters.
	MaxOptionRunes = 200
	// MaxAnswerLength is the largest MaxLength a question may set.
	MaxAnswerLength = 5000
	// DefaultTextLength is the MaxLength of text, email and phone answers when unset.
	DefaultTextLength = 500
	// DefaultAreaLength is the MaxLength of textarea answers when unset.
	DefaultAreaLength = 5000
)

// Question is one custom question of an event type, one element of the
// event_types.questions JSON: {"id":"company","label":"Company","type":"text","required":true}.
type Question struct {
	ID        string   `json:"id"`
	Label     string   `json:"label"`
	Type      string   `json:"type"`
	Required  bool     `json:"required"`
	Options   []string `json:"options,omitempty"`
	MaxLength int      `json:"max_length,omitempty"` // runes; 0 = the type's default
	// OptionLabels are Options as shown in another language (View.In),
	// in the same order; answers stay the canonical Options.
	OptionLabels []string `json:"-"`
}

var questionIDPattern = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// ParseQuestions decodes and validates event_types.questions. Empty input and
// JSON null mean no questions. Each question needs a unique id matching
// [a-z0-9_]{1,40}, a label, a known type; select and multiselect need unique,
// non-empty options and only they may have options; max_length (0..5000)
// applies to text, textarea, email and phone only. Unknown fields are
// rejected so a typo such as "requried" cannot silently make a question
// optional. Errors wrap ErrInvalidQuestions and name each problem by index
// and field: `questions[1].id: "company" is also the id of questions[0]`.
func ParseQuestions(data []byte) ([]Question, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil, nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(data, &raws); err != nil {
		return nil, fmt.Errorf("%w: questions: must be a JSON array of objects", ErrInvalidQuestions)
	}
	if len(raws) > MaxQuestions {
		return nil, fmt.Errorf("%w: questions: at most %d questions", ErrInvalidQuestions, MaxQuestions)
	}

	questions := make([]Question, 0, len(raws))
	var problems []string
	firstIndex := map[string]int{}
	for i, raw := range raws {
		q, err := decodeQuestion(raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("questions[%d]%s", i, err))
			continue
		}
		for _, p := range questionProblems(q) {
			problems = append(problems, fmt.Sprintf("questions[%d].%s", i, p))
		}
		if j, dup := firstIndex[q.ID]; dup && q.ID != "" {
			problems = append(problems, fmt.Sprintf("questions[%d].id: %q is also the id of questions[%d]", i, q.ID, j))
		} else {
			firstIndex[q.ID] = i
		}
		questions = append(questions, q)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidQuestions, strings.Join(problems, "; "))
	}
	return questions, nil
}

// decodeQuestion decodes one question strictly. Its error text starts with
// ".field: " or ": " so the caller can prefix the index.
func decodeQuestion(raw json.RawMessage) (Question, error) {
	var q Question
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err := dec.Decode(&q)
	var typeErr *json.UnmarshalTypeError
	switch {
	case err == nil && bytes.Equal(bytes.TrimSpace(raw), []byte("null")):
		return q, errors.New(": must be an object")
	case err == nil:
		return q, nil
	case errors.As(err, &typeErr) && typeErr.Field != "":
		return q, fmt.Errorf(".%s: must be %s", typeErr.Field, kindName(typeErr.Type))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return q, fmt.Errorf(": %s", strings.TrimPrefix(err.Error(), "json: "))
	default:
		return q, errors.New(": must be an object")
	}
}

// kindName describes the JSON value a Question field expects.
func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int:
		return "an integer"
	case reflect.Slice:
		return "a list of strings"
	default:
		return "a string"
	}
}

// questionProblems lists what is wrong with one decoded question as "field: reason".
func questionProblems(q Question) []string {
	var p []string
	if !questionIDPattern.MatchString(q.ID) {
		p = append(p, "id: must match [a-z0-9_]{1,40}")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(q.Label)); n == 0 || n > MaxLabelRunes {
		p = append(p, fmt.Sprintf("label: must be between 1 and %d characters", MaxLabelRunes))
	}
	choice := q.Type == QuestionSelect || q.Type == QuestionMultiselect
	textual := q.Type == QuestionText || q.Type == QuestionTextarea || q.Type == QuestionEmail || q.Type == QuestionPhone
	if !choice && !textual && q.Type != QuestionCheckbox && q.Type != QuestionNumber {
		p = append(p, "type: must be one of text, textarea, email, phone, select, multiselect, checkbox, number")
	}
	switch {
	case choice && (len(q.Options) == 0 || len(q.Options) > MaxOptions):
		p = append(p, fmt.Sprintf("options: %s needs between 1 and %d options", q.Type, MaxOptions))
	case choice:
		seen := map[string]bool{}
		for j, o := range q.Options {
			if n := utf8.RuneCountInString(o); n == 0 || n > MaxOptionRunes || strings.TrimSpace(o) != o || seen[o] {
				p = append(p, fmt.Sprintf("options[%d]: must be unique, trimmed and between 1 and %d characters", j, MaxOptionRunes))
			}
			seen[o] = true
		}
	case len(q.Options) > 0:
		p = append(p, "options: only select and multiselect questions take options")
	}
	if q.MaxLength < 0 || q.MaxLength > MaxAnswerLength {
		p = append(p, fmt.Sprintf("max_length: must be between 0 and %d", MaxAnswerLength))
	} else if q.MaxLength > 0 && !textual {
		p = append(p, "max_length: only text, textarea, email and phone questions take a max_length")
	}
	return p
}
