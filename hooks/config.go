package hooks

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is what the command line and the environment say about this run.
// Flags win over environment variables; see the README's configuration table.
type Config struct {
	// Timezone is the IANA zone the first run gives the settings and the demo schedule.
	Timezone string
	// NoDemo skips the demo host, schedule and event type on the first run.
	NoDemo bool
	// PublicDir serves the booking page from this folder instead of the copy
	// built into the binary (handy while editing pb_public/).
	PublicDir string
	// Quiet hides slotbase's start banner.
	Quiet bool
	// FrameAncestors is the booking page's CSP frame-ancestors source list:
	// who may embed it in a frame (default 'self'; see the README's embed snippet).
	FrameAncestors string
	// TrustedProxyHeader names the header a reverse proxy puts the client's
	// address in (Fly.io: Fly-Client-IP), so rate limits see real clients.
	TrustedProxyHeader string
	// LogPublicReads keeps a request-log row for every successful anonymous
	// read of the public API (health, slots, event types); off by default,
	// errors and writes are always logged.
	LogPublicReads bool
	// AdminYield is K of the priority gate (hooks/priority.go): while
	// public requests run, admin and background work waits K × its last
	// unit's run time between units. 0 = DefaultAdminYield; negative = off.
	AdminYield float64
	// LiveStreams bounds the open GET /api/slots/live streams (each holds a
	// connection and ~50 KB; 0 = DefaultLiveStreams).
	LiveStreams int
	// RateLimits turns on slotbase's default per-IP rate limits on the first
	// run (they live in PocketBase's settings afterwards, editable there).
	RateLimits bool
	// GoogleClientID and GoogleClientSecret are the OAuth client of the
	// Google Calendar integration (see GOOGLE.md); empty turns it off.
	GoogleClientID, GoogleClientSecret string
	// GoogleAuthURL, GoogleTokenURL and GoogleAPIBase override Google's
	// endpoints (empty = Google's; tests aim them at a fake Google).
	GoogleAuthURL, GoogleTokenURL, GoogleAPIBase string
	// GoogleTimeout bounds each request to Google (0 = 20 s).
	GoogleTimeout time.Duration
	// GoogleLiveCheckTimeout bounds the live free/busy check made just
	// before a booking (0 = 2 s); past it the synced busy time decides.
	GoogleLiveCheckTimeout time.Duration
	// GooglePushHTTP lets push channels use a plain-HTTP public URL (tests;
	// Google itself only pushes to HTTPS).
	GooglePushHTTP bool
	// MicrosoftClientID and MicrosoftClientSecret are the app registration
	// of the Microsoft 365 integration (MICROSOFT.md); an empty id turns it
	// off. MicrosoftTenant is "common" when empty.
	MicrosoftClientID, MicrosoftClientSecret, MicrosoftTenant string
	// MicrosoftAuthURL, MicrosoftTokenURL and MicrosoftAPIBase override
	// Microsoft's endpoints (empty = Microsoft's; tests aim them at fakegraph).
	MicrosoftAuthURL, MicrosoftTokenURL, MicrosoftAPIBase string
	// ICSAllowPrivate lets ICS subscriptions reach loopback and private
	// addresses (tests; an intranet calendar server). Off: refused (SSRF).
	ICSAllowPrivate bool
	// MetricsToken admits GET /metrics with "Authorization: Bearer <token>"
	// (environment only: a secret stays off the command line); empty leaves
	// /metrics to admins.
	MetricsToken string
	// MetricsHTTP is a second address serving only GET /metrics, without
	// credentials, for a private network (Fly's Prometheus); empty: none.
	MetricsHTTP string
	// PostgresURL turns on replication to PostgreSQL (issue 9, DEPLOY.md):
	// every change is streamed there; empty keeps slotbase SQLite-only.
	PostgresURL string
	// StripeSecretKey and StripeWebhookSecret turn on paid event types
	// (PAYMENTS.md; environment only, never logged); StripeAPIBase aims
	// the client at stripe-mock or a stand-in (tests; empty = Stripe's).
	StripeSecretKey, StripeWebhookSecret, StripeAPIBase string
	// Retention is how long old records and .eml files are kept
	// (retention.go); nil means DefaultRetention.
	Retention Retention
	// Now is the clock (tests inject one); nil means time.Now.
	Now func() time.Time
	// Public is the booking page built into the binary (pb_public/).
	Public fs.FS
}

// minMetricsToken is the shortest SLOTBASE_METRICS_TOKEN accepted.
const minMetricsToken = 16

