package hooks

import (
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/security"

	c "github.com/slotbase/slotbase/collections"
)

// The rows every booking writes (the booking, its audit entry, its jobs,
// later its e-mails' log) get ids that sort by creation time instead of
// PocketBase's 15 random characters. Each table's id index (and the
// indexes keyed by a booking's id: audit_log's record, jobs' booking)
// then takes a group commit's rows on its last page instead of one random
// page per row: with random ids each booking dirtied six pages of those
// indexes, all written to the WAL at the commit and again by the
// checkpoint (issue 18, eleventh step).
//
// An id is 8 base-36 digits of the milliseconds since 2020 (fixed width,
// so that the text order is the time order, until 2109) and 7 random
// base-36 digits (36^7 ≈ 7.8·10^10 per millisecond: collisions are not a
// concern, and nothing is granted by knowing an id: every route that takes
// one needs an admin or host).

// orderedIDCollections are the collections whose new records get ordered ids.
var orderedIDCollections = []string{c.Bookings, c.AuditLog, c.Jobs, c.EmailLog}

const (
	idAlphabet   = "abcdefghijklmnopqrstuvwxyz0123456789"
	idTimeDigits = 8
	idRandDigits = 15 - idTimeDigits
)

// idEpoch is where the ids' clock starts.
var idEpoch = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// orderedID returns a record id for a record created at t.
func orderedID(t time.Time) string {
	ms := max(t.Sub(idEpoch).Milliseconds(), 0)
	stamp := strconv.FormatInt(ms, 36)
	if len(stamp) > idTimeDigits { // past 2109: still a valid id, no longer ordered
		stamp = stamp[len(stamp)-idTimeDigits:]
	}
	return strings.Repeat("0", idTimeDigits-len(stamp)) + stamp + security.RandomStringWithAlphabet(idRandDigits, idAlphabet)
}

// bindOrderedIDs gives new records of orderedIDCollections an ordered id
// unless one was chosen (a derived job id, a superuser's own).
func bindOrderedIDs(app core.App) {
	app.OnRecordCreate(orderedIDCollections...).Bind(&hook.Handler[*core.RecordEvent]{
		Func: func(e *core.RecordEvent) error {
			if e.Record.Id == "" {
				e.Record.Id = orderedID(time.Now())
			}
			return e.Next()
		},
		// Before PocketBase's own handler (-99), whose field interceptors
		// fill a missing id with random characters.
		Priority: -100,
	})
}
