package hooks

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/priority"
)

// Public work before admin work (issue 18): the organisation's clients must
// not feel what its admins do. A router middleware (bound in routes.go)
// counts the public requests in flight; while any is, every background unit
// — an admin or host API request, a CSV export batch (admin.go), an outbox
// job (the worker's Admit), a replica batch (hooks/capture) — runs one at a
// time and at most 1/(K+1) of the time (internal/priority). The classes of
// requests are listed in requestClass below.

// DefaultAdminYield is K when --adminYield is not given.
const DefaultAdminYield = priority.DefaultShare

// newPriorityGate returns the gate of cfg: nil (everything runs at once)
// when the operator turned it off.
func newPriorityGate(cfg *Config) *priority.Gate {
	k := cfg.AdminYield
	if k < 0 {
		return nil
	}
	if k == 0 {
		k = DefaultAdminYield
	}
	g, err := priority.New(k, priority.DefaultMaxWait, nil)
	if err != nil { // the flag's parser keeps K in range; a bad value falls back
		g, _ = priority.New(DefaultAdminYield, priority.DefaultMaxWait, nil)
	}
	return g
}

// class is what a request is to the gate.
type class int

const (
	classNone       class = iota // neither: long-lived streams, metrics, profiles, callbacks
	classPublic                  // the booking page and what it calls
	classBackground              // admin and host work
)

// requestClass sorts a request by its path. Public: the booking page's
// files, /api/health, /api/public/*, /api/slots, /api/bookings and the
// invitee's manage routes, ICS feeds and Stripe's webhook. Background: the
// admin and host APIs and PocketBase's own admin routes (records, settings,
// logs, backups, batch), when the request carries credentials (without them
// it is refused at once, and a flood of anonymous calls must not queue in
// front of a real admin). Neither: /api/slots/live and PocketBase's realtime
// (long-lived: they would keep the public side "busy" for ever), /metrics,
// profiles (a CPU profile lasts seconds), OAuth callbacks and pushes, files,
// and PocketBase's admin UI's static files.
func requestClass(r *core.RequestEvent) class {
	p := r.Request.URL.Path
	switch {
	case p == "/api/slots/live", strings.HasPrefix(p, "/api/realtime"),
		p == "/metrics", strings.HasPrefix(p, "/api/admin/debug/"), strings.HasPrefix(p, "/_/"):
		return classNone
	case p == "/api/health", p == "/api/slots", p == "/api/bookings", p == "/api/stripe/webhook",
		strings.HasPrefix(p, "/api/public/"), strings.HasPrefix(p, "/api/bookings/manage/"),
		strings.HasPrefix(p, icsFeedPrefix):
		return classPublic
	case strings.HasPrefix(p, "/api/admin/"), strings.HasPrefix(p, "/api/host/"),
		strings.HasPrefix(p, "/api/collections/"), strings.HasPrefix(p, "/api/settings"),
		strings.HasPrefix(p, "/api/logs"), strings.HasPrefix(p, "/api/backups"), p == "/api/batch":
		if r.Request.Header.Get("Authorization") == "" {
			return classNone
		}
		return classBackground
	case strings.HasPrefix(p, "/api/"):
		return classNone
	}
	return classPublic // the booking page and the dashboard's static files
}

// prioritize is the router middleware: public requests are counted while
// they run; a background request waits for admission and runs as one unit
// (its ticket rides in the request's context, so a long handler such as the
// CSV export can yield between its parts).
func (s *server) prioritize(e *core.RequestEvent) error {
	gate := s.gate.Load()
	if gate == nil {
		return e.Next()
	}
	switch requestClass(e) {
	case classPublic:
		gate.Begin()
		defer gate.End()
	case classBackground:
		ctx := e.Request.Context()
		t, err := gate.Enter(ctx)
		if err != nil {
			return nil // the client went away while it waited: nobody reads an answer
		}
		defer t.Leave()
		e.Request = e.Request.WithContext(priority.WithTicket(ctx, t))
	}
	return e.Next()
}

// admit is the admission of one background unit outside HTTP (an outbox
// job, a replica batch): it returns when the unit may run, and the function
// that ends it.
func (s *server) admit(ctx context.Context) (func(), error) {
	t, err := s.gate.Load().Enter(ctx)
	if err != nil {
		return nil, err
	}
	return t.Leave, nil
}

// yieldFlag is --adminYield: off, or K between 0.1 and 100.
type yieldFlag struct{ k *float64 }

// parseAdminYield reads off (-1) or a K within priority's bounds.
func parseAdminYield(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if on, err := ParseSwitch(v); err == nil && !on {
		return -1, nil
	}
	k, err := strconv.ParseFloat(v, 64)
	if err != nil || k < 0.1 || k > priority.MaxShare {
		return 0, fmt.Errorf("%q is not off nor a number between 0.1 and %v", v, priority.MaxShare)
	}
	return k, nil
}

// Set implements pflag.Value.
func (f yieldFlag) Set(v string) error {
	k, err := parseAdminYield(v)
	if err != nil {
		return err
	}
	*f.k = k
	return nil
}

// String implements pflag.Value.
func (f yieldFlag) String() string {
	switch {
	case f.k == nil || *f.k == 0:
		return strconv.FormatFloat(DefaultAdminYield, 'g', -1, 64)
	case *f.k < 0:
		return "off"
	}
	return strconv.FormatFloat(*f.k, 'g', -1, 64)
}

// Type implements pflag.Value (shown in --help).
func (yieldFlag) Type() string { return "K|off" }
