package booking

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	validation "github.com/go-ozzo/ozzo-validation/v4"
)

var (
	phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ().-]*$`)

	errMustBeChecked  = validation.NewError("validation_required", "must be checked")
	errNotBool        = validation.NewError("validation_invalid_type", "must be true or false")
	errNotNumber      = validation.NewError("validation_invalid_type", "must be a finite number")
	errNotStringList  = validation.NewError("validation_invalid_type", "must be a list of strings")
	errNotOption      = validation.NewError("validation_not_option", "must be one of the offered options")
	errDuplicatePick  = validation.NewError("validation_duplicate_option", "must not pick an option twice")
	errPhone          = validation.NewError("validation_is_phone", "must be a phone number of 3 to 15 digits, spaces and + - ( ) .")
	errUnknownTypeCfg = validation.NewError("validation_question_type", "has an unknown question type")
)

// validateAnswers checks answers against questions, records problems in c
// under "answers.<id>" (and "answers" for keys that match no question) and
// returns the normalised answers of the questions that were answered.
func validateAnswers(c *fieldChecker, answers map[string]any, questions []Question) map[string]any {
	out := map[string]any{}
	known := make(map[string]bool, len(questions))
	for _, q := range questions {
		known[q.ID] = true
		field := "answers." + q.ID
		value, err := normaliseAnswer(q, answers[q.ID])
		switch {
		case err != nil:
			c.errs[field] = err
		case value != nil:
			out[q.ID] = value
		}
	}

	var unknown []string
	for k := range answers {
		if !known[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		name := unknown[0]
		if r := []rune(name); len(r) > 40 {
			name = string(r[:40]) + "…"
		}
		msg := fmt.Sprintf("unknown question %q", name)
		if len(unknown) > 1 {
			msg += fmt.Sprintf(" (and %d more)", len(unknown)-1)
		}
		c.errs["answers"] = validation.NewError("validation_unknown_question", msg)
	}
	return out
}

// normaliseAnswer checks one answer and returns it in its stored form, or nil
// for an optional question left unanswered.
func normaliseAnswer(q Question, v any) (any, error) {
	if s, ok := v.(string); ok && strings.TrimSpace(s) == "" && q.Type != QuestionCheckbox && q.Type != QuestionNumber {
		v = nil // an empty text box is no answer
	}
	if v == nil {
		if q.Required {
			return nil, validation.ErrRequired
		}
		return nil, nil
	}
	switch q.Type {
	case QuestionText, QuestionTextarea, QuestionEmail, QuestionPhone:
		return textAnswer(q, v)
	case QuestionSelect:
		s, ok := v.(string)
		if !ok {
			return nil, errNotString
		}
		if s = strings.TrimSpace(s); !slices.Contains(q.Options, s) {
			return nil, errNotOption
		}
		return s, nil
	case QuestionMultiselect:
		return multiselectAnswer(q, v)
	case QuestionCheckbox:
		b, ok := v.(bool)
		switch {
		case !ok:
			return nil, errNotBool
		case q.Required && !b:
			return nil, errMustBeChecked
		}
		return b, nil
	case QuestionNumber:
		return numberAnswer(v)
	}
	return nil, errUnknownTypeCfg
}

// textAnswer checks a text, textarea, email or phone answer.
func textAnswer(q Question, v any) (any, error) {
	raw, ok := v.(string)
	if !ok {
		return nil, errNotString
	}
	limit, rule := q.MaxLength, singleLine
	if q.Type == QuestionTextarea {
		raw, rule = normaliseNewlines(raw), multiLine
		if limit == 0 {
			limit = DefaultAreaLength
		}
	} else if limit == 0 {
		limit = DefaultTextLength
	}
	s := strings.TrimSpace(raw)
	rules := []validation.Rule{validation.RuneLength(0, limit).Error("must be at most {{.max}} characters")}
	switch q.Type {
	case QuestionEmail:
		s = lowerDomain(s)
		rules = append(rules, validation.Length(0, MaxEmailBytes).Error("must be at most {{.max}} characters"), plainEmail)
	case QuestionPhone:
		rules = append(rules, validation.By(checkPhone))
	}
	if err := validation.Validate(raw, rule); err != nil {
		return nil, err
	}
	if err := validation.Validate(s, rules...); err != nil {
		return nil, err
	}
	return s, nil
}

// checkPhone accepts digits with optional leading + and the usual separators.
func checkPhone(value any) error {
	s, _ := value.(string)
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phonePattern.MatchString(s) || digits < 3 || digits > 15 {
		return errPhone
	}
	return nil
}

// multiselectAnswer checks a list of distinct options and returns it as []string.
func multiselectAnswer(q Question, v any) (any, error) {
	list, ok := v.([]any)
	if !ok {
		if strs, isStrs := v.([]string); isStrs { // a Request built in Go
			list = make([]any, len(strs))
			for i, s := range strs {
				list[i] = s
			}
		} else {
			return nil, errNotStringList
		}
	}
	picked := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			return nil, errNotStringList
		}
		s = strings.TrimSpace(s)
		switch {
		case !slices.Contains(q.Options, s):
			return nil, errNotOption
		case slices.Contains(picked, s):
			return nil, errDuplicatePick
		}
		picked = append(picked, s)
	}
	if len(picked) == 0 {
		if q.Required {
			return nil, validation.ErrRequired
		}
		return nil, nil
	}
	return picked, nil
}

// numberAnswer accepts a finite number as decoded by Decode (json.Number) or
// built in Go (float64, int…) and returns it as float64.
func numberAnswer(v any) (any, error) {
	var f float64
	switch n := v.(type) {
	case json.Number:
		parsed, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return nil, errNotNumber
		}
		f = parsed
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int64:
		f = float64(n)
	default:
		return nil, errNotNumber
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, errNotNumber
	}
	return f, nil
}
