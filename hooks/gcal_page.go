package hooks

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// dashboardPath is where the dashboard (pb_public/admin/) is served.
const dashboardPath = "/admin/"

// handleGoogleAdminPage answers GET /admin/google, the old address of the
// calendar connections page: they live in the dashboard now.
func handleGoogleAdminPage(e *core.RequestEvent) error {
	return e.Redirect(http.StatusMovedPermanently, dashboardPath+"#/calendars")
}
