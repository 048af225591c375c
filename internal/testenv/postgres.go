package testenv

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

var dbCounter atomic.Int64

// PostgresDatabase creates a fresh database on the run's PostgreSQL for one
// test (dropped at its end) and returns its URL, so tests never collide.
func PostgresDatabase(t testing.TB) string {
	t.Helper()
	base := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	name := fmt.Sprintf("t_%d_%d_%s", os.Getpid(), dbCounter.Add(1), strings.ToLower(sanitize(t.Name())))
	if len(name) > 60 {
		name = name[:60]
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("CREATE DATABASE: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := pgx.Connect(ctx, base); err == nil {
			_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			c.Close(ctx)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}

func sanitize(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Postgres is a private PostgreSQL server a test may stop and start
// without disturbing other tests (initdb'ed from the binaries next to
// SLOTBASE_TEST_PG_CTL, which scripts/test.sh exports).
type Postgres struct {
	URL           string
	pgCtl, pgData string
	port          int
	t             testing.TB
}

// PrivatePostgres starts a throwaway PostgreSQL for one test.
func PrivatePostgres(t testing.TB) *Postgres {
	t.Helper()
	PostgresURL(t) // skip / fail the same way when PostgreSQL is missing
	pgCtl := os.Getenv("SLOTBASE_TEST_PG_CTL")
	if pgCtl == "" {
		Missing(t, "pg_ctl (SLOTBASE_TEST_PG_CTL)")
	}
	dir, err := os.MkdirTemp("", "slotbase-pg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Getuid() == 0 {
		if u, err := user.Lookup("postgres"); err == nil {
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			_ = os.Chown(dir, uid, gid)
		}
	}
	p := &Postgres{pgCtl: pgCtl, pgData: filepath.Join(dir, "data"), t: t}
	_, portStr, _ := strings.Cut(FreeAddr(t), ":")
	p.port, _ = strconv.Atoi(portStr)
	if out, err := pgCommand(filepath.Join(filepath.Dir(pgCtl), "initdb"), "-D", p.pgData, "-U", "postgres", "-A", "trust", "-E", "UTF8").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	p.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.port)
	p.Start()
	t.Cleanup(func() { _ = pgCommand(p.pgCtl, "-D", p.pgData, "-m", "immediate", "stop").Run() })
	return p
}

// Start starts the server and waits until it accepts connections.
func (p *Postgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off", p.port, filepath.Dir(p.pgData))
	if out, err := pgCommand(p.pgCtl, "-D", p.pgData, "-l", p.pgData+".log", "-w", "-o", opts, "start").CombinedOutput(); err != nil {
		p.t.Fatalf("pg_ctl start: %v\n%s", err, out)
	}
}

// Stop stops the server at once (connections are cut).
func (p *Postgres) Stop() {
	p.t.Helper()
	if out, err := pgCommand(p.pgCtl, "-D", p.pgData, "-m", "immediate", "-w", "stop").CombinedOutput(); err != nil {
		p.t.Fatalf("pg_ctl stop: %v\n%s", err, out)
	}
}

// pgCommand runs a PostgreSQL tool, as the postgres user when root.
func pgCommand(name string, args ...string) *exec.Cmd {
	if os.Getuid() == 0 {
		return exec.Command("runuser", append([]string{"-u", "postgres", "--", name}, args...)...)
	}
	return exec.Command(name, args...)
}
