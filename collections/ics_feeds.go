package collections

// Calendar providers (calendar_connections.provider).
const (
	// ProviderGoogle is a Google Calendar account (OAuth).
	ProviderGoogle = "google"
	// ProviderICS is a read-only ICS subscription: its sealed URL is kept in
	// tokens_encrypted, the masked URL in account, and its validators (ETag,
	// Last-Modified) in sync_state.
	ProviderICS = "ics"
)

// ConnectionFailing is the status of an ICS subscription whose server
// refuses the URL (401, 403, 404, 410): the last busy time stays, the
// refresh keeps trying, and an admin should fix or replace the URL.
const ConnectionFailing = "failing"

// HostsICSFeedTokenHash is the SHA-256 (hex) of the token of the host's
// private feed of bookings (/ics/{token}.ics); empty: no feed. Hidden.
const HostsICSFeedTokenHash = "ics_feed_token_hash"
