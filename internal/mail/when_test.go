package mail_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/mail"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestWhen holds mail.When to the strings the booking page writes with the
// browser's Intl (dateStyle "full", timeStyle "short"), written out by hand.
func TestWhen(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	scenarios := []struct {
		name       string
		start, end string
		zone, lang string
		want       string
		short      string
	}{
		{"en afternoon", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "en",
			"Friday, December 4, 2026, 5:00 PM–5:45 PM (America/Los_Angeles, UTC-08:00)", "Dec 4, 2026, 5:00 PM (UTC-08:00)"},
		{"de", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "de",
			"Freitag, 4. Dezember 2026, 17:00–17:45 (America/Los_Angeles, UTC-08:00)", "04.12.2026, 17:00 (UTC-08:00)"},
		{"fr", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "fr",
			"vendredi 4 décembre 2026, 17:00–17:45 (America/Los_Angeles, UTC-08:00)", "4 déc. 2026 à 17:00 (UTC-08:00)"},
		{"es", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "es",
			"viernes, 4 de diciembre de 2026, 17:00–17:45 (America/Los_Angeles, UTC-08:00)", "4 dic. 2026, 17:00 (UTC-08:00)"},
		{"pt-BR", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "pt-BR",
			"sexta-feira, 4 de dezembro de 2026, 17:00–17:45 (America/Los_Angeles, UTC-08:00)", "4 de dez. de 2026, 17:00 (UTC-08:00)"},
		{"ja", "2026-12-05T01:00:00Z", "2026-12-05T01:45:00Z", "America/Los_Angeles", "ja",
			"2026年12月4日金曜日 17:00～17:45（America/Los_Angeles, UTC-08:00）", "2026/12/04 17:00（UTC-08:00）"},
		{"ja morning in tokyo", "2026-12-04T00:00:00Z", "2026-12-04T00:30:00Z", "Asia/Tokyo", "ja",
			"2026年12月4日金曜日 9:00～9:30（Asia/Tokyo, UTC+09:00）", "2026/12/04 9:00（UTC+09:00）"},
		{"a regional tag takes its language", "2026-12-04T00:00:00Z", "2026-12-04T00:30:00Z", "Asia/Tokyo", "ja-JP",
			"2026年12月4日金曜日 9:00～9:30（Asia/Tokyo, UTC+09:00）", "2026/12/04 9:00（UTC+09:00）"},
		{"an unsupported language is English", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "Europe/London", "zh",
			"Tuesday, March 3, 2026, 10:00 AM–10:30 AM (Europe/London, UTC+00:00)", "Mar 3, 2026, 10:00 AM (UTC+00:00)"},
		{"en past midnight", "2026-03-03T23:30:00Z", "2026-03-04T00:30:00Z", "UTC", "en",
			"Tuesday, March 3, 2026, 11:30 PM – Wednesday, March 4, 2026, 12:30 AM (UTC)", "Mar 3, 2026, 11:30 PM (UTC)"},
		{"de past midnight", "2026-03-03T23:30:00Z", "2026-03-04T00:30:00Z", "UTC", "de",
			"Dienstag, 3. März 2026, 23:30 – Mittwoch, 4. März 2026, 00:30 (UTC)", "03.03.2026, 23:30 (UTC)"},
		{"ja past midnight", "2026-03-03T23:30:00Z", "2026-03-04T00:30:00Z", "UTC", "ja",
			"2026年3月3日火曜日 23:30～2026年3月4日水曜日 0:30（UTC）", "2026/03/03 23:30（UTC）"},
		{"quarter-hour offset", "2026-03-03T10:00:00Z", "2026-03-03T10:30:00Z", "Asia/Kathmandu", "en",
			"Tuesday, March 3, 2026, 3:45 PM–4:15 PM (Asia/Kathmandu, UTC+05:45)", "Mar 3, 2026, 3:45 PM (UTC+05:45)"},
		{"across the fall-back change", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "America/New_York", "en",
			"Sunday, November 1, 2026, 1:30 AM–1:30 AM (America/New_York, UTC-04:00/-05:00)", "Nov 1, 2026, 1:30 AM (UTC-04:00)"},
		{"date line", "2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z", "Pacific/Kiritimati", "fr",
			"mercredi 4 mars 2026, 00:00–01:00 (Pacific/Kiritimati, UTC+14:00)", "4 mars 2026 à 00:00 (UTC+14:00)"},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			loc := zone(t, sc.zone)
			if got := mail.When(utc(sc.start), utc(sc.end), loc, sc.lang); got != sc.want {
				t.Errorf("When = %q\n        want %q", got, sc.want)
			}
			if got := mail.ShortWhen(utc(sc.start), loc, sc.lang); got != sc.short {
				t.Errorf("ShortWhen = %q, want %q", got, sc.short)
			}
		})
	}
	start := utc("2026-03-03T10:00:00Z")
	if got := mail.When(start, start.Add(time.Hour), nil, "en"); got != "Tuesday, March 3, 2026, 10:00 AM–11:00 AM (UTC)" {
		t.Errorf("nil zone: %q", got)
	}
}

func ExampleWhen() {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	start := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	fmt.Println(mail.When(start, start.Add(30*time.Minute), tokyo, "en"))
	fmt.Println(mail.When(start, start.Add(30*time.Minute), tokyo, "de"))
	fmt.Println(mail.When(start, start.Add(30*time.Minute), tokyo, "ja"))
	// Output:
	// Friday, December 4, 2026, 9:00 AM–9:30 AM (Asia/Tokyo, UTC+09:00)
	// Freitag, 4. Dezember 2026, 09:00–09:30 (Asia/Tokyo, UTC+09:00)
	// 2026年12月4日金曜日 9:00～9:30（Asia/Tokyo, UTC+09:00）
}
