package ics

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Property is one unfolded content line as Parse reads it. BEGIN and END
// lines are properties too.
type Property struct {
	// Name is the property name in upper case, e.g. "ATTENDEE".
	Name string
	// Params maps upper-case parameter names to their values, with the
	// DQUOTEs of quoted values removed. It is nil when there are none.
	Params map[string]string
	// Value is the raw value, still escaped; Text unescapes TEXT values.
	Value string
}

// Text returns Value unescaped as one TEXT value (RFC 5545 §3.3.11): \\, \;,
// \, and \n (or \N) become \, ;, , and a newline. Any other escape, a
// trailing backslash, or an unescaped ";" or "," (list separators, which a
// single TEXT value must not hold) is an error wrapping ErrSyntax.
func (p Property) Text() (string, error) {
	var b strings.Builder
	v := p.Value
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '\\':
			if i+1 == len(v) {
				return "", fmt.Errorf("%w: %s: trailing backslash", ErrSyntax, p.Name)
			}
			i++
			switch v[i] {
			case '\\', ';', ',':
				b.WriteByte(v[i])
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				return "", fmt.Errorf("%w: %s: unknown escape \\%c", ErrSyntax, p.Name, v[i])
			}
		case ';', ',':
			return "", fmt.Errorf("%w: %s: unescaped %q", ErrSyntax, p.Name, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// Parse reads an iCalendar stream and returns its content lines, unfolded,
// in order. It is a minimal, strict reader for checking slotbase's own
// output, not a general iCalendar parser: it requires CRLF after every line,
// valid UTF-8 and no control characters but HTAB; it rejects empty lines
// and unbalanced BEGIN/END; it does not interpret values (see Text).
// Errors wrap ErrSyntax and give the physical line number.
func Parse(r io.Reader) ([]Property, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("ics: read: %w", err)
	}
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		return nil, fmt.Errorf("%w: input does not end with CRLF", ErrSyntax)
	}
	type logical struct {
		n    int // physical line number where the content line starts
		text strings.Builder
	}
	var lines []*logical
	for i, p := range strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n") {
		bad := func(msg string) error { return fmt.Errorf("%w: line %d: %s", ErrSyntax, i+1, msg) }
		switch {
		case p == "":
			return nil, bad("empty line")
		case !utf8.ValidString(p):
			return nil, bad("invalid UTF-8")
		case strings.ContainsAny(p, "\r\n"):
			return nil, bad("bare CR or LF")
		case strings.IndexFunc(p, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0:
			return nil, bad("control character")
		case p[0] == ' ' || p[0] == '\t':
			if len(lines) == 0 {
				return nil, bad("continuation before the first content line")
			}
			lines[len(lines)-1].text.WriteString(p[1:])
		default:
			l := &logical{n: i + 1}
			l.text.WriteString(p)
			lines = append(lines, l)
		}
	}
	props := make([]Property, 0, len(lines))
	var open []string // names of the components BEGIN opened
	for _, l := range lines {
		p, err := parseLine(l.text.String())
		if err == nil && p.Name == "BEGIN" {
			open = append(open, strings.ToUpper(p.Value))
		}
		if err == nil && p.Name == "END" {
			if len(open) == 0 || open[len(open)-1] != strings.ToUpper(p.Value) {
				err = fmt.Errorf("END:%s does not close the open component", p.Value)
			} else {
				open = open[:len(open)-1]
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %v", ErrSyntax, l.n, err)
		}
		props = append(props, p)
	}
	if len(open) > 0 {
		return nil, fmt.Errorf("%w: BEGIN:%s without END", ErrSyntax, open[len(open)-1])
	}
	return props, nil
}

// parseLine splits one unfolded content line into name, parameters and
// value (RFC 5545 §3.1).
func parseLine(s string) (Property, error) {
	i := strings.IndexAny(s, ";:")
	if i < 0 {
		return Property{}, fmt.Errorf("missing ':'")
	}
	if !isName(s[:i]) {
		return Property{}, fmt.Errorf("bad property name %q", s[:i])
	}
	p := Property{Name: strings.ToUpper(s[:i])}
	rest := s[i:]
	for rest[0] == ';' {
		rest = rest[1:]
		eq := strings.IndexByte(rest, '=')
		if eq < 0 || !isName(rest[:eq]) {
			return p, fmt.Errorf("%s: bad parameter", p.Name)
		}
		name, val := strings.ToUpper(rest[:eq]), ""
		rest = rest[eq+1:]
		if strings.HasPrefix(rest, `"`) {
			end := strings.IndexByte(rest[1:], '"')
			if end < 0 {
				return p, fmt.Errorf("%s;%s: unterminated quoted value", p.Name, name)
			}
			val, rest = rest[1:1+end], rest[2+end:]
		} else {
			end := strings.IndexAny(rest, `;:"`)
			if end < 0 || rest[end] == '"' {
				return p, fmt.Errorf("%s;%s: bad value", p.Name, name)
			}
			val, rest = rest[:end], rest[end:]
		}
		if rest == "" || rest[0] != ';' && rest[0] != ':' {
			return p, fmt.Errorf("%s;%s: expected ';' or ':' after the value", p.Name, name)
		}
		if _, dup := p.Params[name]; dup {
			return p, fmt.Errorf("%s: parameter %s repeated", p.Name, name)
		}
		if p.Params == nil {
			p.Params = map[string]string{}
		}
		p.Params[name] = val
	}
	p.Value = rest[1:]
	return p, nil
}

// isName reports whether s is a non-empty iana-token or x-name: letters,
// digits and "-".
func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
