package capture

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/replica"
)

// restore fills the app's (empty) data dir from the replica at url: the
// schema by this binary's migrations plus the replica's collection
// definitions (fields an admin added), then every live row as stored, then
// the replica state, so `serve --postgres url` continues the same stream.
func (r replicaCmd) restore(ctx context.Context, url string) error {
	app := r.app
	var applied int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM _migrations WHERE file IN ('" + strings.Join(appMigrationFiles(), "','") + "')").Row(&applied); err != nil {
		return err
	}
	if applied > 0 {
		return fmt.Errorf("restore: %s already holds a slotbase database: restore into an empty --dir", app.DataDir())
	}
	t, err := replica.Open(ctx, url, "", r.cfg.now())
	if err != nil {
		return err
	}
	defer closeQuietly(ctx, t)
	pos, ok, err := t.Position(ctx)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("restore from %s: %w", replica.Describe(url), replica.ErrNoReplica)
	}
	if err := app.RunAllMigrations(); err != nil {
		return fmt.Errorf("restore: migrations: %w", err)
	}
	defs, err := t.CollectionDefs(ctx)
	if err != nil {
		return err
	}
	if len(defs) > 0 {
		var list []map[string]any
		for _, d := range defs {
			var m map[string]any
			if err := json.Unmarshal(d, &m); err != nil {
				return fmt.Errorf("restore: collection definition: %w", err)
			}
			list = append(list, m)
		}
		if err := app.ImportCollections(list, false); err != nil {
			return fmt.Errorf("restore: collections: %w", err)
		}
	}
	total := 0
	err = app.RunInTransaction(func(tx core.App) error {
		cols, err := tx.FindAllCollections()
		if err != nil {
			return err
		}
		for _, col := range cols {
			if col.System || col.IsView() {
				continue
			}
			err := t.Rows(ctx, col.Name, func(id string, rec []byte) error {
				row, err := restoreRow(col, rec)
				if err != nil {
					return fmt.Errorf("%s/%s: %w", col.Name, id, err)
				}
				row["id"] = id
				total++
				_, err = tx.DB().Insert(col.Name, row).Execute()
				return err
			})
			if err != nil {
				return fmt.Errorf("restore %s: %w", col.Name, err)
			}
		}
		applied, err := migrationCount(tx)
		if err != nil {
			return err
		}
		for k, v := range map[string]string{stateSource: pos.Source, stateCapture: "on", stateMigrations: applied} {
			if err := writeState(tx, k, v); err != nil {
				return err
			}
		}
		// The log continues after the replica's position.
		if _, err := tx.DB().NewQuery("DELETE FROM sqlite_sequence WHERE name = {:t}").Bind(dbx.Params{"t": logTable}).Execute(); err != nil {
			return err
		}
		_, err = tx.DB().NewQuery("INSERT INTO sqlite_sequence (name, seq) VALUES ({:t}, {:seq})").Bind(dbx.Params{"t": logTable, "seq": pos.Seq}).Execute()
		return err
	})
	if err != nil {
		return err
	}
	fmt.Printf("restored %d records from %s (replica of %s at seq %d, last change %s) into %s\n",
		total, replica.Describe(url), pos.Source, pos.Seq, pos.ChangedAt.Format(time.RFC3339), app.DataDir())
	fmt.Println("not in the replica: superusers (create one: slotbase superuser upsert EMAIL PASSWORD), PocketBase settings (SMTP etc.), uploaded files")
	fmt.Println("next: slotbase serve --dir " + app.DataDir() + " --postgres URL (the stream continues where the replica stands)")
	return nil
}

// restoreRow turns a replica record into column values for col's table.
func restoreRow(col *core.Collection, raw []byte) (dbx.Params, error) {
	var rec map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&rec); err != nil {
		return nil, err
	}
	row := dbx.Params{}
	for _, f := range col.Fields {
		name := f.GetName()
		v, ok := rec[name]
		if !ok {
			continue
		}
		switch x := v.(type) {
		case nil:
			row[name] = nil
		case json.Number:
			if n, err := strconv.ParseInt(x.String(), 10, 64); err == nil {
				row[name] = n
			} else if fv, err := x.Float64(); err == nil {
				row[name] = fv
			} else {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
		case bool:
			row[name] = x
		case string:
			if isJSONColumn(f) {
				b, err := json.Marshal(x)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", name, err)
				}
				row[name] = string(b)
			} else {
				row[name] = x
			}
		default: // arrays and objects: JSON text
			b, err := json.Marshal(x)
			if err != nil {
				return nil, err
			}
			row[name] = string(b)
		}
	}
	return row, nil
}

// isJSONColumn reports whether the field is stored as JSON text.
func isJSONColumn(f core.Field) bool {
	switch ff := f.(type) {
	case *core.JSONField, *core.GeoPointField:
		return true
	case *core.SelectField:
		return ff.IsMultiple()
	case *core.RelationField:
		return ff.IsMultiple()
	case *core.FileField:
		return ff.IsMultiple()
	}
	return false
}

// appMigrationFiles names slotbase's own migrations (never quoted: Go file names).
func appMigrationFiles() []string {
	var out []string
	for _, m := range core.AppMigrations.Items() {
		out = append(out, strings.ReplaceAll(m.File, "'", ""))
	}
	return out
}
