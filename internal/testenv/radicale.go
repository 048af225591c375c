package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Radicale is a real CalDAV server (Debian's radicale) on a loopback port,
// with htpasswd authentication and its storage in a temporary folder. It
// runs until the test ends; Stop and Start take it down and up again on
// the same port and data (for outage tests).
type Radicale struct {
	// URL is the server's root, e.g. http://127.0.0.1:5232/.
	URL string
	// User and Password are the one account the htpasswd file holds.
	User, Password string

	py, config string
	cmd        *exec.Cmd
	stderr     *syncBuffer
	done       chan struct{}
}

// StartRadicale starts a radicale with one user and returns once it
// answers. Missing radicale skips the test (fails under CI=true).
func StartRadicale(t testing.TB) *Radicale {
	t.Helper()
	py := Python(t, "radicale", "radicale")
	dir := t.TempDir()
	secret := make([]byte, 12)
	_, _ = rand.Read(secret)
	r := &Radicale{User: "host", Password: hex.EncodeToString(secret), py: py, config: filepath.Join(dir, "config")}
	users := filepath.Join(dir, "users")
	if err := os.WriteFile(users, []byte(r.User+":"+r.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := FreeAddr(t)
	r.URL = "http://" + addr + "/"
	config := fmt.Sprintf(`[server]
hosts = %s
[auth]
type = htpasswd
htpasswd_filename = %s
htpasswd_encryption = plain
delay = 0
[rights]
type = owner_only
[storage]
filesystem_folder = %s
[web]
type = none
[logging]
level = warning
mask_passwords = True
`, addr, users, filepath.Join(dir, "collections"))
	if err := os.WriteFile(r.config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.stop)
	r.Start(t)
	return r
}

// Start runs the server (again) and waits until it answers HTTP.
func (r *Radicale) Start(t testing.TB) {
	t.Helper()
	r.stderr = &syncBuffer{}
	r.cmd = exec.Command(r.py, "-m", "radicale", "--config", r.config)
	r.cmd.Stderr = r.stderr
	r.cmd.Stdout = r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.done = make(chan struct{})
	go func(cmd *exec.Cmd, done chan struct{}) { _ = cmd.Wait(); close(done) }(r.cmd, r.done)
	deadline := time.Now().Add(time.Minute)
	for {
		resp, err := http.Get(r.URL)
		if err == nil {
			resp.Body.Close()
			return
		}
		select {
		case <-r.done:
			t.Fatalf("radicale exited: %s", r.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			r.stop()
			t.Fatalf("radicale not answering after a minute: %v; %s", err, r.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop takes the server down and waits until it has exited.
func (r *Radicale) Stop(t testing.TB) {
	t.Helper()
	r.stop()
}

func (r *Radicale) stop() {
	if r.cmd == nil || r.cmd.Process == nil {
		return
	}
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		_ = r.cmd.Process.Kill()
		<-r.done
	}
}

// Do sends one plain HTTP request as the user (no CalDAV client involved)
// and returns the status, headers and body.
func (r *Radicale) Do(t testing.TB, method, path, body string, header map[string]string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, strings.TrimSuffix(r.URL, "/")+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(r.User, r.Password)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// MakeCalendar creates the user's calendar collection name (MKCALENDAR)
// and returns its path, "/<user>/<name>/".
func (r *Radicale) MakeCalendar(t testing.TB, name string) string {
	t.Helper()
	p := "/" + r.User + "/" + name + "/"
	body := `<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>` + name + `</D:displayname>
<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>`
	if code, _, out := r.Do(t, "MKCALENDAR", p, body, map[string]string{"Content-Type": "application/xml"}); code != http.StatusCreated {
		t.Fatalf("MKCALENDAR %s: %d %s", p, code, out)
	}
	return p
}
