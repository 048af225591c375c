// Package mailtest reads e-mails back with Go's net/mail and mime/multipart,
// independently of the code that wrote them, for slotbase's tests.
package mailtest

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	netmail "net/mail"
	"strings"
)

// Part is one leaf of a MIME tree, its body decoded.
type Part struct {
	ContentType string            // media type, lower case
	Params      map[string]string // Content-Type parameters
	Disposition string            // "attachment", "inline" or ""
	Filename    string
	Body        []byte
}

// Message is a parsed e-mail.
type Message struct {
	Header    netmail.Header
	Subject   string // decoded
	From, To  *netmail.Address
	ReplyTo   *netmail.Address // nil when absent
	MessageID string           // without angle brackets
	// Structure is the MIME tree, e.g.
	// "multipart/mixed[multipart/alternative[text/plain,text/html],application/ics]".
	Structure string
	Parts     []Part // leaves in order
}

// Part returns the first leaf of media type ct (nil if none).
func (m *Message) Part(ct string) *Part {
	for i := range m.Parts {
		if m.Parts[i].ContentType == ct {
			return &m.Parts[i]
		}
	}
	return nil
}

// Text is the decoded text/plain body.
func (m *Message) Text() string {
	if p := m.Part("text/plain"); p != nil {
		return string(p.Body)
	}
	return ""
}

// HTML is the decoded text/html body.
func (m *Message) HTML() string {
	if p := m.Part("text/html"); p != nil {
		return string(p.Body)
	}
	return ""
}

// Parse reads raw strictly: CRLF line endings, lines of at most 998
// octets, one From and one To mailbox, and a MIME tree it can walk.
func Parse(raw []byte) (*Message, error) {
	if err := checkLines(raw); err != nil {
		return nil, err
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("net/mail: %w", err)
	}
	m := &Message{Header: msg.Header}
	dec := new(mime.WordDecoder)
	if m.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	if m.From, err = single(msg.Header, "From"); err != nil {
		return nil, err
	}
	if m.To, err = single(msg.Header, "To"); err != nil {
		return nil, err
	}
	if msg.Header.Get("Reply-To") != "" {
		if m.ReplyTo, err = single(msg.Header, "Reply-To"); err != nil {
			return nil, err
		}
	}
	m.MessageID = strings.Trim(msg.Header.Get("Message-ID"), "<>")
	m.Structure, err = m.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Header.Get("Content-Disposition"), msg.Body)
	return m, err
}

func single(h netmail.Header, key string) (*netmail.Address, error) {
	if n := len(h[key]); n != 1 {
		return nil, fmt.Errorf("%d %s headers", n, key)
	}
	list, err := h.AddressList(key)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	if len(list) != 1 {
		return nil, fmt.Errorf("%s: %d addresses, want 1", key, len(list))
	}
	return list[0], nil
}

// walk records one MIME entity and returns its structure string.
func (m *Message) walk(contentType, cte, disposition string, body io.Reader) (string, error) {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return "", fmt.Errorf("content-type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		var kids []string
		for {
			p, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return "", fmt.Errorf("%s: %w", mt, err)
			}
			s, err := m.walk(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p)
			if err != nil {
				return "", err
			}
			kids = append(kids, s)
		}
		return mt + "[" + strings.Join(kids, ",") + "]", nil
	}
	var r io.Reader = body
	switch strings.ToLower(cte) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, body)
	case "", "7bit", "8bit", "binary":
	default:
		return "", fmt.Errorf("%s: unknown transfer encoding %q", mt, cte)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return "", fmt.Errorf("%s body: %w", mt, err)
	}
	p := Part{ContentType: mt, Params: params, Body: data}
	if disposition != "" {
		d, dp, err := mime.ParseMediaType(disposition)
		if err != nil {
			return "", fmt.Errorf("content-disposition %q: %w", disposition, err)
		}
		p.Disposition, p.Filename = d, dp["filename"]
	}
	m.Parts = append(m.Parts, p)
	return mt, nil
}

// checkLines enforces RFC 5322 §2.1.1 and §2.3: CRLF only, 998 octets max.
func checkLines(raw []byte) error {
	for i, line := range bytes.SplitAfter(raw, []byte("\n")) {
		if len(line) == 0 {
			continue
		}
		if !bytes.HasSuffix(line, []byte("\r\n")) {
			if i == len(bytes.SplitAfter(raw, []byte("\n")))-1 && !bytes.Contains(line, []byte("\n")) {
				return fmt.Errorf("line %d: no CRLF at the end of the message", i+1)
			}
			return fmt.Errorf("line %d: bare LF", i+1)
		}
		if bytes.Contains(line[:len(line)-2], []byte("\r")) {
			return fmt.Errorf("line %d: bare CR", i+1)
		}
		if len(line)-2 > 998 {
			return fmt.Errorf("line %d: %d octets, the limit is 998", i+1, len(line)-2)
		}
	}
	return nil
}
