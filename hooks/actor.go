package hooks

import (
	"github.com/pocketbase/pocketbase/core"
)

// Actor kinds: who made a change (recorded in the audit log).
const (
	ActorSuperuser = "superuser"
	ActorAPIKey    = "api_key"
	ActorInvitee   = "invitee"
	ActorSystem    = "system"
)

// Actor is who made a change.
type Actor struct {
	Kind  string `json:"kind"`
	ID    string `json:"id,omitempty"`    // superuser or api_keys record id; booking id for an invitee
	Label string `json:"label,omitempty"` // e-mail, key name or prefix; never a secret
}

// actorKey is where the admin auth middleware leaves the request's Actor.
const actorKey = "slotbase.actor"

// actorOf returns who is making request e: what the admin middleware
// recorded, else a signed-in superuser, else the invitee (public routes).
func actorOf(e *core.RequestEvent) Actor {
	if a, ok := e.Get(actorKey).(Actor); ok {
		return a
	}
	if e.Auth != nil && e.Auth.IsSuperuser() {
		return Actor{Kind: ActorSuperuser, ID: e.Auth.Id, Label: e.Auth.Email()}
	}
	return Actor{Kind: ActorInvitee}
}

// systemActor is the actor of job handlers and background work.
var systemActor = Actor{Kind: ActorSystem}
