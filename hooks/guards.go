package hooks

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/slotbase/slotbase/internal/redact"
)

// Request body limits, enforced before any handler reads a byte: PocketBase's
// generic routes (records, auth, batch) would otherwise read up to 32 MiB of
// a stranger's body before checking access. Superusers keep PocketBase's own
// limits (file uploads in the admin UI).
const (
	// anonymousBodyLimit bounds every request without a signed-in account:
	// the booking API's largest body (64 KiB of JSON) with room to spare.
	anonymousBodyLimit = 128 << 10
	// accountBodyLimit bounds requests of signed-in non-superusers.
	accountBodyLimit = 1 << 20
)

// bodyLimitPriority runs after PocketBase has loaded the auth token (so the
// limit can depend on who asks) and before its own body limit.
const bodyLimitPriority = apis.DefaultBodyLimitMiddlewarePriority - 1

// redactLogPriority runs inside PocketBase's activity logger, so the URL is
// masked after the handler used it and before the logger writes it.
const redactLogPriority = apis.DefaultActivityLoggerMiddlewarePriority + 1

// bindGuards adds slotbase's router-wide guards: body limits by caller,
// secrets masked in the request log, and (unless logPublicReads) no log row
// for a stranger's successful read of the public API.
func bindGuards(se *core.ServeEvent, logPublicReads bool) {
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: "slotbase.bodyLimit", Priority: bodyLimitPriority, Func: limitBody})
	se.Router.Bind(&hook.Handler[*core.RequestEvent]{Id: "slotbase.redactLog", Priority: redactLogPriority, Func: func(e *core.RequestEvent) error {
		err := redactRequestLog(e)
		if !logPublicReads && err == nil && quietRead(e) {
			e.Set(skipSuccessLog, true)
		}
		return err
	}})
}

// quietRead reports whether e is a successful anonymous read of the public
// API (health, slots and their live stream, event types, settings, logo):
// the bulk of a busy booking page's traffic, which cost a third of the CPU
// at 16 clients and grew auxiliary.db by ~800 MB in half an hour when every
// one was a log row (a live stream's row would come when it ends). Errors,
// writes, manage links, admin routes and signed-in requests are always
// logged.
func quietRead(e *core.RequestEvent) bool {
	if (e.Request.Method != http.MethodGet && e.Request.Method != http.MethodHead) || e.Auth != nil ||
		e.Request.Header.Get("Authorization") != "" || (e.Status() != 0 && e.Status() >= 400) {
		return false
	}
	p := e.Request.URL.Path
	return p == "/api/health" || p == "/api/slots" || p == "/api/slots/live" || strings.HasPrefix(p, "/api/public/")
}

// bodyLimitFor is the largest body the caller of e may send (0: PocketBase's).
func bodyLimitFor(e *core.RequestEvent) int64 {
	switch {
	case e.Auth == nil:
		return anonymousBodyLimit
	case e.Auth.IsSuperuser():
		return 0
	default:
		return accountBodyLimit
	}
}

// limitBody refuses a body over the caller's limit: at once when its
// Content-Length says so, else (chunked) when the handler has read one byte
// too many. Nothing larger than the limit is ever buffered.
func limitBody(e *core.RequestEvent) error {
	limit := bodyLimitFor(e)
	if limit == 0 || e.Request.Body == nil || e.Request.Body == http.NoBody {
		return e.Next()
	}
	if e.Request.ContentLength > limit {
		return tooLarge(e, limit)
	}
	body := &limitedBody{ReadCloser: e.Request.Body, limit: limit, left: limit}
	e.Request.Body = body
	err := e.Next()
	if body.exceeded {
		return tooLarge(e, limit) // whatever the handler made of the cut body
	}
	return err
}

// limitedBody reads at most left bytes and fails on the first byte more.
// It passes PocketBase's rewinds through (router.Rereader): PocketBase reads
// a body twice on some routes (auth-with-password binds its form, then the
// request info binds the body again), and the router replays the same bytes,
// so each replay starts with the whole limit again.
type limitedBody struct {
	io.ReadCloser
	limit, left int64
	exceeded    bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.exceeded {
		return 0, errBodyTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.ReadCloser.Read(p)
	if int64(n) > b.left {
		b.exceeded = true
		return int(b.left), errBodyTooLarge
	}
	b.left -= int64(n)
	if err == io.EOF {
		b.rewound() // the router's reader rewinds itself at the end
	}
	return n, err
}

// Reread rewinds the body for another read (router.Rereader).
func (b *limitedBody) Reread() {
	if r, ok := b.ReadCloser.(router.Rereader); ok {
		r.Reread()
		b.rewound()
	}
}

// rewound restores the budget after the body was rewound (the same bytes
// come again); a body already over the limit stays refused.
func (b *limitedBody) rewound() {
	if _, ok := b.ReadCloser.(router.Rereader); ok && !b.exceeded {
		b.left = b.limit
	}
}

var errBodyTooLarge = errors.New("request body too large")

func tooLarge(e *core.RequestEvent, limit int64) error {
	return e.Error(http.StatusRequestEntityTooLarge, "The request body is too large (at most "+strconv.FormatInt(limit>>10, 10)+" KiB without signing in).", nil)
}

// redactRequestLog masks manage tokens, API keys and secret query
// parameters in the URL and Referer the request log stores; the handler
// still sees the real ones.
func redactRequestLog(e *core.RequestEvent) error {
	defer func() {
		if masked := redact.URI(e.Request.URL.RequestURI()); masked != e.Request.URL.RequestURI() {
			u := *e.Request.URL
			u.Path, u.RawPath, u.RawQuery = "", "", ""
			if parsed, err := u.Parse(masked); err == nil {
				e.Request.URL = parsed
			}
		}
		if ref := e.Request.Header.Get("Referer"); ref != "" {
			e.Request.Header.Set("Referer", redact.Text(ref))
		}
	}()
	return e.Next()
}
