package hooks

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/slotbase/slotbase/internal/replica"
)

// Change capture for the PostgreSQL replica (issue 9, see DEPLOY.md).
//
// Every create, update and delete of a record of a non-system collection,
// and every change of a collection's definition, appends one row to
// _slotbase_replica_log inside the SAME SQLite transaction as the write:
// the OnRecord*Execute / OnCollection*Execute hooks run around the write
// itself (core/db.go), and a write made outside a transaction is wrapped in
// one here. A rolled-back write therefore leaves no log row, and a
// committed one always has its row. Not captured: PocketBase's system
// collections (_superusers, _mfas, _otps, _externalAuths, _authOrigins),
// its settings (_params), uploaded files (pb_data/storage) and raw SQL
// writes. The only raw SQL writes in slotbase are migrations (a start after
// new migrations re-snapshots everything) and api_keys.last_used, a
// throttled bookkeeping stamp that reaches the replica with the key's next
// captured change.
//
// Capture is on while the data dir streams to PostgreSQL (state key
// "capture"); serving without a PostgreSQL URL turns it off and drops the
// log, and turning it on again re-snapshots.

const (
	replicaLogTable   = "_slotbase_replica_log"
	replicaStateTable = "_slotbase_replica_state"

	stateCapture     = "capture"
	stateSource      = "source"
	stateMigrations  = "migrations"
	stateLastError   = "last_error"
	stateLastErrorAt = "last_error_at"
)

// replication is the replica machinery of one app.
type replication struct {
	app core.App
	cfg *Config
	// capture caches the capture state: 0 unknown, 1 on, 2 off.
	capture  atomic.Int32
	streamer atomic.Pointer[replica.Streamer]
}

// replications maps an app to its replication (set by bindReplica).
var replications sync.Map

func init() { serverSetups = append(serverSetups, replicaSetup) }

// bindReplica binds the change capture on app (see ReplicaCommand).
func bindReplica(app core.App, cfg *Config) *replication {
	r := &replication{app: app, cfg: cfg}
	replications.Store(app, r)
	app.OnRecordCreateExecute().BindFunc(func(e *core.RecordEvent) error { return r.onRecord(e, replica.OpUpsert) })
	app.OnRecordUpdateExecute().BindFunc(func(e *core.RecordEvent) error { return r.onRecord(e, replica.OpUpsert) })
	app.OnRecordDeleteExecute().BindFunc(func(e *core.RecordEvent) error { return r.onRecord(e, replica.OpDelete) })
	app.OnCollectionCreateExecute().BindFunc(func(e *core.CollectionEvent) error { return r.onCollection(e, false) })
	app.OnCollectionUpdateExecute().BindFunc(func(e *core.CollectionEvent) error { return r.onCollection(e, false) })
	app.OnCollectionDeleteExecute().BindFunc(func(e *core.CollectionEvent) error { return r.onCollection(e, true) })
	return r
}

// capturing reads the capture state (cached once known).
func (r *replication) capturing(db core.App) bool {
	switch r.capture.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	v, err := readState(db, stateCapture)
	if err != nil {
		return false // the log table does not exist yet (early migrations)
	}
	r.setCapture(v == "on")
	return v == "on"
}

func (r *replication) setCapture(on bool) {
	if on {
		r.capture.Store(1)
	} else {
		r.capture.Store(2)
	}
}

// inWriteTx runs next (the write) and then after in one transaction: the
// caller's when there is one, else a new one whose app the event uses.
func inWriteTx(app core.App, setApp func(core.App), next func() error, after func(tx core.App) error) error {
	if app.IsTransactional() {
		if err := next(); err != nil {
			return err
		}
		return after(app)
	}
	defer setApp(app)
	return app.RunInTransaction(func(tx core.App) error {
		setApp(tx)
		if err := next(); err != nil {
			return err
		}
		return after(tx)
	})
}

func (r *replication) onRecord(e *core.RecordEvent, op string) error {
	col := e.Record.Collection()
	if col.System || col.IsView() || !r.capturing(e.App) {
		return e.Next()
	}
	return inWriteTx(e.App, func(a core.App) { e.App = a }, e.Next, func(tx core.App) error {
		_, err := appendRecord(tx, e.Record, op)
		return err
	})
}

