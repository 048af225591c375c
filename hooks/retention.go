package hooks

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// Retention by age (issue 19): the records that only grow (audit log,
// webhook deliveries, finished jobs, e-mail log) and the .eml files written
// without SMTP are deleted once older than their keep time. Deletion runs
// hourly in small batches, each its own short transaction with a pause
// between, so bookings never wait long on SQLite's single writer. Records
// go through app.Delete, so the PostgreSQL replica's change capture sees
// every deletion. Nothing live is touched: only jobs that are done or
// dead, never pending or running ones.

// Retention keys, as the --retention flag and SLOTBASE_RETENTION name them.
const (
	RetainAuditLog          = "audit_log"
	RetainWebhookDeliveries = "webhook_deliveries"
	RetainJobs              = "jobs"
	RetainEmailLog          = "email_log"
	RetainMailFiles         = "mail"
)

// Retention maps a retention key to how long its records are kept; 0 (or a
// missing key) keeps them forever.
type Retention map[string]time.Duration

// retentionBatch and retentionPause shape the deletion: rows per
// transaction, and the wait between two transactions.
const (
	retentionBatch = 500
	retentionPause = 200 * time.Millisecond
	day            = 24 * time.Hour
)

// DefaultRetention is the keep time of each kind when nothing is configured.
func DefaultRetention() Retention {
	return Retention{
		RetainAuditLog:          365 * day,
		RetainWebhookDeliveries: 30 * day,
		RetainJobs:              14 * day,
		RetainEmailLog:          90 * day,
		RetainMailFiles:         30 * day,
	}
}

// ParseRetention reads "key=age,…" over the defaults: an age is days ("30d"),
// hours ("12h") or 0 for forever; keys are those of DefaultRetention. The
// error names the key and what is wrong.
func ParseRetention(s string) (Retention, error) {
	r := DefaultRetention()
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		key, val, ok := strings.Cut(part, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if _, known := r[key]; !ok || !known {
			return nil, fmt.Errorf("retention: %q: want key=age with key one of %s", part, strings.Join(r.keys(), ", "))
		}
		age, err := parseAge(val)
		if err != nil {
			return nil, fmt.Errorf("retention: %s: %w", key, err)
		}
		r[key] = age
	}
	return r, nil
}

// parseAge reads "30d", "12h", "90m" or "0".
func parseAge(v string) (time.Duration, error) {
	if v == "0" {
		return 0, nil
	}
	if n, ok := strings.CutSuffix(v, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 || days > 36500 {
			return 0, fmt.Errorf("%q: days must be a whole number from 0 to 36500", v)
		}
		return time.Duration(days) * day, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("%q: want days (30d), hours (12h) or 0 for forever", v)
	}
	return d, nil
}

