package hooks

import (
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// Actor kinds: who made a change (recorded in the audit log).
const (
	ActorSuperuser = "superuser"
	ActorAPIKey    = "api_key"
	ActorHost      = "host"
	ActorInvitee   = "invitee"
	ActorSystem    = "system"
)

// Actor is who made a change.
type Actor struct {
	Kind  string `json:"kind"`
	ID    string `json:"id,omitempty"`    // superuser or api_keys record id; hosts record id for a host; booking id for an invitee
	Label string `json:"label,omitempty"` // e-mail, key name or prefix; never a secret
}

// actorKey is where the admin auth middleware leaves the request's Actor.
const actorKey = "slotbase.actor"

// actorOf returns who is making request e: what the admin or host
// middleware recorded, else a signed-in superuser or host, else the invitee
// (public routes).
func actorOf(e *core.RequestEvent) Actor {
	if a, ok := e.Get(actorKey).(Actor); ok {
		return a
	}
	if e.Auth != nil && e.Auth.IsSuperuser() {
		return Actor{Kind: ActorSuperuser, ID: e.Auth.Id, Label: e.Auth.Email()}
	}
	if e.Auth != nil && e.Auth.Collection().Id == c.HostUsersID {
		return hostActor(e.Auth)
	}
	return Actor{Kind: ActorInvitee}
}

// hostActor is the host signed in with account (a host_users record): the
// hosts record's id, so audit entries name the host bookings refer to.
func hostActor(account *core.Record) Actor {
	return Actor{Kind: ActorHost, ID: c.NewHostUser(account).HostID(), Label: account.Email()}
}

// systemActor is the actor of job handlers and background work.
var systemActor = Actor{Kind: ActorSystem}
