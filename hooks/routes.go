package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// bindRoutes lists every custom route of slotbase: the whole API surface on
// one screen. Handlers live in one file per resource.
func bindRoutes(se *core.ServeEvent) {
	r := se.Router

	// Public: the booking page's API.
	r.GET("/api/public/settings", handlePublicSettings)
	r.GET("/api/public/logo", handlePublicLogo)
	r.GET("/api/public/event-types", handlePublicEventTypes)
}
