// Package i18n is slotbase's list of supported languages and the message
// catalogues of its e-mails and invites: one JSON file per language in this
// folder (embedded), English the fallback of every missing key. Plain values
// in and out: no PocketBase, no clock.
package i18n

import (
	"errors"
	"fmt"
	"slices"

	"golang.org/x/text/language"
)

// The supported languages, as BCP 47 tags, English first (the fallback of
// every catalogue). The booking page offers the same list.
var Supported = []string{"en", "de", "fr", "es", "pt-BR", "ja"}

// Default is the language of an organisation that chose none.
const Default = "en"

// MaxTagLength is the longest language tag a client may send.
const MaxTagLength = 35

// ErrInvalidTag is wrapped by Check's errors.
var ErrInvalidTag = errors.New("invalid language tag")

var matcher = language.NewMatcher(func() []language.Tag {
	tags := make([]language.Tag, len(Supported))
	for i, s := range Supported {
		tags[i] = language.MustParse(s)
	}
	return tags
}())

// IsSupported reports whether tag is exactly one of Supported.
func IsSupported(tag string) bool { return slices.Contains(Supported, tag) }

// Check reports whether tag is a well-formed BCP 47 tag of at most
// MaxTagLength characters ("" is not).
func Check(tag string) error {
	if len(tag) > MaxTagLength {
		return fmt.Errorf("%w: at most %d characters", ErrInvalidTag, MaxTagLength)
	}
	if _, err := language.Parse(tag); err != nil || tag == "" {
		return fmt.Errorf("%w: must be a BCP 47 tag such as \"de\" or \"pt-BR\"", ErrInvalidTag)
	}
	return nil
}

// Match is the supported language closest to tag: "pt" and "pt-PT" give
// "pt-BR", "de-AT" gives "de", "ja-JP" gives "ja". An empty, malformed or
// unrelated tag ("zh", "xx") gives fallback, itself made supported (an
// unsupported fallback gives Default).
func Match(tag, fallback string) string {
	if !IsSupported(fallback) {
		fallback = Default
	}
	if tag == "" || len(tag) > MaxTagLength {
		return fallback
	}
	t, err := language.Parse(tag)
	if err != nil {
		return fallback
	}
	_, i, conf := matcher.Match(t)
	if conf == language.No {
		return fallback
	}
	return Supported[i]
}
