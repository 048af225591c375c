package migrations

import (
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// One door for booking changes (issue 12): the admin UI's form gets a box to
// override availability on purpose, and each booking keeps its manage token
// sealed (AES-GCM under the server key) so every mail, whoever caused it,
// can carry the invitee's link. Existing bookings take the sealed token from
// the outbox event that first carried it.
func init() {
	m.Register(func(app core.App) error {
		col, err := app.FindCollectionByNameOrId(c.BookingsID)
		if err != nil {
			return err
		}
		col.Fields.Add(
			flag(c.BookingsOverrideAvailability, "Tick to book or move this booking even where availability says no (taken, outside hours, too soon); the audit log records the override. Cleared after each save."),
			hidden(text(c.BookingsManageTokenSealed, false, 512, "")),
		)
		if err := app.Save(col); err != nil {
			return err
		}
		var rows []struct {
			Booking string `db:"booking"`
			Payload string `db:"payload"`
		}
		if err := app.DB().NewQuery(`SELECT booking, payload FROM jobs WHERE kind = 'booking.event' AND payload LIKE '%"token":"v1.%' ORDER BY created`).All(&rows); err != nil {
			return err
		}
		for _, row := range rows {
			var ev struct {
				Token string `json:"token"`
			}
			if json.Unmarshal([]byte(row.Payload), &ev) != nil || ev.Token == "" {
				continue
			}
			if _, err := app.DB().NewQuery(`UPDATE bookings SET manage_token_sealed = {:t} WHERE id = {:b} AND manage_token_sealed = ''`).
				Bind(map[string]any{"t": ev.Token, "b": row.Booking}).Execute(); err != nil {
				return err
			}
		}
		return nil
	}, nil)
}
