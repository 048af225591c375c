package hooks

import (
	"path/filepath"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
)

// SQLite sized for a 256–512 MB machine (issue 18). PocketBase's defaults
// give each pooled connection a 32 MB page cache and let up to 120 of them
// open on data.db (20 on auxiliary.db): under load the server reached 1 GB
// resident on the large organisation. Two shared cores gain nothing from
// more than a handful of concurrent readers; requests beyond them wait for
// a connection instead of each holding its own cache.
//
// SQLite's page caches live outside Go's heap (modernc's libc maps them
// itself), so GOMEMLIMIT cannot see or shrink them: they are bounded here,
// by design. At most (16 + 1) data and (4 + 1) auxiliary connections hold
// 2 MiB each: 44 MiB in the worst case, against 32 MiB for every one of up
// to 142 before. A page not cached is read from the kernel's file cache,
// which does not count against the process; the slots read bookings and
// busy time from the availability index, not from SQLite (sixth step of
// issue 18 in BENCHMARKS.md: peak RSS and throughput measured).
const (
	// DataMaxOpenConns bounds data.db's pool of concurrent connections.
	DataMaxOpenConns = 16
	// DataMaxIdleConns keeps the whole pool open once warm: with 8 kept,
	// a booking load closed and reopened data.db connections all the
	// time (cachingDriver.Open, 3–5 % of the server's CPU while the
	// outbox ran: each new connection parses the schema again and loses
	// its kept statements). The worst case of memory is the same as with
	// 8 (every open connection may be busy at once); what stays is at most
	// 16 page caches of 2 MiB when idle.
	DataMaxIdleConns = DataMaxOpenConns
	// AuxMaxOpenConns bounds auxiliary.db's pool (the request log, read by
	// the admin UI's Logs page; written in batches by the write pool).
	AuxMaxOpenConns = 4
	// AuxMaxIdleConns keeps two of them open.
	AuxMaxIdleConns = 2
	// pageCacheKiB is each connection's SQLite page cache (cache_size -N
	// is N KiB).
	pageCacheKiB = "2048"
)

// DBConnect opens a database as PocketBase's default does (WAL, NORMAL
// sync, foreign keys, busy timeout first) with the smaller page cache (no
// mmap: mapped pages would count as resident, once per process), and
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
	if filepath.Base(dbPath) == "data.db" {
		pragmas += "&_pragma=wal_autocheckpoint(" + walAutoCheckpointFrames + ")" // checkpoints run off the writer (checkpoint.go)
	}
	return openCachedSQLite(dbPath + pragmas) // prepared statements kept per connection (stmtcache.go)
}

var _ core.DBConnectFunc = DBConnect
