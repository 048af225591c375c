// Package calendar describes the kinds of external calendar connections
// slotbase works with (Google, CalDAV, ICS feeds): what each kind must do,
// as plain values that hooks/ dispatches on calendar_connections.provider.
package calendar

// Provider is one kind of calendar connection and the jobs that do its
// work. Every kind keeps the same promises:
//
//   - its sync job (payload {"connection": id}) brings the connection's
//     busy_blocks up to date through records, so the slot cache, the
//     availability index and live updates see every change;
//   - its write job (payload {"booking": id, "host": id}) makes the host's
//     calendar show the booking as it is when the job runs: written under a
//     deterministic id while it holds its slot, deleted once cancelled,
//     declined, moved to another host or gone; a retry never duplicates;
//   - a credential the server refuses marks the connection needs_reconnect
//     (the reason in last_error) and defers its jobs until a reconnect;
//     other failures retry with the queue's backoff; a booking is never
//     blocked nor lost by a calendar.
type Provider struct {
	// Kind is the calendar_connections.provider value ("google", "caldav", "ics").
	Kind string
	// SyncJob is the job kind that syncs a connection's busy time.
	SyncJob string
	// WriteJob is the job kind that writes a booking's event; "" for a
	// read-only kind (an ICS subscription).
	WriteJob string
}

// Writes reports whether connections of kind p get booking events.
func (p Provider) Writes() bool { return p.WriteJob != "" }

// Find returns the provider of kind among ps.
func Find(ps []Provider, kind string) (Provider, bool) {
	for _, p := range ps {
		if p.Kind == kind {
			return p, true
		}
	}
	return Provider{}, false
}
