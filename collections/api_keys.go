package collections

// APIKeys is the name of the API keys collection (hashes only, never keys).
const APIKeys = "api_keys"

// APIKeysID is the fixed id of the api_keys collection.
const APIKeysID = "sb_api_keys"

// Fields of the api_keys collection.
const (
	APIKeysName     = "name"
	APIKeysPrefix   = "prefix"
	APIKeysKeyHash  = "key_hash"
	APIKeysScopes   = "scopes"
	APIKeysExpires  = "expires"
	APIKeysLastUsed = "last_used"
	APIKeysRevoked  = "revoked"
)

// Scopes an API key can hold.
var APIKeyScopes = []string{"bookings:read", "bookings:write", "availability:read", "availability:write", "admin"}
