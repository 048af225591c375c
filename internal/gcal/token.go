package gcal

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/slotbase/slotbase/internal/secretbox"
)

// Secretbox purposes of the Google values slotbase seals.
const (
	PurposeTokens = "slotbase google oauth tokens"
	PurposeState  = "slotbase google oauth state"
)

// SealToken encrypts an OAuth token for storage (AES-256-GCM under key).
func SealToken(key []byte, tok *oauth2.Token) (string, error) {
	raw, err := json.Marshal(tok)
	if err != nil {
		return "", err
	}
	return secretbox.Seal(key, PurposeTokens, raw)
}

// OpenToken decrypts a token SealToken made.
func OpenToken(key []byte, sealed string) (*oauth2.Token, error) {
	raw, err := secretbox.Open(key, PurposeTokens, sealed)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	tok := &oauth2.Token{}
	if err := json.Unmarshal(raw, tok); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	return tok, nil
}

// PersistingTokenSource hands out src's tokens and calls Save whenever the
// token changed (a refresh), so a rotated token survives a restart. An
// invalid_grant from a refresh comes back as ErrInvalidGrant.
type PersistingTokenSource struct {
	Src  oauth2.TokenSource
	Save func(*oauth2.Token) error

	mu   sync.Mutex
	last string
}

// NewPersistingTokenSource wraps src, whose current token is initial.
func NewPersistingTokenSource(src oauth2.TokenSource, initial *oauth2.Token, save func(*oauth2.Token) error) *PersistingTokenSource {
	p := &PersistingTokenSource{Src: src, Save: save}
	if initial != nil {
		p.last = initial.AccessToken
	}
	return p
}

// Token implements oauth2.TokenSource.
func (p *PersistingTokenSource) Token() (*oauth2.Token, error) {
	tok, err := p.Src.Token()
	if err != nil {
		return nil, classify(err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if tok.AccessToken != p.last {
		if err := p.Save(tok); err != nil {
			return nil, fmt.Errorf("saving the refreshed token: %w", err)
		}
		p.last = tok.AccessToken
	}
	return tok, nil
}

// OAuthState is what the signed state of a connect flow carries.
type OAuthState struct {
	Host     string    `json:"h"`
	Verifier string    `json:"v"` // PKCE code verifier, secret: the state is sealed, not only signed
	Expires  time.Time `json:"e"`
	Redirect string    `json:"r"` // the redirect URI sent, which the code exchange must repeat
}

// Errors of OpenState.
var (
	ErrStateInvalid = errors.New("google: the connect link is invalid")
	ErrStateExpired = errors.New("google: the connect link expired; start again")
)

// SealState encrypts and authenticates st for the OAuth state parameter
// (URL-safe). AES-GCM both signs it and hides the PKCE verifier.
func SealState(key []byte, st OAuthState) (string, error) {
	raw, err := json.Marshal(st)
	if err != nil {
		return "", err
	}
	return secretbox.Seal(key, PurposeState, raw)
}

// OpenState verifies a sealed state and its expiry at now.
func OpenState(key []byte, sealed string, now time.Time) (OAuthState, error) {
	var st OAuthState
	raw, err := secretbox.Open(key, PurposeState, sealed)
	if err != nil || json.Unmarshal(raw, &st) != nil || st.Host == "" || st.Verifier == "" {
		return st, ErrStateInvalid
	}
	if !now.Before(st.Expires) {
		return st, ErrStateExpired
	}
	return st, nil
}

// ChannelToken derives the secret token a push channel of connection
// carries, so a notification can be verified without storing the token.
func ChannelToken(key []byte, channelID string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("slotbase google channel\x00" + channelID))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}
