package collections

import "github.com/pocketbase/pocketbase/core"

// HostUsers is the name of the auth collection of host accounts: one per
// host, made by an admin's invitation (never by sign-up), signing in with the
// host's e-mail and a password the host sets from the invitation's link.
const HostUsers = "host_users"

// HostUsersID is the fixed id of the host_users collection.
const HostUsersID = "sb_host_users"

// Fields of the host_users collection besides PocketBase's auth fields
// (email, password, tokenKey, emailVisibility, verified).
const (
	// HostUsersHost is the host the account belongs to (unique: one
	// account per host; deleting the host deletes the account).
	HostUsersHost  = "host"
	HostUsersEmail = core.FieldNameEmail
)

// HostUser wraps a host_users record.
type HostUser struct {
	core.BaseRecordProxy
}

// NewHostUser wraps r.
func NewHostUser(r *core.Record) *HostUser {
	u := &HostUser{}
	u.SetProxyRecord(r)
	return u
}

// HostID is the id of the hosts record the account signs in as.
func (u *HostUser) HostID() string { return u.GetString(HostUsersHost) }
