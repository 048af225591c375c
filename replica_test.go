package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// replicaStatus is the part of `replica status --json` the tests read.
type replicaStatus struct {
	Position *struct {
		Seq int64 `json:"seq"`
	} `json:"position"`
	LagChanges int64  `json:"lag_changes"`
	LastError  string `json:"last_error"`
}

// streamFailing starts the streamer's warning when PostgreSQL is unreachable.
const streamFailing = "replica: PostgreSQL stream failing"

// slotbaseCmd runs the binary with args and returns its output and error.
func slotbaseCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(testenv.Binary(t), args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func statusOf(t *testing.T, dir, url string) replicaStatus {
	t.Helper()
	out, err := slotbaseCmd(t, "replica", "status", "--json", "--dir", dir, "--postgres", url)
	if err != nil {
		t.Fatalf("replica status: %v\n%s", err, out)
	}
	var st replicaStatus
	if err := json.Unmarshal([]byte(out[bytes.IndexByte([]byte(out), '{'):]), &st); err != nil {
		t.Fatalf("replica status: %v\n%s", err, out)
	}
	return st
}

// waitCaughtUp waits until PostgreSQL holds every change of dir.
func waitCaughtUp(t *testing.T, dir, url string) {
	t.Helper()
	for deadline := time.Now().Add(pollBound); ; time.Sleep(200 * time.Millisecond) {
		st := statusOf(t, dir, url)
		if st.Position != nil && st.LagChanges == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("replica still behind after %s: %+v", pollBound, st)
		}
	}
}

func verifyClean(t *testing.T, dir, url string) {
	t.Helper()
	out, err := slotbaseCmd(t, "replica", "verify", "--dir", dir, "--postgres", url)
	if err != nil || !bytes.Contains([]byte(out), []byte("verify: clean")) {
		t.Fatalf("replica verify: %v\n%s", err, out)
	}
}

// pgIDs returns the live ids of a replica table.
func pgIDs(t *testing.T, url, table string) map[string]bool {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, "SELECT id FROM slotbase."+table+" WHERE NOT _deleted")
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		if ids[id] {
			t.Fatalf("%s %s twice", table, id)
		}
		ids[id] = true
	}
	return ids
}

// book makes booking number k of the "open" event type; it returns the
// status and the answer's id and manage token.
func book(client *http.Client, base string, start time.Time, k int64) (int, string, string, error) {
	body, _ := json.Marshal(map[string]any{"event_type": "open", "start": start.Add(time.Duration(k) * 30 * time.Minute).Format(time.RFC3339),
		"name": fmt.Sprint("Replica ", k), "email": fmt.Sprintf("r%d@example.com", k), "timezone": "UTC"})
	res, err := client.Post(base+"/api/bookings", "application/json", bytes.NewReader(body))
	if err != nil {
		return 0, "", "", err
	}
	defer res.Body.Close()
	var out struct {
		ID          string `json:"id"`
		ManageToken string `json:"manage_token"`
	}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out.ID, out.ManageToken, nil
}

// TestReplicaPostgresDownDuring200Bookings stops PostgreSQL, takes 200
// bookings (all succeed, the lag shows), starts it again: all 200 arrive,
// once each, and verify is clean.
func TestReplicaPostgresDownDuring200Bookings(t *testing.T) {
	pg := testenv.PrivatePostgres(t)
	dir := t.TempDir()
	prepareDataDir(t, dir)
	srv := testenv.StartServer(t, dir, "--rateLimits=false", "--postgres", pg.URL)
	waitCaughtUp(t, dir, pg.URL)

	failures := func() int { return strings.Count(srv.Output(), streamFailing) }
	failedBefore := failures()
	pg.Stop()
	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	var mu sync.Mutex
	ids := map[string]bool{}
	var next atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := next.Add(1); k <= 200; k = next.Add(1) {
				code, id, _, err := book(client, srv.URL, start, k)
				if err != nil || code != http.StatusCreated {
					t.Errorf("booking %d with PostgreSQL down: %d %v", k, code, err)
					continue
				}
				mu.Lock()
				ids[id] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(ids) != 200 {
		t.Fatalf("%d bookings, want 200", len(ids))
	}
	pollUntil(t, "the streamer to fail (its warning on stderr)", func() bool { return failures() > failedBefore })
	st := statusOf(t, dir, pg.URL)
	if st.LagChanges < 200 {
		t.Fatalf("lag while PostgreSQL is down = %+v, want ≥ 200 changes", st)
	}
	t.Logf("while down: %d changes waiting", st.LagChanges)

	pg.Start()
	waitCaughtUp(t, dir, pg.URL)
	got := pgIDs(t, pg.URL, c.Bookings)
	for id := range ids {
		if !got[id] {
			t.Fatalf("booking %s did not arrive", id)
		}
	}
	if len(got) != 200 {
		t.Fatalf("%d bookings in PostgreSQL, want 200", len(got))
	}
	srv.Stop()
	for _, want := range []string{streamFailing + "%", "replica: PostgreSQL stream resumed%"} {
		if n := countLogs(t, dir, want); n == 0 {
			t.Errorf("no log entry like %q", want)
		}
	}
	verifyClean(t, dir, pg.URL)
}

// TestReplicaKilledMidBatch SIGKILLs `serve` in the middle of a booking load
// (16 concurrent writers) while it streams: after a restart nothing is
// missing or duplicated in PostgreSQL and verify is clean.
func TestReplicaKilledMidBatch(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	dir := t.TempDir()
	prepareDataDir(t, dir)
	srv := testenv.StartServer(t, dir, "--rateLimits=false", "--postgres", url)

	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	var mu sync.Mutex
	confirmed := map[string]bool{}
	var next, ok201 atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute} // generous: a writer that gives up stops writing
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, id, _, err := book(client, srv.URL, start, next.Add(1))
				if err != nil {
					return
				}
				if code == http.StatusCreated {
					mu.Lock()
					confirmed[id] = true
					mu.Unlock()
					ok201.Add(1)
				}
			}
		}()
	}
	for waitUntil := time.Now().Add(60 * time.Second); ok201.Load() < 150; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(waitUntil) {
			t.Fatalf("only %d bookings confirmed in 60 s", ok201.Load())
		}
	}
	srv.Kill()
	close(stop)
	wg.Wait()
	t.Logf("%d bookings confirmed before the kill", len(confirmed))

	srv = testenv.StartServer(t, dir, "--rateLimits=false", "--postgres", url)
	pollUntil(t, "the restarted worker to finish every due job", func() bool {
		return countWhere(t, dir, c.Jobs, "status != 'done' && status != 'dead' && run_after <= @now") == 0 // reminders wait for their time
	})
	waitCaughtUp(t, dir, url)
	srv.Stop()

	got := pgIDs(t, url, c.Bookings)
	for id := range confirmed {
		if !got[id] {
			t.Fatalf("booking %s answered 201 but is not in PostgreSQL", id)
		}
	}
	if n := countWhere(t, dir, c.Bookings, "id != ''"); n != len(got) {
		t.Fatalf("%d bookings in SQLite, %d in PostgreSQL", n, len(got))
	}
	verifyClean(t, dir, url)
}

