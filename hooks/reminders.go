package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/mail"
)

// Reminders are KindEmailSend jobs with run_after at their time, enqueued by
// the fan-out of the event that gave a booking its (confirmed) time, keyed by
// booking, sequence and offset: each is enqueued once, and a reschedule
// (a new sequence) enqueues a fresh set. When one runs, it re-checks the
// booking (still confirmed, same sequence, not started) and otherwise skips,
// so cancelled and moved bookings get no reminder for the old time. The
// queue beats a cron scan here: a reminder is one indexed row due at an
// exact instant, retried like any e-mail, and visible in the jobs table.

// defaultReminderOffsets apply when an event type's reminder_offsets is
// empty: 24 hours and 1 hour before the start.
var defaultReminderOffsets = []int{1440, 60}

// Limits of event_types.reminder_offsets.
const (
	maxReminders      = 5
	maxReminderOffset = 30 * 24 * 60 // minutes
)

// parseReminderOffsets reads reminder_offsets: null or empty means the
// default; otherwise a JSON array of at most maxReminders distinct whole
// minutes in 1..maxReminderOffset.
func parseReminderOffsets(raw []byte) ([]int, error) {
	if s := string(raw); s == "" || s == "null" || s == `""` {
		return defaultReminderOffsets, nil
	}
	var offsets []int
	if err := json.Unmarshal(raw, &offsets); err != nil {
		return nil, errors.New("must be a JSON array of whole minutes, e.g. [1440, 60]")
	}
	if len(offsets) > maxReminders {
		return nil, fmt.Errorf("at most %d reminders", maxReminders)
	}
	seen := map[int]bool{}
	for _, m := range offsets {
		if m < 1 || m > maxReminderOffset {
			return nil, fmt.Errorf("each offset must be between 1 and %d minutes, not %d", maxReminderOffset, m)
		}
		if seen[m] {
			return nil, fmt.Errorf("offset %d appears twice", m)
		}
		seen[m] = true
	}
	return offsets, nil
}

// validateReminderOffsets rejects an event type with malformed
// reminder_offsets when it is saved (admin UI or API).
func validateReminderOffsets(e *core.RecordEvent) error {
	if _, err := parseReminderOffsets(c.NewEventType(e.Record).ReminderOffsetsJSON()); err != nil {
		return validation.Errors{c.EventTypesReminderOffsets: validation.NewError("validation_invalid_reminder_offsets", err.Error())}
	}
	return e.Next()
}

// scheduleReminders enqueues the reminders of a booking whose event gave it
// a confirmed time (created, confirmed, rescheduled), skipping offsets whose
// time had passed when the event happened. An event a later change
// superseded schedules nothing: the later event does.
func scheduleReminders(tx core.App, ev bookingEvent, b *c.Booking, sealedToken string) error {
	switch ev.Event {
	case "created", "confirmed", "rescheduled":
	default:
		return nil
	}
	if b.Status() != c.StatusConfirmed || b.Sequence() != ev.Sequence {
		return nil
	}
	etRecord, err := tx.FindRecordById(c.EventTypes, b.EventTypeID())
	if err != nil {
		return err
	}
	offsets, err := parseReminderOffsets(c.NewEventType(etRecord).ReminderOffsetsJSON())
	if err != nil {
		offsets = defaultReminderOffsets // saved before validation existed; remind anyway
	}
	for _, minutes := range offsets {
		at := b.Start().Add(-time.Duration(minutes) * time.Minute)
		if !at.After(ev.At) {
			continue
		}
		key := "reminder:" + b.Id + ":" + strconv.Itoa(b.Sequence()) + ":" + strconv.Itoa(minutes)
		job := emailJob{Booking: b.Id, Kind: mail.Reminder, Role: mail.ToInvitee, Sequence: b.Sequence(), Token: sealedToken, Offset: minutes}
		if err := enqueueOnce(tx, key, KindEmailSend, job, b.Id, at); err != nil {
			return err
		}
	}
	return nil
}
