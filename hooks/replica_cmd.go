package hooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/slotbase/slotbase/internal/replica"
)

// ReplicaCommand binds the change capture on app (it must run before the
// app starts, like Register) and returns the `replica` command:
//
//	slotbase replica status                      lag, position, last error
//	slotbase replica verify                      row counts and row hashes, both sides
//	slotbase replica restore --from URL --dir D  a fresh pb_data from PostgreSQL
func ReplicaCommand(app core.App, cfg *Config) *cobra.Command {
	r := bindReplica(app, cfg)
	root := &cobra.Command{Use: "replica", Short: "PostgreSQL replica: status, verify, restore (see DEPLOY.md)"}
	var asJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Show the replica's position, lag (changes and seconds) and last error",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 15*time.Second)
			defer cancel()
			return r.printStatus(ctx, asJSON)
		},
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Stream what is pending, then compare row counts and per-row hashes of every collection with PostgreSQL",
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, cancel := context.WithTimeout(cmd.Context(), 5*time.Minute)
			defer cancel()
			return r.verify(ctx)
		},
	}
	var from string
	restore := &cobra.Command{
		Use:   "restore --from URL --dir DIR",
		Short: "Rebuild a working pb_data in the (empty) --dir from the PostgreSQL replica at --from",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				from = cfg.PostgresURL
			}
			if from == "" {
				return errors.New("restore: --from URL (or SLOTBASE_POSTGRES_URL) is required")
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), 30*time.Minute)
			defer cancel()
			return r.restore(ctx, from)
		},
	}
	restore.Flags().StringVar(&from, "from", "", "PostgreSQL URL of the replica (default: --postgres / SLOTBASE_POSTGRES_URL)")
	for _, c := range []*cobra.Command{status, verify, restore} {
		c.SilenceUsage = true
	}
	root.AddCommand(status, verify, restore)
	return root
}

func (r *replication) printStatus(ctx context.Context, asJSON bool) error {
	var pos *replica.Position
	var pgErr error
	if r.cfg.PostgresURL != "" {
		t, err := replica.Open(ctx, r.cfg.PostgresURL, "")
		if err == nil {
			p, ok, err2 := t.Position(ctx)
			if ok {
				pos = &p
			}
			err = err2
			t.Close(ctx)
		}
		pgErr = err
	}
	st, err := r.status(pos, time.Now().UTC())
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if !st.Enabled {
		fmt.Println("replica: off (no --postgres / SLOTBASE_POSTGRES_URL)")
		return nil
	}
	fmt.Printf("target:      %s\n", st.Target)
	fmt.Printf("source:      %s\n", st.Source)
	if pgErr != nil {
		fmt.Printf("postgres:    unreachable: %v\n", pgErr)
	} else if pos == nil {
		fmt.Printf("postgres:    no replica yet (the first serve with this URL creates it)\n")
	} else {
		fmt.Printf("position:    seq %d, changed %s, stored %s\n", pos.Seq, pos.ChangedAt.Format(time.RFC3339), pos.AppliedAt.Format(time.RFC3339))
	}
	fmt.Printf("lag:         %d changes, %.1f s\n", st.LagChanges, st.LagSeconds)
	if st.LastError != "" {
		fmt.Printf("last error:  %s (%s)\n", st.LastError, st.LastErrorAt)
	}
	return nil
}

// VerifyReport is what `replica verify` found.
type VerifyReport struct {
	// Counts maps a collection to its live rows: [primary, replica].
	Counts      map[string][2]int    `json:"counts"`
	Differences []replica.Difference `json:"differences"`
}

func (r *replication) verify(ctx context.Context) error {
	if r.cfg.PostgresURL == "" {
		return errors.New("verify: --postgres URL (or SLOTBASE_POSTGRES_URL) is required")
	}
	var report VerifyReport
	for attempt := 0; attempt < 3; attempt++ {
		if err := r.drain(ctx); err != nil {
			return fmt.Errorf("verify: streaming the pending changes: %w", err)
		}
		var err error
		if report, err = r.compare(ctx); err != nil {
			return err
		}
		if len(report.Differences) == 0 {
			break
		}
		time.Sleep(time.Second) // changes in flight from a serving process
	}
	names := make([]string, 0, len(report.Counts))
	for n := range report.Counts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		c := report.Counts[n]
		fmt.Printf("%-24s %7d rows  %7d in PostgreSQL\n", n, c[0], c[1])
	}
	for i, d := range report.Differences {
		if i == 200 {
			fmt.Printf("… and %d more\n", len(report.Differences)-i)
			break
		}
		fmt.Printf("%-8s %s/%s\n", d.Kind, d.Collection, d.ID)
	}
	if len(report.Differences) > 0 {
		return fmt.Errorf("verify: %d differences", len(report.Differences))
	}
	fmt.Println("verify: clean")
	return nil
}