// TestReplicaRestoreRoundTrip restores a pb_data from PostgreSQL and serves
// it: the same bookings, the same slots, and (with the same
// SLOTBASE_ENCRYPTION_KEY) the invitee's manage link still works.
func TestReplicaRestoreRoundTrip(t *testing.T) {
	t.Setenv("SLOTBASE_ENCRYPTION_KEY", "replica-restore-test-key-0123456789abcdef")
	url := testenv.PostgresDatabase(t)
	dir := t.TempDir()
	prepareDataDir(t, dir)
	srv := testenv.StartServer(t, dir, "--rateLimits=false", "--postgres", url)
	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	client := &http.Client{Timeout: time.Minute}
	var tokens []string
	for k := int64(1); k <= 30; k++ {
		code, _, token, err := book(client, srv.URL, start, k*3)
		if err != nil || code != http.StatusCreated {
			t.Fatalf("booking %d: %d %v", k, code, err)
		}
		tokens = append(tokens, token)
	}
	for _, token := range tokens[:5] { // some cancelled
		res, err := client.Post(srv.URL+"/api/bookings/manage/"+token+"/cancel", "application/json", bytes.NewReader([]byte(`{"reason":"test"}`)))
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("cancel: %v %v", res.StatusCode, err)
		}
		res.Body.Close()
	}
	slotsPath := "/api/slots?event_type=open&from=" + start.Format("2006-01-02") + "&to=" + start.Add(72*time.Hour).Format("2006-01-02") + "&tz=Europe/Berlin"
	_, slotsBefore := srv.Get(t, slotsPath)
	waitCaughtUp(t, dir, url)
	srv.Stop()

	restored := filepath.Join(t.TempDir(), "pb_data")
	if out, err := slotbaseCmd(t, "replica", "restore", "--from", url, "--dir", restored); err != nil {
		t.Fatalf("restore: %v\n%s", err, out)
	}
	if out, err := slotbaseCmd(t, "replica", "restore", "--from", url, "--dir", restored); err == nil {
		t.Fatalf("a second restore into the same dir must refuse:\n%s", out)
	}
	if a, b := bookingsOf(t, dir), bookingsOf(t, restored); len(a) != 30 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("bookings differ after restore:\n%v\n%v", a, b)
	}
	srv2 := testenv.StartServer(t, restored, "--rateLimits=false", "--postgres", url)
	if _, slotsAfter := srv2.Get(t, slotsPath); slotsAfter != slotsBefore {
		t.Fatalf("slots differ after restore:\n%s\n%s", slotsBefore, slotsAfter)
	}
	if code, body := srv2.Get(t, "/api/bookings/manage/"+tokens[10]); code != 200 || !bytes.Contains([]byte(body), []byte(`"confirmed"`)) {
		t.Fatalf("manage link on the restored data: %d %s", code, body)
	}
	// The restored dir continues the same stream.
	if code, _, _, err := book(client, srv2.URL, start, 500); err != nil || code != http.StatusCreated {
		t.Fatalf("booking on the restored data: %d %v", code, err)
	}
	waitCaughtUp(t, restored, url)
	srv2.Stop()
	verifyClean(t, restored, url)
	_ = os.RemoveAll(restored)
}

// bookingsOf lists the bookings of a data dir as "id start status".
func bookingsOf(t *testing.T, dir string) []string {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	records, err := app.FindRecordsByFilter(c.Bookings, "id != ''", "id", 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range records {
		b := c.NewBooking(r)
		out = append(out, r.Id+" "+b.Start().Format(time.RFC3339)+" "+b.Status()+" "+b.Email())
	}
	return out
}

// countLogs counts PocketBase log entries (the admin UI's Logs) like pattern.
func countLogs(t *testing.T, dir, pattern string) int {
	t.Helper()
	app := core.NewBaseApp(core.BaseAppConfig{DataDir: dir})
	if err := app.Bootstrap(); err != nil {
		t.Fatal(err)
	}
	defer app.ResetBootstrapState()
	var n int
	if err := app.AuxDB().NewQuery("SELECT COUNT(*) FROM _logs WHERE message LIKE {:p}").Bind(map[string]any{"p": pattern}).Row(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
