package hooks

import (
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
)

// bindRoutes lists every custom route of slotbase: the whole API surface on
// one screen. Handlers live in one file per resource.
func bindRoutes(se *core.ServeEvent, s *server) {
	r := se.Router

	// Public: what the booking page reads.
	r.GET("/api/public/settings", handlePublicSettings)
	r.GET("/api/public/logo", handlePublicLogo)
	r.GET("/api/public/event-types", handlePublicEventTypes)
	r.GET("/api/slots", s.handleSlots)

	// Public: booking and the invitee's self-service (the token is the key).
	r.POST("/api/bookings", s.handleCreateBooking)
	r.GET("/api/bookings/manage/{token}", s.handleManageGet)
	r.POST("/api/bookings/manage/{token}/cancel", s.handleManageCancel)
	r.POST("/api/bookings/manage/{token}/reschedule", s.handleManageReschedule)
	r.GET("/api/bookings/manage/{token}/ics", s.handleManageICS)

	// Google Calendar: the admin connects hosts (GOOGLE.md); Google calls back.
	r.GET("/admin/google", handleGoogleAdminPage)
	r.GET("/api/admin/google/connections", s.handleGoogleConnections).Bind(apis.RequireSuperuserAuth())
	r.GET("/api/admin/google/connect", s.handleGoogleConnect).Bind(apis.RequireSuperuserAuth())
	r.POST("/api/admin/google/connections/{id}/sync", s.handleGoogleSyncNow).Bind(apis.RequireSuperuserAuth())
	r.POST("/api/admin/google/connections/{id}/disconnect", s.handleGoogleDisconnect).Bind(apis.RequireSuperuserAuth())
	r.GET(callbackPath, s.handleGoogleCallback)
	r.POST(notifyPath, s.handleGoogleNotify)
}
