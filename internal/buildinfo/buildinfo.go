// Package buildinfo is slotbase's release identity: the version, commit and
// build date stamped into the binary by the linker (`make build`, the
// Dockerfile), else what Go recorded about the module and its checkout.
// `slotbase --version`, /api/health and the dashboard show it.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
	"time"
)

// Set at build time with -ldflags "-X github.com/slotbase/slotbase/internal/buildinfo.Version=…"
// (see the Makefile's build target); empty when the build did not say.
var (
	// Version is the release, as `git describe --tags --always --dirty` names it.
	Version string
	// Commit is the full commit hash the binary was built from.
	Commit string
	// Date is when the binary was built (UTC, RFC 3339).
	Date string
)

// Unknown stands for a part of the identity that neither the build nor Go
// recorded.
const Unknown = "unknown"

// Info is the release identity of a binary.
type Info struct {
	// Version is the release ("v1.4.0", "v1.4.0-3-gabc1234-dirty"), "dev"
	// for a build that says nothing about it.
	Version string `json:"version"`
	// Commit is the commit hash, Unknown when not recorded.
	Commit string `json:"commit"`
	// Date is the build time (RFC 3339, UTC), Unknown when not recorded.
	Date string `json:"date"`
	// Go is the Go release that compiled the binary.
	Go string `json:"go"`
}

// Get is this binary's identity: the linker's values, each missing one
// filled from Go's build information.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, Commit, Date, bi, runtime.Version())
}

// resolve combines the stamped values with Go's build information (bi may
// be nil): stamped values win; a module version ("v1.4.0" from `go
// install …@v1.4.0`) and the vcs settings (`go build` in a checkout
// without -buildvcs=false) fill the gaps.
func resolve(version, commit, date string, bi *debug.BuildInfo, goVersion string) Info {
	info := Info{Version: strings.TrimSpace(version), Commit: strings.TrimSpace(commit), Date: strings.TrimSpace(date), Go: goVersion}
	var modified bool
	if bi != nil {
		if info.Go == "" {
			info.Go = bi.GoVersion
		}
		if v := bi.Main.Version; info.Version == "" && v != "" && v != "(devel)" {
			info.Version = v
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
		if info.Commit != "" {
			info.Version = "dev-" + short(info.Commit)
			if modified {
				info.Version += "-dirty"
			}
		}
	}
	if info.Commit == "" {
		info.Commit = Unknown
	}
	if info.Date == "" {
		info.Date = Unknown
	} else if t, err := time.Parse(time.RFC3339, info.Date); err == nil {
		info.Date = t.UTC().Format(time.RFC3339)
	}
	return info
}

// ShortCommit is the commit's first 12 hex digits (or Unknown).
func (i Info) ShortCommit() string { return short(i.Commit) }

func short(commit string) string {
	if len(commit) > 12 {
		return commit[:12]
	}
	return commit
}

// String is the one line `slotbase --version` prints after the name:
// "v1.4.0 (commit 0123456789ab, built 2026-11-28T10:00:00Z, go1.27.3)".
func (i Info) String() string {
	return fmt.Sprintf("%s (commit %s, built %s, %s)", i.Version, i.ShortCommit(), i.Date, i.Go)
}