func (r *replication) onCollection(e *core.CollectionEvent, deleted bool) error {
	if e.Collection.System || !r.capturing(e.App) {
		return e.Next()
	}
	var old *core.Collection
	return inWriteTx(e.App, func(a core.App) { e.App = a }, func() error {
		if !e.Collection.IsNew() {
			old, _ = e.App.FindCollectionByNameOrId(e.Collection.Id)
		}
		return e.Next()
	}, func(tx core.App) error {
		col := e.Collection
		if deleted {
			if _, err := appendChange(tx, replica.Collections, col.Id, replica.OpDelete, col); err != nil {
				return err
			}
			return appendSweep(tx, col.Name, math.MaxInt64)
		}
		if old != nil && old.Name != col.Name {
			if err := appendSweep(tx, old.Name, math.MaxInt64); err != nil {
				return err
			}
		}
		if old != nil && old.Name == col.Name && sameFields(old, col) {
			_, err := appendChange(tx, replica.Collections, col.Id, replica.OpUpsert, col)
			return err
		}
		// New, renamed or with other fields: the records carry new columns
		// (or a new table name) now, so they are written out again.
		return snapshotCollection(tx, col)
	})
}

func sameFields(a, b *core.Collection) bool {
	x, _ := json.Marshal(a.Fields)
	y, _ := json.Marshal(b.Fields)
	return string(x) == string(y)
}

// recordData is the record as its database columns (the form restore
// writes back): every field's stored value, files as names.
func recordData(rec *core.Record) (map[string]any, error) {
	out := make(map[string]any, len(rec.Collection().Fields))
	for _, f := range rec.Collection().Fields {
		name := f.GetName()
		if dv, ok := f.(core.DriverValuer); ok {
			v, err := dv.DriverValue(rec)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", rec.Collection().Name, name, err)
			}
			out[name] = v
			continue
		}
		out[name] = rec.GetRaw(name)
	}
	out["id"] = rec.Id
	return out, nil
}

func appendRecord(tx core.App, rec *core.Record, op string) (int64, error) {
	data, err := recordData(rec)
	if err != nil {
		return 0, err
	}
	return appendChange(tx, rec.Collection().Name, rec.Id, op, data)
}

// appendChange inserts one log row and returns its seq.
func appendChange(tx core.App, collection, id, op string, data any) (int64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, fmt.Errorf("replica log: %w", err)
	}
	res, err := tx.DB().NewQuery("INSERT INTO " + replicaLogTable + " (collection, record_id, op, data, at) VALUES ({:c}, {:id}, {:op}, {:data}, {:at})").
		Bind(dbx.Params{"c": collection, "id": id, "op": op, "data": string(raw), "at": time.Now().UTC().Format(time.RFC3339Nano)}).Execute()
	if err != nil {
		return 0, fmt.Errorf("replica log: %w", err)
	}
	return res.LastInsertId()
}

func appendSweep(tx core.App, collection string, before int64) error {
	_, err := appendChange(tx, collection, "", replica.OpSweep, map[string]int64{"before": before})
	return err
}

// snapshotCollection writes col's definition and all its records to the
// log, then a sweep: replica rows the snapshot did not touch are gone here.
func snapshotCollection(tx core.App, col *core.Collection) error {
	first, err := appendChange(tx, replica.Collections, col.Id, replica.OpUpsert, col)
	if err != nil || col.IsView() {
		return err
	}
	const page = 1000
	for offset := 0; ; offset += page {
		var records []*core.Record
		if err := tx.RecordQuery(col).OrderBy("id").Limit(page).Offset(int64(offset)).All(&records); err != nil {
			return fmt.Errorf("snapshot %s: %w", col.Name, err)
		}
		for _, rec := range records {
			if _, err := appendRecord(tx, rec, replica.OpUpsert); err != nil {
				return err
			}
		}
		if len(records) < page {
			break
		}
	}
	return appendSweep(tx, col.Name, first)
}

// snapshotAll snapshots every non-system collection; it returns the seq of
// the snapshot's first entry.
func snapshotAll(tx core.App) (int64, error) {
	cols, err := tx.FindAllCollections()
	if err != nil {
		return 0, err
	}
	sort.Slice(cols, func(i, j int) bool { return cols[i].Name < cols[j].Name })
	first := int64(0)
	for _, col := range cols {
		if col.System {
			continue
		}
		before := lastSeq(tx)
		if err := snapshotCollection(tx, col); err != nil {
			return 0, err
		}
		if first == 0 {
			first = before + 1
		}
	}
	if first == 0 {
		first = lastSeq(tx) + 1
	}
	return first, nil
}

func lastSeq(db core.App) int64 {
	var seq sql.NullInt64
	_ = db.DB().NewQuery("SELECT seq FROM sqlite_sequence WHERE name = {:t}").Bind(dbx.Params{"t": replicaLogTable}).Row(&seq)
	return seq.Int64
}

