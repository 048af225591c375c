// Package capture is slotbase's change capture for the PostgreSQL replica
// (issue 9, DEPLOY.md): record and collection hooks that log every write in
// the write's own transaction, the serve-time stream of that log to
// PostgreSQL (internal/replica), its status route and the `replica` command.
// hooks.Register binds it on every app, tests' apps included.
package capture

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/slotbase/slotbase/internal/replica"
)

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

// hookID names capture's handlers: binding them again (a second Register on
// the same app) replaces them instead of logging every write twice.
const hookID = "slotbase.capture"

// Config is what the capture needs from slotbase's configuration. Its
// functions are called when the value is needed (at serve time, in a
// command), after the command line has been parsed.
type Config struct {
	// PostgresURL returns the replica's PostgreSQL URL; "" (or nil) keeps
	// slotbase SQLite-only and capture off.
	PostgresURL func() string
	// Logger returns the logger for what an operator must see (the stream
	// failing and resuming); nil means the app's logger.
	Logger func() *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Secret returns the server secret that seals the URL serve saves for
	// the `replica` commands (target.go); nil saves nothing.
	Secret func() ([]byte, error)
	// Admit, when set, is asked before each batch the stream sends and
	// returns when it may run and the function that says it ended (the
	// priority gate: the stream runs below public work).
	Admit func(ctx context.Context) (release func(), err error)
}

func (c Config) secret() ([]byte, error) {
	if c.Secret == nil {
		return nil, errors.New("replica: no server secret to seal the URL with")
	}
	return c.Secret()
}

func (c Config) url() string {
	if c.PostgresURL == nil {
		return ""
	}
	return c.PostgresURL()
}

func (c Config) logger(app core.App) *slog.Logger {
	if c.Logger != nil {
		return c.Logger()
	}
	return app.Logger()
}

// now is the configured clock in UTC.
func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}

// Capture is the change capture of one app. Register binds it; the route
// table serves HandleStatus.
type Capture struct {
	app core.App
	cfg Config
	// state caches the capture state: 0 unknown, 1 on, 2 off.
	state atomic.Int32
	// streamer is the running streamer (nil until serve, or without a URL).
	streamer atomic.Pointer[replica.Streamer]
	// panicked is the streamer's last panic, shown as the last error until
	// the restarted streamer stores a change or fails on its own.
	panicked atomic.Pointer[failure]

	startOnce sync.Once
	startErr  error
}

// failure is an error and when it happened.
type failure struct {
	err string
	at  time.Time
}

// Register binds the change capture on app: the record and collection
// hooks at once, and the stream to PostgreSQL when the app serves (see
// stream.go). Binding twice on one app replaces the first binding.
func Register(app core.App, cfg Config) *Capture {
	c := &Capture{app: app, cfg: cfg}
	app.OnRecordCreateExecute().Bind(&hook.Handler[*core.RecordEvent]{Id: hookID, Func: func(e *core.RecordEvent) error { return c.onRecord(e, replica.OpUpsert) }})
	app.OnRecordUpdateExecute().Bind(&hook.Handler[*core.RecordEvent]{Id: hookID, Func: func(e *core.RecordEvent) error { return c.onRecord(e, replica.OpUpsert) }})
	app.OnRecordDeleteExecute().Bind(&hook.Handler[*core.RecordEvent]{Id: hookID, Func: func(e *core.RecordEvent) error { return c.onRecord(e, replica.OpDelete) }})
	app.OnCollectionCreateExecute().Bind(&hook.Handler[*core.CollectionEvent]{Id: hookID, Func: func(e *core.CollectionEvent) error { return c.onCollection(e, false) }})
	app.OnCollectionUpdateExecute().Bind(&hook.Handler[*core.CollectionEvent]{Id: hookID, Func: func(e *core.CollectionEvent) error { return c.onCollection(e, false) }})
	app.OnCollectionDeleteExecute().Bind(&hook.Handler[*core.CollectionEvent]{Id: hookID, Func: func(e *core.CollectionEvent) error { return c.onCollection(e, true) }})
	app.OnServe().Bind(&hook.Handler[*core.ServeEvent]{Id: hookID, Func: func(e *core.ServeEvent) error {
		if err := c.start(); err != nil {
			return err
		}
		return e.Next()
	}})
	return c
}

// capturing reads the capture state (cached once known).
func (c *Capture) capturing(db core.App) bool {
	switch c.state.Load() {
	case 1:
		return true
	case 2:
		return false
	}
	v, err := readState(db, stateCapture)
	if err != nil {
		return false // the state table does not exist yet (early migrations): nothing to capture
	}
	c.setCapturing(v == "on")
	return v == "on"
}

func (c *Capture) setCapturing(on bool) {
	if on {
		c.state.Store(1)
	} else {
		c.state.Store(2)
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

func (c *Capture) onRecord(e *core.RecordEvent, op string) error {
	col := e.Record.Collection()
	if col.System || col.IsView() || !c.capturing(e.App) {
		return e.Next()
	}
	return inWriteTx(e.App, func(a core.App) { e.App = a }, e.Next, func(tx core.App) error {
		_, err := appendRecord(tx, e.Record, op, c.cfg.now())
		return err
	})
}

func (c *Capture) onCollection(e *core.CollectionEvent, deleted bool) error {
	if e.Collection.System || !c.capturing(e.App) {
		return e.Next()
	}
	var old *core.Collection
	return inWriteTx(e.App, func(a core.App) { e.App = a }, func() error {
		if !e.Collection.IsNew() {
			var err error
			old, err = e.App.FindCollectionByNameOrId(e.Collection.Id)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("replica log: the definition before the change: %w", err)
			}
		}
		return e.Next()
	}, func(tx core.App) error {
		col, now := e.Collection, c.cfg.now()
		if deleted {
			if _, err := appendChange(tx, replica.Collections, col.Id, replica.OpDelete, col, now); err != nil {
				return err
			}
			return appendSweep(tx, col.Name, math.MaxInt64, now)
		}
		if old != nil && old.Name != col.Name {
			if err := appendSweep(tx, old.Name, math.MaxInt64, now); err != nil {
				return err
			}
		}
		if old != nil && old.Name == col.Name && sameFields(old, col) {
			_, err := appendChange(tx, replica.Collections, col.Id, replica.OpUpsert, col, now)
			return err
		}
		// New, renamed or with other fields: the records carry new columns
		// (or a new table name) now, so they are written out again.
		return snapshotCollection(tx, col, now)
	})
}

// sameFields reports whether a and b define the same fields. When either
// cannot be encoded it answers false: the caller then re-snapshots the
// collection, which is always correct, only slower.
func sameFields(a, b *core.Collection) bool {
	x, errX := json.Marshal(a.Fields)
	y, errY := json.Marshal(b.Fields)
	return errX == nil && errY == nil && string(x) == string(y)
}
