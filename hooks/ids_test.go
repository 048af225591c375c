package hooks

import (
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	c "github.com/slotbase/slotbase/collections"
)

var recordIDPattern = regexp.MustCompile(`^[0-9a-z]{15}$`)

// idTime decodes the creation time an ordered id carries.
func idTime(t *testing.T, id string) time.Time {
	t.Helper()
	ms, err := strconv.ParseInt(id[:idTimeDigits], 36, 64)
	if err != nil {
		t.Fatalf("id %q: %v", id, err)
	}
	return idEpoch.Add(time.Duration(ms) * time.Millisecond)
}

// TestOrderedIDSortsByTime: ids are PocketBase ids (15 of [0-9a-z]) whose
// text order is their time order, a millisecond apart or decades, and
// two ids of one millisecond differ.
func TestOrderedIDSortsByTime(t *testing.T) {
	times := []time.Time{
		idEpoch, // the clock's zero
		time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC),
		time.Date(2026, 3, 2, 9, 0, 0, int(time.Millisecond), time.UTC),
		time.Date(2026, 3, 2, 9, 0, 1, 0, time.UTC),
		time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2099, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	var ids []string
	for _, at := range times {
		id := orderedID(at)
		if !recordIDPattern.MatchString(id) {
			t.Fatalf("id at %s: %q, not a PocketBase id", at, id)
		}
		if got := idTime(t, id); !got.Equal(at.Truncate(time.Millisecond)) {
			t.Fatalf("id at %s carries %s", at, got)
		}
		ids = append(ids, id)
	}
	if !slices.IsSorted(ids) {
		t.Fatalf("ids of increasing times do not sort: %v", ids)
	}
	if a, b := orderedID(times[1]), orderedID(times[1]); a == b {
		t.Fatalf("two ids of one millisecond are the same: %q", a)
	}
	if id := orderedID(idEpoch.Add(-time.Hour)); !recordIDPattern.MatchString(id) || id[:idTimeDigits] != "00000000" {
		t.Fatalf("an id before the clock's zero: %q", id)
	}
}

// TestBookingRowsGetOrderedIDs: a booking made through the public API,
// its audit entry and its event job get ordered ids of the time they were
// made; a record saved with an id of its own keeps it.
func TestBookingRowsGetOrderedIDs(t *testing.T) {
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	before := time.Now().Truncate(time.Millisecond)
	p := postBooking(t, url, goodBooking(), nil)
	after := time.Now()
	if p.code != 201 {
		t.Fatalf("booking: %d %v", p.code, p.body)
	}
	booking, err := app.FindFirstRecordByFilter(c.Bookings, "")
	if err != nil {
		t.Fatal(err)
	}
	audits, err := app.FindAllRecords(c.AuditLog)
	if err != nil {
		t.Fatal(err)
	}
	// The booking's event job (the fan-out's jobs have ids derived from
	// their keys: enqueueOnce).
	jobs, err := app.FindAllRecords(c.Jobs, dbx.HashExp{c.JobsKind: KindBookingEvent})
	if err != nil {
		t.Fatal(err)
	}
	if len(audits) == 0 || len(jobs) == 0 {
		t.Fatalf("%d audit entries and %d jobs after a booking, want some of each", len(audits), len(jobs))
	}
	ids := []string{booking.Id}
	for _, r := range append(audits, jobs...) {
		ids = append(ids, r.Id)
	}
	for _, id := range ids {
		if !recordIDPattern.MatchString(id) {
			t.Fatalf("id %q is not a PocketBase id", id)
		}
		if at := idTime(t, id); at.Before(before) || at.After(after) {
			t.Fatalf("id %q carries %s, not a time between the request's %s and %s", id, at, before, after)
		}
	}
	own := save(t, app, c.Bookings, map[string]any{"id": "ownid0000000001", c.BookingsEventType: booking.GetString(c.BookingsEventType),
		c.BookingsHosts: []string{host}, c.BookingsStart: "2026-03-04 10:00:00.000Z", c.BookingsEnd: "2026-03-04 10:30:00.000Z",
		c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "O", c.BookingsEmail: "o@example.com", c.BookingsTimezone: "UTC"})
	if own.Id != "ownid0000000001" {
		t.Fatalf("a booking saved with its own id got %q", own.Id)
	}
}
