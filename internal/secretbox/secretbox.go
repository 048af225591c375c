// Package secretbox seals small secrets (manage tokens in job payloads, OAuth
// tokens at rest) with AES-256-GCM under the server's 32-byte key. A sealed
// value is "v1." + base64url(nonce ‖ ciphertext ‖ tag); the additional data
// binds it to its purpose, so a value sealed for one use opens for no other.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
)

// Errors of Open.
var (
	ErrKey    = errors.New("secretbox: key must be 32 bytes")
	ErrSealed = errors.New("secretbox: not a sealed value, or sealed under another key or purpose")
)

const prefix = "v1."

// Seal encrypts plaintext under key for purpose.
func Seal(key []byte, purpose string, plaintext []byte) (string, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := aead.Seal(nonce, nonce, plaintext, []byte(purpose))
	return prefix + base64.RawURLEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with the same key and purpose.
func Open(key []byte, purpose, sealed string) ([]byte, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(sealed, prefix))
	if err != nil || !strings.HasPrefix(sealed, prefix) || len(raw) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrSealed
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(purpose))
	if err != nil {
		return nil, ErrSealed
	}
	return plain, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, ErrKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
