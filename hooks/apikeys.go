package hooks

import (
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
)

// Limits of API key authentication.
const (
	// badKeyLimit failed key attempts per IP within badKeyWindow get 429.
	badKeyLimit  = 10
	badKeyWindow = time.Minute
	// lastUsedEvery is how stale api_keys.last_used may get: a key used all
	// day costs one write a minute, not one per request.
	lastUsedEvery = time.Minute
)

// keyGuard counts failed key attempts per client IP and remembers when each
// key's last_used was written.
type keyGuard struct {
	mu       sync.Mutex
	failures map[string][]time.Time
	touched  map[string]time.Time
}

func (g *keyGuard) blocked(ip string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.failures[ip]) == 0 {
		return false
	}
	recent := g.failures[ip][:0]
	for _, t := range g.failures[ip] {
		if now.Sub(t) < badKeyWindow {
			recent = append(recent, t)
		}
	}
	g.failures[ip] = recent
	return len(recent) >= badKeyLimit
}

func (g *keyGuard) fail(ip string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.failures == nil || len(g.failures) > 10000 {
		g.failures = map[string][]time.Time{}
	}
	g.failures[ip] = append(g.failures[ip], now)
}

// touch reports whether key id's last_used is due for a write.
func (g *keyGuard) touch(id string, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.touched == nil {
		g.touched = map[string]time.Time{}
	}
	if now.Sub(g.touched[id]) < lastUsedEvery {
		return false
	}
	g.touched[id] = now
	return true
}

// requireAdmin admits a signed-in superuser, or an API key
// ("Authorization: Bearer sb_…") holding scope: 401 without valid
// credentials, 403 with too few scopes, 429 after repeated bad keys from one
// address. It records the Actor for the audit log.
func (s *server) requireAdmin(scope string) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.Auth != nil && e.Auth.IsSuperuser() {
			e.Set(actorKey, Actor{Kind: ActorSuperuser, ID: e.Auth.Id, Label: e.Auth.Email()})
			return e.Next()
		}
		now := s.now()
		ip := clientIP(e)
		header := e.Request.Header.Get("Authorization")
		key, hasBearer := strings.CutPrefix(header, "Bearer ")
		if !hasBearer || !strings.HasPrefix(key, "sb_") {
			if e.Auth != nil { // signed in, as a host: known, and not allowed
				return e.ForbiddenError("These routes are for admins; hosts use /api/host/….", nil)
			}
			return e.UnauthorizedError("A superuser token or an API key (Authorization: Bearer sb_…) is required.", nil)
		}
		if s.keys.blocked(ip, now) {
			return e.TooManyRequestsError("Too many invalid API keys from this address; try again in a minute.", nil)
		}
		r, ok := s.findKey(e.App, key, now)
		if !ok {
			s.keys.fail(ip, now)
			return e.UnauthorizedError("Invalid, expired or revoked API key.", nil)
		}
		if !apikey.Allows(r.GetStringSlice(c.APIKeysScopes), scope) {
			return e.ForbiddenError("This API key lacks the scope "+scope+".", nil)
		}
		e.Set(actorKey, Actor{Kind: ActorAPIKey, ID: r.Id, Label: r.GetString(c.APIKeysName) + " (" + r.GetString(c.APIKeysPrefix) + ")"})
		if s.keys.touch(r.Id, now) {
			if _, err := e.App.DB().NewQuery("UPDATE api_keys SET last_used = {:t} WHERE id = {:id}").
				Bind(map[string]any{"t": c.UTCString(now), "id": r.Id}).Execute(); err != nil {
				e.App.Logger().Warn("api key: last_used not recorded", "key", r.GetString(c.APIKeysPrefix), "error", err)
			}
		}
		return e.Next()
	}
}

// findKey looks a presented key up by its public prefix and checks the
// hash (constant time), revocation and expiry.
func (s *server) findKey(app core.App, key string, now time.Time) (*core.Record, bool) {
	prefix, ok := apikey.Parse(key)
	if !ok {
		return nil, false
	}
	r, err := app.FindFirstRecordByData(c.APIKeys, c.APIKeysPrefix, prefix)
	if err != nil || !apikey.Matches(key, r.GetString(c.APIKeysKeyHash)) || r.GetBool(c.APIKeysRevoked) {
		return nil, false
	}
	if exp := r.GetDateTime(c.APIKeysExpires); !exp.IsZero() && !now.Before(exp.Time()) {
		return nil, false
	}
	return r, true
}

// clientIP is the request's client address (PocketBase applies the trusted
// proxy header settings).
func clientIP(e *core.RequestEvent) string {
	if ip := e.RealIP(); ip != "" {
		return ip
	}
	host, _, _ := net.SplitHostPort(e.Request.RemoteAddr)
	return host
}

// createAPIKey stores a new key and returns it (the only time it is seen).
func createAPIKey(app core.App, actor Actor, name string, scopes []string, expires time.Time) (key string, r *core.Record, err error) {
	key, prefix, hash, err := apikey.New()
	if err != nil {
		return "", nil, err
	}
	values := map[string]any{c.APIKeysName: name, c.APIKeysPrefix: prefix, c.APIKeysKeyHash: hash, c.APIKeysScopes: scopes, c.APIKeysRevoked: false}
	if !expires.IsZero() {
		values[c.APIKeysExpires] = expires.UTC()
	}
	if r, err = newRecord(app, c.APIKeys, values); err != nil {
		return "", nil, err
	}
	err = app.RunInTransaction(func(tx core.App) error { return auditedSave(tx, actor, ActionRecordCreated, r) })
	return key, r, err
}

// apiKeyRequest is the body of POST /api/admin/api-keys.
type apiKeyRequest struct {
	Name    string `json:"name"`
	Scopes  string `json:"scopes"`
	Expires string `json:"expires"`
}

// handleCreateAPIKey answers POST /api/admin/api-keys (superusers only):
// 201 with the key, shown this once.
func (s *server) handleCreateAPIKey(e *core.RequestEvent) error {
	var req apiKeyRequest
	if err := decodeSmall(e.Request.Body, &req); err != nil {
		return badRequest(e, map[string]error{"body": err})
	}
	errs := map[string]error{}
	name := strings.TrimSpace(req.Name)
	if name == "" || len(name) > 200 {
		errs["name"] = fieldErr("is required, at most 200 characters")
	}
	scopes, err := apikey.ParseScopes(req.Scopes)
	if err != nil {
		errs["scopes"] = fieldErr(strings.TrimPrefix(err.Error(), "scopes: "))
	}
	var expires time.Time
	if req.Expires != "" {
		if expires, err = time.Parse(time.RFC3339, req.Expires); err != nil || !expires.After(s.now()) {
			errs["expires"] = fieldErr("must be a future RFC 3339 time with an offset")
		}
	}
	if len(errs) > 0 {
		return badRequest(e, errs)
	}
	key, r, err := createAPIKey(e.App, actorOf(e), name, scopes, expires)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusCreated, map[string]any{"id": r.Id, "name": name, "prefix": r.GetString(c.APIKeysPrefix), "scopes": scopes, "key": key})
}