func readState(db core.App, key string) (string, error) {
	var v string
	err := db.DB().NewQuery("SELECT value FROM " + replicaStateTable + " WHERE key = {:k}").Bind(dbx.Params{"k": key}).Row(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return v, err
}

func writeState(db core.App, key, value string) error {
	_, err := db.DB().NewQuery("INSERT INTO " + replicaStateTable + " (key, value) VALUES ({:k}, {:v}) ON CONFLICT(key) DO UPDATE SET value = excluded.value").
		Bind(dbx.Params{"k": key, "v": value}).Execute()
	return err
}

func migrationCount(db core.App) string {
	var n int64
	_ = db.DB().NewQuery("SELECT COUNT(*) FROM _migrations").Row(&n)
	return strconv.FormatInt(n, 10)
}

// logSource is the SQLite change log as a replica.Source.
type logSource struct {
	app    core.App
	source string
}

var _ replica.Source = logSource{}

// ID is the data dir's replica source id.
func (l logSource) ID() string { return l.source }

// Read returns up to limit changes after seq after.
func (l logSource) Read(ctx context.Context, after int64, limit int) ([]replica.Change, error) {
	var rows []struct {
		Seq        int64  `db:"seq"`
		Collection string `db:"collection"`
		RecordID   string `db:"record_id"`
		Op         string `db:"op"`
		Data       string `db:"data"`
		At         string `db:"at"`
	}
	err := l.app.DB().NewQuery("SELECT seq, collection, record_id, op, data, at FROM " + replicaLogTable + " WHERE seq > {:after} ORDER BY seq LIMIT {:limit}").
		WithContext(ctx).Bind(dbx.Params{"after": after, "limit": limit}).All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]replica.Change, len(rows))
	for i, r := range rows {
		at, _ := time.Parse(time.RFC3339Nano, r.At)
		out[i] = replica.Change{Seq: r.Seq, Collection: r.Collection, RecordID: r.RecordID, Op: r.Op, Data: json.RawMessage(r.Data), At: at}
	}
	return out, nil
}

// Ack prunes the changes PostgreSQL has stored.
func (l logSource) Ack(ctx context.Context, seq int64) error {
	_, err := l.app.NonconcurrentDB().NewQuery("DELETE FROM " + replicaLogTable + " WHERE seq <= {:seq}").
		WithContext(ctx).Bind(dbx.Params{"seq": seq}).Execute()
	return err
}

// Snapshot appends a snapshot of every collection in one transaction.
func (l logSource) Snapshot(ctx context.Context) (int64, error) {
	var first int64
	err := l.app.RunInTransaction(func(tx core.App) error {
		var err error
		first, err = snapshotAll(tx)
		return err
	})
	return first, err
}

// backlog counts the changes after seq and finds the oldest one's time.
func (l logSource) backlog(after int64) (n int64, oldest time.Time, err error) {
	var row struct {
		N      int64          `db:"n"`
		Oldest sql.NullString `db:"oldest"`
	}
	err = l.app.DB().NewQuery("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM " + replicaLogTable + " WHERE seq > {:after}").
		Bind(dbx.Params{"after": after}).One(&row)
	if row.Oldest.Valid {
		oldest, _ = time.Parse(time.RFC3339Nano, row.Oldest.String)
	}
	return row.N, oldest, err
}

