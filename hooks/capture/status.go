package capture

import (
	"fmt"
	"net/http"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/slotbase/slotbase/internal/replica"
)

// Status is the replica's state as `replica status` and
// GET /api/admin/replica show it.
type Status struct {
	Enabled bool `json:"enabled"`
	// State is off, streaming, failing or refused (target.go); Reason says
	// why it fails or is refused, and what to do.
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"`
	Target string `json:"target,omitempty"`
	// URLFrom says where the URL came from: the flag or environment, or
	// the server's saved copy.
	URLFrom string `json:"url_from,omitempty"`
	Source  string `json:"source,omitempty"`
	// Connected is known only inside the serving process.
	Connected *bool             `json:"connected,omitempty"`
	Position  *replica.Position `json:"position,omitempty"`
	// LagChanges counts the changes not yet in PostgreSQL; LagSeconds is the
	// age of the oldest of them.
	LagChanges  int64          `json:"lag_changes"`
	LagSeconds  float64        `json:"lag_seconds"`
	LastError   string         `json:"last_error,omitempty"`
	LastErrorAt types.DateTime `json:"last_error_at"`
}

// readStatus assembles the status of app's replica at url from the local
// log and state, and from pos (the replica's position, when known).
func readStatus(app core.App, url string, pos *replica.Position, now time.Time) (Status, error) {
	st := Status{Enabled: url != "", Position: pos}
	if st.Enabled {
		st.Target = replica.Describe(url)
	}
	var err error
	if st.Source, err = readState(app, stateSource); err != nil {
		return st, err
	}
	after := int64(0)
	if pos != nil {
		after = pos.Seq
	}
	n, oldest, err := logSource{app: app}.backlog(after)
	if err != nil {
		return st, err
	}
	st.LagChanges = n
	if n > 0 && !oldest.IsZero() {
		st.LagSeconds = now.Sub(oldest).Seconds()
	}
	if st.LastError, err = readState(app, stateLastError); err != nil {
		return st, err
	}
	at, err := readState(app, stateLastErrorAt)
	if err != nil {
		return st, err
	}
	if at != "" {
		if st.LastErrorAt, err = types.ParseDateTime(at); err != nil {
			return st, fmt.Errorf("replica state %s: %w", stateLastErrorAt, err)
		}
	}
	if pos != nil && !st.LastErrorAt.IsZero() && pos.AppliedAt.After(st.LastErrorAt.Time()) {
		st.LastError, st.LastErrorAt = "", types.DateTime{} // resolved since
	}
	return st, nil
}

// HandleStatus answers GET /api/admin/replica (the route table guards it
// for superusers): Current.
func (c *Capture) HandleStatus(e *core.RequestEvent) error {
	out, err := c.Current()
	if err != nil {
		return e.InternalServerError("replica status", err)
	}
	return e.JSON(http.StatusOK, out)
}

// Current is the stored status, with the serving streamer's live
// connection, position and last error when it runs.
func (c *Capture) Current() (Status, error) {
	st := c.streamer.Load()
	var live *replica.Status
	var pos *replica.Position
	if st != nil {
		status := st.Status()
		live = &status
		if status.Position.Source != "" {
			pos = &status.Position
		}
	}
	out, err := readStatus(c.app, c.cfg.url(), pos, c.cfg.now())
	if err != nil {
		return out, err
	}
	if out.Enabled {
		out.URLFrom = URLFromConfig
	}
	if live != nil {
		out.Connected = &live.Connected
		out.LastError, out.LastErrorAt = live.LastError, types.DateTime{}
		if live.LastError != "" {
			out.LastErrorAt, _ = types.ParseDateTime(live.LastErrorAt) // a time.Time always converts
		} else if p := c.panicked.Load(); p != nil && live.Streamed == 0 {
			// Restarted after a panic and nothing stored since: the panic
			// is still the news.
			out.LastError = p.err
			out.LastErrorAt, _ = types.ParseDateTime(p.at)
		}
	}
	setState(&out, false)
	return out, nil
}
