package capture

import (
	"errors"
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/replica"
	"github.com/slotbase/slotbase/internal/secretbox"
)

// Where the replica's URL comes from (issue 19): the flag or environment
// of this process, else the URL the server saved when it last streamed,
// sealed with the server secret (internal/secretbox, as Google tokens are),
// so `fly ssh console -C "slotbase replica status"` works in a shell
// without the server's environment. The URL carries the database password:
// it is stored only sealed and shown only through replica.Describe.

// stateURL keys the sealed URL in the state table.
const stateURL = "url_sealed"

// purposeURL is the secretbox purpose of the sealed URL.
const purposeURL = "slotbase replica url"

// URL sources, as Status.URLFrom shows them.
const (
	URLFromConfig = "flag or environment"
	URLFromSaved  = "saved by the server"
)

// States of the replica, as Status.State shows them.
const (
	// StateOff: no PostgreSQL URL, SQLite only.
	StateOff = "off"
	// StateStreaming: the stream works (or has not failed yet).
	StateStreaming = "streaming"
	// StateFailing: the last attempt failed (PostgreSQL down, say); changes
	// wait in the log and the stream retries.
	StateFailing = "failing"
	// StateRefused: PostgreSQL holds the replica of another data dir;
	// slotbase never overwrites it, so nothing streams until an operator
	// restores from it or points at an empty database.
	StateRefused = "refused"
)

// refusedReason is what an operator does about a refusal.
const refusedReason = "PostgreSQL holds the replica of another data dir, so this one does not stream: restore from it with `slotbase replica restore`, or point --postgres at an empty database"

// isRefusal reports whether a stream error (or its text) is a refusal.
func isRefusal(err error, text string) bool {
	return errors.Is(err, replica.ErrOtherSource) || (text != "" && strings.Contains(text, replica.ErrOtherSource.Error()))
}

// saveURL keeps url sealed in the state table (serve does this when it
// starts streaming).
func (c *Capture) saveURL(url string) error {
	key, err := c.cfg.secret()
	if err != nil {
		return err
	}
	sealed, err := secretbox.Seal(key, purposeURL, []byte(url))
	if err != nil {
		return err
	}
	return writeState(c.app, stateURL, sealed)
}

// forgetURL drops the saved URL (serve without a URL: the replica is off).
func forgetURL(tx core.App) error {
	return writeState(tx, stateURL, "")
}

// targetURL is the replica's URL for a command: the configured one, else
// the one the server saved. "" means off.
func (r replicaCmd) targetURL() (url, from string, err error) {
	if url = r.cfg.url(); url != "" {
		return url, URLFromConfig, nil
	}
	sealed, err := readState(r.app, stateURL)
	if err != nil || sealed == "" {
		return "", "", err
	}
	key, err := r.cfg.secret()
	if err != nil {
		return "", "", err
	}
	plain, err := secretbox.Open(key, purposeURL, sealed)
	if err != nil {
		return "", "", fmt.Errorf("the replica URL the server saved does not open with this process's key (is SLOTBASE_ENCRYPTION_KEY the server's?); pass --postgres: %w", err)
	}
	return string(plain), URLFromSaved, nil
}

// setState fills st.State (and Reason) from what is known: the last error
// and whether PostgreSQL's replica belongs to another source.
func setState(st *Status, refused bool) {
	switch {
	case !st.Enabled:
		st.State = StateOff
	case refused || isRefusal(nil, st.LastError):
		st.State, st.Reason = StateRefused, refusedReason
	case st.LastError != "":
		st.State, st.Reason = StateFailing, st.LastError
	default:
		st.State = StateStreaming
	}
}
