package replica

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// DefaultSchema is the PostgreSQL schema slotbase's replica lives in.
const DefaultSchema = "slotbase"

// positionTable holds the replica's one position row.
const positionTable = "_position"

// collectionsShape types the columns of the Collections table.
var collectionsShape = Collection{Name: Collections, Fields: []Field{{Name: "name", Type: "text"}, {Name: "type", Type: "text"}}}

// Target is the replica in one PostgreSQL schema, over one connection. Every
// statement carries its parameters as text with explicit casts, so it works
// with default_query_exec_mode=exec and behind PgBouncer in transaction mode.
type Target struct {
	conn   *pgx.Conn
	schema string
	opened time.Time
	// tables maps a table to its typed columns (name → type) as they exist.
	tables map[string]map[string]string
	// shapes maps a collection name to its latest known definition.
	shapes map[string]Collection
	// seen is the position these caches are known to be current at; when
	// another streamer moved it, they are read again (-1: never).
	seen int64
}

// Describe names the database of url without credentials (for logs and
// status): "host:port/database".
func Describe(url string) string {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return "(unparsable PostgreSQL URL)"
	}
	return cfg.Host + ":" + strconv.Itoa(int(cfg.Port)) + "/" + cfg.Database
}

// Open connects to url and makes sure the schema and the position table
// exist; now is the time of opening (Age measures from it).
func Open(ctx context.Context, url, schema string, now time.Time) (*Target, error) {
	if schema == "" {
		schema = DefaultSchema
	}
	if !validName.MatchString(schema) {
		return nil, fmt.Errorf("schema %q: must match %s", schema, validName)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("PostgreSQL URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", Describe(url), err)
	}
	t := &Target{conn: conn, schema: schema, opened: now, seen: -1}
	if err := t.setup(ctx); err != nil {
		conn.Close(ctx)
		return nil, err
	}
	return t, nil
}

// Close ends the connection.
func (t *Target) Close(ctx context.Context) error { return t.conn.Close(ctx) }

// Age is how long the connection has been open.
func (t *Target) Age(now time.Time) time.Duration { return now.Sub(t.opened) }

func (t *Target) ident(table string) string { return pgx.Identifier{t.schema, table}.Sanitize() }

func (t *Target) setup(ctx context.Context) error {
	stmts := []string{
		"CREATE SCHEMA IF NOT EXISTS " + pgx.Identifier{t.schema}.Sanitize(),
		"CREATE TABLE IF NOT EXISTS " + t.ident(positionTable) + ` (
			id int PRIMARY KEY CHECK (id = 1),
			source text NOT NULL,
			seq bigint NOT NULL,
			changed_at timestamptz,
			applied_at timestamptz NOT NULL DEFAULT now())`,
	}
	for _, s := range stmts {
		var err error
		for range 3 { // concurrent CREATE … IF NOT EXISTS can race: the retry sees it exists
			if _, err = t.conn.Exec(ctx, s); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("replica schema: %w", err)
		}
	}
	return t.load(ctx)
}

