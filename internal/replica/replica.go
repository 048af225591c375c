// Package replica streams slotbase's change log to PostgreSQL with pgx: it
// creates and alters one table per collection (typed columns plus the whole
// record as jsonb), applies changes in order with idempotent, seq-guarded
// upserts, and keeps its position in PostgreSQL in the same transaction.
// It also reads the replica back for `replica verify` and `replica restore`.
// It knows nothing of PocketBase: changes arrive as plain values.
package replica

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Operations of a Change.
const (
	// OpUpsert writes Data as the record's whole current state.
	OpUpsert = "upsert"
	// OpDelete tombstones the record (Data is its last state).
	OpDelete = "delete"
	// OpSweep tombstones every live row of the collection whose seq is below
	// Data's "before": what a snapshot did not touch no longer exists.
	OpSweep = "sweep"
)

// Collections is the pseudo-collection holding collection definitions
// (PocketBase's collection JSON, keyed by collection id). Its upserts also
// create and alter the collection's table.
const Collections = "_collections"

// Change is one entry of the change log: a record's state after a write.
type Change struct {
	// Seq orders changes; it only ever grows for one data dir (source).
	Seq int64
	// Collection is the collection name (or Collections).
	Collection string
	// RecordID is the record id (the collection id for Collections).
	RecordID string
	// Op is OpUpsert, OpDelete or OpSweep.
	Op string
	// Data is the record as a JSON object (column name → value).
	Data json.RawMessage
	// At is when the change was committed.
	At time.Time
}

// Source is the change log on the primary (slotbase's SQLite database).
type Source interface {
	// Read returns up to limit changes with Seq > after, in Seq order.
	Read(ctx context.Context, after int64, limit int) ([]Change, error)
	// Ack says every change up to seq is stored in PostgreSQL: the source
	// may prune them.
	Ack(ctx context.Context, seq int64) error
	// Snapshot appends the current state of every collection (definitions,
	// records, then sweeps) to the log in one transaction and returns the
	// seq of its first entry.
	Snapshot(ctx context.Context) (int64, error)
	// ID names the source (one data dir); a replica belongs to one source.
	ID() string
}

// Sentinel errors.
var (
	// ErrOtherSource means the PostgreSQL schema holds the replica of
	// another data dir: slotbase never overwrites it.
	ErrOtherSource = errors.New("replica: PostgreSQL holds the replica of another data dir")
	// ErrNoReplica means the schema has no replica to read.
	ErrNoReplica = errors.New("replica: no replica in this PostgreSQL schema")
	// ErrNoClock means a Streamer was started without its Now clock.
	ErrNoClock = errors.New("replica: Streamer.Now is required")
)

// Position is where the replica stands.
type Position struct {
	// Source is the data dir the replica belongs to.
	Source string `json:"source"`
	// Seq is the last change stored.
	Seq int64 `json:"seq"`
	// ChangedAt is when that change was committed on the primary.
	ChangedAt time.Time `json:"changed_at"`
	// AppliedAt is when it was stored in PostgreSQL.
	AppliedAt time.Time `json:"applied_at"`
}
