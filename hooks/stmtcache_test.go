package hooks

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
)

// cachedDB opens a fresh SQLite file through the caching driver, on one
// connection, with table t(id INTEGER PRIMARY KEY, v TEXT UNIQUE).
func cachedDB(t *testing.T) (*sql.DB, *sql.Conn) {
	t.Helper()
	name, err := stmtCacheDriver()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open(name, filepath.Join(t.TempDir(), "data.db")+"?_pragma=journal_mode(WAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := conn.ExecContext(ctx, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"); err != nil {
		t.Fatal(err)
	}
	return db, conn
}

// kept lists the SQL texts conn keeps statements for.
func keptQueries(t *testing.T, conn *sql.Conn) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	if err := conn.Raw(func(dc any) error {
		for q := range dc.(*cachingConn).byQuery {
			out[q] = true
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestStmtCacheKeepsAndReuses: a query and an exec run through one kept
// statement each, with fresh arguments every time, and a failed exec (a
// UNIQUE violation) leaves its statement usable.
func TestStmtCacheKeepsAndReuses(t *testing.T) {
	_, conn := cachedDB(t)
	ctx := context.Background()
	const insert, count = "INSERT INTO t (v) VALUES (?)", "SELECT COUNT(*) FROM t WHERE v >= ?"
	for i := range 5 {
		if _, err := conn.ExecContext(ctx, insert, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := conn.ExecContext(ctx, insert, "v1"); err == nil {
		t.Fatal("a duplicate was inserted")
	}
	if _, err := conn.ExecContext(ctx, insert, "v9"); err != nil {
		t.Fatalf("the statement after a failed run: %v", err)
	}
	for _, sc := range []struct {
		from string
		want int
	}{{"v0", 6}, {"v3", 3}, {"v9", 1}, {"w", 0}} {
		var n int
		if err := conn.QueryRowContext(ctx, count, sc.from).Scan(&n); err != nil || n != sc.want {
			t.Fatalf("count from %s: %d, %v; want %d", sc.from, n, err, sc.want)
		}
	}
	if k := keptQueries(t, conn); !k[insert] || !k[count] || len(k) != 3 { // and CREATE TABLE
		t.Fatalf("kept %v", k)
	}
}

// TestStmtCacheNestedSameQuery: running a query again while its earlier
// rows are still being read (a nested loop in one transaction) gets its
// own statement; both results are whole.
func TestStmtCacheNestedSameQuery(t *testing.T) {
	_, conn := cachedDB(t)
	ctx := context.Background()
	for i := range 3 {
		if _, err := conn.ExecContext(ctx, "INSERT INTO t (v) VALUES (?)", fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	const all = "SELECT v FROM t ORDER BY v"
	outer, err := conn.QueryContext(ctx, all)
	if err != nil {
		t.Fatal(err)
	}
	pairs, rows := 0, 0
	for outer.Next() {
		if rows++; rows > 3 {
			outer.Close() // the connection's cleanup waits for open rows
			t.Fatal("the outer loop read more than its 3 rows: the inner query reset its statement")
		}
		inner, err := conn.QueryContext(ctx, all)
		if err != nil {
			t.Fatal(err)
		}
		for inner.Next() {
			pairs++
		}
		if err := inner.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if pairs != 9 {
		t.Fatalf("%d pairs from a nested loop over 3 rows, want 9", pairs)
	}
}

// TestStmtCacheSchemaChange: a kept statement sees a column added after it
// was prepared (SQLite re-prepares it).
func TestStmtCacheSchemaChange(t *testing.T) {
	_, conn := cachedDB(t)
	ctx := context.Background()
	const star = "SELECT * FROM t"
	cols := func() int {
		rows, err := conn.QueryContext(ctx, star)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return len(c)
	}
	if n := cols(); n != 2 {
		t.Fatalf("%d columns", n)
	}
	if _, err := conn.ExecContext(ctx, "ALTER TABLE t ADD COLUMN w TEXT"); err != nil {
		t.Fatal(err)
	}
	if n := cols(); n != 3 {
		t.Fatalf("%d columns after ALTER TABLE, want 3", n)
	}
}

// TestStmtCacheBounded: more distinct queries than stmtCacheSize keep at
// most stmtCacheSize statements, the most recent ones.
func TestStmtCacheBounded(t *testing.T) {
	_, conn := cachedDB(t)
	ctx := context.Background()
	for i := range stmtCacheSize + 40 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf("SELECT %d", i)).Scan(&n); err != nil || n != i {
			t.Fatalf("SELECT %d: %d %v", i, n, err)
		}
	}
	k := keptQueries(t, conn)
	if len(k) != stmtCacheSize || !k[fmt.Sprintf("SELECT %d", stmtCacheSize+39)] || k["SELECT 0"] {
		t.Fatalf("kept %d statements (want %d, the latest)", len(k), stmtCacheSize)
	}
}