// load reads the existing tables' typed columns and the collection definitions.
func (t *Target) load(ctx context.Context) error {
	t.tables = map[string]map[string]string{}
	t.shapes = map[string]Collection{}
	rows, err := t.conn.Query(ctx, `SELECT table_name::text, column_name::text, data_type::text
		FROM information_schema.columns WHERE table_schema = $1::text`, t.schema)
	if err != nil {
		return fmt.Errorf("replica tables: %w", err)
	}
	for rows.Next() {
		var table, col, typ string
		if err := rows.Scan(&table, &col, &typ); err != nil {
			return err
		}
		if table == positionTable {
			continue
		}
		if t.tables[table] == nil {
			t.tables[table] = map[string]string{}
		}
		if col != "id" && !strings.HasPrefix(col, "_") {
			t.tables[table][col] = typ
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if _, ok := t.tables[Collections]; !ok {
		return nil
	}
	defs, err := t.CollectionDefs(ctx)
	if err != nil {
		return err
	}
	for _, raw := range defs {
		if c, err := ParseCollection(raw); err == nil {
			t.shapes[c.Name] = c
		}
	}
	return nil
}

// Position reads the replica's position; ok is false for a fresh schema.
func (t *Target) Position(ctx context.Context) (pos Position, ok bool, err error) {
	var changed *time.Time
	err = t.conn.QueryRow(ctx, "SELECT source, seq, changed_at, applied_at FROM "+t.ident(positionTable)+" WHERE id = 1").
		Scan(&pos.Source, &pos.Seq, &changed, &pos.AppliedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return pos, false, nil
	}
	if err != nil {
		return pos, false, fmt.Errorf("replica position: %w", err)
	}
	if changed != nil {
		pos.ChangedAt = changed.UTC()
	}
	pos.AppliedAt = pos.AppliedAt.UTC()
	return pos, true, nil
}

// Claim gives a fresh schema to source at seq; on a claimed schema it
// returns the position, or ErrOtherSource when another source owns it.
func (t *Target) Claim(ctx context.Context, source string, seq int64) (Position, error) {
	if _, err := t.conn.Exec(ctx, "INSERT INTO "+t.ident(positionTable)+" (id, source, seq) VALUES (1, $1::text, $2::bigint) ON CONFLICT (id) DO NOTHING",
		source, strconv.FormatInt(seq, 10)); err != nil {
		return Position{}, fmt.Errorf("replica claim: %w", err)
	}
	pos, _, err := t.Position(ctx)
	if err != nil {
		return pos, err
	}
	if pos.Source != source {
		return pos, fmt.Errorf("%w (replica of %s, this data dir is %s)", ErrOtherSource, pos.Source, source)
	}
	return pos, nil
}

// Apply stores changes in one transaction together with the new position.
// Changes at or below the stored position are skipped, and every write is
// guarded by seq, so applying a batch twice changes nothing.
func (t *Target) Apply(ctx context.Context, source string, changes []Change) (pos Position, err error) {
	tx, err := t.conn.Begin(ctx)
	if err != nil {
		return pos, err
	}
	defer func() {
		if err != nil {
			_ = tx.Rollback(ctx)
			t.seen = -1 // DDL may have rolled back: re-read the truth next time
		}
	}()
	var changed *time.Time
	err = tx.QueryRow(ctx, "SELECT source, seq, changed_at, applied_at FROM "+t.ident(positionTable)+" WHERE id = 1 FOR UPDATE").Scan(&pos.Source, &pos.Seq, &changed, &pos.AppliedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return pos, ErrNoReplica
	}
	if err != nil {
		return pos, err
	}
	if pos.Source != source {
		return pos, fmt.Errorf("%w (replica of %s, this data dir is %s)", ErrOtherSource, pos.Source, source)
	}
	if changed != nil {
		pos.ChangedAt = changed.UTC()
	}
	pos.AppliedAt = pos.AppliedAt.UTC()
	if pos.Seq != t.seen { // another streamer wrote since: tables may have changed
		if err = t.load(ctx); err != nil {
			return pos, err
		}
	}
	p := &pending{tx: tx, batch: &pgx.Batch{}}
	last := pos
	for _, c := range changes {
		if c.Seq <= pos.Seq {
			continue
		}
		if err = t.queue(ctx, p, c); err != nil {
			return pos, fmt.Errorf("change %d (%s %s %s): %w", c.Seq, c.Op, c.Collection, c.RecordID, err)
		}
		last.Seq, last.ChangedAt = c.Seq, c.At.UTC()
	}
	if err = p.flush(ctx); err != nil {
		return pos, err
	}
	if last.Seq != pos.Seq {
		// AppliedAt is PostgreSQL's own stamp, as Position reads it later.
		if err = tx.QueryRow(ctx, "UPDATE "+t.ident(positionTable)+" SET seq = $1::bigint, changed_at = $2::text::timestamptz, applied_at = now() WHERE id = 1 RETURNING applied_at",
			strconv.FormatInt(last.Seq, 10), last.ChangedAt.Format(time.RFC3339Nano)).Scan(&last.AppliedAt); err != nil {
			return pos, err
		}
		last.AppliedAt = last.AppliedAt.UTC()
	}
	if err = tx.Commit(ctx); err != nil {
		return pos, err
	}
	t.seen = last.Seq
	return last, nil
}

// pending is a transaction's statements not yet sent.
type pending struct {
	tx    pgx.Tx
	batch *pgx.Batch
}

// flush sends the queued statements (one round trip) and checks each.
func (p *pending) flush(ctx context.Context) error {
	if p.batch.Len() == 0 {
		return nil
	}
	b := p.batch
	p.batch = &pgx.Batch{}
	return p.tx.SendBatch(ctx, b).Close()
}

// queue adds one change's statements to the pending batch (running DDL
// first when the change needs a table or column that does not exist yet).
func (t *Target) queue(ctx context.Context, p *pending, c Change) error {
	rec, clean, err := decodeRecord(c.Data)
	if err != nil && c.Op != OpSweep {
		return err
	}
	table, shape := c.Collection, t.shapes[c.Collection]
	if table == Collections {
		shape = collectionsShape
		if c.Op == OpUpsert {
			def, err := ParseCollection(clean)
			if err != nil {
				return err
			}
			if err := t.ensureTable(ctx, p, def.Name, def); err != nil {
				return err
			}
			t.shapes[def.Name] = def
		}
	} else if !validName.MatchString(table) {
		return fmt.Errorf("collection name %q: must match %s", table, validName)
	}
	if err := t.ensureTable(ctx, p, table, shape); err != nil {
		return err
	}
	at := c.At.UTC().Format(time.RFC3339Nano)
	seq := strconv.FormatInt(c.Seq, 10)
	switch c.Op {
	case OpUpsert:
		cols := t.columnsOf(table)
		names := []string{"id", colSeq, colDeleted, colChangedAt, colRecord}
		vals := []string{"$1::text", "$2::bigint", "false", "$3::text::timestamptz", "$4::text::jsonb"}
		sets := []string{colSeq + " = EXCLUDED." + colSeq, colDeleted + " = false", colChangedAt + " = EXCLUDED." + colChangedAt, colRecord + " = EXCLUDED." + colRecord}
		args := []any{c.RecordID, seq, at, string(clean)}
		for _, col := range cols {
			args = append(args, columnValue(col.Type, rec[col.Name]))
			q := pgx.Identifier{col.Name}.Sanitize()
			names = append(names, q)
			vals = append(vals, "$"+strconv.Itoa(len(args))+"::text::"+col.Type)
			sets = append(sets, q+" = EXCLUDED."+q)
		}
		p.batch.Queue("INSERT INTO "+t.ident(table)+" AS t ("+strings.Join(names, ", ")+") VALUES ("+strings.Join(vals, ", ")+
			") ON CONFLICT (id) DO UPDATE SET "+strings.Join(sets, ", ")+" WHERE t."+colSeq+" < EXCLUDED."+colSeq, args...)
	case OpDelete:
		p.batch.Queue("INSERT INTO "+t.ident(table)+" AS t (id, "+colSeq+", "+colDeleted+", "+colChangedAt+", "+colRecord+
			") VALUES ($1::text, $2::bigint, true, $3::text::timestamptz, $4::text::jsonb) ON CONFLICT (id) DO UPDATE SET "+
			colSeq+" = EXCLUDED."+colSeq+", "+colDeleted+" = true, "+colChangedAt+" = EXCLUDED."+colChangedAt+
			" WHERE t."+colSeq+" < EXCLUDED."+colSeq, c.RecordID, seq, at, string(clean))
	case OpSweep:
		var sweep struct {
			Before int64 `json:"before"`
		}
		if err := json.Unmarshal(c.Data, &sweep); err != nil {
			return fmt.Errorf("sweep: %w", err)
		}
		p.batch.Queue("UPDATE "+t.ident(table)+" SET "+colDeleted+" = true, "+colSeq+" = $1::bigint, "+colChangedAt+" = $2::text::timestamptz WHERE "+
			colSeq+" < $3::bigint AND NOT "+colDeleted, seq, at, strconv.FormatInt(sweep.Before, 10))
	default:
		return fmt.Errorf("unknown op %q", c.Op)
	}
	return nil
}

// columnsOf lists a table's typed columns (those that exist in PostgreSQL).
func (t *Target) columnsOf(table string) []Column {
	var cols []Column
	for name, typ := range t.tables[table] {
		cols = append(cols, Column{Name: name, Type: castType(typ)})
	}
	return sortColumns(cols)
}

// castType maps information_schema's data_type back to a cast.
func castType(dataType string) string {
	switch dataType {
	case pgNumber, pgBool, pgTime, pgJSON:
		return dataType
	default:
		return pgText
	}
}

// ensureTable creates table when missing and adds the shape's columns that
// are missing (an admin added a field). Columns are never dropped or
// retyped: a removed field's column stays, NULL in rows written after.
func (t *Target) ensureTable(ctx context.Context, p *pending, table string, shape Collection) error {
	have, exists := t.tables[table]
	var ddl []string
	if !exists {
		ddl = append(ddl, "CREATE TABLE IF NOT EXISTS "+t.ident(table)+" (id text PRIMARY KEY, "+colSeq+" bigint NOT NULL, "+
			colDeleted+" boolean NOT NULL DEFAULT false, "+colChangedAt+" timestamptz, "+colRecord+" jsonb NOT NULL)")
		have = map[string]string{}
	}
	var added []Column
	for _, col := range shape.Columns() {
		if _, ok := have[col.Name]; !ok {
			ddl = append(ddl, "ALTER TABLE "+t.ident(table)+" ADD COLUMN IF NOT EXISTS "+pgx.Identifier{col.Name}.Sanitize()+" "+col.Type)
			added = append(added, col)
		}
	}
	if len(ddl) == 0 {
		return nil
	}
	if err := p.flush(ctx); err != nil {
		return err
	}
	for _, s := range ddl {
		if _, err := p.tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("replica DDL: %w", err)
		}
	}
	if !exists {
		t.tables[table] = have
	}
	for _, col := range added {
		have[col.Name] = col.Type
	}
	return nil
}
