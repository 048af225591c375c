package booking

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestDecode(t *testing.T) {
	// padded is a valid body of exactly MaxBodyBytes.
	padded := `{"notes":"` + strings.Repeat("a", MaxBodyBytes-12) + `"}`
	scenarios := []struct {
		name       string
		body       string
		want       Request
		wantErr    error
		wantFields []string // sorted field names of FieldErrors
	}{
		{name: "all fields", body: `{"event_type":"intro","start":"2026-03-02T10:00:00Z","name":"Ada","email":"a@b.co","timezone":"UTC","notes":"hi","answers":{"n":1.5,"tags":["a"],"ok":true}}`,
			want: Request{EventType: "intro", Start: "2026-03-02T10:00:00Z", Name: "Ada", Email: "a@b.co", Timezone: "UTC", Notes: "hi",
				Answers: map[string]any{"n": json.Number("1.5"), "tags": []any{"a"}, "ok": true}}},
		{name: "whitespace around", body: " \n\t{\"name\":\"Ada\"}\r\n ", want: Request{Name: "Ada"}},
		{name: "null values count as absent", body: `{"name":null,"notes":null,"answers":null}`, want: Request{}},
		{name: "empty object", body: `{}`, want: Request{}},
		{name: "exactly MaxBodyBytes", body: padded, want: Request{Notes: strings.Repeat("a", MaxBodyBytes-12)}},
		{name: "one byte over MaxBodyBytes", body: padded + " ", wantErr: ErrTooLarge},
		{name: "empty body", body: ``, wantErr: ErrMalformed},
		{name: "only whitespace", body: "  \n", wantErr: ErrMalformed},
		{name: "null body", body: `null`, wantErr: ErrMalformed},
		{name: "string body", body: `"name"`, wantErr: ErrMalformed},
		{name: "invalid UTF-8", body: "{\"name\":\"Ad\xffa\"}", wantErr: ErrMalformed},
		{name: "missing colon", body: `{"name" "Ada"}`, wantErr: ErrMalformed},
		{name: "trailing comma", body: `{"name":"Ada",}`, wantErr: ErrMalformed},
		{name: "unclosed", body: `{"name":"Ada"`, wantErr: ErrMalformed},
		{name: "two objects", body: `{"name":"Ada"}{"name":"Bob"}`, wantErr: ErrMalformed},
		{name: "trailing garbage", body: `{"name":"Ada"} x`, wantErr: ErrMalformed},
		{name: "too deeply nested answers", body: `{"answers":{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}}`, wantErr: ErrMalformed},
		{name: "unknown fields and wrong types together", body: `{"foo":1,"bar":{},"name":7,"answers":"x","Email":"a@b.co"}`,
			wantFields: []string{"Email", "answers", "bar", "foo", "name"}},
		{name: "duplicate field", body: `{"name":"Ada","name":"Bob"}`, wantFields: []string{"name"}},
		{name: "number for a string", body: `{"timezone":0}`, wantFields: []string{"timezone"}},
		{name: "bool for a string", body: `{"event_type":true}`, wantFields: []string{"event_type"}},
		{name: "array for a string", body: `{"email":["a@b.co"]}`, wantFields: []string{"email"}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, err := Decode(strings.NewReader(s.body))
			switch {
			case s.wantErr != nil:
				if !errors.Is(err, s.wantErr) {
					t.Fatalf("error = %v, want %v", err, s.wantErr)
				}
			case s.wantFields != nil:
				fe := fieldErrors(t, err)
				var keys []string
				for k := range fe {
					keys = append(keys, k)
				}
				if !reflect.DeepEqual(sortedCopy(keys), s.wantFields) {
					t.Fatalf("fields = %v, want %v", fe, s.wantFields)
				}
			case err != nil:
				t.Fatalf("Decode: %v", err)
			default:
				if !reflect.DeepEqual(got, s.want) {
					t.Errorf("got %#v, want %#v", got, s.want)
				}
			}
			if err != nil && !reflect.DeepEqual(got, Request{}) {
				t.Errorf("Request on error = %#v, want zero", got)
			}
		})
	}
}

func TestDecodeReadError(t *testing.T) {
	boom := errors.New("connection reset")
	_, err := Decode(iotest.ErrReader(boom))
	if !errors.Is(err, ErrMalformed) || !errors.Is(err, boom) {
		t.Errorf("error = %v, want ErrMalformed wrapping the read error", err)
	}
}

func TestDecodeFieldErrorMessages(t *testing.T) {
	_, err := Decode(strings.NewReader(`{"foo":1,"start":5}`))
	fe := fieldErrors(t, err)
	if got := fe["foo"].Error(); got != "unknown field" {
		t.Errorf("foo: %q", got)
	}
	if got := fe["start"].Error(); got != "must be a string" {
		t.Errorf("start: %q", got)
	}
	if got := fe.Error(); got != "foo: unknown field; start: must be a string" {
		t.Errorf("Error() = %q", got)
	}
}

func ExampleValidate() {
	questions, _ := ParseQuestions([]byte(`[{"id":"company","label":"Company","type":"text","required":true}]`))
	body := `{"event_type":"intro-call","start":"2026-03-02T10:00:00+01:00","name":" Zoë ",` +
		`"email":"zoe@Example.COM","timezone":"Europe/Paris","answers":{"company":"ACME"}}`
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)

	req, err := Decode(strings.NewReader(body))
	if err != nil {
		fmt.Println(err)
		return
	}
	valid, err := Validate(req, questions, now)
	fmt.Println(valid.Start, valid.Name, valid.Email, valid.Answers["company"], err)

	req.Start, req.Email = "2026-03-02T10:00:00", "zoe@example.com\r\nBcc: x@y.z"
	_, err = Validate(req, questions, now)
	fmt.Println(err)
	// Output:
	// 2026-03-02 09:00:00 +0000 UTC Zoë zoe@example.com ACME <nil>
	// email: must not contain control characters; start: must include a UTC offset, e.g. 2026-03-01T10:00:00Z
}
