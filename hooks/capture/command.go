package capture

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/spf13/cobra"

	"github.com/slotbase/slotbase/internal/replica"
)

// Command returns the `replica` command for app (it works whether or not
// Register bound the capture on app: it reads and writes the log directly):
//
//	slotbase replica status                      lag, position, last error
//	slotbase replica verify                      row counts and row hashes, both sides
//	slotbase replica restore --from URL --dir D  a fresh pb_data from PostgreSQL
func Command(app core.App, cfg Config) *cobra.Command {
	r := replicaCmd{app: app, cfg: cfg}
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
				from = cfg.url()
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

// replicaCmd is what the `replica` subcommands share.
type replicaCmd struct {
	app core.App
	cfg Config
}

func (r replicaCmd) printStatus(ctx context.Context, asJSON bool) error {
	url, from, err := r.targetURL()
	if err != nil {
		return err
	}
	var pos *replica.Position
	var pgErr error
	if url != "" {
		pos, pgErr = r.position(ctx, url)
	}
	source, err := readState(r.app, stateSource)
	if err != nil {
		return err
	}
	refused := pos != nil && pos.Source != source
	if refused {
		pos = nil // another data dir's position says nothing of this one's lag
	}
	st, err := readStatus(r.app, url, pos, r.cfg.now())
	if err != nil {
		return err
	}
	st.URLFrom = from
	if pgErr != nil && st.LastError == "" {
		st.LastError = "PostgreSQL unreachable: " + pgErr.Error()
	}
	setState(&st, refused)
	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(st)
	}
	if !st.Enabled {
		fmt.Println("replica: off (no --postgres / SLOTBASE_POSTGRES_URL)")
		return nil
	}
	fmt.Printf("state:       %s\n", st.State)
	if st.Reason != "" {
		fmt.Printf("reason:      %s\n", st.Reason)
	}
	fmt.Printf("target:      %s (%s)\n", st.Target, st.URLFrom)
	fmt.Printf("source:      %s\n", st.Source)
	if refused {
		fmt.Printf("postgres:    holds the replica of another data dir\n")
	} else if pgErr != nil {
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

// position reads the replica's position at url (nil for a fresh schema).
func (r replicaCmd) position(ctx context.Context, url string) (*replica.Position, error) {
	t, err := replica.Open(ctx, url, "", r.cfg.now())
	if err != nil {
		return nil, err
	}
	defer closeQuietly(ctx, t)
	p, ok, err := t.Position(ctx)
	if err != nil || !ok {
		return nil, err
	}
	return &p, nil
}

// closeQuietly ends a read-only connection: the reading is done, and a
// failed goodbye changes nothing of what was read.
func closeQuietly(ctx context.Context, t *replica.Target) {
	_ = t.Close(context.WithoutCancel(ctx))
}

// VerifyReport is what `replica verify` found.
type VerifyReport struct {
	// Counts maps a collection to its live rows: [primary, replica].
	Counts      map[string][2]int    `json:"counts"`
	Differences []replica.Difference `json:"differences"`
}

func (r replicaCmd) verify(ctx context.Context) error {
	url, _, err := r.targetURL()
	if err != nil {
		return err
	}
	if url == "" {
		return errors.New("verify: --postgres URL (or SLOTBASE_POSTGRES_URL) is required: this data dir has not streamed to PostgreSQL")
	}
	var report VerifyReport
	for attempt := 0; attempt < 3; attempt++ {
		if err := r.drain(ctx, url); isRefusal(err, "") {
			return fmt.Errorf("verify: %s: %s: %w", StateRefused, refusedReason, err)
		} else if err != nil {
			return fmt.Errorf("verify: streaming the pending changes: %w", err)
		}
		var err error
		if report, err = r.compare(ctx, url); err != nil {
			return err
		}
		if len(report.Differences) == 0 {
			break
		}
		select { // changes in flight from a serving process
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
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
func (r replicaCmd) drain(ctx context.Context, url string) error {
	source, err := readState(r.app, stateSource)
	if err != nil {
		return err
	}
	on, err := readState(r.app, stateCapture)
	if err != nil {
		return err
	}
	if on != "on" || source == "" {
		return errors.New("this data dir does not stream to PostgreSQL: serve it with --postgres first")
	}
	st := &replica.Streamer{Source: logSource{app: r.app, source: source, now: r.cfg.now}, URL: url, Now: r.cfg.now}
	return st.Drain(ctx)
}

// compare hashes every live row on both sides.
func (r replicaCmd) compare(ctx context.Context, url string) (VerifyReport, error) {
	report := VerifyReport{Counts: map[string][2]int{}}
	t, err := replica.Open(ctx, url, "", r.cfg.now())
	if err != nil {
		return report, err
	}
	defer closeQuietly(ctx, t)
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
			raw, err := json.Marshal(data)
			if err != nil {
				return report, fmt.Errorf("%s/%s: %w", col.Name, rec.Id, err)
			}
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
