package booking

import (
	"bytes"
	"errors"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// FuzzDecodeValidate runs random bodies through Decode and Validate: they
// must never panic, fail only in the documented ways, and whatever passes must
// satisfy every rule of a valid booking.
func FuzzDecodeValidate(f *testing.F) {
	f.Add([]byte(bodyWith(f, "notes", "hello\r\nworld")))
	f.Add([]byte(bodyWith(f, "name", "Zoë Ñúñez 李")))
	f.Add([]byte(bodyWith(f, "email", "a@b.co\r\nBcc: x@y.z")))
	f.Add([]byte(bodyWith(f, "start", "2026-03-01T10:00:00")))
	f.Add([]byte(bodyWith(f, "answers.topics", []string{"api", "billing"})))
	f.Add([]byte(bodyWith(f, "answers.seats", 1e300)))
	f.Add([]byte(`{"foo":1,"Name":"x","name":"y","name":"z"}`))
	f.Add([]byte(`{"answers":{"x":[[[{}]]]}} trailing`))
	f.Add([]byte("{\"name\":\"\xff\"}"))
	f.Add([]byte(`[]`))

	questions := testQuestions(f)
	requestFields := map[string]bool{}
	for k := range new(Request).fields() {
		requestFields[k] = true
	}
	validateFields := map[string]bool{"answers": true}
	for k := range requestFields {
		validateFields[k] = true
	}
	for _, q := range questions {
		validateFields["answers."+q.ID] = true
	}

	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := Decode(bytes.NewReader(body))
		if err != nil {
			if errors.Is(err, ErrMalformed) || errors.Is(err, ErrTooLarge) {
				return
			}
			for field, ferr := range fieldErrors(t, err) {
				msg := ferr.Error()
				if !requestFields[field] && msg != "unknown field" && msg != "duplicate field" {
					t.Fatalf("Decode reported field %q: %q", field, msg)
				}
			}
			return
		}
		v, err := Validate(req, questions, now)
		if err != nil {
			for field, ferr := range fieldErrors(t, err) {
				if !validateFields[field] || ferr == nil || ferr.Error() == "" {
					t.Fatalf("Validate reported unknown field %q (%v)", field, ferr)
				}
			}
			return
		}
		checkValid(t, v, questions)
	})
}

// checkValid asserts the invariants of a Valid.
func checkValid(t *testing.T, v Valid, questions []Question) {
	t.Helper()
	if v.Start.Location() != time.UTC || !v.Start.After(now) || v.Start.After(now.AddDate(5, 0, 0)) {
		t.Fatalf("Start %v not UTC in (now, now+5y]", v.Start)
	}
	if !slugPattern.MatchString(v.EventType) || len(v.EventType) > 100 {
		t.Fatalf("EventType %q", v.EventType)
	}
	checkCleanText(t, "Name", v.Name, false, 1, MaxNameRunes)
	checkCleanText(t, "Notes", v.Notes, true, 0, MaxNotesRunes)
	if addr, err := mail.ParseAddress(v.Email); err != nil || addr.Name != "" || addr.Address != v.Email ||
		len(v.Email) > MaxEmailBytes || strings.ContainsAny(v.Email, "\r\n,<>") || lowerDomain(v.Email) != v.Email {
		t.Fatalf("Email %q", v.Email)
	}
	if _, err := time.LoadLocation(v.Timezone); err != nil || v.Timezone == "Local" || v.Timezone == "" {
		t.Fatalf("Timezone %q", v.Timezone)
	}
	if v.Answers == nil {
		t.Fatal("Answers is nil")
	}
	byID := map[string]Question{}
	for _, q := range questions {
		byID[q.ID] = q
		if _, ok := v.Answers[q.ID]; q.Required && !ok {
			t.Fatalf("required answer %q missing", q.ID)
		}
	}
	for id, a := range v.Answers {
		q, ok := byID[id]
		if !ok {
			t.Fatalf("answer to unknown question %q", id)
		}
		switch q.Type {
		case QuestionText, QuestionEmail, QuestionPhone:
			s, _ := a.(string)
			checkCleanText(t, "answers."+id, s, false, 1, DefaultTextLength)
		case QuestionTextarea:
			s, _ := a.(string)
			checkCleanText(t, "answers."+id, s, true, 1, DefaultAreaLength)
		case QuestionSelect:
			if s, ok := a.(string); !ok || !strings.Contains(strings.Join(q.Options, "\x00")+"\x00", s+"\x00") {
				t.Fatalf("answers.%s = %#v", id, a)
			}
		case QuestionMultiselect:
			if list, ok := a.([]string); !ok || len(list) == 0 {
				t.Fatalf("answers.%s = %#v", id, a)
			}
		case QuestionCheckbox:
			if b, ok := a.(bool); !ok || (q.Required && !b) {
				t.Fatalf("answers.%s = %#v", id, a)
			}
		case QuestionNumber:
			if _, ok := a.(float64); !ok {
				t.Fatalf("answers.%s = %#v", id, a)
			}
		}
	}
}

// checkCleanText asserts s is trimmed, valid UTF-8, within [min, max] runes
// and free of forbidden characters.
func checkCleanText(t *testing.T, field, s string, multiline bool, min, max int) {
	t.Helper()
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s || n < min || n > max || strings.Contains(s, "\r") {
		t.Fatalf("%s = %q", field, s)
	}
	for _, r := range s {
		if forbiddenRune(r, multiline) {
			t.Fatalf("%s = %q contains %U", field, s, r)
		}
	}
}
