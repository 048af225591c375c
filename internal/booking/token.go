package booking

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

// TokenPrefix starts every manage token, so a leaked one is recognisable.
const TokenPrefix = "mt_"

// Shape of a manage token: TokenPrefix and 32 random bytes in unpadded base64url.
const (
	tokenRandBytes  = 32
	tokenLength     = len(TokenPrefix) + 43 // base64.RawURLEncoding.EncodedLen(32) == 43
	tokenHashLength = 2 * sha256.Size
)

// tokenEncoding rejects non-canonical encodings (non-zero trailing bits), so
// each 32-byte secret has exactly one well-formed token.
var tokenEncoding = base64.RawURLEncoding.Strict()

// NewManageToken returns a fresh manage token with 256 random bits from
// crypto/rand ("mt_" + 43 base64url characters) and its HashToken hash. Only
// the hash is stored; the token goes to the invitee once, in the link to
// cancel or reschedule. The error is kept for callers' sake: since Go 1.24
// crypto/rand.Read does not fail.
func NewManageToken() (token, hash string, err error) {
	secret := make([]byte, tokenRandBytes)
	if _, err := rand.Read(secret); err != nil {
		return "", "", fmt.Errorf("booking: generating manage token: %w", err)
	}
	token = TokenPrefix + tokenEncoding.EncodeToString(secret)
	return token, HashToken(token), nil
}

// HashToken returns the storage hash of a token: lowercase hex SHA-256 of the
// whole token. It is deterministic, so the store can look a booking up by it;
// with 256 random bits in the token no salt or slow hash is needed.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// TokenMatches reports whether token hashes to the stored hash, comparing in
// constant time (crypto/subtle). An empty or malformed hash never matches.
func TokenMatches(token, hash string) bool {
	if len(hash) != tokenHashLength {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(HashToken(token)), []byte(hash)) == 1
}

// WellFormedToken reports whether s has the shape of a manage token: the
// "mt_" prefix, exactly 46 characters and a canonical base64url body of 32
// bytes. It is a cheap check to reject junk before any database lookup; it
// says nothing about whether the token exists.
func WellFormedToken(s string) bool {
	if len(s) != tokenLength || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	secret, err := tokenEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil && len(secret) == tokenRandBytes
}
