package capture

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	"github.com/slotbase/slotbase/internal/replica"
	"github.com/slotbase/slotbase/internal/testenv"
	_ "github.com/slotbase/slotbase/pb_migrations"
)

// testNow is the tests' fixed clock.
var testNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// unreachable is a PostgreSQL URL nothing listens on: the stream fails at
// once and keeps every change in the log.
const unreachable = "postgres://slotbase@127.0.0.1:1/replica?sslmode=disable&connect_timeout=2"

// newApp is a test app with slotbase's migrations and the capture bound.
func newApp(t *testing.T, cfg Config) (*tests.TestApp, *Capture) {
	t.Helper()
	app, err := tests.NewTestApp(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Cleanup)
	if cfg.Now == nil {
		cfg.Now = func() time.Time { return testNow }
	}
	return app, Register(app, cfg)
}

// mkNotes creates a base collection "notes" with one text field.
func mkNotes(t *testing.T, app core.App) *core.Collection {
	t.Helper()
	col := core.NewBaseCollection("notes")
	col.Fields.Add(&core.TextField{Name: "text"})
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	return col
}

func saveNote(t *testing.T, app core.App, col *core.Collection, text string) *core.Record {
	t.Helper()
	rec := core.NewRecord(col)
	rec.Set("text", text)
	if err := app.Save(rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

// logRow is one row of the change log.
type logRow struct {
	Seq        int64  `db:"seq"`
	Collection string `db:"collection"`
	RecordID   string `db:"record_id"`
	Op         string `db:"op"`
	Data       string `db:"data"`
	At         string `db:"at"`
}

func logRows(t *testing.T, db core.App, collection string) []logRow {
	t.Helper()
	var rows []logRow
	if err := db.DB().NewQuery("SELECT seq, collection, record_id, op, data, at FROM " + logTable + " WHERE collection = {:c} ORDER BY seq").
		Bind(dbx.Params{"c": collection}).All(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCaptureInTheWriteTransaction: with capture on, each write of a record
// or collection logs a row in the write's own transaction (a rolled-back
// write logs none); with capture off, nothing is logged.
func TestCaptureInTheWriteTransaction(t *testing.T) {
	app, c := newApp(t, Config{})
	if c.capturing(app) {
		t.Fatal("capture is off on a fresh data dir")
	}
	mkNotes(t, app) // before capture: not logged
	if rows := logRows(t, app, replica.Collections); len(rows) != 0 {
		t.Fatalf("capture off, yet logged %+v", rows)
	}
	source, err := c.enable()
	if err != nil || len(source) != 15 {
		t.Fatalf("enable: %q %v", source, err)
	}
	col, err := app.FindCollectionByNameOrId("notes")
	if err != nil {
		t.Fatal(err)
	}

	rec := saveNote(t, app, col, "first")
	rows := logRows(t, app, "notes")
	if len(rows) != 1 || rows[0].RecordID != rec.Id || rows[0].Op != replica.OpUpsert || !strings.Contains(rows[0].Data, `"text":"first"`) || rows[0].At != testNow.Format(time.RFC3339Nano) {
		t.Fatalf("after a save: %+v", rows)
	}

	errRollback := errors.New("roll back")
	var inside int
	err = app.RunInTransaction(func(tx core.App) error {
		saveNote(t, tx, col, "rolled back")
		inside = len(logRows(t, tx, "notes"))
		return errRollback
	})
	if !errors.Is(err, errRollback) || inside != 2 {
		t.Fatalf("inside the transaction: %d rows (want 2), %v", inside, err)
	}
	if rows := logRows(t, app, "notes"); len(rows) != 1 {
		t.Fatalf("a rolled-back write left log rows: %+v", rows)
	}

	if err := app.Delete(rec); err != nil {
		t.Fatal(err)
	}
	if rows := logRows(t, app, "notes"); len(rows) != 2 || rows[1].Op != replica.OpDelete {
		t.Fatalf("after a delete: %+v", rows)
	}

	// A new field: definition, records written out again, then a sweep.
	saveNote(t, app, col, "second")
	col.Fields.Add(&core.TextField{Name: "title"})
	if err := app.Save(col); err != nil {
		t.Fatal(err)
	}
	defs := logRows(t, app, replica.Collections)
	notes := logRows(t, app, "notes")
	if len(defs) != 1 || !strings.Contains(defs[0].Data, `"title"`) || notes[len(notes)-1].Op != replica.OpSweep || notes[len(notes)-2].Op != replica.OpUpsert {
		t.Fatalf("after a field was added: defs %+v, notes %+v", defs, notes)
	}

	was, err := c.disable()
	if err != nil || !was {
		t.Fatalf("disable: %v %v", was, err)
	}
	saveNote(t, app, col, "off")
	if rows := logRows(t, app, "notes"); len(rows) != 0 {
		t.Fatalf("capture off (the log dropped), yet logged %+v", rows)
	}
}

// TestRegisterTwiceLogsOnce: binding the capture again replaces the
// first binding instead of logging every write twice.
func TestRegisterTwiceLogsOnce(t *testing.T) {
	app, _ := newApp(t, Config{})
	c := Register(app, Config{Now: func() time.Time { return testNow }})
	if _, err := c.enable(); err != nil {
		t.Fatal(err)
	}
	saveNote(t, app, mkNotes(t, app), "once")
	if rows := logRows(t, app, "notes"); len(rows) != 2 { // the sweep of the new collection's snapshot, the record
		t.Fatalf("rows %+v", rows)
	}
}

// recorder is a slog handler that keeps the records (and can panic once on
// a message, to make the streamer panic).
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
	panicOn string
	panics  atomic.Int32
}

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) WithAttrs([]slog.Attr) slog.Handler       { return r }
func (r *recorder) WithGroup(string) slog.Handler            { return r }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	if r.panicOn != "" && strings.Contains(rec.Message, r.panicOn) && r.panics.Add(1) == 1 {
		panic("boom in the streamer")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec)
	return nil
}

// find returns the first record whose message contains msg.
func (r *recorder) find(msg string) (slog.Record, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.records {
		if strings.Contains(rec.Message, msg) {
			return rec, true
		}
	}
	return slog.Record{}, false
}

func attr(rec slog.Record, key string) string {
	var v string
	rec.Attrs(func(a slog.Attr) bool {
		if a.Key == key {
			v = a.Value.String()
			return false
		}
		return true
	})
	return v
}

// serve fires app's serve event as a start does (no HTTP server).
func serve(t *testing.T, app *tests.TestApp) error {
	t.Helper()
	return app.OnServe().Trigger(&core.ServeEvent{App: app}, func(e *core.ServeEvent) error { return nil })
}

// waitFor polls cond for up to a minute (generous: a loaded machine).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(time.Minute); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestStreamerPanicRestarts: a panic inside the streamer's goroutine is
// logged with its stack and recorded as the last error, the process goes
// on, and a fresh streamer takes over.
func TestStreamerPanicRestarts(t *testing.T) {
	log := &recorder{panicOn: "stream failing"}
	app, c := newApp(t, Config{PostgresURL: func() string { return unreachable }, Logger: func() *slog.Logger { return slog.New(log) }})
	if err := serve(t, app); err != nil {
		t.Fatal(err)
	}
	if !c.capturing(app) {
		t.Fatal("serving with a PostgreSQL URL turns capture on")
	}
	// The streamer runs in its own goroutine (and may already be between a
	// panic and its restart): wait until one is there.
	waitFor(t, "a streamer", func() bool { return c.streamer.Load() != nil })
	first := c.streamer.Load()
	waitFor(t, "the panic to be recorded", func() bool {
		v, err := readState(app, stateLastError)
		return err == nil && strings.Contains(v, "streamer panicked: boom in the streamer")
	})
	rec, ok := log.find("streamer panicked")
	if !ok || rec.Level != slog.LevelError || !strings.Contains(attr(rec, "stack"), "runGuarded") {
		t.Fatalf("the panic is logged at error level with its stack: %v %+v", ok, rec)
	}
	waitFor(t, "a fresh streamer", func() bool { return c.streamer.Load() != first })
	if p := c.panicked.Load(); p == nil || !p.at.Equal(testNow) {
		t.Fatalf("panicked = %+v", p)
	}
	// The fresh streamer runs: it fails to connect like the first one did.
	waitFor(t, "the fresh streamer's own failure", func() bool { return c.streamer.Load().Status().Failures > 0 })
	// A second serve event (tests build routers more than once) starts nothing new.
	if err := serve(t, app); err != nil {
		t.Fatal(err)
	}
}

// TestRecordErrorFailureIsLogged: when the last error cannot be stored
// (the state table is gone), the failure is logged, not dropped.
func TestRecordErrorFailureIsLogged(t *testing.T) {
	log := &recorder{}
	app, c := newApp(t, Config{})
	if _, err := app.DB().NewQuery("DROP TABLE " + stateTable).Execute(); err != nil {
		t.Fatal(err)
	}
	c.recordError(slog.New(log), errors.New("connect: refused"), testNow)
	rec, ok := log.find("recording the stream's last error")
	if !ok || rec.Level != slog.LevelError || attr(rec, "stream_error") != "connect: refused" || !strings.Contains(attr(rec, "error"), stateTable) {
		t.Fatalf("logged %v %+v", ok, rec)
	}
}

// TestStreamErrorIsRecorded: the stream's failures reach the state table
// and the status (as `replica status` in another process reads them).
func TestStreamErrorIsRecorded(t *testing.T) {
	app, c := newApp(t, Config{PostgresURL: func() string { return unreachable }, Logger: func() *slog.Logger { return slog.New(&recorder{}) }})
	if err := serve(t, app); err != nil {
		t.Fatal(err)
	}
	saveNote(t, app, mkNotes(t, app), "waits in the log")
	waitFor(t, "the stream's error in the state", func() bool {
		v, err := readState(app, stateLastError)
		return err == nil && strings.Contains(v, "connect to 127.0.0.1:1/replica")
	})
	st, err := readStatus(app, unreachable, nil, testNow.Add(90*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if !st.Enabled || st.Target != "127.0.0.1:1/replica" || len(st.Source) != 15 || st.LagChanges != 3 || st.LagSeconds != 90 || st.LastErrorAt.IsZero() {
		raw, _ := json.Marshal(st)
		t.Fatalf("status %s", raw)
	}
	if c.streamer.Load().Status().Connected {
		t.Fatal("connected to nothing")
	}
}

// TestServeWithoutURLTurnsCaptureOff: serving without a PostgreSQL URL
// turns capture off and drops the log.
func TestServeWithoutURLTurnsCaptureOff(t *testing.T) {
	app, c := newApp(t, Config{})
	if _, err := c.enable(); err != nil {
		t.Fatal(err)
	}
	saveNote(t, app, mkNotes(t, app), "logged")
	if err := serve(t, app); err != nil {
		t.Fatal(err)
	}
	if c.capturing(app) || c.streamer.Load() != nil {
		t.Fatal("capture on without a URL")
	}
	if n, _, err := (logSource{app: app}).backlog(0); err != nil || n != 0 {
		t.Fatalf("log kept %d rows, %v", n, err)
	}
}

func TestRestoreRow(t *testing.T) {
	col := core.NewBaseCollection("things")
	col.Fields.Add(&core.NumberField{Name: "n"}, &core.JSONField{Name: "j"}, &core.TextField{Name: "s"}, &core.SelectField{Name: "tags", MaxSelect: 3})
	scenarios := []struct {
		name, raw string
		want      dbx.Params
		err       string
	}{
		{"values", `{"n": 3, "j": "x", "s": "y", "tags": ["a","b"], "extra": 1}`, dbx.Params{"n": int64(3), "j": `"x"`, "s": "y", "tags": `["a","b"]`}, ""},
		{"float and null", `{"n": 2.5, "j": null}`, dbx.Params{"n": 2.5, "j": nil}, ""},
		{"number out of range", `{"n": 1e400}`, nil, "n: "},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got, err := restoreRow(col, []byte(s.raw))
			if s.err != "" {
				if err == nil || !strings.Contains(err.Error(), s.err) {
					t.Fatalf("err %v, want %q", err, s.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a, _ := json.Marshal(got)
			b, _ := json.Marshal(s.want)
			if string(a) != string(b) {
				t.Fatalf("got %s, want %s", a, b)
			}
		})
	}
}

// TestStreamToPostgres streams the log to a real PostgreSQL at serve time,
// then checks the live status and runs `replica verify` and `replica status`.
func TestStreamToPostgres(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	cfg := Config{PostgresURL: func() string { return url }, Now: time.Now}
	app, c := newApp(t, cfg)
	if err := serve(t, app); err != nil {
		t.Fatal(err)
	}
	col := mkNotes(t, app)
	for _, text := range []string{"one", "two", "three"} {
		saveNote(t, app, col, text)
	}
	waitFor(t, "the replica to catch up", func() bool {
		live := c.streamer.Load().Status()
		if !live.Connected || live.LastError != "" {
			return false
		}
		st, err := readStatus(app, url, &live.Position, time.Now())
		return err == nil && st.LagChanges == 0
	})
	for _, args := range [][]string{{"verify"}, {"status", "--json"}} {
		cmd := Command(app, cfg)
		cmd.SetArgs(args)
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("replica %v: %v", args, err)
		}
	}
}
