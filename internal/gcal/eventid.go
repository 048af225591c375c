package gcal

import (
	"crypto/sha256"
	"encoding/base32"
	"strings"
)

// eventIDEncoding is base32hex in lower case: exactly the characters Google
// allows in event ids (a–v and 0–9).
var eventIDEncoding = base32.HexEncoding.WithPadding(base32.NoPadding)

// EventID is the Google event id of a booking: "sb" followed by the base32hex
// of a SHA-256 of the booking id (54 characters). The same booking always maps
// to the same id, so a retried or duplicated insert meets a 409 instead of
// creating a second event.
func EventID(bookingID string) string {
	sum := sha256.Sum256([]byte("slotbase booking event\x00" + bookingID))
	return "sb" + strings.ToLower(eventIDEncoding.EncodeToString(sum[:]))
}

// ValidEventID reports whether id satisfies Google's rules for client ids:
// 5 to 1024 characters of a–v and 0–9.
func ValidEventID(id string) bool {
	if len(id) < 5 || len(id) > 1024 {
		return false
	}
	for i := 0; i < len(id); i++ {
		ch := id[i]
		if !(ch >= 'a' && ch <= 'v' || ch >= '0' && ch <= '9') {
			return false
		}
	}
	return true
}
