package fakegraph

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// handleAuthorize plays the sign-in and consent pages: it checks the
// request like the identity platform does (client, response type, PKCE
// S256) and redirects at once to redirect_uri with a code and the state.
func (s *Server) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Host == "" {
		http.Error(w, "AADSTS50011: invalid redirect_uri", http.StatusBadRequest)
		return
	}
	back := redirect.Query()
	back.Set("state", q.Get("state"))
	switch {
	case q.Get("client_id") != s.ClientID:
		back.Set("error", "unauthorized_client")
	case q.Get("response_type") != "code":
		back.Set("error", "unsupported_response_type")
	case q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256":
		back.Set("error", "invalid_request")
		back.Set("error_description", "AADSTS9002325: Proof Key for Code Exchange (S256) is required")
	default:
		code := random("code-")
		s.mu.Lock()
		s.codes[code] = authCode{challenge: q.Get("code_challenge"), redirect: q.Get("redirect_uri"), scope: q.Get("scope")}
		s.mu.Unlock()
		back.Set("code", code)
	}
	redirect.RawQuery = back.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

// tokenError writes the identity platform's OAuth error body.
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]any{"error": code, "error_description": desc, "error_codes": []int{70000}})
}

// handleToken serves grant_type authorization_code (with the PKCE
// verifier) and refresh_token (rotating: each refresh token works once).
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: malformed body")
		return
	}
	f := r.PostForm
	s.mu.Lock()
	defer s.mu.Unlock()
	if f.Get("client_id") != s.ClientID || (s.ClientSecret != "" && f.Get("client_secret") != s.ClientSecret) {
		tokenError(w, http.StatusUnauthorized, "invalid_client", "AADSTS7000215: Invalid client secret provided.")
		return
	}
	scope := "Calendars.ReadWrite User.Read"
	switch f.Get("grant_type") {
	case "authorization_code":
		c, ok := s.codes[f.Get("code")]
		delete(s.codes, f.Get("code"))
		if !ok || s.revoked {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The provided authorization code has expired or was already redeemed.")
			return
		}
		if f.Get("redirect_uri") != c.redirect {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70000: redirect_uri does not match.")
			return
		}
		sum := sha256.Sum256([]byte(f.Get("code_verifier")))
		if f.Get("code_verifier") == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS501481: The Code_Verifier does not match the code_challenge supplied in the authorization request.")
			return
		}
		if c.scope != "" {
			scope = strings.Join(strings.Fields(c.scope), " ")
		}
	case "refresh_token":
		rt := f.Get("refresh_token")
		if s.revoked || !s.refresh[rt] {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70000: The user or administrator has not consented or the grant was revoked.")
			return
		}
		delete(s.refresh, rt)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: unsupported grant_type")
		return
	}
	at, rt := random("at-"), random("rt-")
	s.access[at] = time.Now().Add(s.tokenTTL)
	s.refresh[rt] = true
	writeJSON(w, http.StatusOK, map[string]any{
		"token_type": "Bearer", "scope": scope, "expires_in": int(s.tokenTTL / time.Second),
		"ext_expires_in": int(s.tokenTTL / time.Second), "access_token": at, "refresh_token": rt,
	})
}
