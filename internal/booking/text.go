package booking

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"

	validation "github.com/go-ozzo/ozzo-validation/v4"
	"github.com/go-ozzo/ozzo-validation/v4/is"
)

// MaxEmailLocalBytes is the longest local part (before the @) of an e-mail address.
const MaxEmailLocalBytes = 64

// Rules for text typed by a client. They run on the raw value, before trimming,
// so a trailing "\r\n" is rejected rather than silently cut off.
var (
	// singleLine accepts valid UTF-8 without any control or line/paragraph
	// separator characters (no \r, \n, \t).
	singleLine = validation.By(func(value any) error { return checkText(value, false) })
	// multiLine is singleLine that also allows \n and \t.
	multiLine = validation.By(func(value any) error { return checkText(value, true) })
	// plainEmail accepts exactly one bare address: name@example.com.
	plainEmail = validation.By(checkPlainEmail)

	errEmail = validation.NewError("validation_is_email", "must be a single plain e-mail address, e.g. name@example.com")
)

// checkText reports invalid UTF-8 and forbidden characters in a string value.
func checkText(value any, multiline bool) error {
	s, _ := value.(string)
	if !utf8.ValidString(s) {
		return errNotUTF8
	}
	for _, r := range s {
		if forbiddenRune(r, multiline) {
			if multiline {
				return errControlMulti
			}
			return errControl
		}
	}
	return nil
}

// forbiddenRune reports control characters (C0, DEL, C1), the Unicode line
// and paragraph separators, and the bidi embedding/override/isolate controls
// that can make a name or note display as something else. With multiline,
// \n and \t are allowed.
func forbiddenRune(r rune, multiline bool) bool {
	switch {
	case multiline && (r == '\n' || r == '\t'):
		return false
	case unicode.IsControl(r), r == '\u2028', r == '\u2029':
		return true
	case r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

// normaliseNewlines turns \r\n and lone \r into \n.
func normaliseNewlines(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// checkPlainEmail accepts a single addr-spec and nothing else: net/mail must
// parse it back to exactly the same string with no display name, which
// rejects "Bob <a@b.c>", "<a@b.c>", "a@b.c, x@y.z", comments, quoted local
// parts and any CR/LF header injection. The address must also have the usual
// shape (dotted domain, no IP literal).
func checkPlainEmail(value any) error {
	s, _ := value.(string)
	if s == "" {
		return nil // Required reports it
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Name != "" || addr.Address != s {
		return errEmail
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > MaxEmailLocalBytes || strings.HasSuffix(s, ".") {
		return errEmail
	}
	if err := is.EmailFormat.Validate(s); err != nil {
		return errEmail
	}
	return nil
}

// lowerDomain lower-cases the part after the last @; the local part is kept
// as typed because it may be case-sensitive.
func lowerDomain(s string) string {
	at := strings.LastIndexByte(s, '@')
	if at < 0 {
		return s
	}
	return s[:at+1] + strings.ToLower(s[at+1:])
}
