package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
)

// Hardening (issue 13). PocketBase creates a public `users` auth collection
// that slotbase never used: anyone could sign up and make the organisation's
// SMTP server send verification and reset mails to any address. An empty one
// is removed; one an admin has put accounts in is closed instead (no public
// sign-up, listing or viewing). Request logs written before secrets were
// masked held manage tokens and API keys in their URLs: those rows go.
func init() {
	m.Register(func(app core.App) error {
		if err := closeUsers(app); err != nil {
			return err
		}
		_, err := app.AuxNonconcurrentDB().NewQuery(
			`DELETE FROM _logs WHERE data LIKE '%/manage/mt\_%' ESCAPE '\' OR data LIKE '%sb\_%' ESCAPE '\'`).Execute()
		return err
	}, nil)
}

// closeUsers deletes the default users collection when it holds no account,
// else takes away every public rule and the sign-up.
func closeUsers(app core.App) error {
	col, err := app.FindCollectionByNameOrId("users")
	if err != nil {
		return nil // already gone
	}
	n, err := app.CountRecords(col)
	if err != nil {
		return err
	}
	if n == 0 {
		return app.Delete(col)
	}
	col.CreateRule, col.ListRule, col.ViewRule, col.UpdateRule, col.DeleteRule = nil, nil, nil, nil, nil
	return app.Save(col)
}
