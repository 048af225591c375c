package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

const (
	zonePattern = `^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$`
	datePattern = `^\d{4}-\d{2}-\d{2}$`
	slugPattern = `^[a-z0-9]+(-[a-z0-9]+)*$`
	zoneHelp    = "IANA time zone, e.g. Europe/London"
)

func init() {
	m.Register(func(app core.App) error {
		for _, col := range initialCollections() {
			if err := app.Save(col); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		cols := initialCollections()
		for i := len(cols) - 1; i >= 0; i-- {
			col, err := app.FindCollectionByNameOrId(cols[i].Id)
			if err != nil {
				continue
			}
			if err := app.Delete(col); err != nil {
				return err
			}
		}
		return nil
	})
}

// initialCollections is the whole schema of DESIGN.md, in dependency order.
func initialCollections() []*core.Collection {
	settings := adminOnly(c.Settings, c.SettingsID,
		shown(text(c.SettingsOrgName, true, 200, "Shown on the booking page and in e-mails")),
		pattern(c.SettingsTimezone, true, zonePattern, "The organisation's "+zoneHelp),
		&core.URLField{Name: c.SettingsPublicURL, Help: "Where clients reach slotbase, e.g. https://book.example.org (used in links in e-mails)"},
		pattern(c.SettingsBrandColor, false, `^#[0-9a-fA-F]{6}$`, "Accent colour as #rrggbb"),
		&core.FileField{Name: c.SettingsLogo, MaxSelect: 1, MaxSize: 1 << 20, MimeTypes: []string{"image/png", "image/jpeg", "image/svg+xml", "image/webp"}, Help: "Shown on the booking page (max 1 MB)"},
		text(c.SettingsEmailFrom, false, 200, "Sender name of e-mails to clients"),
		text(c.SettingsEmailIntro, false, 2000, "First paragraph of confirmation e-mails"),
		text(c.SettingsEmailSignature, false, 2000, "Closing lines of every e-mail"),
	)

	schedules := adminOnly(c.Schedules, c.SchedulesID,
		shown(text(c.SchedulesName, true, 200, "")),
		pattern(c.SchedulesTimezone, true, zonePattern, "Zone the weekly hours are read in: "+zoneHelp),
		jsonField(c.SchedulesWeekly, 20000, `Weekly hours, e.g. {"mon":[["09:00","17:00"]],"tue":[["09:00","12:00"],["13:00","17:00"]]}; an end at or before the start runs past midnight`),
	)

	overrides := adminOnly(c.DateOverrides, c.DateOverridesID,
		relation(c.DateOverridesSchedule, c.SchedulesID, 1, true, true, ""),
		shown(pattern(c.DateOverridesDate, true, datePattern, "YYYY-MM-DD in the schedule's zone")),
		jsonField(c.DateOverridesIntervals, 5000, `Hours on that date, e.g. [["10:00","14:00"]]; [] closes the day`),
		text(c.DateOverridesReason, false, 200, ""),
	)
	overrides.AddIndex("idx_date_overrides_schedule_date", true, "schedule, date", "")

	hosts := adminOnly(c.Hosts, c.HostsID,
		shown(text(c.HostsName, true, 200, "")),
		&core.EmailField{Name: c.HostsEmail, Required: true},
		pattern(c.HostsTimezone, true, zonePattern, "The host's "+zoneHelp+" (daily limits count days in it)"),
		relation(c.HostsSchedule, c.SchedulesID, 1, true, false, "Weekly availability"),
		flag(c.HostsActive, "Inactive hosts get no new bookings"),
	)

	eventTypes := adminOnly(c.EventTypes, c.EventTypesID,
		shown(pattern(c.EventTypesSlug, true, slugPattern, "URL name: lowercase letters, digits and dashes")),
		shown(text(c.EventTypesTitle, true, 200, "")),
		text(c.EventTypesDescription, false, 5000, ""),
		minutes(c.EventTypesDuration, 5, 720, true, "Minutes"),
		minutes(c.EventTypesSlotStep, 0, 720, false, "Minutes between offered start times (0 = the duration)"),
		minutes(c.EventTypesBufferBefore, 0, 720, false, "Free minutes the host needs before"),
		minutes(c.EventTypesBufferAfter, 0, 720, false, "Free minutes the host needs after"),
		minutes(c.EventTypesMinNotice, 0, 525600, false, "Minimum minutes between booking and start"),
		number(c.EventTypesHorizonDays, 0, 730, "How many days ahead can be booked (0 = no limit)"),
		number(c.EventTypesDailyLimit, 0, 1000, "Most bookings per host per day (0 = no limit)"),
		number(c.EventTypesSeats, 0, 1000, "Invitees per slot (1 = one-on-one)"),
		relation(c.EventTypesHosts, c.HostsID, 50, true, false, "Who can take it"),
		choice(c.EventTypesAssignment, true, "single: one host; round_robin: any free host; collective: all hosts together",
			c.AssignmentSingle, c.AssignmentRoundRobin, c.AssignmentCollective),
		flag(c.EventTypesRequiresConfirmation, "Bookings wait for a host's approval"),
		text(c.EventTypesLocation, false, 500, `Address, phone or link; "google_meet" adds a Meet link`),
		jsonField(c.EventTypesQuestions, 20000, `Extra questions, e.g. [{"id":"company","label":"Company","type":"text","required":true}]`),
		flag(c.EventTypesActive, "Shown and bookable on the booking page"),
	)
	eventTypes.AddIndex("idx_event_types_slug", true, "slug", "")

	bookings := adminOnly(c.Bookings, c.BookingsID,
		relation(c.BookingsEventType, c.EventTypesID, 1, true, false, ""),
		relation(c.BookingsHosts, c.HostsID, 50, true, false, ""),
		date(c.BookingsStart, true, "UTC"),
		date(c.BookingsEnd, true, "UTC"),
		choice(c.BookingsStatus, true, "", c.StatusPending, c.StatusConfirmed, c.StatusCancelled, c.StatusDeclined),
		shown(text(c.BookingsName, true, 200, "")),
		&core.EmailField{Name: c.BookingsEmail, Required: true},
		pattern(c.BookingsTimezone, true, zonePattern, "The invitee's zone"),
		text(c.BookingsNotes, false, 5000, ""),
		jsonField(c.BookingsAnswers, 50000, ""),
		hidden(text(c.BookingsManageTokenHash, false, 128, "")),
		text(c.BookingsGoogleEventID, false, 1024, ""),
		text(c.BookingsCancelReason, false, 2000, ""),
		date(c.BookingsRescheduledFrom, false, "The start it was last moved from"),
		number(c.BookingsSequence, 0, 1e9, "Changes so far (calendar invite SEQUENCE)"),
		minutes(c.BookingsBufferBefore, 0, 720, false, "Copied from the event type when booked"),
		minutes(c.BookingsBufferAfter, 0, 720, false, "Copied from the event type when booked"),
		hidden(text(c.BookingsIdempotencyKey, false, 300, "")),
		hidden(jsonField(c.BookingsIdempotentReply, 20000, "")),
	)
	bookings.AddIndex("idx_bookings_start", false, "start", "")
	bookings.AddIndex("idx_bookings_event_type_start", false, "event_type, start", "")
	bookings.AddIndex("idx_bookings_token", true, "manage_token_hash", "manage_token_hash != ''")
	bookings.AddIndex("idx_bookings_idempotency", true, "idempotency_key", "idempotency_key != ''")

	connections := adminOnly(c.CalendarConnections, c.CalendarConnectionsID,
		relation(c.CalendarConnectionsHost, c.HostsID, 1, true, true, ""),
		choice(c.CalendarConnectionsProvider, true, "", "google"),
		shown(text(c.CalendarConnectionsAccount, false, 320, "The connected account's e-mail")),
		hidden(text(c.CalendarConnectionsTokens, false, 20000, "")),
		jsonField(c.CalendarConnectionsBusyCalendars, 20000, "Calendar ids whose events count as busy"),
		text(c.CalendarConnectionsWriteCalendar, false, 1024, "Calendar id bookings are written to"),
		hidden(jsonField(c.CalendarConnectionsSyncState, 200000, "")),
		date(c.CalendarConnectionsLastSynced, false, ""),
		choice(c.CalendarConnectionsStatus, true, "", c.ConnectionConnected, c.ConnectionNeedsReconnect, c.ConnectionDisconnected),
		text(c.CalendarConnectionsLastError, false, 2000, ""),
	)

	busy := adminOnly(c.BusyBlocks, c.BusyBlocksID,
		relation(c.BusyBlocksConnection, c.CalendarConnectionsID, 1, true, true, ""),
		date(c.BusyBlocksStart, true, "UTC"),
		date(c.BusyBlocksEnd, true, "UTC"),
		text(c.BusyBlocksSourceID, false, 1024, ""),
	)
	busy.AddIndex("idx_busy_blocks_connection_end", false, "connection, end", "")
	busy.AddIndex("idx_busy_blocks_source", true, "connection, source_id", "source_id != ''")

	apiKeys := adminOnly(c.APIKeys, c.APIKeysID,
		shown(text(c.APIKeysName, true, 200, "")),
		text(c.APIKeysPrefix, true, 64, "Public part of the key, to recognise it"),
		hidden(text(c.APIKeysKeyHash, true, 256, "")),
		&core.SelectField{Name: c.APIKeysScopes, MaxSelect: len(c.APIKeyScopes), Values: c.APIKeyScopes, Required: true},
		date(c.APIKeysExpires, false, "Empty = never"),
		date(c.APIKeysLastUsed, false, ""),
		flag(c.APIKeysRevoked, ""),
	)
	apiKeys.AddIndex("idx_api_keys_prefix", true, "prefix", "")

	jobs := adminOnly(c.Jobs, c.JobsID,
		shown(text(c.JobsKind, true, 100, "")),
		jsonField(c.JobsPayload, 200000, ""),
		choice(c.JobsStatus, true, "dead = gave up after its last attempt; see last_error", c.JobPending, c.JobRunning, c.JobDone, c.JobDead),
		number(c.JobsAttempts, 0, 1e6, ""),
		date(c.JobsRunAfter, true, "UTC"),
		date(c.JobsLockedUntil, false, "Lease of the worker running it"),
		text(c.JobsLastError, false, 5000, ""),
		text(c.JobsBooking, false, 64, "Booking the job belongs to, if any"),
	)
	jobs.AddIndex("idx_jobs_due", false, "status, run_after", "")
	jobs.AddIndex("idx_jobs_booking", false, "booking", "booking != ''")

	return []*core.Collection{settings, schedules, overrides, hosts, eventTypes, bookings, connections, busy, apiKeys, jobs}
}
