package hooks

import (
	"container/list"
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"reflect"
	"sync"

	"github.com/pocketbase/dbx"
)

// A statement cache for SQLite (issue 18, fifth step). PocketBase and dbx
// send every query as text, and modernc's driver parses and plans it
// anew each time: under the booking load SQLite's parser took a fifth of
// the server's CPU (sqlite3RunParser), much of it inside the single
// writer's transaction. This driver wraps modernc's: each connection keeps
// up to stmtCacheSize prepared statements by their SQL text and runs a
// query or exec through the kept one. SQLite re-prepares a kept statement
// by itself when the schema changed (sqlite3_prepare_v2). A statement whose
// rows are still open (a query run again while its earlier result is being
// read) is not shared: that run prepares its own, as before.

// stmtCacheDriverName is the database/sql name of SQLite with the cache.
const stmtCacheDriverName = "sqlite+stmtcache"

// stmtCacheSize bounds the statements kept per connection (least recently
// used dropped first). A booking and its outbox use a few dozen distinct
// statements; a kept statement holds its compiled program in SQLite's
// memory (outside Go's heap, like the page cache: a few KiB each, so at
// most ~22 connections × 48 × ~10 KiB ≈ 10 MiB in the worst case).
const stmtCacheSize = 48

var (
	registerStmtCache sync.Once
	stmtCacheErr      error // why the caching driver could not be registered
)

// stmtCacheDriver registers (once) and returns the name of the caching
// driver over the driver registered as "sqlite" (modernc's, which
// PocketBase imports).
func stmtCacheDriver() (string, error) {
	registerStmtCache.Do(func() {
		db, err := sql.Open("sqlite", "") // no connection is made: only the driver is wanted
		if err != nil {
			stmtCacheErr = fmt.Errorf("stmtcache: the sqlite driver: %w", err)
			return
		}
		base := db.Driver()
		_ = db.Close()
		sql.Register(stmtCacheDriverName, cachingDriver{base})
	})
	return stmtCacheDriverName, stmtCacheErr
}

// openCachedSQLite opens dsn with the caching driver, keeping dbx's SQLite
// query builder (dbx picks builders by driver name).
func openCachedSQLite(dsn string) (*dbx.DB, error) {
	name, err := stmtCacheDriver()
	if err != nil {
		return nil, err
	}
	db, err := sql.Open(name, dsn)
	if err != nil {
		return nil, err
	}
	return dbx.NewFromDB(db, "sqlite"), nil
}

// cachingDriver opens connections that keep prepared statements.
type cachingDriver struct{ base driver.Driver }

// Open opens a connection of the base driver and wraps it.
func (d cachingDriver) Open(dsn string) (driver.Conn, error) {
	c, err := d.base.Open(dsn)
	if err != nil {
		return nil, err
	}
	f, ok := c.(conn)
	if !ok {
		_ = c.Close()
		return nil, errors.New("stmtcache: the sqlite driver's connection lacks context methods")
	}
	return &cachingConn{base: f, byQuery: map[string]*list.Element{}, lru: list.New()}, nil
}

// conn is what cachingConn needs of the base driver's connection (modernc's
// implements all of it).
type conn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

// cachingConn is one connection with its statements. database/sql uses a
// connection from one goroutine at a time, so it needs no lock.
type cachingConn struct {
	base    conn
	byQuery map[string]*list.Element // → *keptStmt
	lru     *list.List               // front: most recently used
}

// keptStmt is a prepared statement kept by its SQL text.
type keptStmt struct {
	query string
	stmt  stmt
	busy  bool // its rows are open
}

// stmt is what a kept statement needs of the base driver's statements
// (modernc's implement it).
type stmt interface {
	driver.Stmt
	driver.StmtQueryContext
	driver.StmtExecContext
}

var (
	_ conn                   = (*cachingConn)(nil)
	_ driver.Pinger          = (*cachingConn)(nil)
	_ driver.SessionResetter = (*cachingConn)(nil)
	_ driver.Validator       = (*cachingConn)(nil)
)

