package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// languageTags are the languages supported when this migration was
// written (frozen here; internal/mail/i18n.Supported is the live list).
var languageTags = []string{"en", "de", "fr", "es", "pt-BR", "ja"}

const (
	eventTypeTranslationsHelp = `Texts per language, e.g. {"de": {"title": "Erstgespräch", "description": "…", "questions": {"company": {"label": "Firma", "options": ["…"]}}}}; languages: en, de, fr, es, pt-BR, ja; missing texts show the base one`
	settingsTranslationsHelp  = `Texts per language, e.g. {"de": {"org_name": "…", "email_intro": "…", "email_signature": "…"}}; missing texts show the base one`
)

// Languages (issue 16): the invitee's language on bookings, the host's on
// hosts, the organisation's default and translated texts on settings, and
// per-language texts on event types. Existing bookings get English, the
// language every e-mail had before.
func init() {
	m.Register(func(app core.App) error {
		add := func(id string, fields ...core.Field) error {
			col, err := app.FindCollectionByNameOrId(id)
			if err != nil {
				return err
			}
			for _, f := range fields {
				col.Fields.Add(f)
			}
			return app.Save(col)
		}
		if err := add(c.BookingsID, text(c.BookingsLanguage, false, 35, "The invitee's language (BCP 47, one of en, de, fr, es, pt-BR, ja): their e-mails and invites use it")); err != nil {
			return err
		}
		if err := add(c.HostsID, choice(c.HostsLanguage, false, "Language of the host's e-mails (empty: the organisation's default)", languageTags...)); err != nil {
			return err
		}
		if err := add(c.SettingsID,
			choice(c.SettingsDefaultLanguage, false, "The organisation's language (empty: en): bookings that name none, hosts without their own", languageTags...),
			jsonField(c.SettingsTranslations, 100000, settingsTranslationsHelp)); err != nil {
			return err
		}
		if err := add(c.EventTypesID, jsonField(c.EventTypesTranslations, 500000, eventTypeTranslationsHelp)); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE bookings SET language = 'en' WHERE language = '' OR language IS NULL").Execute(); err != nil {
			return err
		}
		_, err := app.DB().NewQuery("UPDATE settings SET default_language = 'en' WHERE default_language = '' OR default_language IS NULL").Execute()
		return err
	}, func(app core.App) error {
		drop := func(id string, names ...string) error {
			col, err := app.FindCollectionByNameOrId(id)
			if err != nil {
				return err
			}
			for _, n := range names {
				col.Fields.RemoveByName(n)
			}
			return app.Save(col)
		}
		for id, names := range map[string][]string{
			c.BookingsID: {c.BookingsLanguage}, c.HostsID: {c.HostsLanguage},
			c.SettingsID: {c.SettingsDefaultLanguage, c.SettingsTranslations}, c.EventTypesID: {c.EventTypesTranslations},
		} {
			if err := drop(id, names...); err != nil {
				return err
			}
		}
		return nil
	})
}
