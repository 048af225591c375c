package main

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// litestreamBinary finds the Litestream binary scripts/test.sh builds
// (SLOTBASE_TEST_LITESTREAM, else its cache path).
func litestreamBinary(t *testing.T) string {
	t.Helper()
	paths := []string{os.Getenv("SLOTBASE_TEST_LITESTREAM")}
	if home, err := os.UserHomeDir(); err == nil {
		paths = append(paths, filepath.Join(home, ".cache", "slotbase-test", "litestream", "litestream"))
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p
		}
	}
	testenv.Missing(t, "Litestream (SLOTBASE_TEST_LITESTREAM; scripts/test.sh builds it with `go install github.com/benbjohnson/litestream/cmd/litestream@v0.5.18`)")
	return ""
}

// litestreamLog follows Litestream's JSON log: when each sync of the WAL
// into a transaction file (txid) began, and the highest txid uploaded.
type litestreamLog struct {
	mu       sync.Mutex
	syncAt   map[uint64]time.Time // txid → last "sync" line for it
	uploaded uint64               // highest maxTXID of "ltx file uploaded"
	uploads  int
}

func (l *litestreamLog) read(r io.Reader, echo io.Writer) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		_, _ = echo.Write(append(line, '\n'))
		var e struct {
			Time  time.Time `json:"time"`
			Msg   string    `json:"msg"`
			TXID  string    `json:"txid"`
			MaxTX string    `json:"maxTXID"`
		}
		if json.Unmarshal(line, &e) != nil || e.Time.IsZero() {
			continue // slotbase's own output, through Litestream's -exec
		}
		l.mu.Lock()
		switch e.Msg {
		case "sync":
			if tx, err := strconv.ParseUint(e.TXID, 16, 64); err == nil {
				l.syncAt[tx] = e.Time
			}
		case "ltx file uploaded":
			if tx, err := strconv.ParseUint(e.MaxTX, 16, 64); err == nil && tx > l.uploaded {
				l.uploaded = tx
				l.uploads++
			}
		}
		l.mu.Unlock()
	}
}

// syncPoint is a time before which every committed write is in the
// replica: Litestream reported the upload of txid U, and U's sync started
// after the sync of U-1 had begun (they run one after another), so
// everything committed before U-1's "sync" line was in the WAL U copied.
// ok is false until such a point exists.
func (l *litestreamLog) syncPoint() (point time.Time, uploads int, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for tx, at := range l.syncAt {
		if tx < l.uploaded && at.After(point) {
			point, ok = at, true
		}
	}
	return point, l.uploads, ok
}

// acked is a booking the server answered 201, and when the client read it.
type acked struct {
	ID, Token string
	At        time.Time
}

