package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// reminderOffsetsHelp explains event_types.reminder_offsets in the admin UI.
const reminderOffsetsHelp = `Reminder e-mails to the invitee, in minutes before the start, e.g. [1440, 60] (24 h and 1 h, the default when empty); [] sends none`

// E-mail: per event type reminder offsets, and the e-mail log that makes
// every booking e-mail go out once.
func init() {
	m.Register(func(app core.App) error {
		eventTypes, err := app.FindCollectionByNameOrId(c.EventTypesID)
		if err != nil {
			return err
		}
		eventTypes.Fields.Add(jsonField(c.EventTypesReminderOffsets, 1000, reminderOffsetsHelp))
		if err := app.Save(eventTypes); err != nil {
			return err
		}
		// Existing event types show the default they get, so admins see it.
		if _, err := app.DB().NewQuery("UPDATE event_types SET reminder_offsets = '[1440,60]' WHERE reminder_offsets IS NULL OR reminder_offsets = '' OR reminder_offsets = 'null'").Execute(); err != nil {
			return err
		}
		return app.Save(emailLogCollection())
	}, func(app core.App) error {
		if col, err := app.FindCollectionByNameOrId(c.EmailLogID); err == nil {
			if err := app.Delete(col); err != nil {
				return err
			}
		}
		eventTypes, err := app.FindCollectionByNameOrId(c.EventTypesID)
		if err != nil {
			return err
		}
		eventTypes.Fields.RemoveByName(c.EventTypesReminderOffsets)
		return app.Save(eventTypes)
	})
}

// emailLogCollection is the e-mail log: admins read it to see what went out
// to whom (never the body: invitee mails carry the private manage link).
func emailLogCollection() *core.Collection {
	log := adminOnly(c.EmailLog, c.EmailLogID,
		text(c.EmailLogBooking, false, 64, "Booking the e-mail is about"),
		shown(text(c.EmailLogKind, true, 50, "confirmed, requested, approved, declined, rescheduled, cancelled or reminder")),
		choice(c.EmailLogRole, true, "", "invitee", "host"),
		text(c.EmailLogRecipient, false, 320, ""),
		text(c.EmailLogSubject, false, 500, ""),
		text(c.EmailLogMessageID, false, 300, "Message-ID header (a retried job sends the same one)"),
		choice(c.EmailLogStatus, true, "skipped = not sent on purpose, see note", c.EmailSent, c.EmailSkipped),
		choice(c.EmailLogTransport, false, "smtp, or file when no SMTP server is configured", "smtp", "file"),
		text(c.EmailLogFile, false, 1000, "The .eml file written instead of sending"),
		text(c.EmailLogNote, false, 1000, ""),
		date(c.EmailLogAt, true, "When it was sent or skipped (UTC)"),
	)
	log.AddIndex("idx_email_log_booking", false, "booking", "")
	return log
}
