// Package apikey makes and checks slotbase's API keys: "sb_<prefix>_<secret>"
// with an 8-character public prefix (to find and recognise a key) and 32
// random bytes of secret. Only the SHA-256 of the whole key is stored; a
// presented key is compared with it in constant time. Scopes say what a key
// may do; "admin" may do everything.
package apikey

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
)

// Scopes a key can hold.
const (
	ScopeBookingsRead      = "bookings:read"
	ScopeBookingsWrite     = "bookings:write"
	ScopeAvailabilityRead  = "availability:read"
	ScopeAvailabilityWrite = "availability:write"
	ScopeAdmin             = "admin"
)

// Scopes lists every scope.
var Scopes = []string{ScopeBookingsRead, ScopeBookingsWrite, ScopeAvailabilityRead, ScopeAvailabilityWrite, ScopeAdmin}

const (
	keyPrefix    = "sb_"
	prefixLen    = 8
	secretBytes  = 32
	prefixChars  = "abcdefghijklmnopqrstuvwxyz234567"
	secretLength = 43 // base64.RawURLEncoding.EncodedLen(32)
)

// New returns a fresh key (shown to its owner once), its public prefix and
// the hash to store.
func New() (key, prefix, hash string, err error) {
	raw := make([]byte, prefixLen+secretBytes)
	if _, err := rand.Read(raw); err != nil {
		return "", "", "", err
	}
	p := make([]byte, prefixLen)
	for i := range p {
		p[i] = prefixChars[int(raw[i])%len(prefixChars)]
	}
	prefix = string(p)
	key = keyPrefix + prefix + "_" + base64.RawURLEncoding.EncodeToString(raw[prefixLen:])
	return key, prefix, Hash(key), nil
}

// Parse splits a presented key into its prefix, rejecting anything that is
// not shaped like a key (cheap, before any database lookup).
func Parse(key string) (prefix string, ok bool) {
	rest, found := strings.CutPrefix(key, keyPrefix)
	if !found || len(rest) != prefixLen+1+secretLength || rest[prefixLen] != '_' {
		return "", false
	}
	prefix = rest[:prefixLen]
	for _, r := range prefix {
		if !strings.ContainsRune(prefixChars, r) {
			return "", false
		}
	}
	if _, err := base64.RawURLEncoding.Strict().DecodeString(rest[prefixLen+1:]); err != nil {
		return "", false
	}
	return prefix, true
}

// Hash is the stored form of a key.
func Hash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// Matches compares a presented key with a stored hash in constant time.
func Matches(key, hash string) bool {
	return subtle.ConstantTimeCompare([]byte(Hash(key)), []byte(hash)) == 1
}

// Allows reports whether granted scopes include need ("admin" includes all).
func Allows(granted []string, need string) bool {
	return slices.Contains(granted, ScopeAdmin) || slices.Contains(granted, need)
}

// ParseScopes validates a comma-separated scope list.
func ParseScopes(s string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !slices.Contains(Scopes, part) {
			return nil, fmt.Errorf("scopes: unknown scope %q (known: %s)", part, strings.Join(Scopes, ", "))
		}
		if !slices.Contains(out, part) {
			out = append(out, part)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("scopes: at least one of %s", strings.Join(Scopes, ", "))
	}
	return out, nil
}
