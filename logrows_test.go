package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
)

// requestLogRows reads the request-log rows ("METHOD URL STATUS") of a
// data dir, also while its server runs (WAL: a reader beside the writer).
func requestLogRows(t *testing.T, dir string) []string {
	t.Helper()
	db, err := dbx.Open("sqlite", filepath.Join(dir, "auxiliary.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var rows []string
	if err := db.NewQuery("SELECT json_extract(data, '$.method') || ' ' || json_extract(data, '$.url') || ' ' || json_extract(data, '$.status') FROM _logs WHERE json_extract(data, '$.type') = 'request' ORDER BY rowid").Column(&rows); err != nil {
		t.Fatal(err)
	}
	return rows
}

// waitForLogRow polls until the running server has written a request-log
// row starting with prefix (PocketBase writes its batch every 3 s), so a
// test that stops the server right after its last request does not race
// the log's last batch against the shutdown. Rows are written in the order
// the requests ended: once the last request's row is there, every earlier
// logged row is too.
func waitForLogRow(t *testing.T, dir, prefix string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		for _, r := range requestLogRows(t, dir) {
			if strings.HasPrefix(r, prefix) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no request-log row %q after a minute: %v", prefix, requestLogRows(t, dir))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