// TestLitestreamRestoreDrill is DEPLOY.md's restore drill with real
// processes: slotbase runs under `litestream replicate -exec` with
// deploy/litestream.yml and a file replica while clients book at a steady
// rate; both processes die by SIGKILL mid-load; `litestream restore` (the
// entrypoint's command) fills a fresh data dir, slotbase serves it, and
// every booking acknowledged before the last sync point Litestream reported
// is there and manageable. The loss (acknowledged but not restored) is
// logged: Litestream replicates asynchronously.
func TestLitestreamRestoreDrill(t *testing.T) {
	ls := litestreamBinary(t)
	bin := testenv.Binary(t)
	t.Setenv("SLOTBASE_ENCRYPTION_KEY", "litestream drill key, at least 32 characters long") // DEPLOY.md: the key lives outside pb_data
	dir, replicaDir, restored := t.TempDir(), t.TempDir(), t.TempDir()
	prepareDataDir(t, dir)
	addr := testenv.FreeAddr(t)
	env := append(os.Environ(), "NO_COLOR=1", "LITESTREAM_REPLICA_URL=file://"+replicaDir)

	cmd := exec.Command(ls, "replicate", "-config", "deploy/litestream.yml", "-log-level", "debug",
		"-exec", fmt.Sprintf("%s serve --dir %s --http %s --rateLimits=false", bin, dir, addr))
	cmd.Env = append(env, "SLOTBASE_DATA_DIR="+dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // one group: SIGKILL reaches both processes
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	var output syncBuf
	logs := &litestreamLog{syncAt: map[uint64]time.Time{}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killed := false
	kill := func() {
		if !killed {
			killed = true
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
		}
	}
	t.Cleanup(kill)
	go logs.read(out, &output)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("litestream and slotbase said:\n%s", output.String())
		}
	})
	base := "http://" + addr
	waitHealthy(t, "slotbase under litestream", base)

	// Clients book at a steady rate until the replica has taken several
	// uploads with bookings in them.
	var mu sync.Mutex
	var acks []acked
	var next atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	client := &http.Client{Timeout: time.Minute}
	start := time.Now().UTC().Truncate(time.Hour).Add(48 * time.Hour)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for tick := time.NewTicker(10 * time.Millisecond); ; <-tick.C {
				select {
				case <-stop:
					tick.Stop()
					return
				default:
				}
				code, id, token, err := book(client, base, start, next.Add(1))
				if err != nil {
					return // the server is gone
				}
				if code == http.StatusCreated {
					mu.Lock()
					acks = append(acks, acked{ID: id, Token: token, At: time.Now().UTC()})
					mu.Unlock()
				} else if code != http.StatusConflict {
					t.Errorf("booking: status %d", code)
					return
				}
			}
		}()
	}
	loadStart := time.Now()
	pollUntil(t, "300 bookings and 5 uploads past them", func() bool {
		mu.Lock()
		n := len(acks)
		mu.Unlock()
		point, uploads, ok := logs.syncPoint()
		return n >= 300 && ok && point.After(loadStart) && uploads >= 5
	})
	// The condition turns true right after an upload; a random delay of up
	// to one sync interval kills at any phase of Litestream's cycle, so the
	// measured loss is not biased towards a fresh sync.
	time.Sleep(time.Duration(rand.Int64N(int64(time.Second))))
	kill() // mid-load: requests in flight, Litestream between syncs
	killedAt := time.Now().UTC()
	close(stop)
	wg.Wait()
	point, uploads, _ := logs.syncPoint()

	// The entrypoint's restore into a fresh volume.
	restore := exec.Command(ls, "restore", "-config", "deploy/litestream.yml", "-if-db-not-exists", "-if-replica-exists", filepath.Join(restored, "data.db"))
	restore.Env = append(env, "SLOTBASE_DATA_DIR="+restored)
	if b, err := restore.CombinedOutput(); err != nil {
		t.Fatalf("litestream restore: %v\n%s", err, b)
	}
	srv := testenv.StartServer(t, restored, "--rateLimits=false")

	mu.Lock()
	defer mu.Unlock()
	sort.Slice(acks, func(i, j int) bool { return acks[i].At.Before(acks[j].At) })
	before := 0
	for _, a := range acks {
		if a.At.Before(point) {
			before++
		}
	}
	if before == 0 {
		t.Fatalf("no booking acknowledged before the sync point %s:\n%s", point, output.String())
	}
	// The last booking before the point is served by the restored server.
	last := acks[before-1]
	if code, body := srv.Get(t, "/api/bookings/manage/"+last.Token); code != http.StatusOK {
		t.Fatalf("restored server: manage link of %s = %d %s", last.ID, code, body)
	}
	srv.Stop()

	missing, firstMissing := 0, time.Time{}
	readDataDir(t, restored, func(app core.App) {
		for i, a := range acks {
			if _, err := app.FindRecordById(c.Bookings, a.ID); err != nil {
				if !errors.Is(err, sql.ErrNoRows) {
					t.Fatalf("reading the restore: %v", err)
				}
				if i < before {
					t.Errorf("booking %s acknowledged at %s, before the sync point %s, is not in the restore: %v",
						a.ID, a.At.Format(time.RFC3339Nano), point.Format(time.RFC3339Nano), err)
				}
				if missing == 0 {
					firstMissing = a.At
				}
				missing++
			}
		}
	})
	window := time.Duration(0)
	if missing > 0 {
		window = killedAt.Sub(firstMissing)
	}
	t.Logf("%d bookings acknowledged (%.0f/s), %d before the last reported sync point (%d uploads); restore lacks %d acknowledged bookings, the first acknowledged %d ms before the kill",
		len(acks), float64(len(acks))/killedAt.Sub(loadStart).Seconds(), before, uploads, missing, window.Milliseconds())
}

// syncBuf is an io.Writer safe for one writer and concurrent readers.
type syncBuf struct {
	mu sync.Mutex
	b  []byte
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}
