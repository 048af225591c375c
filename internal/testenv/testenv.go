// Package testenv finds the real dependencies the test suite runs against
// (PostgreSQL, Chromium, Debian's Python modules such as the SMTP sink's
// aiosmtpd) as prepared by scripts/test.sh. Under CI=true a missing
// dependency fails the test; elsewhere it skips with a hint.
package testenv

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Hint is how to get every dependency at once.
const Hint = "run `make test`, which installs and starts what the suite needs"

// InCI reports whether the suite runs under CI (CI=true).
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// Missing fails the test under CI and skips it elsewhere, saying what is missing.
func Missing(t testing.TB, what string) {
	t.Helper()
	if InCI() {
		t.Fatalf("%s is missing (CI=true, so this fails instead of skipping); %s", what, Hint)
	}
	t.Skipf("%s is missing; %s", what, Hint)
}

// PostgresURL returns the URL of the throwaway PostgreSQL of this run.
func PostgresURL(t testing.TB) string {
	t.Helper()
	url := os.Getenv("SLOTBASE_TEST_POSTGRES_URL")
	if url == "" {
		Missing(t, "PostgreSQL (SLOTBASE_TEST_POSTGRES_URL)")
	}
	return url
}

// Chromium returns the path of a headless-capable Chromium.
func Chromium(t testing.TB) string {
	t.Helper()
	for _, p := range []string{os.Getenv("SLOTBASE_TEST_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	Missing(t, "Chromium")
	return ""
}

// Short reports whether heavy tests (load, crash, soak) should shrink.
func Short() bool { return testing.Short() }

// Binary builds the slotbase binary once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slotbase-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "slotbase")
		root, err := moduleRoot()
		if err != nil {
			buildErr = err
			return
		}
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// moduleRoot walks up from the working directory to the folder with go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// FreeAddr returns a free loopback address "127.0.0.1:port".
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// FreePort returns a loopback port nothing listens on (yet).
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
