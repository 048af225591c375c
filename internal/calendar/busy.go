package calendar

import "time"

// BusyBlock is a span of a host's external calendar that blocks slots.
// SourceID is unique within one connection; its form is the provider's
// ("<object key>/<start>" for CalDAV, "<event id>/<start UTC RFC 3339>"
// for Microsoft).
type BusyBlock struct {
	SourceID string
	Start    time.Time // UTC
	End      time.Time // UTC
}

// ObjectBusy is the busy time of one calendar object (a CalDAV object, a
// Graph event) after a change: the caller replaces every block whose
// source id starts with Key+"/" by Blocks (none when the object no longer
// blocks the window: free, cancelled, slotbase's own).
type ObjectBusy struct {
	Key    string
	Blocks []BusyBlock
}

// Changes is what one sync of one calendar found; S is the provider's
// state to keep between syncs (a sync token and ctag, a delta link).
type Changes[S any] struct {
	// Full means Objects is the calendar's complete busy time in the
	// window: replace the calendar's cache instead of patching it (a first
	// sync, or a sync position the server no longer knew).
	Full bool
	// Objects are the changed (or, when Full, all) objects' busy time.
	Objects []ObjectBusy
	// Removed are the keys of objects deleted (or moved out of the window).
	Removed []string
	// State is the state to store for the next sync.
	State S
}

// Blocks returns every block of ch, in object order.
func (ch Changes[S]) Blocks() []BusyBlock {
	var out []BusyBlock
	for _, o := range ch.Objects {
		out = append(out, o.Blocks...)
	}
	return out
}
