// Package migrations holds slotbase's schema as PocketBase Go migrations.
// main.go blank-imports it; PocketBase applies what is new at start-up.
// Each migration is a frozen snapshot: change the schema by adding a file.
package migrations

import (
	"github.com/pocketbase/pocketbase/core"
)

// The constructors below keep the migrations readable: one line per field.

func text(name string, required bool, maxLen int, help string) *core.TextField {
	return &core.TextField{Name: name, Required: required, Max: maxLen, Help: help}
}

func pattern(name string, required bool, re, help string) *core.TextField {
	return &core.TextField{Name: name, Required: required, Pattern: re, Help: help}
}

func minutes(name string, lo, hi float64, required bool, help string) *core.NumberField {
	return &core.NumberField{Name: name, OnlyInt: true, Min: &lo, Max: &hi, Required: required, Help: help}
}

func number(name string, lo, hi float64, help string) *core.NumberField {
	return &core.NumberField{Name: name, OnlyInt: true, Min: &lo, Max: &hi, Help: help}
}

func flag(name, help string) *core.BoolField {
	return &core.BoolField{Name: name, Help: help}
}

func date(name string, required bool, help string) *core.DateField {
	return &core.DateField{Name: name, Required: required, Help: help}
}

func jsonField(name string, maxSize int64, help string) *core.JSONField {
	return &core.JSONField{Name: name, MaxSize: maxSize, Help: help}
}

func choice(name string, required bool, help string, values ...string) *core.SelectField {
	return &core.SelectField{Name: name, Required: required, MaxSelect: 1, Values: values, Help: help}
}

func relation(name, collectionID string, maxSelect int, required, cascade bool, help string) *core.RelationField {
	return &core.RelationField{Name: name, CollectionId: collectionID, MaxSelect: maxSelect, Required: required, CascadeDelete: cascade, Help: help}
}

func hidden[F interface{ SetHidden(bool) }](f F) F {
	f.SetHidden(true)
	return f
}

// shown marks a text field as the one the admin UI shows for a related record.
func shown(f *core.TextField) *core.TextField {
	f.Presentable = true
	return f
}

// timestamps are the created/updated fields NewBaseCollection does not add.
func timestamps() []core.Field {
	return []core.Field{
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	}
}

// adminOnly returns a base collection that only superusers can read or write
// through PocketBase's records API (all rules nil): the public reaches data
// through slotbase's own routes only.
func adminOnly(name, id string, fields ...core.Field) *core.Collection {
	c := core.NewBaseCollection(name, id)
	c.ListRule, c.ViewRule, c.CreateRule, c.UpdateRule, c.DeleteRule = nil, nil, nil, nil, nil
	c.Fields.Add(fields...)
	c.Fields.Add(timestamps()...)
	return c
}
