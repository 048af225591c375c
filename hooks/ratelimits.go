package hooks

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
)

// defaultRateLimits are slotbase's per-IP limits, added in front of
// PocketBase's own rules (the first matching prefix rule wins). Admins can
// change the numbers in the admin UI (Settings → Rate limits); restarts keep
// their edits and only add rules that are missing.
var defaultRateLimits = []core.RateLimitRule{
	{Label: "POST /api/bookings", MaxRequests: 20, Duration: 60},
	{Label: "/api/bookings/manage/", MaxRequests: 60, Duration: 60},
	{Label: "GET /api/slots", MaxRequests: 300, Duration: 60},
}

// configureRateLimits turns PocketBase's rate limiter on with slotbase's
// rules (enabled), or off (the --rateLimits=false flag).
func configureRateLimits(app core.App, enabled bool) error {
	settings := app.Settings()
	rl := &settings.RateLimits
	changed := rl.Enabled != enabled
	rl.Enabled = enabled
	if enabled {
		var missing []core.RateLimitRule
		for _, want := range defaultRateLimits {
			if !slices.ContainsFunc(rl.Rules, func(r core.RateLimitRule) bool { return r.Label == want.Label }) {
				missing = append(missing, want)
			}
		}
		if len(missing) > 0 {
			rl.Rules = append(missing, rl.Rules...)
			changed = true
		}
	}
	if !changed {
		return nil
	}
	return app.Save(settings)
}
