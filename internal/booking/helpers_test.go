package booking

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
)

// now is the fixed "current time" of the validation tests.
var now = time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

// testQuestionsJSON has one question of every type.
const testQuestionsJSON = `[
	{"id":"company","label":"Company","type":"text","required":true,"max_length":20},
	{"id":"agenda","label":"Agenda","type":"textarea"},
	{"id":"cc","label":"Copy to","type":"email"},
	{"id":"phone","label":"Phone","type":"phone"},
	{"id":"plan","label":"Plan","type":"select","required":true,"options":["Free","Pro","Team"]},
	{"id":"topics","label":"Topics","type":"multiselect","options":["billing","onboarding","api"]},
	{"id":"terms","label":"I accept the terms","type":"checkbox","required":true},
	{"id":"seats","label":"Seats","type":"number"}
]`

// testQuestions parses testQuestionsJSON.
func testQuestions(t testing.TB) []Question {
	t.Helper()
	qs, err := ParseQuestions([]byte(testQuestionsJSON))
	if err != nil {
		t.Fatalf("ParseQuestions: %v", err)
	}
	return qs
}

// baseBody returns a valid request body as a map, to be changed per case.
func baseBody() map[string]any {
	return map[string]any{
		"event_type": "intro-call",
		"start":      "2026-03-02T10:00:00+01:00",
		"name":       "Ada Lovelace",
		"email":      "ada@example.com",
		"timezone":   "Europe/Berlin",
		"notes":      "",
		"answers": map[string]any{
			"company": "Analytical Engines",
			"plan":    "Pro",
			"terms":   true,
		},
	}
}

// bodyWith returns baseBody with field set to value (nil deletes the field)
// encoded as JSON. A field "answers.x" sets or deletes one answer.
func bodyWith(t testing.TB, field string, value any) string {
	t.Helper()
	b := baseBody()
	target, key := b, field
	if id, ok := strings.CutPrefix(field, "answers."); ok {
		target, key = b["answers"].(map[string]any), id
	}
	if value == nil {
		delete(target, key)
	} else {
		target[key] = value
	}
	data, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// fieldErrors returns err as FieldErrors or fails the test.
func fieldErrors(t testing.TB, err error) FieldErrors {
	t.Helper()
	var fe FieldErrors
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not FieldErrors", err, err)
	}
	return fe
}

// sortedCopy returns a sorted copy of s.
func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	slices.Sort(c)
	return c
}
