package booking

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// TestDecodeValidateBadInput feeds bad bodies through Decode and Validate and
// checks that exactly the expected field (or sentinel) is reported.
func TestDecodeValidateBadInput(t *testing.T) {
	scenarios := []struct {
		name      string
		body      string
		wantErr   error  // a sentinel, or nil for field errors
		wantField string // the only field in FieldErrors
		wantMsg   string // substring of that field's message, optional
	}{
		{name: "malformed JSON", body: `{"name": "Ada",`, wantErr: ErrMalformed},
		{name: "not an object", body: `["intro-call"]`, wantErr: ErrMalformed},
		{name: "trailing data", body: bodyWith(t, "notes", "x") + `{}`, wantErr: ErrMalformed},
		{name: "oversized body", body: `{"notes":"` + strings.Repeat("a", MaxBodyBytes) + `"}`, wantErr: ErrTooLarge},
		{name: "unknown field", body: bodyWith(t, "foo", 1), wantField: "foo", wantMsg: "unknown field"},
		{name: "field name in wrong case", body: bodyWith(t, "Email", "x@y.z"), wantField: "Email", wantMsg: "unknown field"},
		{name: "duplicate field", body: `{"email":"a@b.co","email":"x@y.z"}`, wantField: "email", wantMsg: "duplicate"},
		{name: "start of wrong type", body: bodyWith(t, "start", 1772442000), wantField: "start", wantMsg: "must be a string"},
		{name: "answers of wrong type", body: bodyWith(t, "answers", []string{"Pro"}), wantField: "answers", wantMsg: "must be an object"},
		{name: "missing event type", body: bodyWith(t, "event_type", nil), wantField: "event_type", wantMsg: "cannot be blank"},
		{name: "event type not a slug", body: bodyWith(t, "event_type", "Intro Call"), wantField: "event_type", wantMsg: "slug"},
		{name: "event type too long", body: bodyWith(t, "event_type", strings.Repeat("a", 101)), wantField: "event_type", wantMsg: "100"},
		{name: "newline in name", body: bodyWith(t, "name", "Ada\nBcc: x@y.z"), wantField: "name", wantMsg: "control characters"},
		{name: "trailing CR LF in name", body: bodyWith(t, "name", "Ada\r\n"), wantField: "name"},
		{name: "tab in name", body: bodyWith(t, "name", "Ada\tLovelace"), wantField: "name"},
		{name: "NUL in name", body: bodyWith(t, "name", "Ada\x00"), wantField: "name"},
		{name: "C1 control in name", body: bodyWith(t, "name", "Ada\u0085"), wantField: "name"},
		{name: "line separator in name", body: bodyWith(t, "name", "Ada\u2028Lovelace"), wantField: "name"},
		{name: "bidi override in name", body: bodyWith(t, "name", "Ada\u202Eecalevol"), wantField: "name"},
		{name: "blank name", body: bodyWith(t, "name", "   "), wantField: "name", wantMsg: "cannot be blank"},
		{name: "10 KB name", body: bodyWith(t, "name", strings.Repeat("a", 10<<10)), wantField: "name", wantMsg: "between 1 and 200"},
		{name: "201 rune name", body: bodyWith(t, "name", strings.Repeat("é", 201)), wantField: "name", wantMsg: "200"},
		{name: "email with Bcc injection", body: bodyWith(t, "email", "a@b.co\r\nBcc: x@y.z"), wantField: "email"},
		{name: "email with LF injection", body: bodyWith(t, "email", "a@b.co\nBcc: x@y.z"), wantField: "email"},
		{name: "two emails", body: bodyWith(t, "email", "a@b.co, x@y.z"), wantField: "email", wantMsg: "single plain e-mail"},
		{name: "email with display name", body: bodyWith(t, "email", "Ada <a@b.co>"), wantField: "email"},
		{name: "email in angle brackets", body: bodyWith(t, "email", "<a@b.co>"), wantField: "email"},
		{name: "email with comment", body: bodyWith(t, "email", "a@b.co (Ada)"), wantField: "email"},
		{name: "email quoted local part", body: bodyWith(t, "email", `"a b"@b.co`), wantField: "email"},
		{name: "email IP literal", body: bodyWith(t, "email", "a@[127.0.0.1]"), wantField: "email"},
		{name: "email without dot", body: bodyWith(t, "email", "a@localhost"), wantField: "email"},
		{name: "email without at", body: bodyWith(t, "email", "ada.example.com"), wantField: "email"},
		{name: "email too long", body: bodyWith(t, "email", strings.Repeat("a", 60)+"@"+strings.Repeat("b", 200)+".com"), wantField: "email", wantMsg: "254"},
		{name: "missing email", body: bodyWith(t, "email", nil), wantField: "email", wantMsg: "cannot be blank"},
		{name: "start in the past", body: bodyWith(t, "start", "2026-03-01T08:59:00Z"), wantField: "start", wantMsg: "must be in the future"},
		{name: "start exactly now", body: bodyWith(t, "start", "2026-03-01T09:00:00Z"), wantField: "start", wantMsg: "must be in the future"},
		{name: "start over 5 years ahead", body: bodyWith(t, "start", "2031-03-01T09:00:01Z"), wantField: "start", wantMsg: "5 years"},
		{name: "local time without offset", body: bodyWith(t, "start", "2026-03-01T10:00:00"), wantField: "start", wantMsg: "must include a UTC offset, e.g. 2026-03-01T10:00:00Z"},
		{name: "local time with space", body: bodyWith(t, "start", "2026-03-01 10:00"), wantField: "start", wantMsg: "must include a UTC offset"},
		{name: "date only", body: bodyWith(t, "start", "2026-03-02"), wantField: "start", wantMsg: "date and time with a UTC offset"},
		{name: "not a time", body: bodyWith(t, "start", "tomorrow"), wantField: "start", wantMsg: "RFC 3339"},
		{name: "offset +24:00", body: bodyWith(t, "start", "2026-03-03T10:00:00+24:00"), wantField: "start", wantMsg: "RFC 3339"},
		{name: "missing start", body: bodyWith(t, "start", nil), wantField: "start", wantMsg: "cannot be blank"},
		{name: "unknown zone", body: bodyWith(t, "timezone", "Mars/Olympus_Mons"), wantField: "timezone", wantMsg: "IANA"},
		{name: "zone in wrong case", body: bodyWith(t, "timezone", "europe/berlin"), wantField: "timezone"},
		{name: "Local zone", body: bodyWith(t, "timezone", "Local"), wantField: "timezone", wantMsg: `not "Local"`},
		{name: "empty zone", body: bodyWith(t, "timezone", ""), wantField: "timezone", wantMsg: "cannot be blank"},
		{name: "zone path traversal", body: bodyWith(t, "timezone", "../../etc/passwd"), wantField: "timezone"},
		{name: "notes too long", body: bodyWith(t, "notes", strings.Repeat("n", 5001)), wantField: "notes", wantMsg: "5000"},
		{name: "NUL in notes", body: bodyWith(t, "notes", "hello\x00"), wantField: "notes", wantMsg: "other than newline and tab"},
		{name: "missing required text answer", body: bodyWith(t, "answers.company", nil), wantField: "answers.company", wantMsg: "cannot be blank"},
		{name: "blank required text answer", body: bodyWith(t, "answers.company", "  "), wantField: "answers.company"},
		{name: "text answer over max_length", body: bodyWith(t, "answers.company", strings.Repeat("x", 21)), wantField: "answers.company", wantMsg: "20"},
		{name: "newline in text answer", body: bodyWith(t, "answers.company", "ACME\nInc"), wantField: "answers.company"},
		{name: "text answer of wrong type", body: bodyWith(t, "answers.company", 42), wantField: "answers.company", wantMsg: "must be a string"},
		{name: "textarea answer over default", body: bodyWith(t, "answers.agenda", strings.Repeat("x", 5001)), wantField: "answers.agenda", wantMsg: "5000"},
		{name: "missing required select", body: bodyWith(t, "answers.plan", nil), wantField: "answers.plan", wantMsg: "cannot be blank"},
		{name: "bad select option", body: bodyWith(t, "answers.plan", "Enterprise"), wantField: "answers.plan", wantMsg: "offered options"},
		{name: "select option in wrong case", body: bodyWith(t, "answers.plan", "pro"), wantField: "answers.plan"},
		{name: "bad multiselect option", body: bodyWith(t, "answers.topics", []string{"api", "sales"}), wantField: "answers.topics"},
		{name: "multiselect pick twice", body: bodyWith(t, "answers.topics", []string{"api", "api"}), wantField: "answers.topics"},
		{name: "multiselect not a list", body: bodyWith(t, "answers.topics", "api"), wantField: "answers.topics", wantMsg: "list of strings"},
		{name: "required checkbox unchecked", body: bodyWith(t, "answers.terms", false), wantField: "answers.terms", wantMsg: "must be checked"},
		{name: "checkbox as string", body: bodyWith(t, "answers.terms", "true"), wantField: "answers.terms", wantMsg: "true or false"},
		{name: "number as string", body: bodyWith(t, "answers.seats", "3"), wantField: "answers.seats", wantMsg: "finite number"},
		{name: "number out of float64 range", body: strings.Replace(bodyWith(t, "notes", ""), `"answers":{`, `"answers":{"seats":1e400,`, 1), wantField: "answers.seats"},
		{name: "email answer with injection", body: bodyWith(t, "answers.cc", "a@b.co\r\nBcc: x@y.z"), wantField: "answers.cc"},
		{name: "phone answer with letters", body: bodyWith(t, "answers.phone", "call me"), wantField: "answers.phone", wantMsg: "phone number"},
		{name: "unknown answer", body: bodyWith(t, "answers.x", "y"), wantField: "answers", wantMsg: `unknown question "x"`},
	}

	questions := testQuestions(t)
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			req, err := Decode(strings.NewReader(s.body))
			if err == nil {
				_, err = Validate(req, questions, now)
			}
			if s.wantErr != nil {
				if !errors.Is(err, s.wantErr) {
					t.Fatalf("error = %v, want %v", err, s.wantErr)
				}
				return
			}
			fe := fieldErrors(t, err)
			if len(fe) != 1 || fe[s.wantField] == nil {
				t.Fatalf("fields = %v, want only %q", fe, s.wantField)
			}
			if msg := fe[s.wantField].Error(); !strings.Contains(msg, s.wantMsg) {
				t.Errorf("%s: message %q does not contain %q", s.wantField, msg, s.wantMsg)
			}
		})
	}
}

