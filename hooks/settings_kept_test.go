package hooks

import (
	"errors"
	"testing"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// TestKeptSettingsFollowChanges: the kept settings record serves the
// organisation's language and branding until a change commits; a
// transaction reads its own uncommitted change and nobody else does; a
// rolled-back change is never seen.
func TestKeptSettingsFollowChanges(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow)})
	defer app.Cleanup()
	s := serverOf(app)
	if got := s.orgLanguage(app); got != "en" {
		t.Fatalf("first read: %q, want en", got)
	}
	setLanguage := func(db core.App, lang string) {
		t.Helper()
		r, err := c.FindSettings(db)
		if err != nil {
			t.Fatal(err)
		}
		r.Set(c.SettingsDefaultLanguage, lang)
		if err := db.Save(r.Record); err != nil {
			t.Fatal(err)
		}
	}
	setLanguage(app, "de")
	if got := s.orgLanguage(app); got != "de" {
		t.Fatalf("after a saved change: %q, want de", got)
	}
	if err := app.RunInTransaction(func(tx core.App) error {
		setLanguage(tx, "fr")
		if got := s.orgLanguage(tx); got != "fr" {
			t.Fatalf("inside the changing transaction: %q, want its own fr", got)
		}
		if got := s.orgLanguage(app); got != "de" {
			t.Fatalf("outside it before its commit: %q, want de", got)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got := s.orgLanguage(app); got != "fr" {
		t.Fatalf("after the transaction committed: %q, want fr", got)
	}
	if got := s.site().lang; got != "fr" {
		t.Fatalf("e-mails' language after the change: %q, want fr", got)
	}
	err := app.RunInTransaction(func(tx core.App) error {
		setLanguage(tx, "ja")
		return errRollback
	})
	if !errors.Is(err, errRollback) {
		t.Fatal(err)
	}
	if got := s.orgLanguage(app); got != "fr" {
		t.Fatalf("after a rolled-back change: %q, want fr", got)
	}
}
