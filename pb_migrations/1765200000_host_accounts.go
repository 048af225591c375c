package migrations

import (
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// Host accounts (issue 15). Hosts sign in through host_users, a PocketBase
// auth collection linked one-to-one to hosts. Accounts are made only by an
// admin's invitation (POST /api/admin/hosts/{id}/invite): there is no
// sign-up, nobody lists accounts, and an account sees only itself through
// the records API; everything else a host reaches goes through /api/host/…,
// which confines them to their own bookings and hours. Only active hosts
// sign in. The audit log learns the actor kind "host".
func init() {
	m.Register(func(app core.App) error {
		if err := app.Save(hostUsersCollection()); err != nil {
			return err
		}
		audit, err := app.FindCollectionByNameOrId(c.AuditLogID)
		if err != nil {
			return err
		}
		kind, ok := audit.Fields.GetByName(c.AuditLogActorKind).(*core.SelectField)
		if !ok {
			return nil
		}
		if !slices.Contains(kind.Values, "host") {
			kind.Values = append(kind.Values, "host")
		}
		kind.Help = "Who: a superuser (admin UI or admin API), an API key, a host (signed in to host_users), the invitee (through the private link) or the system (background jobs)"
		return app.Save(audit)
	}, func(app core.App) error {
		col, err := app.FindCollectionByNameOrId(c.HostUsersID)
		if err != nil {
			return nil
		}
		return app.Delete(col)
	})
}

// invitationDays is how long an invitation's (or a host's password reset)
// link works: PocketBase's default of 30 minutes is too short for a mail
// read the next morning. Setting the password ends the link at once.
const invitationDays = 3

// hostUsersCollection is the auth collection of host accounts.
func hostUsersCollection() *core.Collection {
	col := core.NewAuthCollection(c.HostUsers, c.HostUsersID)
	self := "id = @request.auth.id"
	onlyActive := "host.active = true"
	col.ListRule, col.ViewRule, col.CreateRule, col.UpdateRule, col.DeleteRule = nil, &self, nil, nil, nil
	col.ManageRule = nil
	col.AuthRule = &onlyActive
	col.PasswordAuth.Enabled = true
	col.PasswordAuth.IdentityFields = []string{core.FieldNameEmail}
	col.OAuth2.Enabled = false
	col.OTP.Enabled = false
	col.MFA.Enabled = false
	col.PasswordResetToken.Duration = invitationDays * 24 * 60 * 60
	col.Fields.Add(
		relation(c.HostUsersHost, c.HostsID, 1, true, true, "The host this account signs in as (one account per host; deleting the host deletes it). Invite with POST /api/admin/hosts/{id}/invite."),
	)
	col.Fields.Add(timestamps()...)
	col.AddIndex("idx_host_users_host", true, c.HostUsersHost, "")
	return col
}
