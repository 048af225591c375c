package hooks

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// The helpers of the e-mail tests besides the SMTP sink (testenv's, real
// on loopback): an independent iCalendar parser (Debian's
// python3-icalendar), and a test app whose job worker the test drives.

// icsInfo is what ics_fields.py reads from an iCalendar object.
type icsInfo struct {
	Method      string   `json:"method"`
	UID         string   `json:"uid"`
	Sequence    int      `json:"sequence"`
	DTStart     string   `json:"dtstart"`
	DTEnd       string   `json:"dtend"`
	DTStamp     string   `json:"dtstamp"`
	Status      string   `json:"status"`
	Summary     string   `json:"summary"`
	Description string   `json:"description"`
	Organizer   string   `json:"organizer"`
	Attendees   []string `json:"attendees"`
	Alarms      int      `json:"alarms"`
}

// parseICS reads calendar objects with python3-icalendar.
func parseICS(t *testing.T, objects ...[]byte) []icsInfo {
	t.Helper()
	python := testenv.Python(t, "icalendar", "python3-icalendar")
	dir := t.TempDir()
	args := []string{"testdata/ics_fields.py"}
	for i, o := range objects {
		p := filepath.Join(dir, strconv.Itoa(i)+".ics")
		if err := os.WriteFile(p, o, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	out, err := exec.Command(python, args...).Output()
	if err != nil {
		stderr := ""
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("ics_fields.py: %v\n%s", err, stderr)
	}
	var infos []icsInfo
	if err := json.Unmarshal(out, &infos); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	return infos
}

// emailEnv is a booking app with e-mail configured and a worker the test
// drives on its own clock.
type emailEnv struct {
	app   *tests.TestApp
	srv   *server
	url   string
	clock *queueClock
	host  string
}

// newEmailEnv builds the app: host Alice (Europe/London, weekdays 9–5),
// event type "call" (extra overrides), organisation settings, and SMTP on
// 127.0.0.1:smtpPort (0: no SMTP, mails go to <pb_data>/mail).
func newEmailEnv(t *testing.T, smtpPort int, extra map[string]any) *emailEnv {
	t.Helper()
	return newEmailEnvWith(t, Config{}, smtpPort, extra)
}

// newEmailEnvWith is newEmailEnv with more configuration (cfg's NoDemo
// and Now are the environment's).
func newEmailEnvWith(t *testing.T, cfg Config, smtpPort int, extra map[string]any) *emailEnv {
	t.Helper()
	clock := &queueClock{now: testNow}
	cfg.NoDemo, cfg.Now = true, clock.Now
	app := seeded(t, cfg)
	t.Cleanup(app.Cleanup)
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	mkEventType(t, app, "call", []string{host}, extra)

	settings := app.Settings()
	settings.Meta.AppURL = "https://admin.acme.test"
	settings.Meta.SenderName = "Acme"
	settings.Meta.SenderAddress = "bookings@acme.test"
	if smtpPort != 0 {
		settings.SMTP.Enabled, settings.SMTP.Host, settings.SMTP.Port = true, "127.0.0.1", smtpPort
	}
	if err := app.Save(settings); err != nil {
		t.Fatal(err)
	}
	st, err := c.FindSettings(app)
	if err != nil {
		t.Fatal(err)
	}
	st.Set(c.SettingsOrgName, "Acme Clinic")
	st.Set(c.SettingsPublicURL, "https://book.acme.test/")
	st.Set(c.SettingsEmailFrom, "Acme Bookings")
	st.Set(c.SettingsEmailIntro, "Thank you for booking with Acme.")
	st.Set(c.SettingsEmailSignature, "See you soon,\nThe Acme team")
	if err := app.Save(st); err != nil {
		t.Fatal(err)
	}

	url := serveHTTP(t, app)
	v, ok := testServers.Load(core.App(app))
	if !ok {
		t.Fatal("no server registered for the test app")
	}
	srv := v.(*server)
	srv.worker.Now, srv.worker.Rand = clock.Now, func() float64 { return 0 }
	return &emailEnv{app: app, srv: srv, url: url, clock: clock, host: host}
}

// drain runs due jobs until none is due, returning how many ran.
func (e *emailEnv) drain(t *testing.T) int {
	t.Helper()
	total := 0
	for range 100 {
		n, err := e.srv.worker.RunOnce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return total
		}
		total += n
	}
	t.Fatal("jobs keep coming")
	return total
}

// book makes a booking of "call" at start (RFC 3339); returns id and token.
func (e *emailEnv) book(t *testing.T, start, name, email, zone, notes string) (string, string) {
	t.Helper()
	code, body := postJSON(t, http.DefaultClient, e.url+"/api/bookings", map[string]any{
		"event_type": "call", "start": start, "name": name, "email": email, "timezone": zone, "notes": notes,
	}, nil)
	if code != http.StatusCreated {
		t.Fatalf("booking %s: %d %v", start, code, body)
	}
	return body["id"].(string), body["manage_token"].(string)
}

// emailLog returns the email_log records matching filter.
func (e *emailEnv) emailLog(t *testing.T, filter string, params map[string]any) []*core.Record {
	t.Helper()
	records, err := e.app.FindRecordsByFilter(c.EmailLog, filter, "at", 0, 0, params)
	if err != nil {
		t.Fatal(err)
	}
	return records
}
