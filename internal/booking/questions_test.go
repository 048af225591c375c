package booking

import (
	"errors"
	"strings"
	"testing"
)

func TestParseQuestions(t *testing.T) {
	scenarios := []struct {
		name    string
		json    string
		wantN   int
		wantErr string // substring naming index and field; "" = valid
	}{
		{name: "empty", json: ``},
		{name: "whitespace", json: " \n"},
		{name: "null", json: `null`},
		{name: "empty list", json: `[]`},
		{name: "every type", json: testQuestionsJSON, wantN: 8},
		{name: "max_length on textarea", json: `[{"id":"a","label":"A","type":"textarea","max_length":5000}]`, wantN: 1},
		{name: "not a list", json: `{"id":"a"}`, wantErr: "questions: must be a JSON array"},
		{name: "broken JSON", json: `[{"id":"a",}]`, wantErr: "questions: must be a JSON array"},
		{name: "element not an object", json: `["company"]`, wantErr: "questions[0]"},
		{name: "null element", json: `[null]`, wantErr: "questions[0]: must be an object"},
		{name: "missing id", json: `[{"label":"A","type":"text"}]`, wantErr: "questions[0].id: must match [a-z0-9_]{1,40}"},
		{name: "id with capitals", json: `[{"id":"Company","label":"A","type":"text"}]`, wantErr: "questions[0].id"},
		{name: "id with dash", json: `[{"id":"my-q","label":"A","type":"text"}]`, wantErr: "questions[0].id"},
		{name: "id too long", json: `[{"id":"` + strings.Repeat("a", 41) + `","label":"A","type":"text"}]`, wantErr: "questions[0].id"},
		{name: "duplicate id", json: `[{"id":"a","label":"A","type":"text"},{"id":"b","label":"B","type":"text"},{"id":"a","label":"C","type":"text"}]`,
			wantErr: `questions[2].id: "a" is also the id of questions[0]`},
		{name: "missing label", json: `[{"id":"a","type":"text"}]`, wantErr: "questions[0].label"},
		{name: "unknown type", json: `[{"id":"a","label":"A","type":"date"}]`, wantErr: "questions[0].type: must be one of"},
		{name: "select without options", json: `[{"id":"a","label":"A","type":"select"}]`, wantErr: "questions[0].options: select needs"},
		{name: "multiselect without options", json: `[{"id":"a","label":"A","type":"multiselect","options":[]}]`, wantErr: "questions[0].options"},
		{name: "duplicate option", json: `[{"id":"a","label":"A","type":"select","options":["x","x"]}]`, wantErr: "questions[0].options[1]"},
		{name: "empty option", json: `[{"id":"a","label":"A","type":"select","options":["x",""]}]`, wantErr: "questions[0].options[1]"},
		{name: "options on text", json: `[{"id":"a","label":"A","type":"text","options":["x"]}]`, wantErr: "questions[0].options: only select"},
		{name: "negative max_length", json: `[{"id":"a","label":"A","type":"text","max_length":-1}]`, wantErr: "questions[0].max_length"},
		{name: "max_length on checkbox", json: `[{"id":"a","label":"A","type":"checkbox","max_length":3}]`, wantErr: "questions[0].max_length: only"},
		{name: "typo in field name", json: `[{"id":"a","label":"A","type":"text","requried":true}]`, wantErr: `questions[0]: unknown field "requried"`},
		{name: "wrong type of required", json: `[{"id":"a","label":"A","type":"text","required":"yes"}]`, wantErr: "questions[0].required: must be true or false"},
		{name: "wrong type of options", json: `[{"id":"a","label":"A","type":"select","options":"x"}]`, wantErr: "questions[0].options: must be a list of strings"},
		{name: "too many", json: "[" + strings.Repeat(`{"id":"a","label":"A","type":"text"},`, MaxQuestions) + `{"id":"a","label":"A","type":"text"}]`, wantErr: "at most 50"},
		{name: "several problems named", json: `[{"id":"ok","label":"A","type":"text"},{"id":"","label":"","type":"x"}]`, wantErr: "questions[1].id: must match [a-z0-9_]{1,40}; questions[1].label"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			qs, err := ParseQuestions([]byte(s.json))
			if s.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseQuestions: %v", err)
				}
				if len(qs) != s.wantN {
					t.Errorf("got %d questions, want %d", len(qs), s.wantN)
				}
				return
			}
			if !errors.Is(err, ErrInvalidQuestions) || !strings.Contains(err.Error(), s.wantErr) {
				t.Fatalf("error = %v, want ErrInvalidQuestions containing %q", err, s.wantErr)
			}
			if qs != nil {
				t.Errorf("questions on error = %v, want nil", qs)
			}
		})
	}
}

func TestParseQuestionsFields(t *testing.T) {
	qs := testQuestions(t)
	want := Question{ID: "company", Label: "Company", Type: QuestionText, Required: true, MaxLength: 20}
	if qs[0].ID != want.ID || qs[0].Label != want.Label || qs[0].Type != want.Type || qs[0].Required != want.Required || qs[0].MaxLength != want.MaxLength {
		t.Errorf("questions[0] = %+v, want %+v", qs[0], want)
	}
	if got := strings.Join(qs[4].Options, ","); got != "Free,Pro,Team" {
		t.Errorf("questions[4].Options = %q", got)
	}
}
