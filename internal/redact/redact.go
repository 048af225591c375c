// Package redact removes secrets from text that is about to be logged:
// request URLs and headers that PocketBase's request log stores in
// auxiliary.db (shown on the admin UI's Logs page and kept in backups).
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask replaces a secret's value.
const Mask = "[redacted]"

// secretToken matches slotbase's own secrets wherever they stand: manage
// tokens ("mt_" + 43 base64url characters), API keys ("sb_<prefix>_<secret>")
// and private calendar feed tokens ("icf_" + 43 base64url characters).
var secretToken = regexp.MustCompile(`\b(mt_|sb_|icf_)[A-Za-z0-9_-]{8,}`)

// feedPath starts the paths of private calendar feeds: the rest of such a
// path is the secret, whatever it looks like (encoded or mistyped).
const feedPath = "/ics/"

// secretParams are query parameters whose values are secrets whatever they
// look like: PocketBase's file token, OAuth codes and states, keys.
var secretParams = map[string]bool{
	"token": true, "access_token": true, "refresh_token": true, "id_token": true,
	"key": true, "api_key": true, "apikey": true, "code": true, "state": true,
	"password": true, "secret": true, "signature": true, "code_verifier": true,
}

// Text masks every manage token and API key in s.
func Text(s string) string {
	if !strings.Contains(s, "mt_") && !strings.Contains(s, "sb_") && !strings.Contains(s, "icf_") {
		return s
	}
	return secretToken.ReplaceAllString(s, "${1}"+Mask)
}

// URI masks the secrets of a request URI ("/path?query"): tokens and keys
// in the path, the whole rest of a private feed's path (/ics/…), and the values of secret query parameters (by name, or
// because they look like a token or key). It never fails: a query it cannot
// parse is dropped whole.
func URI(uri string) string {
	path, query, hasQuery := strings.Cut(uri, "?")
	path = Text(path)
	if strings.HasPrefix(path, feedPath) && len(path) > len(feedPath) {
		path = feedPath + Mask
	}
	if !hasQuery {
		return path
	}
	values, err := url.ParseQuery(query)
	if err != nil {
		return path + "?" + Mask
	}
	out := make(url.Values, len(values))
	changed := false
	for name, vs := range values {
		maskedName := Text(name)
		changed = changed || maskedName != name
		for _, v := range vs {
			masked := Text(v)
			if secretParams[strings.ToLower(name)] && v != "" {
				masked = Mask
			}
			changed = changed || masked != v
			out[maskedName] = append(out[maskedName], masked)
		}
	}
	if !changed {
		return path + "?" + Text(query)
	}
	return path + "?" + strings.ReplaceAll(out.Encode(), url.QueryEscape(Mask), Mask)
}