// TestValidateGoodInput checks that valid requests pass and come out normalised.
func TestValidateGoodInput(t *testing.T) {
	base := Valid{
		EventType: "intro-call",
		Start:     time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		Name:      "Ada Lovelace",
		Email:     "ada@example.com",
		Timezone:  "Europe/Berlin",
		Answers:   map[string]any{"company": "Analytical Engines", "plan": "Pro", "terms": true},
	}
	with := func(change func(v *Valid)) Valid {
		v := base
		v.Answers = map[string]any{}
		for k, a := range base.Answers {
			v.Answers[k] = a
		}
		change(&v)
		return v
	}
	scenarios := []struct {
		name  string
		field string
		value any
		want  Valid
	}{
		{"base", "notes", "", base},
		{"unicode name", "name", "Zoë Ñúñez 李", with(func(v *Valid) { v.Name = "Zoë Ñúñez 李" })},
		{"emoji name with ZWJ", "name", "Sam 👩‍💻", with(func(v *Valid) { v.Name = "Sam 👩‍💻" })},
		{"name trimmed", "name", "  Ada Lovelace\u00a0", base},
		{"200 rune name", "name", strings.Repeat("é", 200), with(func(v *Valid) { v.Name = strings.Repeat("é", 200) })},
		{"plus address", "email", "ada+booking@example.com", with(func(v *Valid) { v.Email = "ada+booking@example.com" })},
		{"domain lower-cased", "email", "Ada.L@Example.COM", with(func(v *Valid) { v.Email = "Ada.L@example.com" })},
		{"unicode address", "email", "zoë@münchen.de", with(func(v *Valid) { v.Email = "zoë@münchen.de" })},
		{"start in UTC", "start", "2026-03-02T09:00:00Z", base},
		{"start in lower case", "start", "2026-03-02t09:00:00z", base},
		{"start with fraction", "start", "2026-03-02T09:00:00.000Z", base},
		{"start negative offset", "start", "2026-03-02T05:30:00-03:30", base},
		{"start 5 years ahead", "start", "2031-03-01T09:00:00Z", with(func(v *Valid) { v.Start = time.Date(2031, 3, 1, 9, 0, 0, 0, time.UTC) })},
		{"zone UTC", "timezone", "UTC", with(func(v *Valid) { v.Timezone = "UTC" })},
		{"zone Santiago", "timezone", "America/Santiago", with(func(v *Valid) { v.Timezone = "America/Santiago" })},
		{"notes CRLF normalised", "notes", "line 1\r\nline 2\r\n\tend  ", with(func(v *Valid) { v.Notes = "line 1\nline 2\n\tend" })},
		{"notes 5000 runes", "notes", strings.Repeat("ß", 5000), with(func(v *Valid) { v.Notes = strings.Repeat("ß", 5000) })},
		{"text answer trimmed", "answers.company", "  ACME  ", with(func(v *Valid) { v.Answers["company"] = "ACME" })},
		{"textarea answer", "answers.agenda", "1. intro\r\n2. demo", with(func(v *Valid) { v.Answers["agenda"] = "1. intro\n2. demo" })},
		{"email answer", "answers.cc", "Boss@Example.org", with(func(v *Valid) { v.Answers["cc"] = "Boss@example.org" })},
		{"phone answer", "answers.phone", "+49 (30) 123-456.7", with(func(v *Valid) { v.Answers["phone"] = "+49 (30) 123-456.7" })},
		{"multiselect answer", "answers.topics", []string{"api", "billing"}, with(func(v *Valid) { v.Answers["topics"] = []string{"api", "billing"} })},
		{"empty multiselect left out", "answers.topics", []string{}, base},
		{"empty optional text left out", "answers.agenda", "", base},
		{"null optional answer left out", "answers.seats", nil, base},
		{"number answer", "answers.seats", 2.5, with(func(v *Valid) { v.Answers["seats"] = 2.5 })},
		{"zero number answer", "answers.seats", 0, with(func(v *Valid) { v.Answers["seats"] = 0.0 })},
	}

	questions := testQuestions(t)
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			req, err := Decode(strings.NewReader(bodyWith(t, s.field, s.value)))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			got, err := Validate(req, questions, now)
			if err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if !got.Start.Equal(s.want.Start) || got.Start.Location() != time.UTC {
				t.Errorf("Start = %v, want %v in UTC", got.Start, s.want.Start)
			}
			got.Start, s.want.Start = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, s.want) {
				t.Errorf("got  %#v\nwant %#v", got, s.want)
			}
		})
	}
}

// TestValidateReportsEveryBadField checks one entry per bad field, all at once.
func TestValidateReportsEveryBadField(t *testing.T) {
	req := Request{Start: "2026-03-01T10:00:00", Name: "\n", Email: "x", Timezone: "Local",
		Answers: map[string]any{"nope": 1, "zzz": 2}}
	_, err := Validate(req, testQuestions(t), now)
	fe := fieldErrors(t, err)
	want := []string{"answers", "answers.company", "answers.plan", "answers.terms", "email", "event_type", "name", "start", "timezone"}
	var got []string
	for k := range fe {
		got = append(got, k)
	}
	if !reflect.DeepEqual(sortedCopy(got), want) {
		t.Errorf("fields = %v, want %v", sortedCopy(got), want)
	}
	if msg := fe["answers"].Error(); msg != `unknown question "nope" (and 1 more)` {
		t.Errorf("answers message = %q", msg)
	}
	if s := fe.Error(); !strings.HasPrefix(s, `answers: unknown question "nope"`) {
		t.Errorf("Error() = %q", s)
	}
	if m := fe.Map(); len(m) != len(fe) {
		t.Errorf("Map() lost entries: %v", m)
	}
}
