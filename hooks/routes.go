package hooks

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/apikey"
	"github.com/slotbase/slotbase/internal/booking"
)

// bindRoutes lists every custom route of slotbase: the whole API surface on
// one screen. Handlers live in one file per resource.
func bindRoutes(se *core.ServeEvent, s *server) {
	r := se.Router
	// Public work before admin work: every request is sorted into public,
	// background or neither (priority.go, requestClass), and background
	// requests wait while public ones run.
	r.BindFunc(s.prioritize)

	// Public: what the booking page reads.
	r.GET("/api/public/settings", handlePublicSettings)
	r.GET("/api/public/logo", handlePublicLogo)
	r.GET("/api/public/event-types", handlePublicEventTypes)
	r.GET("/api/slots", s.handleSlots)
	r.GET("/api/slots/live", s.handleSlotsLive) // server-sent events: "changed" when the slots may have (live.go)

	// Public: booking and the invitee's self-service (the token is the key).
	r.POST("/api/bookings", s.handleCreateBooking)
	r.GET("/api/bookings/manage/{token}", s.handleManageGet)
	r.POST("/api/bookings/manage/{token}/cancel", s.handleManageCancel)
	r.POST("/api/bookings/manage/{token}/reschedule", s.handleManageReschedule)
	r.GET("/api/bookings/manage/{token}/ics", s.handleManageICS)
	r.GET(icsFeedPrefix+"{file}", s.handleICSFeed) // a host's private feed of bookings (icsfeed_private.go)

	// Stripe: signed webhook events of paid bookings (payments_webhook.go, PAYMENTS.md).
	r.POST("/api/stripe/webhook", s.handleStripeWebhook)

	// Admin API: a superuser token or an API key with the scope (hooks/apikeys.go).
	r.POST("/api/admin/api-keys", s.handleCreateAPIKey).Bind(apis.RequireSuperuserAuth())
	r.GET("/api/admin/bookings", s.handleAdminBookings).BindFunc(s.requireAdmin(apikey.ScopeBookingsRead))
	r.GET("/api/admin/bookings.csv", s.handleAdminBookingsCSV).BindFunc(s.requireAdmin(apikey.ScopeBookingsRead))
	r.POST("/api/admin/bookings/{id}/confirm", s.handleAdminBookingAction(booking.Confirm)).BindFunc(s.requireAdmin(apikey.ScopeBookingsWrite))
	r.POST("/api/admin/bookings/{id}/decline", s.handleAdminBookingAction(booking.Decline)).BindFunc(s.requireAdmin(apikey.ScopeBookingsWrite))
	r.POST("/api/admin/bookings/{id}/cancel", s.handleAdminBookingAction(booking.Cancel)).BindFunc(s.requireAdmin(apikey.ScopeBookingsWrite))
	r.POST("/api/admin/bookings/{id}/reschedule", s.handleAdminReschedule).BindFunc(s.requireAdmin(apikey.ScopeBookingsWrite))
	r.GET("/api/admin/availability", s.handleAdminAvailability).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.GET("/api/admin/bookings/{id}", s.handleAdminBooking).BindFunc(s.requireAdmin(apikey.ScopeBookingsRead))
	r.GET("/api/admin/calendar", s.handleAdminCalendar).BindFunc(s.requireAdmin(apikey.ScopeBookingsRead))
	r.GET("/api/admin/overview", s.handleAdminOverview).BindFunc(s.requireAdmin(apikey.ScopeAdmin))
	r.GET("/api/admin/event-types", s.handleAdminEventTypes).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.GET("/api/admin/hosts", s.handleAdminHosts).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.POST("/api/admin/hosts/{id}/invite", s.handleInviteHost).BindFunc(s.requireAdmin(apikey.ScopeAdmin))
	r.GET("/api/admin/hosts/{id}/schedule", adminHours.schedule).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.PATCH("/api/admin/hosts/{id}/schedule", adminHours.editSchedule).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.GET("/api/admin/hosts/{id}/overrides", adminHours.overrides).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.POST("/api/admin/hosts/{id}/overrides", adminHours.putOverrideRange).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.PUT("/api/admin/hosts/{id}/overrides/{date}", adminHours.putOverride).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.DELETE("/api/admin/hosts/{id}/overrides/{date}", adminHours.deleteOverride).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	// ICS: subscriptions as busy time, and the host's private feed (README "Other calendars: ICS feeds").
	r.GET("/api/admin/hosts/{id}/ics-feeds", s.handleListICSFeeds).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.POST("/api/admin/hosts/{id}/ics-feeds", s.handleAddICSFeed).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.POST("/api/admin/hosts/{id}/ics-feeds/{feed}/sync", s.handleSyncICSFeed).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.DELETE("/api/admin/hosts/{id}/ics-feeds/{feed}", s.handleDeleteICSFeed).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.POST("/api/admin/hosts/{id}/ics-feed", s.handleAdminICSFeedCreate).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.DELETE("/api/admin/hosts/{id}/ics-feed", s.handleAdminICSFeedDelete).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	// CalDAV: iCloud, Fastmail, Nextcloud… as busy time and booking events (CALDAV.md, hooks/caldav_*.go).
	adminCalDAV := caldavRoutes{s: s, hostID: pathHostID, provider: c.ProviderCalDAV, syncJob: KindCalDAVSync}
	r.GET("/api/admin/hosts/{id}/caldav", adminCalDAV.get).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.POST("/api/admin/hosts/{id}/caldav", s.handleAdminCalDAVConnect).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.POST("/api/admin/hosts/{id}/caldav/sync", adminCalDAV.sync).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.DELETE("/api/admin/hosts/{id}/caldav", adminCalDAV.disconnect).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	// Microsoft 365 / Outlook.com: OAuth connect, busy time and booking events (MICROSOFT.md, hooks/msgraph_*.go).
	adminMicrosoft := caldavRoutes{s: s, hostID: pathHostID, provider: c.ProviderMicrosoft, syncJob: KindMSGraphSync}
	r.GET("/api/admin/microsoft/connect", s.handleMicrosoftConnect).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.GET(msgraphCallbackPath, s.handleMicrosoftCallback)
	r.GET("/api/admin/hosts/{id}/microsoft", adminMicrosoft.get).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityRead))
	r.POST("/api/admin/hosts/{id}/microsoft/sync", adminMicrosoft.sync).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))
	r.DELETE("/api/admin/hosts/{id}/microsoft", adminMicrosoft.disconnect).BindFunc(s.requireAdmin(apikey.ScopeAvailabilityWrite))

	// Host API: a host signed in to host_users reaches only their own data (hooks/host_api.go, host_hours.go).
	r.GET("/api/host/me", s.handleHostMe).BindFunc(s.requireHost)
	r.GET("/api/host/bookings", s.handleHostBookings).BindFunc(s.requireHost)
	r.GET("/api/host/bookings/{id}", s.handleHostBooking).BindFunc(s.requireHost)
	r.POST("/api/host/bookings/{id}/confirm", s.handleHostBookingAction(booking.Confirm)).BindFunc(s.requireHost)
	r.POST("/api/host/bookings/{id}/decline", s.handleHostBookingAction(booking.Decline)).BindFunc(s.requireHost)
	r.POST("/api/host/bookings/{id}/cancel", s.handleHostBookingAction(booking.Cancel)).BindFunc(s.requireHost)
	r.POST("/api/host/bookings/{id}/reschedule", s.handleHostReschedule).BindFunc(s.requireHost)
	r.GET("/api/host/overview", s.handleHostOverview).BindFunc(s.requireHost)
	r.GET("/api/host/event-types", s.handleHostEventTypes).BindFunc(s.requireHost)
	r.GET("/api/host/calendar", s.handleHostCalendar).BindFunc(s.requireHost)
	r.GET("/api/host/availability", s.handleHostAvailability).BindFunc(s.requireHost)
	r.GET("/api/host/schedule", hostHours.schedule).BindFunc(s.requireHost)
	r.PATCH("/api/host/schedule", hostHours.editSchedule).BindFunc(s.requireHost)
	r.GET("/api/host/overrides", hostHours.overrides).BindFunc(s.requireHost)
	r.POST("/api/host/overrides", hostHours.putOverrideRange).BindFunc(s.requireHost)
	r.PUT("/api/host/overrides/{date}", hostHours.putOverride).BindFunc(s.requireHost)
	r.DELETE("/api/host/overrides/{date}", hostHours.deleteOverride).BindFunc(s.requireHost)
	r.GET("/api/host/google", s.handleHostGoogle).BindFunc(s.requireHost)
	r.GET("/api/host/google/connect", s.handleHostGoogleConnect).BindFunc(s.requireHost)
	r.POST("/api/host/google/sync", s.handleHostGoogleSync).BindFunc(s.requireHost)
	r.POST("/api/host/google/disconnect", s.handleHostGoogleDisconnect).BindFunc(s.requireHost)
	r.POST("/api/host/ics-feed", s.handleHostICSFeedCreate).BindFunc(s.requireHost)
	r.DELETE("/api/host/ics-feed", s.handleHostICSFeedDelete).BindFunc(s.requireHost)
	ownHost := func(e *core.RequestEvent) (string, error) { return hostOf(e).Id, nil }
	hostCalDAV := caldavRoutes{s: s, hostID: ownHost, provider: c.ProviderCalDAV, syncJob: KindCalDAVSync}
	r.GET("/api/host/caldav", hostCalDAV.get).BindFunc(s.requireHost)
	r.POST("/api/host/caldav", s.handleHostCalDAVConnect).BindFunc(s.requireHost)
	r.POST("/api/host/caldav/sync", hostCalDAV.sync).BindFunc(s.requireHost)
	r.DELETE("/api/host/caldav", hostCalDAV.disconnect).BindFunc(s.requireHost)
	hostMicrosoft := caldavRoutes{s: s, hostID: ownHost, provider: c.ProviderMicrosoft, syncJob: KindMSGraphSync}
	r.GET("/api/host/microsoft", hostMicrosoft.get).BindFunc(s.requireHost)
	r.GET("/api/host/microsoft/connect", s.handleHostMicrosoftConnect).BindFunc(s.requireHost)
	r.POST("/api/host/microsoft/sync", hostMicrosoft.sync).BindFunc(s.requireHost)
	r.DELETE("/api/host/microsoft", hostMicrosoft.disconnect).BindFunc(s.requireHost)
	// A host's sign-in e-mail is the host's e-mail: only an admin changes it (then invites again).
	r.POST("/api/collections/"+c.HostUsers+"/request-email-change", handleHostEmailChange)
	r.POST("/api/collections/"+c.HostUsersID+"/request-email-change", handleHostEmailChange)

	// Google Calendar: the admin connects hosts (GOOGLE.md); Google calls back.
	r.GET("/admin/google", handleGoogleAdminPage) // moved into the dashboard
	r.GET("/api/admin/google/connections", s.handleGoogleConnections).Bind(apis.RequireSuperuserAuth())
	r.GET("/api/admin/google/connect", s.handleGoogleConnect).Bind(apis.RequireSuperuserAuth())
	r.POST("/api/admin/google/connections/{id}/sync", s.handleGoogleSyncNow).Bind(apis.RequireSuperuserAuth())
	r.POST("/api/admin/google/connections/{id}/disconnect", s.handleGoogleDisconnect).Bind(apis.RequireSuperuserAuth())
	r.GET(callbackPath, s.handleGoogleCallback)
	r.POST(notifyPath, s.handleGoogleNotify)

	// Replica: the PostgreSQL stream's status (lag, position, last error).
	r.GET("/api/admin/replica", s.capture.HandleStatus).Bind(apis.RequireSuperuserAuth())

	// Operators: metrics, readiness (hooks/metrics.go, status.go) and Go's runtime profiles (hooks/pprof.go).
	r.GET("/metrics", s.handleMetrics).BindFunc(s.requireMetricsAccess)
	r.GET("/api/admin/status", s.handleAdminStatus).BindFunc(s.requireAdmin(apikey.ScopeAdmin))
	r.GET("/api/admin/debug/pprof/{name...}", handlePprof).BindFunc(s.requireAdmin(apikey.ScopeAdmin))
}