// kept returns the kept statement for query (preparing and keeping it on a
// miss), or nil when it is busy and the caller must go the plain way.
func (c *cachingConn) kept(ctx context.Context, query string) (*keptStmt, error) {
	if e, ok := c.byQuery[query]; ok {
		k := e.Value.(*keptStmt)
		if k.busy {
			return nil, nil
		}
		c.lru.MoveToFront(e)
		return k, nil
	}
	prepared, err := c.base.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s, ok := prepared.(stmt)
	if !ok {
		_ = prepared.Close()
		return nil, nil
	}
	k := &keptStmt{query: query, stmt: s}
	c.byQuery[query] = c.lru.PushFront(k)
	for e := c.lru.Back(); c.lru.Len() > stmtCacheSize && e != nil; {
		prev := e.Prev()
		if old := e.Value.(*keptStmt); !old.busy {
			c.lru.Remove(e)
			delete(c.byQuery, old.query)
			_ = old.stmt.Close()
		}
		e = prev
	}
	return k, nil
}

// QueryContext runs query through its kept statement.
func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	k, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.base.QueryContext(ctx, query, args)
	}
	rows, err := k.stmt.QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	k.busy = true
	return &keptRows{Rows: rows, k: k}, nil
}

// ExecContext runs query through its kept statement.
func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	k, err := c.kept(ctx, query)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return c.base.ExecContext(ctx, query, args)
	}
	return k.stmt.ExecContext(ctx, args)
}

// keptRows frees its statement for the next run when closed.
type keptRows struct {
	driver.Rows
	k *keptStmt
}

// Close closes the rows (resetting the statement) and frees it.
func (r *keptRows) Close() error {
	err := r.Rows.Close()
	r.k.busy = false
	return err
}

// The column type methods pass through to the base rows (database/sql
// finds them by type assertion, which the wrapper would otherwise hide);
// the fallbacks are database/sql's own defaults.

// ColumnTypeDatabaseTypeName passes through.
func (r *keptRows) ColumnTypeDatabaseTypeName(i int) string {
	if x, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return x.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

// ColumnTypeScanType passes through.
func (r *keptRows) ColumnTypeScanType(i int) reflect.Type {
	if x, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return x.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

// ColumnTypeLength passes through.
func (r *keptRows) ColumnTypeLength(i int) (int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return x.ColumnTypeLength(i)
	}
	return 0, false
}

// ColumnTypeNullable passes through.
func (r *keptRows) ColumnTypeNullable(i int) (bool, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return x.ColumnTypeNullable(i)
	}
	return false, false
}

// ColumnTypePrecisionScale passes through.
func (r *keptRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if x, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return x.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}

// Prepare prepares as the base connection does (database/sql owns and
// closes such statements).
func (c *cachingConn) Prepare(query string) (driver.Stmt, error) { return c.base.Prepare(query) }

// PrepareContext prepares as the base connection does.
func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.base.PrepareContext(ctx, query)
}

// Begin begins a transaction on the base connection.
func (c *cachingConn) Begin() (driver.Tx, error) {
	return c.base.BeginTx(context.Background(), driver.TxOptions{})
}

// BeginTx begins a transaction on the base connection.
func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.base.BeginTx(ctx, opts)
}

// Close closes the kept statements, then the connection.
func (c *cachingConn) Close() error {
	for e := c.lru.Front(); e != nil; e = e.Next() {
		_ = e.Value.(*keptStmt).stmt.Close()
	}
	c.lru.Init()
	clear(c.byQuery)
	return c.base.Close()
}

// Ping pings the base connection.
func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.base.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// ResetSession resets the base connection's session.
func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.base.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

// IsValid reports whether the base connection is usable.
func (c *cachingConn) IsValid() bool {
	if v, ok := c.base.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}
