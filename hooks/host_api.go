package hooks

import (
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// The host API (/api/host/…): what a host signed in to host_users reaches,
// and nothing else: their own host record, the bookings they host (changed
// through the booking door, as the admin API does) and their own hours
// (host_hours.go). A booking, schedule or override that is not theirs is
// answered as if it did not exist.

// hostKey is where requireHost leaves the signed-in host (*c.Host).
const hostKey = "slotbase.host"

// requireHost admits a host signed in to host_users whose host is active:
// 401 without a token, 403 for other accounts (superusers included: they
// use /api/admin/…) and for inactive hosts. It records the host and the
// Actor for the handlers and the audit log.
func (s *server) requireHost(e *core.RequestEvent) error {
	if e.Auth == nil {
		return e.UnauthorizedError("Sign in as a host first (POST /api/collections/host_users/auth-with-password).", nil)
	}
	if e.Auth.Collection().Id != c.HostUsersID {
		return e.ForbiddenError("These routes are for hosts signed in to host_users; admins use /api/admin/….", nil)
	}
	account := c.NewHostUser(e.Auth)
	hr, err := e.App.FindRecordById(c.Hosts, account.HostID())
	if errors.Is(err, sql.ErrNoRows) {
		return e.ForbiddenError("This account's host no longer exists.", nil)
	} else if err != nil {
		return e.InternalServerError("", fmt.Errorf("host of account %s: %w", account.Id, err))
	}
	host := c.NewHost(hr)
	if !host.Active() {
		return e.ForbiddenError("Your host profile is inactive: ask an admin to activate it.", nil)
	}
	e.Set(hostKey, host)
	e.Set(actorKey, hostActor(e.Auth))
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.Next()
}

// hostOf is the host requireHost admitted.
func hostOf(e *core.RequestEvent) *c.Host {
	h, _ := e.Get(hostKey).(*c.Host)
	return h
}

// hostReply is the host's own record as GET /api/host/me shows it.
type hostReply struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Email    string `json:"email"`
	Timezone string `json:"timezone"`
	// Language is the language of the host's e-mails ("" = the organisation's).
	Language string `json:"language"`
	Schedule string `json:"schedule"`
	Active   bool   `json:"active"`
}

// handleHostMe answers GET /api/host/me.
func (s *server) handleHostMe(e *core.RequestEvent) error {
	h := hostOf(e)
	return e.JSON(http.StatusOK, hostReply{ID: h.Id, Name: h.Name(), Email: h.Email(), Timezone: h.Timezone(), Language: h.Language(), Schedule: h.ScheduleID(), Active: h.Active()})
}

// handleHostBookings answers GET /api/host/bookings with the admin list's
// filters (status, from, to, event_type, q; page, perPage), limited to the
// bookings the signed-in host hosts.
func (s *server) handleHostBookings(e *core.RequestEvent) error {
	return s.listBookings(e, hostFilter("self"), dbx.Params{"self": hostOf(e).Id})
}

// handleHostBooking answers GET /api/host/bookings/{id}: one of the host's bookings.
func (s *server) handleHostBooking(e *core.RequestEvent) error {
	r, err := hostBooking(e.App, hostOf(e).Id, e.Request.PathValue("id"))
	if err != nil {
		return s.hostError(e, err)
	}
	v, err := c.BookingViewOf(e.App, r)
	if err != nil {
		return e.InternalServerError("", err)
	}
	return e.JSON(http.StatusOK, booking.AdminJSON(v))
}

// handleHostBookingAction answers POST /api/host/bookings/{id}/{confirm,decline,cancel}
// ({"reason"}): the change goes through the booking door in one
// transaction that first checks the booking is the host's.
func (s *server) handleHostBookingAction(action booking.Action) func(e *core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		var req cancelRequest
		if err := decodeSmall(e.Request.Body, &req); err != nil {
			return badRequest(e, map[string]error{"body": err})
		}
		return s.hostChange(e, bookingEdit{Action: action, Reason: strings.TrimSpace(req.Reason)})
	}
}

// hostBooking loads booking id when hostID hosts it; errNoBooking when it
// does not exist or is someone else's, so a host cannot tell the two apart.
func hostBooking(app core.App, hostID, id string) (*core.Record, error) {
	r, err := app.FindRecordById(c.Bookings, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoBooking
	} else if err != nil {
		return nil, fmt.Errorf("loading booking %s: %w", id, err)
	}
	if !slices.Contains(c.NewBooking(r).HostIDs(), hostID) {
		return nil, errNoBooking
	}
	return r, nil
}

// hostError maps a host route's error to a status: 404 for a booking that
// is not the host's, 400 for field errors, 409 for the status machine and
// taken slots, 500 for anything else (a database failure is never a 404).
func (s *server) hostError(e *core.RequestEvent, err error) error {
	var fields validation.Errors
	switch {
	case errors.Is(err, errNoBooking):
		return e.NotFoundError("No such booking.", nil)
	case errors.As(err, &fields):
		return badRequest(e, map[string]error(fields))
	}
	return s.manageError(e, err)
}

// handleHostEmailChange refuses PocketBase's e-mail change for host
// accounts: the account's e-mail is the host's (hosts.email), which an
// admin changes before inviting the host again.
func handleHostEmailChange(e *core.RequestEvent) error {
	return e.ForbiddenError("A host's sign-in e-mail is the host's e-mail: ask an admin to change it.", nil)
}
