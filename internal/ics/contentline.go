package ics

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxLine is the longest physical line RFC 5545 §3.1 allows, in octets,
// without the CRLF and counting the leading space of a continuation line.
const maxLine = 75

// contentWriter accumulates folded, CRLF-terminated content lines.
type contentWriter struct{ buf bytes.Buffer }

// line writes one content line, folded at maxLine octets. A fold never
// splits a UTF-8 sequence, so every physical line is valid UTF-8 on its own.
func (w *contentWriter) line(s string) {
	limit := maxLine
	for len(s) > limit {
		cut := limit
		for cut > limit-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
			cut--
		}
		w.buf.WriteString(s[:cut])
		w.buf.WriteString("\r\n ")
		s = s[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	w.buf.WriteString(s)
	w.buf.WriteString("\r\n")
}

// cleanText makes s safe to carry as TEXT: invalid UTF-8 becomes U+FFFD,
// CRLF and lone CR become LF, and control characters other than LF and HTAB
// (which TEXT allows) are dropped.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// escapeText returns s as an RFC 5545 TEXT value (§3.3.11): cleaned, with
// backslash, semicolon and comma escaped and newlines written as \n, so a
// value can never end its content line.
func escapeText(s string) string {
	var b strings.Builder
	for _, r := range cleanText(s) {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case ';':
			b.WriteString(`\;`)
		case ',':
			b.WriteString(`\,`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanParam makes s fit a parameter value (§3.1: no CTL, no DQUOTE, and
// no escaping mechanism): line breaks and tabs become spaces, DQUOTEs and
// other control characters are dropped, surrounding spaces are trimmed.
func cleanParam(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t':
			return ' '
		case r == '"' || unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// paramValue returns cleanParam(s), quoted with DQUOTE when it holds a
// character that ends an unquoted parameter value (";", ":" or ",").
func paramValue(s string) string {
	s = cleanParam(s)
	if strings.ContainsAny(s, ";:,") {
		return `"` + s + `"`
	}
	return s
}

// mailto returns email as a mailto: URI (RFC 6068). It accepts a plain
// local@domain address: exactly one "@", no spaces, controls, quotes or
// other RFC 5322 specials. Characters outside a small URI-safe set,
// non-ASCII included, are percent-encoded.
func mailto(email string) (string, bool) {
	at := strings.IndexByte(email, '@')
	if at <= 0 || at == len(email)-1 || strings.Count(email, "@") != 1 || !utf8.ValidString(email) {
		return "", false
	}
	for _, r := range email {
		if unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`"(),:;<>[\]`, r) {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteString("mailto:")
	for i := 0; i < len(email); i++ {
		c := email[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~!$'*+=@", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String(), true
}

// formatTime returns t as a UTC DATE-TIME (§3.3.5 form 2), e.g.
// 20260302T140000Z. Sub-second precision is dropped.
func formatTime(t time.Time) string {
	return t.UTC().Format("20060102T150405Z")
}

// formatTrigger returns a negative DURATION (§3.3.6) for an alarm d before
// the start: -PT15M, -PT1H30M, -P1D, -P1DT2H. Zero components are left out,
// except that minutes are written between hours and seconds (-PT1H0M5S)
// because the grammar allows seconds after hours only through minutes.
func formatTrigger(d time.Duration) string {
	secs := int64(d / time.Second)
	days := secs / 86400
	h, m, s := secs%86400/3600, secs%3600/60, secs%60
	var b strings.Builder
	b.WriteString("-P")
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	if h != 0 || m != 0 || s != 0 {
		b.WriteByte('T')
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 || h > 0 && s > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if s > 0 {
			fmt.Fprintf(&b, "%dS", s)
		}
	}
	return b.String()
}
