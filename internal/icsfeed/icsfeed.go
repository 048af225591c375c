// Package icsfeed turns a read-only iCalendar feed (a shared Outlook, Apple,
// Proton or Google calendar's ICS URL) into busy blocks: it parses the feed
// with github.com/emersion/go-ical, expands recurrences (RRULE, RDATE,
// EXDATE, RECURRENCE-ID overrides) with github.com/teambition/rrule-go
// inside a window, resolves TZIDs (IANA names or the feed's own VTIMEZONE
// rules) and skips transparent and cancelled events. Fetch downloads a feed
// with conditional requests, a body limit and refusal of private addresses.
//
// go-ical's own Component.RecurrenceSet is not used: it reads RDATE from the
// EXDATE properties, ignores comma-separated values and cannot resolve a
// TZID that only the feed's VTIMEZONE defines.
package icsfeed

import (
	"errors"
	"time"
)

// Limits of Expand.
const (
	// DefaultMaxBlocks bounds the blocks one feed may produce.
	DefaultMaxBlocks = 50000
	// maxPerSeries bounds the occurrences one recurring event may produce in
	// the window (a daily event over 400 days is 400).
	maxPerSeries = 5000
)

var (
	// ErrSyntax is wrapped by errors for input that is not an iCalendar feed.
	ErrSyntax = errors.New("icsfeed: not an iCalendar feed")
	// ErrTooMany is returned when a feed expands to more than Options.MaxBlocks.
	ErrTooMany = errors.New("icsfeed: too many busy blocks")
)

// Block is one busy span, with a source id that is stable across refreshes
// of the same feed (the event's UID and the occurrence's original start).
type Block struct {
	SourceID   string
	Start, End time.Time // UTC, Start < End
}

// Options say which window to expand into and how to read zone-less times.
type Options struct {
	// From and To bound the window: blocks that end after From and start
	// before To are returned (clipped to nothing: whole blocks).
	From, To time.Time
	// Host is the zone of floating times and of all-day events (whole local
	// days in the host's zone). Required.
	Host *time.Location
	// MaxBlocks bounds the result (DefaultMaxBlocks when 0).
	MaxBlocks int
}

// Result is what Expand found: the blocks, and the events it had to skip
// (an unknown TZID, a broken rule) with the reason, so a sync can show them
// in last_error without dropping the feed's other busy time.
type Result struct {
	Blocks  []Block
	Skipped []string
}
