package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Sender delivers messages.
type Sender interface {
	// Send delivers m, or returns an error that says why not: one wrapping
	// ErrInvalidMessage or ErrRejected will fail again if retried as is;
	// anything else (no connection, a 4xx reply) may pass later.
	Send(ctx context.Context, m Message) (Receipt, error)
}

// Receipt says where a message went.
type Receipt struct {
	// Transport is "smtp" or "file".
	Transport string
	// Path is the .eml file a Dir sender wrote.
	Path string
	// Response is the SMTP server's reply to the message data.
	Response string
}

// ErrRejected is wrapped when the SMTP server refused the sender, a
// recipient or the message with a permanent (5xx) reply.
var ErrRejected = errors.New("mail: rejected by the SMTP server")

// SMTP sends through an SMTP server, configured like PocketBase's SMTP
// settings (Settings → Mail settings in the admin UI).
type SMTP struct {
	Host string
	Port int
	// Username and Password turn on SMTP AUTH when either is set.
	Username, Password string
	// AuthMethod is "PLAIN" (the default) or "LOGIN".
	AuthMethod string
	// TLS connects with implicit TLS (SMTPS, usually port 465); otherwise
	// the connection is upgraded with STARTTLS when the server offers it.
	TLS bool
	// LocalName is the EHLO name; "localhost" when empty.
	LocalName string
	// Timeout bounds connecting and each command; 30 s when zero.
	Timeout time.Duration
}

// Send delivers m in one SMTP session. A message the server accepted counts
// as sent even if closing the session fails afterwards, so a retry does not
// send it twice.
func (s SMTP) Send(ctx context.Context, m Message) (Receipt, error) {
	msg, err := m.Build()
	if err != nil {
		return Receipt{}, err
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	helo := s.LocalName
	if helo == "" {
		helo = "localhost"
	}
	opts := []gomail.Option{gomail.WithPort(s.Port), gomail.WithTimeout(timeout), gomail.WithHELO(helo)}
	if s.TLS {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.Username != "" || s.Password != "" {
		auth := gomail.SMTPAuthPlain
		if strings.EqualFold(s.AuthMethod, "LOGIN") {
			auth = gomail.SMTPAuthLogin
		}
		opts = append(opts, gomail.WithSMTPAuth(auth), gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	client, err := gomail.NewClient(s.Host, opts...)
	if err != nil {
		return Receipt{}, fmt.Errorf("mail: smtp settings: %w", err)
	}
	err = client.DialAndSendWithContext(ctx, msg)
	if msg.IsDelivered() {
		return Receipt{Transport: "smtp", Response: msg.ServerResponse()}, nil
	}
	if err == nil {
		return Receipt{}, errors.New("mail: the server did not confirm delivery")
	}
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return Receipt{}, fmt.Errorf("%w: %w", ErrRejected, err)
	}
	return Receipt{}, fmt.Errorf("mail: smtp %s: %w", s.address(), err)
}

func (s SMTP) address() string { return fmt.Sprintf("%s:%d", s.Host, s.Port) }

// Dir writes each message as an .eml file into a folder instead of sending
// it: what slotbase does while no SMTP server is configured, so a newcomer
// can open the mails. The file is named after the Message-ID, so writing
// the same message twice leaves one file.
type Dir struct {
	Path string
}

// Send writes m to Path/<Message-ID local part>.eml (readable by the owner
// only: invitee mails carry the private manage link).
func (d Dir) Send(_ context.Context, m Message) (Receipt, error) {
	b, err := m.Bytes()
	if err != nil {
		return Receipt{}, err
	}
	if err := os.MkdirAll(d.Path, 0o700); err != nil {
		return Receipt{}, fmt.Errorf("mail: %w", err)
	}
	local, _, _ := strings.Cut(m.ID, "@") // Build checked the ID: no path separators
	path := filepath.Join(d.Path, local+".eml")
	tmp, err := os.CreateTemp(d.Path, ".tmp-*.eml")
	if err != nil {
		return Receipt{}, fmt.Errorf("mail: %w", err)
	}
	_, err = tmp.Write(b)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return Receipt{}, fmt.Errorf("mail: %w", err)
	}
	return Receipt{Transport: "file", Path: path}, nil
}
