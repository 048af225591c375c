package hooks

import (
	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/calendar"
	"github.com/slotbase/slotbase/internal/queue"
)

// The capabilities of slotbase, composed in one place: which record hooks
// each binds, which job kinds it runs, what every booking event fans out to
// and what runs on a schedule. Nothing registers itself from an init func;
// reading this file tells the whole wiring. Routes are in routes.go.

// bindRecordHooks binds, once per app, the record hooks of every capability.
func (s *server) bindRecordHooks() {
	s.slots.bind(s.app)                                                       // slot cache invalidation (slotcache.go)
	s.live.bind(s.app)                                                        // live updates of open booking pages (livehub.go)
	bindSetupVersion(s.app)                                                   // the setup version's triggers kept in place (booksetup.go)
	s.settings.bind(s.app)                                                    // the kept settings record forgotten at each change (settings_kept.go)
	bindOrderedIDs(s.app)                                                     // ids of bookings, audit, jobs and e-mail log rows sort by time (ids.go)
	bindValidation(s.app)                                                     // domain rules of admin-editable collections (validate.go)
	bindEventTypeDefaults(s.app)                                              // working defaults of new event types (defaults.go)
	s.app.OnRecordValidate(c.EventTypes).BindFunc(validateReminderOffsets)    // reminders (reminders.go)
	s.bindBookingRecords(s.app)                                               // the records API goes through the booking door (door_records.go)
	bindAudit(s.app)                                                          // audit log of records API changes (audit.go)
	bindWebhookRecords(s.app)                                                 // webhook secrets and URLs (webhooks.go)
	s.metrics.bindRecords(s.app)                                              // mails counted as logged (metrics.go)
	s.app.OnRecordCreate(c.EventTypes).BindFunc(eventTypePaymentDefaults)     // paid sessions: hold and refund defaults (payments.go)
	s.app.OnRecordValidate(c.EventTypes).BindFunc(s.validateEventTypePayment) // price, currency, hold, refund policy (payments.go)
}

// jobHandlers is every job kind slotbase runs and its handler.
func (s *server) jobHandlers() map[string]queue.Handler {
	return map[string]queue.Handler{
		KindBookingEvent:   s.handleBookingEvent,   // jobs.go: shares transactions with bookings (groupcommit.go)
		KindEmailSend:      s.handleEmailSend,      // email.go
		KindWebhookDeliver: s.handleWebhookDeliver, // webhooks.go
		KindGcalWrite:      s.handleGcalWrite,      // gcal_write.go
		KindGcalSync:       s.handleGcalSync,       // gcal_sync.go
		KindICSSync:        s.handleICSSync,        // icsfeed_sync.go
		KindCalDAVSync:     s.handleCalDAVSync,     // caldav_sync.go
		KindCalDAVWrite:    s.handleCalDAVWrite,    // caldav_write.go
		KindMSGraphSync:    s.handleMSGraphSync,    // msgraph_sync.go
		KindMSGraphWrite:   s.handleMSGraphWrite,   // msgraph_write.go
		KindPaymentExpire:  s.handlePaymentExpire,  // payments_jobs.go
		KindPaymentRefund:  s.handlePaymentRefund,  // payments_jobs.go
	}
}

// bookingSinks is what every booking event fans out to, in this order, in
// the fan-out's one transaction (jobs.go, fanOut).
func bookingSinks() []bookingSubscriber {
	return []bookingSubscriber{
		{Name: "e-mail", Handle: emailSubscriber},       // email.go
		{Name: "calendars", Handle: calendarSubscriber}, // gcal_write.go: one write job per calendarProviders kind that writes
		{Name: "webhooks", Handle: webhookSubscriber},   // webhooks.go
	}
}

// calendarProviders are the kinds of calendar connection and the jobs that
// sync and write them (internal/calendar.Provider says what each must do).
// The booking sink and the manual sync routes dispatch on this list.
func calendarProviders() []calendar.Provider {
	return []calendar.Provider{
		{Kind: c.ProviderGoogle, SyncJob: KindGcalSync, WriteJob: KindGcalWrite},          // gcal_*.go
		{Kind: c.ProviderCalDAV, SyncJob: KindCalDAVSync, WriteJob: KindCalDAVWrite},      // caldav_*.go
		{Kind: c.ProviderMicrosoft, SyncJob: KindMSGraphSync, WriteJob: KindMSGraphWrite}, // msgraph_*.go
		{Kind: c.ProviderICS, SyncJob: KindICSSync},                                       // icsfeed_*.go, read-only
	}
}

// startSchedules starts what runs on a clock while serving: the Google
// periodic refresh (gcal.go), the ICS subscriptions' (icsfeed_sync.go), retention by age (retention.go), and under
// Litestream a nightly checkpoint that never blocks writers (litestream.go).
func (s *server) startSchedules() {
	s.startGoogleRefresh()
	s.startICSRefresh()
	s.startCalDAVRefresh()
	s.startMicrosoftRefresh()
	s.startRetention()
	if underLitestream() {
		leaveCheckpointsToLitestream(s.app)
	}
}
