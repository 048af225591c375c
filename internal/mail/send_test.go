package mail_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/slotbase/slotbase/internal/ics"
	"github.com/slotbase/slotbase/internal/mail"
	"github.com/slotbase/slotbase/internal/mail/mailtest"
)

// fakeSMTP is a scripted SMTP server on loopback: enough of RFC 5321 for
// go-mail, with replies a test can override to play a failing server.
type fakeSMTP struct {
	greeting      string // default "220 fake ESMTP"
	rcpt          string // reply to RCPT TO; default "250 ok"
	dropAfterData bool   // close the connection right after accepting the data
	mu            sync.Mutex
	got           [][]byte
	addr          string
}

func startFakeSMTP(t *testing.T, f *fakeSMTP) *fakeSMTP {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	f.addr = l.Addr().String()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go f.serve(conn)
		}
	}()
	return f
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	say := func(s string) { _, _ = conn.Write([]byte(s + "\r\n")) }
	greeting := f.greeting
	if greeting == "" {
		greeting = "220 fake ESMTP"
	}
	say(greeting)
	if !strings.HasPrefix(greeting, "220") {
		return
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-fake\r\n250 8BITMIME")
		case strings.HasPrefix(cmd, "RCPT"):
			if f.rcpt != "" {
				say(f.rcpt)
			} else {
				say("250 ok")
			}
		case cmd == "DATA":
			say("354 go ahead")
			var data []byte
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				data = append(data, strings.TrimPrefix(l, ".")...)
			}
			f.mu.Lock()
			f.got = append(f.got, data)
			f.mu.Unlock()
			say("250 2.0.0 queued as 42")
			if f.dropAfterData {
				return
			}
		case cmd == "QUIT":
			say("221 bye")
			return
		default: // MAIL, RSET, NOOP
			say("250 ok")
		}
	}
}

func (f *fakeSMTP) received() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.got...)
}

func (f *fakeSMTP) sender(t *testing.T) mail.SMTP {
	host, port, _ := net.SplitHostPort(f.addr)
	var p int
	for _, c := range port {
		p = p*10 + int(c-'0')
	}
	return mail.SMTP{Host: host, Port: p}
}

func TestSMTPSend(t *testing.T) {
	msg := baseMessage()
	msg.Invite = invite(t, ics.Request)
	scenarios := []struct {
		name      string
		server    *fakeSMTP
		delivered bool
		rejected  bool
	}{
		{"accepted", &fakeSMTP{}, true, false},
		{"accepted, then the connection drops", &fakeSMTP{dropAfterData: true}, true, false},
		{"recipient rejected for good", &fakeSMTP{rcpt: "550 5.1.1 no such user"}, false, true},
		{"recipient deferred", &fakeSMTP{rcpt: "451 4.3.0 try again later"}, false, false},
		{"server busy", &fakeSMTP{greeting: "421 4.3.2 too busy"}, false, false},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			f := startFakeSMTP(t, sc.server)
			receipt, err := f.sender(t).Send(context.Background(), msg)
			if sc.delivered {
				if err != nil || receipt.Transport != "smtp" || !strings.Contains(receipt.Response, "queued as 42") {
					t.Fatalf("receipt %+v, err %v", receipt, err)
				}
				got := f.received()
				if len(got) != 1 {
					t.Fatalf("server got %d messages", len(got))
				}
				parsed, err := mailtest.Parse(got[0])
				if err != nil || parsed.MessageID != msg.ID || parsed.Part("text/calendar") == nil {
					t.Fatalf("parse: %v %+v", err, parsed)
				}
				return
			}
			if err == nil {
				t.Fatal("a failed send reported success")
			}
			if errors.Is(err, mail.ErrRejected) != sc.rejected {
				t.Fatalf("err %v: rejected = %v, want %v", err, errors.Is(err, mail.ErrRejected), sc.rejected)
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		addr := l.Addr().(*net.TCPAddr)
		l.Close()
		_, err := mail.SMTP{Host: "127.0.0.1", Port: addr.Port}.Send(context.Background(), msg)
		if err == nil || errors.Is(err, mail.ErrRejected) || errors.Is(err, mail.ErrInvalidMessage) {
			t.Fatalf("err = %v, want a temporary failure", err)
		}
	})
	t.Run("invalid message", func(t *testing.T) {
		bad := msg
		bad.To.Email = "nope"
		if _, err := (mail.SMTP{Host: "127.0.0.1", Port: 1}).Send(context.Background(), bad); !errors.Is(err, mail.ErrInvalidMessage) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestDirSend(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mail")
	msg := baseMessage()
	d := mail.Dir{Path: dir}
	for range 2 { // the same message twice leaves one file
		receipt, err := d.Send(context.Background(), msg)
		if err != nil {
			t.Fatal(err)
		}
		if receipt.Transport != "file" || receipt.Path != filepath.Join(dir, "confirmed-invitee-j0b.eml") {
			t.Fatalf("receipt %+v", receipt)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("%d files in %s", len(entries), dir)
	}
	info, _ := os.Stat(filepath.Join(dir, entries[0].Name()))
	if info.Mode().Perm() != 0o600 {
		t.Errorf("mode %v: mails carry private links, owner only", info.Mode().Perm())
	}
	raw, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if m, err := mailtest.Parse(raw); err != nil || m.MessageID != msg.ID {
		t.Fatalf("%v %+v", err, m)
	}
}