func (r Retention) keys() []string {
	keys := make([]string, 0, len(r))
	for k := range DefaultRetention() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// String implements pflag.Value: the keep times, days where whole.
func (r Retention) String() string {
	var parts []string
	for _, k := range r.keys() {
		d := r[k]
		if d%day == 0 {
			parts = append(parts, fmt.Sprintf("%s=%dd", k, d/day))
		} else {
			parts = append(parts, k+"="+d.String())
		}
	}
	return strings.Join(parts, ",")
}

// retentionFlag binds a *Retention to pflag.
type retentionFlag struct{ r *Retention }

func (f retentionFlag) String() string {
	if f.r == nil || *f.r == nil {
		return DefaultRetention().String()
	}
	return f.r.String()
}

func (f retentionFlag) Set(v string) error {
	r, err := ParseRetention(v)
	if err == nil {
		*f.r = r
	}
	return err
}

func (f retentionFlag) Type() string { return "key=age,…" }

// retentionRule is one collection's rule: records whose timeField is older
// than the cut (and that match filter) are deleted.
type retentionRule struct {
	key, collection, timeField, filter string
}

// retentionRules lists what retention deletes. Jobs age by their last
// update: the moment they finished.
var retentionRules = []retentionRule{
	{RetainAuditLog, c.AuditLog, "created", ""},
	{RetainWebhookDeliveries, c.WebhookDeliveries, "created", ""},
	{RetainJobs, c.Jobs, "updated", c.JobsStatus + " IN ('" + c.JobDone + "','" + c.JobDead + "')"},
	{RetainEmailLog, c.EmailLog, "created", ""},
}

// RetentionReport counts what one run deleted, by retention key.
type RetentionReport map[string]int

// runRetention deletes what r says is too old at now; it stops early
// (returning ctx's error) when ctx ends.
func runRetention(ctx context.Context, app core.App, r Retention, now time.Time, pause time.Duration) (RetentionReport, error) {
	report := RetentionReport{}
	var errs []error
	for _, rule := range retentionRules {
		keep := r[rule.key]
		if keep <= 0 {
			continue
		}
		n, err := deleteOlder(ctx, app, rule, now.Add(-keep), pause)
		if n > 0 {
			report[rule.key] = n
		}
		if ctx.Err() != nil {
			return report, ctx.Err()
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", rule.collection, err))
		}
	}
	if keep := r[RetainMailFiles]; keep > 0 {
		// The folder email_compose.go writes .eml files to without SMTP.
		n, err := deleteOldMail(filepath.Join(app.DataDir(), "mail"), now.Add(-keep))
		if n > 0 {
			report[RetainMailFiles] = n
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("mail files: %w", err))
		}
	}
	return report, errors.Join(errs...)
}

// deleteOlder deletes rule's records older than cut, retentionBatch per
// transaction, pausing between transactions.
func deleteOlder(ctx context.Context, app core.App, rule retentionRule, cut time.Time, pause time.Duration) (int, error) {
	where := dbx.NewExp("[["+rule.timeField+"]] < {:cut}", dbx.Params{"cut": cut.UTC().Format(dateLayout)})
	if rule.filter != "" {
		where = dbx.And(where, dbx.NewExp(rule.filter))
	}
	total := 0
	for {
		var records []*core.Record
		err := app.RecordQuery(rule.collection).AndWhere(where).OrderBy(rule.timeField).Limit(retentionBatch).All(&records)
		if err != nil || len(records) == 0 {
			return total, err
		}
		err = app.RunInTransaction(func(tx core.App) error {
			for _, rec := range records {
				if err := tx.Delete(rec); err != nil {
					return fmt.Errorf("%s: %w", rec.Id, err)
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += len(records)
		if len(records) < retentionBatch {
			return total, nil
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(pause):
		}
	}
}

// dateLayout is how PocketBase stores dates in SQLite.
const dateLayout = "2006-01-02 15:04:05.000Z"

// deleteOldMail removes .eml files in dir last modified before cut. A
// missing dir is nothing to do.
func deleteOldMail(dir string, cut time.Time) (int, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return 0, nil
	} else if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".eml") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
			}
			continue
		}
		if info.ModTime().Before(cut) {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				errs = append(errs, err)
				continue
			}
			n++
		}
	}
	return n, errors.Join(errs...)
}

// startRetention runs retention hourly, at 17 past, until the app
// terminates; a run still going when the next is due is not doubled.
func (s *server) startRetention() {
	r := s.cfg.Retention
	if r == nil {
		r = DefaultRetention()
	}
	log := opsLogger(s.app, "retention")
	ctx, cancel := context.WithCancel(context.Background())
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		return e.Next()
	})
	running := make(chan struct{}, 1)
	run := func() {
		select {
		case running <- struct{}{}:
		default:
			return // the previous run goes on
		}
		defer func() { <-running }()
		_ = callSafe(log, "retention", func() { // a panic is logged with its stack
			report, err := runRetention(ctx, s.app, r, s.now().UTC(), retentionPause)
			if err != nil && ctx.Err() == nil {
				log.Error("retention: deleting old records", "error", err, "deleted", fmt.Sprint(report))
			} else if len(report) > 0 {
				s.app.Logger().Info("retention: deleted old records", "deleted", fmt.Sprint(report))
			}
		})
	}
	s.app.Cron().MustAdd("slotbase_retention", "17 * * * *", run)
}
