package capture

import (
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/replica"
)

// The change log and the replica's local state: plain tables made by
// pb_migrations/1764900000_replica.go.
const (
	logTable   = "_slotbase_replica_log"
	stateTable = "_slotbase_replica_state"

	stateCapture     = "capture"
	stateSource      = "source"
	stateMigrations  = "migrations"
	stateLastError   = "last_error"
	stateLastErrorAt = "last_error_at"
)

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

func appendRecord(tx core.App, rec *core.Record, op string, now time.Time) (int64, error) {
	data, err := recordData(rec)
	if err != nil {
		return 0, err
	}
	return appendChange(tx, rec.Collection().Name, rec.Id, op, data, now)
}

// appendChange inserts one log row stamped now and returns its seq.
func appendChange(tx core.App, collection, id, op string, data any, now time.Time) (int64, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return 0, fmt.Errorf("replica log: %w", err)
	}
	res, err := tx.DB().NewQuery("INSERT INTO " + logTable + " (collection, record_id, op, data, at) VALUES ({:c}, {:id}, {:op}, {:data}, {:at})").
		Bind(dbx.Params{"c": collection, "id": id, "op": op, "data": string(raw), "at": now.UTC().Format(time.RFC3339Nano)}).Execute()
	if err != nil {
		return 0, fmt.Errorf("replica log: %w", err)
	}
	return res.LastInsertId()
}

func appendSweep(tx core.App, collection string, before int64, now time.Time) error {
	_, err := appendChange(tx, collection, "", replica.OpSweep, map[string]int64{"before": before}, now)
	return err
}

// snapshotCollection writes col's definition and all its records to the
// log, then a sweep: replica rows the snapshot did not touch are gone here.
func snapshotCollection(tx core.App, col *core.Collection, now time.Time) error {
	first, err := appendChange(tx, replica.Collections, col.Id, replica.OpUpsert, col, now)
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
			if _, err := appendRecord(tx, rec, replica.OpUpsert, now); err != nil {
				return err
			}
		}
		if len(records) < page {
			break
		}
	}
	return appendSweep(tx, col.Name, first, now)
}

// snapshotAll snapshots every non-system collection; it returns the seq of
// the snapshot's first entry.
func snapshotAll(tx core.App, now time.Time) (int64, error) {
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
		before, err := lastSeq(tx)
		if err != nil {
			return 0, err
		}
		if err := snapshotCollection(tx, col, now); err != nil {
			return 0, err
		}
		if first == 0 {
			first = before + 1
		}
	}
	if first == 0 {
		last, err := lastSeq(tx)
		if err != nil {
			return 0, err
		}
		first = last + 1
	}
	return first, nil
}

// lastSeq is the last seq the log ever handed out (0 before the first).
func lastSeq(db core.App) (int64, error) {
	var seq int64
	err := db.DB().NewQuery("SELECT seq FROM sqlite_sequence WHERE name = {:t}").Bind(dbx.Params{"t": logTable}).Row(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("replica log position: %w", err)
	}
	return seq, nil
}

func readState(db core.App, key string) (string, error) {
	var v string
	err := db.DB().NewQuery("SELECT value FROM " + stateTable + " WHERE key = {:k}").Bind(dbx.Params{"k": key}).Row(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("replica state %s: %w", key, err)
	}
	return v, nil
}

func writeState(db core.App, key, value string) error {
	_, err := db.DB().NewQuery("INSERT INTO " + stateTable + " (key, value) VALUES ({:k}, {:v}) ON CONFLICT(key) DO UPDATE SET value = excluded.value").
		Bind(dbx.Params{"k": key, "v": value}).Execute()
	if err != nil {
		return fmt.Errorf("replica state %s: %w", key, err)
	}
	return nil
}

// migrationCount counts the applied migrations: when it changes, a
// migration may have written behind capture's back.
func migrationCount(db core.App) (string, error) {
	var n int64
	if err := db.DB().NewQuery("SELECT COUNT(*) FROM _migrations").Row(&n); err != nil {
		return "", fmt.Errorf("counting migrations: %w", err)
	}
	return strconv.FormatInt(n, 10), nil
}

// newSourceID names a data dir for its replica (15 characters of [a-z0-9]).
func newSourceID() string {
	b := make([]byte, 15)
	rand.Read(b) // never fails (crypto/rand, Go 1.24+: it crashes the program instead)
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// enable turns capture on (in one transaction with a snapshot when the log
// may have missed writes: capture was off, or migrations ran since) and
// returns the source id.
func (c *Capture) enable() (string, error) {
	var source string
	err := c.app.RunInTransaction(func(tx core.App) error {
		state, err := readState(tx, stateCapture)
		if err != nil {
			return err
		}
		if source, err = readState(tx, stateSource); err != nil {
			return err
		}
		migrations, err := readState(tx, stateMigrations)
		if err != nil {
			return err
		}
		applied, err := migrationCount(tx)
		if err != nil {
			return err
		}
		if source == "" {
			source = newSourceID() // a fresh PostgreSQL gets its snapshot when the stream connects
			if err := writeState(tx, stateSource, source); err != nil {
				return err
			}
		} else if state != "on" || migrations != applied {
			if _, err := snapshotAll(tx, c.cfg.now()); err != nil {
				return err
			}
		}
		if err := writeState(tx, stateMigrations, applied); err != nil {
			return err
		}
		return writeState(tx, stateCapture, "on")
	})
	if err == nil {
		c.setCapturing(true)
	}
	return source, err
}

// disable turns capture off and drops the log (a later enable
// re-snapshots); it reports whether capture was on.
func (c *Capture) disable() (bool, error) {
	var was bool
	err := c.app.RunInTransaction(func(tx core.App) error {
		state, err := readState(tx, stateCapture)
		if err != nil || state != "on" {
			return err
		}
		was = true
		if _, err := tx.DB().NewQuery("DELETE FROM " + logTable).Execute(); err != nil {
			return err
		}
		if err := forgetURL(tx); err != nil {
			return err
		}
		return writeState(tx, stateCapture, "off")
	})
	if err == nil {
		c.setCapturing(false)
	}
	return was, err
}
