package hooks

import (
	"sync/atomic"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// keptSettings keeps the organisation's settings record between its
// changes: every booking read it for the language it keeps (5 % of the
// server's CPU in a booking load; issue 18, eleventh step) and every
// e-mail for its branding. A change saved through PocketBase (admin UI,
// records API, the settings routes) bumps the version after it commits,
// and a read that began before the bump is never kept past it. The only
// raw SQL writes of settings are migrations, which run before a start.
type keptSettings struct {
	version atomic.Uint64
	entry   atomic.Pointer[settingsEntry]
}

type settingsEntry struct {
	version uint64
	st      *c.SettingsRecord
}

// get returns the settings as app reads them: kept, or read (and kept)
// outside a transaction; inside one, read from it, which sees its own
// writes. Shared: callers must not modify it.
func (k *keptSettings) get(app core.App) (*c.SettingsRecord, error) {
	if app.IsTransactional() {
		return c.FindSettings(app)
	}
	version := k.version.Load() // before the read: a change meanwhile makes the entry stale at once
	if e := k.entry.Load(); e != nil && e.version == version {
		return e.st, nil
	}
	st, err := c.FindSettings(app)
	if err != nil {
		return nil, err
	}
	k.entry.Store(&settingsEntry{version: version, st: st})
	return st, nil
}

// bind bumps the version after every committed change of a settings
// record or of the collection itself (an import that replaced it).
func (k *keptSettings) bind(app core.App) {
	bump := func(e *core.ModelEvent) error {
		k.version.Add(1)
		return e.Next()
	}
	app.OnModelAfterCreateSuccess(c.Settings).BindFunc(bump)
	app.OnModelAfterUpdateSuccess(c.Settings).BindFunc(bump)
	app.OnModelAfterDeleteSuccess(c.Settings).BindFunc(bump)
	collectionBump := func(e *core.CollectionEvent) error {
		if e.Collection.Name == c.Settings {
			k.version.Add(1)
		}
		return e.Next()
	}
	app.OnCollectionAfterCreateSuccess().BindFunc(collectionBump)
	app.OnCollectionAfterUpdateSuccess().BindFunc(collectionBump)
	app.OnCollectionAfterDeleteSuccess().BindFunc(collectionBump)
}
