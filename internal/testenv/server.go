package testenv

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Server is a real `slotbase serve` process on a loopback port.
type Server struct {
	URL  string
	Dir  string
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
}

// StartServer runs the built binary with `serve --dir dir --http <free port>`
// plus extra args, and waits until /api/health answers 200.
func StartServer(t testing.TB, dir string, extra ...string) *Server {
	t.Helper()
	addr := FreeAddr(t)
	args := append([]string{"serve", "--dir", dir, "--http", addr}, extra...)
	cmd := exec.Command(Binary(t), args...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &Server{URL: "http://" + addr, Dir: dir, cmd: cmd, out: out, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(func() { s.Kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			t.Fatalf("slotbase exited early:\n%s", out.String())
		default:
		}
		if res, err := http.Get(s.URL + "/api/health"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("slotbase did not become healthy:\n%s", out.String())
	return nil
}

// Output is what the process printed so far.
func (s *Server) Output() string { return s.out.String() }

// Kill ends the process with SIGKILL (a crash) and waits for it.
func (s *Server) Kill() { s.signal(syscall.SIGKILL) }

// Stop ends the process with SIGTERM (a clean shutdown) and waits for it.
func (s *Server) Stop() { s.signal(syscall.SIGTERM) }

func (s *Server) signal(sig syscall.Signal) {
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(sig)
	}
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Get fetches path and returns status and body.
func (s *Server) Get(t testing.TB, path string) (int, string) {
	t.Helper()
	res, err := http.Get(s.URL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