// ConfigFromEnv reads the SLOTBASE_* environment variables; the error names
// a variable whose value it cannot read.
func ConfigFromEnv() (Config, error) {
	rateLimits, err := envSwitch("SLOTBASE_RATE_LIMITS", true)
	if err != nil {
		return Config{}, err
	}
	noDemo, err := envSwitch("SLOTBASE_NO_DEMO", false)
	if err != nil {
		return Config{}, err
	}
	logReads, err := envSwitch("SLOTBASE_LOG_PUBLIC_READS", false)
	if err != nil {
		return Config{}, err
	}
	icsPrivate, err := envSwitch("SLOTBASE_ICS_ALLOW_PRIVATE", false)
	if err != nil {
		return Config{}, err
	}
	retention, err := ParseRetention(os.Getenv("SLOTBASE_RETENTION"))
	if err != nil {
		return Config{}, fmt.Errorf("SLOTBASE_RETENTION: %w", err)
	}
	metricsToken := os.Getenv("SLOTBASE_METRICS_TOKEN")
	if metricsToken != "" && len(metricsToken) < minMetricsToken {
		return Config{}, fmt.Errorf("SLOTBASE_METRICS_TOKEN: at least %d characters (e.g. openssl rand -hex 32)", minMetricsToken)
	}
	liveStreams := DefaultLiveStreams
	if v := strings.TrimSpace(os.Getenv("SLOTBASE_LIVE_STREAMS")); v != "" {
		if liveStreams, err = strconv.Atoi(v); err != nil || liveStreams < 1 {
			return Config{}, fmt.Errorf("SLOTBASE_LIVE_STREAMS: %q is not a count of 1 or more", v)
		}
	}
	adminYield := 0.0
	if v := strings.TrimSpace(os.Getenv("SLOTBASE_ADMIN_YIELD")); v != "" {
		if adminYield, err = parseAdminYield(v); err != nil {
			return Config{}, fmt.Errorf("SLOTBASE_ADMIN_YIELD: %w", err)
		}
	}
	return Config{
		Timezone:  envOr("SLOTBASE_TIMEZONE", localZoneName()),
		NoDemo:    noDemo,
		PublicDir: os.Getenv("SLOTBASE_PUBLIC_DIR"),

		FrameAncestors: envOr("SLOTBASE_FRAME_ANCESTORS", DefaultFrameAncestors),

		PostgresURL:        os.Getenv("SLOTBASE_POSTGRES_URL"),
		TrustedProxyHeader: os.Getenv("SLOTBASE_TRUSTED_PROXY_HEADER"),
		RateLimits:         rateLimits,
		LogPublicReads:     logReads,
		LiveStreams:        liveStreams,
		AdminYield:         adminYield,
		Retention:          retention,
		MetricsToken:       metricsToken,
		MetricsHTTP:        os.Getenv("SLOTBASE_METRICS_HTTP"),

		GoogleClientID:     os.Getenv("SLOTBASE_GOOGLE_CLIENT_ID"),
		GoogleClientSecret: os.Getenv("SLOTBASE_GOOGLE_CLIENT_SECRET"),
		GoogleAuthURL:      os.Getenv("SLOTBASE_GOOGLE_AUTH_URL"),
		GoogleTokenURL:     os.Getenv("SLOTBASE_GOOGLE_TOKEN_URL"),
		GoogleAPIBase:      os.Getenv("SLOTBASE_GOOGLE_API_BASE"),

		MicrosoftClientID:     os.Getenv("SLOTBASE_MICROSOFT_CLIENT_ID"),
		MicrosoftClientSecret: os.Getenv("SLOTBASE_MICROSOFT_CLIENT_SECRET"),
		MicrosoftTenant:       os.Getenv("SLOTBASE_MICROSOFT_TENANT"),
		MicrosoftAuthURL:      os.Getenv("SLOTBASE_MICROSOFT_AUTH_URL"),
		MicrosoftTokenURL:     os.Getenv("SLOTBASE_MICROSOFT_TOKEN_URL"),
		MicrosoftAPIBase:      os.Getenv("SLOTBASE_MICROSOFT_API_BASE"),
		ICSAllowPrivate:       icsPrivate,

		StripeSecretKey:     os.Getenv("SLOTBASE_STRIPE_SECRET_KEY"),
		StripeWebhookSecret: os.Getenv("SLOTBASE_STRIPE_WEBHOOK_SECRET"),
		StripeAPIBase:       os.Getenv("SLOTBASE_STRIPE_API_BASE"),
	}, nil
}

