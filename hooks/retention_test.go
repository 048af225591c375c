package hooks

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// insertAged writes a row straight into table with its time column set to
// at (PocketBase's autodate fields would stamp "now" through Save).
func insertAged(t *testing.T, app core.App, table string, at time.Time, cols dbx.Params) string {
	t.Helper()
	id := core.GenerateDefaultRandomId()
	row := dbx.Params{"id": id, "created": at.UTC().Format(dateLayout)}
	if table != c.AuditLog {
		row["updated"] = at.UTC().Format(dateLayout)
	}
	for k, v := range cols {
		row[k] = v
	}
	if _, err := app.DB().Insert(table, row).Execute(); err != nil {
		t.Fatalf("%s: %v", table, err)
	}
	return id
}

func exists(t *testing.T, app core.App, table, id string) bool {
	t.Helper()
	var n int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM " + table + " WHERE id = {:id}").Bind(dbx.Params{"id": id}).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestRetentionDeletesOnlyOldFinishedRows: rows older than their keep time
// go, younger ones stay, jobs that are not finished stay whatever their
// age, and a kind kept forever (0) is not touched.
func TestRetentionDeletesOnlyOldFinishedRows(t *testing.T) {
	app := seeded(t, Config{})
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)
	old, young := now.Add(-400*day), now.Add(-1*day)
	webhook := insertAged(t, app, c.Webhooks, now, dbx.Params{c.WebhooksName: "crm", c.WebhooksURL: "http://127.0.0.1:1/", c.WebhooksEvents: `["booking.created"]`})

	type row struct {
		table string
		at    time.Time
		cols  dbx.Params
		gone  bool
	}
	rows := map[string]row{
		"old audit":      {c.AuditLog, old, dbx.Params{c.AuditLogAction: "booking.created"}, true},
		"young audit":    {c.AuditLog, young, dbx.Params{c.AuditLogAction: "booking.created"}, false},
		"old delivery":   {c.WebhookDeliveries, now.Add(-31 * day), dbx.Params{c.WebhookDeliveriesWebhook: webhook}, true},
		"young delivery": {c.WebhookDeliveries, now.Add(-29 * day), dbx.Params{c.WebhookDeliveriesWebhook: webhook}, false},
		"old done job":   {c.Jobs, old, dbx.Params{c.JobsKind: "x", c.JobsStatus: c.JobDone}, true},
		"old dead job":   {c.Jobs, old, dbx.Params{c.JobsKind: "x", c.JobsStatus: c.JobDead}, true},
		"old pending":    {c.Jobs, old, dbx.Params{c.JobsKind: "x", c.JobsStatus: c.JobPending}, false},
		"old running":    {c.Jobs, old, dbx.Params{c.JobsKind: "x", c.JobsStatus: c.JobRunning}, false},
		"young done job": {c.Jobs, now.Add(-13 * day), dbx.Params{c.JobsKind: "x", c.JobsStatus: c.JobDone}, false},
		"old email":      {c.EmailLog, old, nil, false}, // email_log=0 below: forever
	}
	ids := map[string]string{}
	for name, r := range rows {
		ids[name] = insertAged(t, app, r.table, r.at, r.cols)
	}
	r := DefaultRetention()
	r[RetainEmailLog] = 0
	report, err := runRetention(context.Background(), app, r, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	for name, row := range rows {
		if got := !exists(t, app, row.table, ids[name]); got != row.gone {
			t.Errorf("%s: deleted = %v, want %v", name, got, row.gone)
		}
	}
	if report[RetainAuditLog] != 1 || report[RetainJobs] != 2 || report[RetainWebhookDeliveries] != 1 || report[RetainEmailLog] != 0 {
		t.Errorf("report %v", report)
	}
}

// TestRetentionDeletesInBatches: more old rows than one batch are all
// deleted, in transactions of at most retentionBatch rows each.
func TestRetentionDeletesInBatches(t *testing.T) {
	app := seeded(t, Config{})
	now := time.Now().UTC()
	const n = 2*retentionBatch + 37
	for i := range n {
		insertAged(t, app, c.AuditLog, now.Add(-400*day+time.Duration(i)*time.Second), dbx.Params{c.AuditLogAction: "booking.created"})
	}
	var mu sync.Mutex
	perTx := map[core.App]int{}
	app.OnRecordDeleteExecute(c.AuditLog).BindFunc(func(e *core.RecordEvent) error {
		mu.Lock()
		perTx[e.App]++
		mu.Unlock()
		return e.Next()
	})
	report, err := runRetention(context.Background(), app, Retention{RetainAuditLog: 365 * day}, now, 0)
	if err != nil {
		t.Fatal(err)
	}
	var left int
	if err := app.DB().NewQuery("SELECT COUNT(*) FROM " + c.AuditLog).Row(&left); err != nil {
		t.Fatal(err)
	}
	if report[RetainAuditLog] != n || left != 0 {
		t.Fatalf("deleted %d of %d, %d left", report[RetainAuditLog], n, left)
	}
	if len(perTx) != 3 {
		t.Errorf("%d transactions, want 3", len(perTx))
	}
	for _, k := range perTx {
		if k > retentionBatch {
			t.Errorf("a transaction deleted %d rows, more than %d", k, retentionBatch)
		}
	}
}

// TestRetentionMailFilesByAge: .eml files older than the keep time are
// removed by their modification time; younger ones and other files stay.
func TestRetentionMailFilesByAge(t *testing.T) {
	app := seeded(t, Config{})
	dir := filepath.Join(app.DataDir(), "mail")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	files := map[string]time.Time{"old.eml": now.Add(-31 * day), "young.eml": now.Add(-29 * day), "old.txt": now.Add(-400 * day)}
	for name, mtime := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	report, err := runRetention(context.Background(), app, Retention{RetainMailFiles: 30 * day}, now, 0)
	if err != nil || report[RetainMailFiles] != 1 {
		t.Fatalf("report %v, %v", report, err)
	}
	for name := range files {
		_, err := os.Stat(filepath.Join(dir, name))
		if gone := os.IsNotExist(err); gone != (name == "old.eml") {
			t.Errorf("%s: gone = %v", name, gone)
		}
	}
}

// TestParseRetention: keys over the defaults, days or durations, 0 for
// forever; errors name the key and the reason.
func TestParseRetention(t *testing.T) {
	r, err := ParseRetention("jobs=7d, mail=0,audit_log=36h")
	if err != nil {
		t.Fatal(err)
	}
	if r[RetainJobs] != 7*day || r[RetainMailFiles] != 0 || r[RetainAuditLog] != 36*time.Hour || r[RetainEmailLog] != 90*day {
		t.Fatalf("parsed %v", r)
	}
	if got := DefaultRetention().String(); got != "audit_log=365d,email_log=90d,jobs=14d,mail=30d,webhook_deliveries=30d" {
		t.Errorf("defaults print as %q", got)
	}
	for in, want := range map[string]string{
		"bookings=1d":  "want key=age with key one of",
		"jobs":         "want key=age",
		"jobs=-1d":     "jobs: \"-1d\": days must be",
		"email_log=2w": "email_log: \"2w\": want days",
	} {
		if _, err := ParseRetention(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseRetention(%q) = %v, want an error with %q", in, err, want)
		}
	}
}

// TestNightlyCheckpointUnderLitestream: with LITESTREAM_REPLICA_URL set,
// PocketBase's nightly TRUNCATE checkpoint (which waits out the busy
// timeout against Litestream's read transaction) is replaced; without it,
// PocketBase's job stays.
func TestNightlyCheckpointUnderLitestream(t *testing.T) {
	for _, url := range []string{"", "file:///backups/slotbase"} {
		t.Setenv("LITESTREAM_REPLICA_URL", url)
		app := seeded(t, Config{})
		s, _ := testServers.Load(core.App(app))
		s.(*server).startSchedules()
		jobs := map[string]bool{}
		for _, j := range app.Cron().Jobs() {
			jobs[j.Id()] = true
		}
		if under := url != ""; jobs[pbOptimizeJob] == under || jobs["slotbase_db_optimize"] != under || !jobs["slotbase_retention"] {
			t.Errorf("LITESTREAM_REPLICA_URL=%q: cron jobs %v", url, jobs)
		}
	}
}

// BenchmarkRetentionBatch times one full batch: retentionBatch old audit
// entries deleted in one transaction (how long a booking may wait behind
// retention on SQLite's one writer).
func BenchmarkRetentionBatch(b *testing.B) {
	app := seeded(b, Config{})
	now := time.Now().UTC()
	old := now.Add(-400 * day).Format(dateLayout)
	for b.Loop() {
		b.StopTimer()
		for range retentionBatch {
			if _, err := app.DB().Insert(c.AuditLog, dbx.Params{"id": core.GenerateDefaultRandomId(), "created": old, c.AuditLogAction: "booking.created"}).Execute(); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		if report, err := runRetention(context.Background(), app, Retention{RetainAuditLog: 365 * day}, now, 0); err != nil || report[RetainAuditLog] != retentionBatch {
			b.Fatalf("report %v, %v", report, err)
		}
	}
}