// newSourceID names a data dir for its replica (15 characters of [a-z0-9]).
func newSourceID() string {
	b := make([]byte, 15)
	_, _ = rand.Read(b)
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// enableCapture turns capture on (in one transaction with a snapshot when
// the log may have missed writes: capture was off, or migrations ran since)
// and returns the source id.
func (r *replication) enableCapture() (string, error) {
	var source string
	err := r.app.RunInTransaction(func(tx core.App) error {
		state, err := readState(tx, stateCapture)
		if err != nil {
			return err
		}
		if source, err = readState(tx, stateSource); err != nil {
			return err
		}
		migrations, _ := readState(tx, stateMigrations)
		now := migrationCount(tx)
		if source == "" {
			source = newSourceID() // a fresh PostgreSQL gets its snapshot when the stream connects
			if err := writeState(tx, stateSource, source); err != nil {
				return err
			}
		} else if state != "on" || migrations != now {
			if _, err := snapshotAll(tx); err != nil {
				return err
			}
		}
		if err := writeState(tx, stateMigrations, now); err != nil {
			return err
		}
		return writeState(tx, stateCapture, "on")
	})
	if err == nil {
		r.setCapture(true)
	}
	return source, err
}

// disableCapture turns capture off and drops the log (a later enable
// re-snapshots); it reports whether capture was on.
func (r *replication) disableCapture() (bool, error) {
	var was bool
	err := r.app.RunInTransaction(func(tx core.App) error {
		state, err := readState(tx, stateCapture)
		if err != nil || state != "on" {
			return err
		}
		was = true
		if _, err := tx.DB().NewQuery("DELETE FROM " + replicaLogTable).Execute(); err != nil {
			return err
		}
		return writeState(tx, stateCapture, "off")
	})
	if err == nil {
		r.setCapture(false)
	}
	return was, err
}

// replicaSetup starts the stream at serve time when a PostgreSQL URL is
// configured, and stops it when the app terminates.
func replicaSetup(s *server) error {
	v, ok := replications.Load(s.app)
	if !ok {
		return nil // ReplicaCommand was not called (tests of other parts)
	}
	r := v.(*replication)
	log := opsLogger(s.app, "replica")
	if r.cfg.PostgresURL == "" {
		if was, err := r.disableCapture(); err != nil {
			return fmt.Errorf("replica: %w", err)
		} else if was {
			log.Warn("replica: no PostgreSQL URL configured: change capture is off; configuring it again re-snapshots the data")
		}
		return nil
	}
	source, err := r.enableCapture()
	if err != nil {
		return fmt.Errorf("replica: %w", err)
	}
	st := &replica.Streamer{
		Source: logSource{app: s.app, source: source},
		URL:    r.cfg.PostgresURL,
		Logger: log,
		OnError: func(err error, at time.Time) {
			_ = writeState(s.app, stateLastError, err.Error())
			_ = writeState(s.app, stateLastErrorAt, at.Format(time.RFC3339))
		},
	}
	r.streamer.Store(st)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); st.Run(ctx) }()
	s.app.OnTerminate().BindFunc(func(e *core.TerminateEvent) error {
		cancel()
		<-done
		return e.Next()
	})
	log.Info("replica: streaming changes to PostgreSQL", "target", replica.Describe(r.cfg.PostgresURL), "source", source)
	return nil
}

// ReplicaStatus is the replica's state as `replica status` and
// GET /api/admin/replica show it.
type ReplicaStatus struct {
	Enabled bool   `json:"enabled"`
	Target  string `json:"target,omitempty"`
	Source  string `json:"source,omitempty"`
	// Connected is known only inside the serving process.
	Connected *bool             `json:"connected,omitempty"`
	Position  *replica.Position `json:"position,omitempty"`
	// LagChanges counts the changes not yet in PostgreSQL; LagSeconds is the
	// age of the oldest of them.
	LagChanges  int64          `json:"lag_changes"`
	LagSeconds  float64        `json:"lag_seconds"`
	LastError   string         `json:"last_error,omitempty"`
	LastErrorAt types.DateTime `json:"last_error_at"`
}

// status assembles the status from the local log and state, and from pos
// (the replica's position, when known).
func (r *replication) status(pos *replica.Position, now time.Time) (ReplicaStatus, error) {
	st := ReplicaStatus{Enabled: r.cfg.PostgresURL != "", Position: pos}
	if st.Enabled {
		st.Target = replica.Describe(r.cfg.PostgresURL)
	}
	var err error
	if st.Source, err = readState(r.app, stateSource); err != nil {
		return st, err
	}
	after := int64(0)
	if pos != nil {
		after = pos.Seq
	}
	n, oldest, err := logSource{app: r.app}.backlog(after)
	if err != nil {
		return st, err
	}
	st.LagChanges = n
	if n > 0 && !oldest.IsZero() {
		st.LagSeconds = now.Sub(oldest).Seconds()
	}
	st.LastError, _ = readState(r.app, stateLastError)
	at, _ := readState(r.app, stateLastErrorAt)
	st.LastErrorAt, _ = types.ParseDateTime(at)
	if pos != nil && !st.LastErrorAt.IsZero() && pos.AppliedAt.After(st.LastErrorAt.Time()) {
		st.LastError, st.LastErrorAt = "", types.DateTime{} // resolved since
	}
	return st, nil
}

// handleReplicaStatus answers GET /api/admin/replica (superusers).
func (s *server) handleReplicaStatus(e *core.RequestEvent) error {
	v, ok := replications.Load(s.app)
	if !ok {
		return e.JSON(http.StatusOK, ReplicaStatus{})
	}
	r := v.(*replication)
	var live *replica.Status
	var pos *replica.Position
	if st := r.streamer.Load(); st != nil {
		status := st.Status()
		live = &status
		if status.Position.Source != "" {
			pos = &status.Position
		}
	}
	out, err := r.status(pos, time.Now().UTC())
	if err != nil {
		return e.InternalServerError("replica status", err)
	}
	if live != nil {
		out.Connected = &live.Connected
		out.LastError, out.LastErrorAt = live.LastError, types.DateTime{}
		if live.LastError != "" {
			out.LastErrorAt, _ = types.ParseDateTime(live.LastErrorAt)
		}
	}
	return e.JSON(http.StatusOK, out)
}
