package hooks

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// SQLite sized for a 256–512 MB machine (issue 18). PocketBase's defaults
// give each pooled connection a 32 MB page cache and let up to 120 of them
// open: under load the server reached 1 GB resident on the large
// organisation. Two shared cores gain nothing from more than a handful of
// concurrent readers; requests beyond them wait for a connection instead
// of each holding its own cache.
const (
	// DataMaxOpenConns bounds data.db's pool of concurrent connections.
	DataMaxOpenConns = 16
	// DataMaxIdleConns keeps the warm part of the pool open.
	DataMaxIdleConns = 8
	// pageCacheKiB is each connection's SQLite page cache (cache_size -N
	// is N KiB): 16 × 8 MiB at most, against 120 × 32 MiB.
	pageCacheKiB = "8000"
)

// DBConnect opens a database as PocketBase's default does (WAL, NORMAL
// sync, foreign keys, busy timeout first) with the smaller page cache, and
// with write transactions that take the write lock when they begin
// (_txlock=immediate). A deferred transaction that reads and then writes
// fails at once with SQLITE_BUSY_SNAPSHOT ("database is locked (517)") when
// another process wrote in between, whatever the busy timeout: Litestream
// writes to data.db every second (deploy/litestream.yml), and under it
// bookings failed with 500 (13 in the first run of litestream_test.go's
// drill). Immediate transactions
// wait for that process instead. In this process nothing changes: its
// write pool is one connection, so its transactions never overlapped.
func DBConnect(dbPath string) (*dbx.DB, error) {
	pragmas := "?_txlock=immediate&_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=journal_size_limit(200000000)" +
		"&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)&_pragma=temp_store(MEMORY)&_pragma=cache_size(-" + pageCacheKiB + ")&_defensive=1"
	return openCachedSQLite(dbPath + pragmas) // prepared statements kept per connection (stmtcache.go)
}

var _ core.DBConnectFunc = DBConnect
