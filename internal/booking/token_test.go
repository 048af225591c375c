package booking

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

func TestNewManageToken(t *testing.T) {
	const draws = 2000
	tokens := make(map[string]bool, draws)
	hashes := make(map[string]bool, draws)
	bitsSet := make([]int, 256) // how often each of the 256 secret bits is 1
	hashPattern := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for range draws {
		token, hash, err := NewManageToken()
		if err != nil {
			t.Fatal(err)
		}
		if tokens[token] || hashes[hash] {
			t.Fatalf("duplicate token or hash after %d draws", len(tokens))
		}
		tokens[token], hashes[hash] = true, true
		if len(token) != 46 || !strings.HasPrefix(token, "mt_") || !WellFormedToken(token) {
			t.Fatalf("token %q is not 46 characters of mt_ + base64url", token)
		}
		if !hashPattern.MatchString(hash) || hash != HashToken(token) || !TokenMatches(token, hash) {
			t.Fatalf("hash %q does not belong to token %q", hash, token)
		}
		secret, err := base64.RawURLEncoding.DecodeString(token[3:])
		if err != nil || len(secret) != 32 {
			t.Fatalf("token body decodes to %d bytes (%v), want 32", len(secret), err)
		}
		for i := range 256 {
			if secret[i/8]>>(i%8)&1 == 1 {
				bitsSet[i]++
			}
		}
	}
	// Every bit should be random: with 2000 draws each count lies near 1000;
	// 800..1200 is more than 8 standard deviations wide.
	for i, n := range bitsSet {
		if n < 800 || n > 1200 {
			t.Errorf("secret bit %d was set %d times in %d draws", i, n, draws)
		}
	}
}

func TestHashToken(t *testing.T) {
	const token = "mt_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	// printf %s "$token" | sha256sum
	const want = "ef455845f0a941b92039050aec3ba65184d9c6a96375e2f55af4ba6cbe585488"
	if got := HashToken(token); got != HashToken(token) || len(got) != 64 {
		t.Fatalf("HashToken is not stable: %q", got)
	}
	if got := HashToken(token); got != want {
		t.Errorf("HashToken = %q, want %q", got, want)
	}
	if HashToken(token) == HashToken(token+"A") {
		t.Error("different tokens share a hash")
	}
}

func TestTokenMatches(t *testing.T) {
	token, hash, err := NewManageToken()
	if err != nil {
		t.Fatal(err)
	}
	other, otherHash, _ := NewManageToken()
	scenarios := []struct {
		name  string
		token string
		hash  string
		want  bool
	}{
		{"own hash", token, hash, true},
		{"other token", other, hash, false},
		{"other hash", token, otherHash, false},
		{"upper-case hash", token, strings.ToUpper(hash), false},
		{"truncated hash", token, hash[:63], false},
		{"empty hash", token, "", false},
		{"empty token", "", hash, false},
		{"token as hash", token, token, false},
		{"empty token, hash of empty", "", HashToken(""), true},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if got := TokenMatches(s.token, s.hash); got != s.want {
				t.Errorf("TokenMatches = %v, want %v", got, s.want)
			}
		})
	}
}

func TestWellFormedToken(t *testing.T) {
	good, _, _ := NewManageToken()
	scenarios := []struct {
		name  string
		token string
		want  bool
	}{
		{"fresh token", good, true},
		{"all A", "mt_" + strings.Repeat("A", 43), true},
		{"empty", "", false},
		{"prefix only", "mt_", false},
		{"no prefix", good[3:], false},
		{"wrong prefix", "sb_" + good[3:], false},
		{"upper-case prefix", "MT_" + good[3:], false},
		{"one short", good[:45], false},
		{"one long", good + "A", false},
		{"standard base64 alphabet", "mt_" + strings.Repeat("+", 42) + "A", false},
		{"padding", "mt_" + strings.Repeat("A", 42) + "=", false},
		{"non-canonical last char", "mt_" + strings.Repeat("A", 42) + "B", false},
		{"space", "mt_" + strings.Repeat("A", 42) + " ", false},
		{"path traversal", "mt_../../../../../../../../../../../../../../", false},
		{"unicode", "mt_" + strings.Repeat("é", 21) + "A", false},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			if got := WellFormedToken(s.token); got != s.want {
				t.Errorf("WellFormedToken(%q) = %v, want %v", s.token, got, s.want)
			}
		})
	}
}
