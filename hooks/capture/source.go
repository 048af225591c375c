package capture

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/replica"
)

// logSource is the SQLite change log as a replica.Source.
type logSource struct {
	app    core.App
	source string
	now    func() time.Time // stamps a snapshot's entries
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
	err := l.app.DB().NewQuery("SELECT seq, collection, record_id, op, data, at FROM " + logTable + " WHERE seq > {:after} ORDER BY seq LIMIT {:limit}").
		WithContext(ctx).Bind(dbx.Params{"after": after, "limit": limit}).All(&rows)
	if err != nil {
		return nil, err
	}
	out := make([]replica.Change, len(rows))
	for i, r := range rows {
		// Every stamp is written by appendChange; one that does not parse
		// anyway stays zero: it only feeds the replica's changed_at, while
		// refusing the change would stall the stream for good.
		at, _ := time.Parse(time.RFC3339Nano, r.At)
		out[i] = replica.Change{Seq: r.Seq, Collection: r.Collection, RecordID: r.RecordID, Op: r.Op, Data: json.RawMessage(r.Data), At: at}
	}
	return out, nil
}

// Ack prunes the changes PostgreSQL has stored.
func (l logSource) Ack(ctx context.Context, seq int64) error {
	_, err := l.app.NonconcurrentDB().NewQuery("DELETE FROM " + logTable + " WHERE seq <= {:seq}").
		WithContext(ctx).Bind(dbx.Params{"seq": seq}).Execute()
	return err
}

// Snapshot appends a snapshot of every collection in one transaction.
func (l logSource) Snapshot(ctx context.Context) (int64, error) {
	var first int64
	err := l.app.RunInTransaction(func(tx core.App) error {
		var err error
		first, err = snapshotAll(tx, l.now().UTC())
		return err
	})
	return first, err
}

// backlog counts the changes after seq and finds the oldest one's time
// (zero when there are none).
func (l logSource) backlog(after int64) (n int64, oldest time.Time, err error) {
	var row struct {
		N      int64          `db:"n"`
		Oldest sql.NullString `db:"oldest"`
	}
	err = l.app.DB().NewQuery("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM " + logTable + " WHERE seq > {:after}").
		Bind(dbx.Params{"after": after}).One(&row)
	if err != nil {
		return 0, oldest, fmt.Errorf("replica backlog: %w", err)
	}
	if row.Oldest.Valid {
		// As in Read: an unreadable stamp leaves the lag in seconds at 0
		// rather than failing the whole status.
		oldest, _ = time.Parse(time.RFC3339Nano, row.Oldest.String)
	}
	return row.N, oldest, nil
}