// drain streams the pending log (a serving process may do the same
// concurrently: the position row lock in PostgreSQL serialises them).
func (r *replication) drain(ctx context.Context) error {
	source, err := readState(r.app, stateSource)
	if err != nil {
		return err
	}
	if on, _ := readState(r.app, stateCapture); on != "on" || source == "" {
		return errors.New("this data dir does not stream to PostgreSQL: serve it with --postgres first")
	}
	st := &replica.Streamer{Source: logSource{app: r.app, source: source}, URL: r.cfg.PostgresURL}
	return st.Drain(ctx)
}

// compare hashes every live row on both sides.
func (r *replication) compare(ctx context.Context) (VerifyReport, error) {
	report := VerifyReport{Counts: map[string][2]int{}}
	t, err := replica.Open(ctx, r.cfg.PostgresURL, "")
	if err != nil {
		return report, err
	}
	defer t.Close(context.WithoutCancel(ctx))
	cols, err := r.app.FindAllCollections()
	if err != nil {
		return report, err
	}
	seen := map[string]bool{}
	for _, col := range cols {
		if col.System || col.IsView() {
			continue
		}
		seen[col.Name] = true
		primary := map[string]string{}
		var records []*core.Record
		if err := r.app.RecordQuery(col).All(&records); err != nil {
			return report, err
		}
		for _, rec := range records {
			data, err := recordData(rec)
			if err != nil {
				return report, err
			}
			raw, _ := json.Marshal(data)
			if primary[rec.Id], err = replica.RowHash(raw); err != nil {
				return report, err
			}
		}
		rep, err := replicaHashes(ctx, t, col.Name)
		if err != nil {
			return report, err
		}
		report.Counts[col.Name] = [2]int{len(primary), len(rep)}
		report.Differences = append(report.Differences, replica.Compare(col.Name, primary, rep)...)
	}
	for _, table := range t.Tables() {
		if seen[table] {
			continue
		}
		rep, err := replicaHashes(ctx, t, table)
		if err != nil {
			return report, err
		}
		if len(rep) > 0 {
			report.Counts[table] = [2]int{0, len(rep)}
			report.Differences = append(report.Differences, replica.Compare(table, nil, rep)...)
		}
	}
	return report, nil
}

func replicaHashes(ctx context.Context, t *replica.Target, table string) (map[string]string, error) {
	out := map[string]string{}
	err := t.Rows(ctx, table, func(id string, rec []byte) error {
		h, err := replica.RowHash(rec)
		out[id] = h
		return err
	})
	return out, err
}

// restore fills the app's (empty) data dir from the replica at url: the
// schema by this binary's migrations plus the replica's collection
// definitions (fields an admin added), then every live row as stored, then
// the replica state, so `serve --postgres url` continues the same stream.
func (r *replication) restore(ctx context.Context, url string) error {
	app := r.app
	var applied int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM _migrations WHERE file IN ('" + strings.Join(appMigrationFiles(), "','") + "')").Row(&applied); err != nil {
		return err
	}
	if applied > 0 {
		return fmt.Errorf("restore: %s already holds a slotbase database: restore into an empty --dir", app.DataDir())
	}
	t, err := replica.Open(ctx, url, "")
	if err != nil {
		return err
	}
	defer t.Close(context.WithoutCancel(ctx))
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
		for k, v := range map[string]string{stateSource: pos.Source, stateCapture: "on", stateMigrations: migrationCount(tx)} {
			if err := writeState(tx, k, v); err != nil {
				return err
			}
		}
		// The log continues after the replica's position.
		if _, err := tx.DB().NewQuery("DELETE FROM sqlite_sequence WHERE name = {:t}").Bind(dbx.Params{"t": replicaLogTable}).Execute(); err != nil {
			return err
		}
		_, err = tx.DB().NewQuery("INSERT INTO sqlite_sequence (name, seq) VALUES ({:t}, {:seq})").Bind(dbx.Params{"t": replicaLogTable, "seq": pos.Seq}).Execute()
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
			} else {
				fv, _ := x.Float64()
				row[name] = fv
			}
		case bool:
			row[name] = x
		case string:
			if isJSONColumn(f) {
				b, _ := json.Marshal(x)
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
