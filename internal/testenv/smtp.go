package testenv

import (
	"bufio"
	_ "embed"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/mail/mailtest"
)

// python is Debian's interpreter, which has the Debian modules the tests
// use (the first python3 on PATH may be another one).
const python = "/usr/bin/python3"

// Python returns Debian's python3 once it imports module, which Debian's
// package pkg provides; otherwise the test skips (fails under CI=true).
func Python(t testing.TB, module, pkg string) string {
	t.Helper()
	if err := exec.Command(python, "-c", "import "+module).Run(); err != nil {
		Missing(t, pkg+" ("+python+" -c 'import "+module+"' failed)")
	}
	return python
}

// smtpSinkScript is testdata/smtp_sink.py. It is embedded rather than
// found on disk so that the sink starts the same from any package's test
// binary, whatever its working directory and even when built with
// -trimpath (which breaks paths from runtime.Caller); StartSMTPSink writes
// it to a temporary file, so a traceback still names smtp_sink.py.
//
//go:embed testdata/smtp_sink.py
var smtpSinkScript []byte

// SMTPSink is a real SMTP server (testdata/smtp_sink.py on Debian's
// python3-aiosmtpd) on a loopback port, keeping every message it accepts.
type SMTPSink struct {
	// Port is the loopback port the sink listens on.
	Port int
	dir  string
	cmd  *exec.Cmd
	in   interface{ Close() error }
	done chan struct{}
}

// SinkMessage is one message the sink accepted: its envelope, its raw
// bytes and the message parsed by mailtest.
type SinkMessage struct {
	MailFrom string   `json:"mail_from"`
	RcptTos  []string `json:"rcpt_tos"`
	Raw      []byte   `json:"-"`
	Msg      *mailtest.Message
}

// StartSMTPSink runs a sink on 127.0.0.1:port (see FreePort) until the
// test ends, and returns once it accepts connections.
func StartSMTPSink(t testing.TB, port int) *SMTPSink {
	t.Helper()
	py := Python(t, "aiosmtpd", "python3-aiosmtpd")
	work := t.TempDir()
	script := filepath.Join(work, "smtp_sink.py")
	if err := os.WriteFile(script, smtpSinkScript, 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "messages")
	cmd := exec.Command(py, script, strconv.Itoa(port), dir)
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &SMTPSink{Port: port, dir: dir, cmd: cmd, in: in, done: make(chan struct{})}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ready <- sc.Scan() && sc.Text() == "READY"
		for sc.Scan() {
		}
	}()
	go func() { _ = cmd.Wait(); close(s.done) }()
	t.Cleanup(s.stop)
	select {
	case ok := <-ready:
		if !ok {
			s.stop()
			t.Fatalf("smtp sink did not start: %s", stderr.String())
		}
	case <-time.After(time.Minute):
		s.stop()
		t.Fatalf("smtp sink not ready after a minute: %s", stderr.String())
	}
	return s
}

// stop ends the sink (closing its stdin), killing it if it hangs.
func (s *SMTPSink) stop() {
	_ = s.in.Close()
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// Messages returns what the sink accepted so far, in order, parsed. A
// message is listed only once whole (the sink writes its envelope last).
func (s *SMTPSink) Messages(t testing.TB) []SinkMessage {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(s.dir, "*.json"))
	sort.Strings(files)
	out := make([]SinkMessage, 0, len(files))
	for _, f := range files {
		var m SinkMessage
		raw, err := os.ReadFile(f)
		if err == nil {
			err = json.Unmarshal(raw, &m)
		}
		if err == nil {
			m.Raw, err = os.ReadFile(strings.TrimSuffix(f, ".json") + ".eml")
		}
		if err == nil {
			m.Msg, err = mailtest.Parse(m.Raw)
		}
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, m)
	}
	return out
}
