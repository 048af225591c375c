package redact

import (
	"strings"
	"testing"
)

func TestURI(t *testing.T) {
	const token = "mt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
	const key = "sb_1a2b3c4d_Zm9vYmFyYmF6cXV4cXV1eHh4eXl5enp6"
	const feed = "icf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd"
	scenarios := []struct {
		name, in, want string
	}{
		{"plain path", "/api/slots?event_type=intro&from=2026-03-01", "/api/slots?event_type=intro&from=2026-03-01"},
		{"manage token in path", "/api/bookings/manage/" + token + "/cancel", "/api/bookings/manage/mt_[redacted]/cancel"},
		{"api key in query", "/api/admin/bookings?key=" + key + "&page=2", "/api/admin/bookings?key=[redacted]&page=2"},
		{"key-looking value under any name", "/api/admin/bookings?auth=" + key, "/api/admin/bookings?auth=sb_[redacted]"},
		{"oauth callback", "/api/google/callback?code=4/0Abc&state=xyz&scope=cal", "/api/google/callback?code=[redacted]&scope=cal&state=[redacted]"},
		{"file token", "/api/files/c/r/logo.png?token=eyJhbGciOi", "/api/files/c/r/logo.png?token=[redacted]"},
		{"broken query", "/x?%zz=" + token, "/x?[redacted]"},
		{"short mt_ word kept", "/docs/mt_abc", "/docs/mt_abc"},
		{"private feed token", "/ics/" + feed + ".ics", "/ics/[redacted]"},
		{"private feed, encoded", "/ics/%69cf_AbCdEfGhIjKl.ics?x=1", "/ics/[redacted]?x=1"},
		{"feed token elsewhere", "/x?f=" + feed, "/x?f=icf_[redacted]"},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got := URI(s.in)
			if got != s.want {
				t.Fatalf("URI(%q) = %q, want %q", s.in, got, s.want)
			}
			if strings.Contains(got, token) || strings.Contains(got, key) || strings.Contains(got, feed) {
				t.Fatalf("secret left in %q", got)
			}
		})
	}
}

func TestText(t *testing.T) {
	in := "see https://x.test/manage#mt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd and Bearer sb_1a2b3c4d_secretsecretsecret."
	want := "see https://x.test/manage#mt_[redacted] and Bearer sb_[redacted]."
	if got := Text(in); got != want {
		t.Fatalf("Text = %q, want %q", got, want)
	}
}

// FuzzURI: whatever the URI, nothing shaped like a manage token or an API
// key survives redaction.
func FuzzURI(f *testing.F) {
	f.Add("/api/bookings/manage/mt_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcd?token=x")
	f.Add("/x?a=b+sb_1a2b3c4d_secretsecret&c=%6dt_AbCdEfGhIjKl")
	f.Fuzz(func(t *testing.T, s string) {
		if out := URI(s); secretToken.FindString(out) != "" {
			t.Fatalf("URI(%q) = %q keeps %q", s, out, secretToken.FindString(out))
		}
	})
}
