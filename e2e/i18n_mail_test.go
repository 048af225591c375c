package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/testenv"
)

// TestJapaneseConfirmationMail (issue 16): a booking made in Japanese gets
// its confirmation through the real binary and a real SMTP server in
// Japanese — subject, body, the date as Japanese readers write it, the
// event type's Japanese title — and its invite parses with python3-icalendar
// and carries the Japanese SUMMARY.
func TestJapaneseConfirmationMail(t *testing.T) {
	sink := testenv.StartSMTPSink(t, testenv.FreePort(t))
	dir := t.TempDir()
	prepare(t, dir, "Northwind Clinic", "#0f766e", func(s *seeder) {
		s.smtp(sink.Port)
		aiko := s.host("Aiko Tanaka", "Asia/Tokyo", weekdays9to5)
		s.eventType("intro", "Intro call", aiko, map[string]any{
			c.EventTypesTranslations: `{"ja": {"title": "初回相談", "description": "最初の打ち合わせです。"}}`,
		})
	})
	srv := startServer(t, dir)

	// 10:00 in Tokyo on a weekday at least two days ahead.
	day := nextWeekday(time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 2))
	start := day.Add(time.Hour)
	body, _ := json.Marshal(map[string]any{"event_type": "intro", "start": start.Format(time.RFC3339), "name": "Ken Mori",
		"email": "ken@example.com", "timezone": "Asia/Tokyo", "language": "ja-JP"})
	code, reply := call(t, srv, "POST", "/api/bookings", "", string(body))
	if code != http.StatusCreated {
		t.Fatalf("booking: %d %s", code, reply)
	}

	m := sinkMessage(t, sink, "the confirmation to ken@example.com", func(m testenv.SinkMessage) bool {
		return len(m.RcptTos) == 1 && m.RcptTos[0] == "ken@example.com"
	})
	// The date written out independently of the server's CLDR data.
	weekdays := []string{"日", "月", "火", "水", "木", "金", "土"}
	date := fmt.Sprintf("%d年%d月%d日%s曜日", day.Year(), int(day.Month()), day.Day(), weekdays[day.Weekday()])
	when := date + " 10:00～10:30（Asia/Tokyo, UTC+09:00）"
	if !strings.HasPrefix(m.Msg.Subject, "予約確定：Aiko Tanakaとの初回相談、") {
		t.Errorf("subject %q, want the Japanese confirmation", m.Msg.Subject)
	}
	if m.Msg.From == nil || m.Msg.From.Name != "Northwind Clinic" {
		t.Errorf("From %v, want the organisation's name", m.Msg.From)
	}
	text := m.Msg.Text()
	for _, want := range []string{"ご予約が確定しました", "日時：" + when, "内容：初回相談", "詳細：最初の打ち合わせです。", "カレンダーの招待状を添付しています。", "日時の変更・キャンセル："} {
		if !strings.Contains(text, want) {
			t.Errorf("the mail lacks %q:\n%s", want, text)
		}
	}
	cal := m.Msg.Part("text/calendar")
	if cal == nil {
		t.Fatalf("no invite in %s", m.Msg.Structure)
	}
	if summary := inviteSummary(t, cal.Body); summary != "初回相談（Aiko Tanaka）" {
		t.Errorf("invite SUMMARY %q, want 初回相談（Aiko Tanaka）", summary)
	}
}

// inviteSummary reads an invite with python3-icalendar through the e-mail
// tests' reader (hooks/testdata/ics_fields.py) and returns its SUMMARY.
func inviteSummary(t *testing.T, invite []byte) string {
	t.Helper()
	python := testenv.Python(t, "icalendar", "python3-icalendar")
	path := filepath.Join(t.TempDir(), "invite.ics")
	if err := os.WriteFile(path, invite, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(python, filepath.Join("..", "hooks", "testdata", "ics_fields.py"), path).Output()
	if err != nil {
		t.Fatalf("ics_fields.py: %v\n%s", err, invite)
	}
	var infos []struct {
		Summary string `json:"summary"`
	}
	if err := json.Unmarshal(out, &infos); err != nil || len(infos) != 1 {
		t.Fatalf("ics_fields.py: %v %s", err, out)
	}
	return infos[0].Summary
}