// BindFlags adds slotbase's flags to fs, with the current values as defaults.
func (c *Config) BindFlags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Timezone, "timezone", c.Timezone, "IANA zone for the first run's settings and demo schedule (env SLOTBASE_TIMEZONE)")
	fs.BoolVar(&c.NoDemo, "no-demo", c.NoDemo, "first run: do not create the demo host and event type (env SLOTBASE_NO_DEMO=1)")
	fs.StringVar(&c.TrustedProxyHeader, "trustedProxyHeader", c.TrustedProxyHeader, "header with the client IP set by a reverse proxy, e.g. Fly-Client-IP (env SLOTBASE_TRUSTED_PROXY_HEADER)")
	fs.Var((*Switch)(&c.RateLimits), "rateLimits", "per-IP rate limits on booking routes: on or off (env SLOTBASE_RATE_LIMITS)")
	fs.Var((*Switch)(&c.LogPublicReads), "logPublicReads", "log every successful anonymous read of the public API (health, slots, event types): on or off (env SLOTBASE_LOG_PUBLIC_READS; errors and writes are always logged)")
	fs.IntVar(&c.LiveStreams, "liveStreams", c.LiveStreams, "most open live-update streams of booking pages, each ~50 KB of memory (env SLOTBASE_LIVE_STREAMS)")
	fs.Var(yieldFlag{&c.AdminYield}, "adminYield", "while public requests run, admin work (admin/host API, CSV export, jobs, replica) waits K × its last unit's run time: off (or 0) runs it at once (env SLOTBASE_ADMIN_YIELD)")
	fs.StringVar(&c.MetricsHTTP, "metricsHttp", c.MetricsHTTP, "also serve GET /metrics WITHOUT credentials on this private address, e.g. [::]:9091 on Fly (env SLOTBASE_METRICS_HTTP; see DEPLOY.md)")
	fs.StringVar(&c.PostgresURL, "postgres", c.PostgresURL, "stream every change to this PostgreSQL URL (env SLOTBASE_POSTGRES_URL; see DEPLOY.md)")
	fs.StringVar(&c.FrameAncestors, "frameAncestors", c.FrameAncestors, "who may embed the booking page in a frame: CSP sources such as 'self' https://www.example.com (env SLOTBASE_FRAME_ANCESTORS)")
	fs.Var(retentionFlag{&c.Retention}, "retention", "keep times of old records and files, e.g. audit_log=365d,webhook_deliveries=30d,jobs=14d,email_log=90d,mail=30d (0 = forever; env SLOTBASE_RETENTION)")
	fs.StringVar(&c.MicrosoftTenant, "microsoftTenant", c.MicrosoftTenant, "Microsoft 365 tenant: common (default), organizations, consumers or a tenant id (env SLOTBASE_MICROSOFT_TENANT; see MICROSOFT.md)")
	fs.StringVar(&c.PublicDir, "publicDir", c.PublicDir, "serve the booking page from this folder instead of the embedded copy (env SLOTBASE_PUBLIC_DIR)")
}

// Switch is an on/off flag that reads the way people type it:
// `--rateLimits off`, `--rateLimits=off`, `--rateLimits=false`, `--rateLimits 0`.
// It always takes a value, so `off` is never mistaken for an argument.
type Switch bool

// ParseSwitch reads on/off, true/false, yes/no or 1/0 (any case).
func ParseSwitch(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "yes", "1":
		return true, nil
	case "off", "false", "no", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not on or off (also accepted: true/false, yes/no, 1/0)", s)
}

// Set implements pflag.Value.
func (s *Switch) Set(v string) error {
	on, err := ParseSwitch(v)
	if err != nil {
		return err
	}
	*s = Switch(on)
	return nil
}

// String implements pflag.Value.
func (s *Switch) String() string {
	if s != nil && *s {
		return "on"
	}
	return "off"
}

// Type implements pflag.Value (shown in --help).
func (s *Switch) Type() string { return "on|off" }

// envSwitch reads an on/off environment variable; unset or empty is def.
func envSwitch(key string, def bool) (bool, error) {
	v := strings.TrimSpace(os.Getenv(key))
	if v == "" {
		return def, nil
	}
	on, err := ParseSwitch(v)
	if err != nil {
		return def, fmt.Errorf("%s: %w", key, err)
	}
	return on, nil
}

func envOr(key, fallback string) string {
	if v := strings.TrimSpace(os.Getenv(key)); v != "" {
		return v
	}
	return fallback
}

// localZoneName finds the machine's IANA zone name ("UTC" when it cannot tell).
func localZoneName() string {
	if tz := strings.TrimPrefix(os.Getenv("TZ"), ":"); tz != "" {
		if _, err := time.LoadLocation(tz); err == nil && tz != "Local" {
			return tz
		}
	}
	if b, err := os.ReadFile("/etc/timezone"); err == nil {
		if tz := strings.TrimSpace(string(b)); validZone(tz) {
			return tz
		}
	}
	if target, err := filepath.EvalSymlinks("/etc/localtime"); err == nil {
		if i := strings.Index(target, "zoneinfo/"); i >= 0 {
			if tz := target[i+len("zoneinfo/"):]; validZone(tz) {
				return tz
			}
		}
	}
	return "UTC"
}

func validZone(tz string) bool {
	if tz == "" || tz == "Local" {
		return false
	}
	_, err := time.LoadLocation(tz)
	return err == nil
}

// now is the configured clock in UTC.
func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now().UTC()
	}
	return time.Now().UTC()
}
