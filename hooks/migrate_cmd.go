package hooks

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"
)

// MigrateCommand is `slotbase migrate up|down [n]|history`, a thin command
// over PocketBase's migration runner with slotbase's Go migrations
// (pb_migrations, compiled in). `serve` applies new migrations at start
// anyway; this is for looking before an upgrade and for stepping back.
// PocketBase's plugins/migratecmd is not used: its `create` and
// `collections` write migration source files, which a compiled binary in
// production cannot run, its `down` waits for a yes on a terminal (over
// `fly ssh console -C` there is none), and it has no history.
func MigrateCommand(app core.App) *cobra.Command {
	root := &cobra.Command{Use: "migrate", Short: "Database migrations: up, down [n], history (see DEPLOY.md, Upgrades)"}
	up := &cobra.Command{
		Use:   "up",
		Short: "Apply every migration this binary has and the data dir lacks (serve does this at start)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			applied, err := migrationsRunner(app).Up()
			if err != nil {
				return err
			}
			if len(applied) == 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "no new migrations")
			}
			for _, f := range applied {
				fmt.Fprintln(cmd.OutOrStdout(), "applied", f)
			}
			return nil
		},
	}
	var yes bool
	down := &cobra.Command{
		Use:   "down [n]",
		Short: "Revert the last n applied migrations (default 1); needs --yes",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 1
			if len(args) == 1 {
				var err error
				if n, err = strconv.Atoi(args[0]); err != nil || n < 1 {
					return fmt.Errorf("n: %q is not a count of 1 or more", args[0])
				}
			}
			if !yes {
				hist, err := migrationHistory(app)
				if err != nil {
					return err
				}
				last := lastApplied(hist, n)
				fmt.Fprintln(cmd.OutOrStdout(), "would revert (newest first):")
				for _, m := range last {
					fmt.Fprintln(cmd.OutOrStdout(), "  "+m.File)
				}
				return errors.New("down: nothing reverted; take a backup, then run it again with --yes")
			}
			reverted, err := migrationsRunner(app).Down(n)
			if err != nil {
				return err
			}
			for _, f := range reverted {
				fmt.Fprintln(cmd.OutOrStdout(), "reverted", f)
			}
			return nil
		},
	}
	down.Flags().BoolVar(&yes, "yes", false, "really revert (without it, down only lists what it would revert)")
	var asJSON bool
	history := &cobra.Command{
		Use:   "history",
		Short: "List the migrations: applied (when) or pending, and applied ones this binary does not know (a newer release ran here)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			hist, err := migrationHistory(app)
			if err != nil {
				return err
			}
			return printHistory(cmd.OutOrStdout(), hist, asJSON)
		},
	}
	history.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	for _, c := range []*cobra.Command{up, down, history} {
		c.SilenceUsage = true
	}
	root.AddCommand(up, down, history)
	return root
}

// migrationsRunner is PocketBase's runner over its system migrations and
// slotbase's (the same list serve applies).
func migrationsRunner(app core.App) *core.MigrationsRunner {
	list := core.MigrationsList{}
	list.Copy(core.SystemMigrations)
	list.Copy(core.AppMigrations)
	return core.NewMigrationsRunner(app, list)
}

// Migration is one line of `migrate history`.
type Migration struct {
	File string `json:"file"`
	// Applied is when it ran (UTC); nil while pending.
	Applied *time.Time `json:"applied,omitempty"`
	// Known says whether this binary has the migration.
	Known bool `json:"known"`
}

// migrationHistory lists this binary's migrations in order with their
// applied time, then applied migrations it does not know.
func migrationHistory(app core.App) ([]Migration, error) {
	var rows []struct {
		File    string `db:"file"`
		Applied int64  `db:"applied"`
	}
	err := app.DB().Select("file", "applied").From(core.DefaultMigrationsTable).OrderBy("applied", "file").All(&rows)
	if err != nil {
		return nil, fmt.Errorf("migration history: %w", err)
	}
	applied := map[string]time.Time{}
	for _, r := range rows {
		applied[r.File] = appliedTime(r.Applied)
	}
	var out []Migration
	seen := map[string]bool{}
	list := core.MigrationsList{}
	list.Copy(core.SystemMigrations)
	list.Copy(core.AppMigrations)
	for _, m := range list.Items() {
		seen[m.File] = true
		h := Migration{File: m.File, Known: true}
		if at, ok := applied[m.File]; ok {
			h.Applied = &at
		}
		out = append(out, h)
	}
	for _, r := range rows {
		if !seen[r.File] {
			at := appliedTime(r.Applied)
			out = append(out, Migration{File: r.File, Applied: &at})
		}
	}
	return out, nil
}

// appliedTime reads _migrations.applied: microseconds since the epoch
// (older PocketBase releases stored seconds).
func appliedTime(v int64) time.Time {
	if v < 1e12 {
		return time.Unix(v, 0).UTC()
	}
	return time.UnixMicro(v).UTC()
}

// lastApplied is the n most recently applied known migrations of hist,
// newest first, in the runner's order (applied time, then file name).
func lastApplied(hist []Migration, n int) []Migration {
	var applied []Migration
	for _, m := range hist {
		if m.Applied != nil && m.Known {
			applied = append(applied, m)
		}
	}
	sort.SliceStable(applied, func(i, j int) bool {
		if !applied[i].Applied.Equal(*applied[j].Applied) {
			return applied[i].Applied.After(*applied[j].Applied)
		}
		return applied[i].File > applied[j].File
	})
	return applied[:min(n, len(applied))]
}

func printHistory(w io.Writer, hist []Migration, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(hist)
	}
	for _, m := range hist {
		state := "pending"
		if m.Applied != nil {
			state = "applied " + m.Applied.Format(time.RFC3339)
		}
		if !m.Known {
			state += " (unknown to this binary: a newer release applied it)"
		}
		fmt.Fprintf(w, "%-60s %s\n", m.File, state)
	}
	return nil
}
