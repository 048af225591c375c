package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestResolve(t *testing.T) {
	vcs := func(rev, at, modified string) *debug.BuildInfo {
		return &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.time", Value: at}, {Key: "vcs.modified", Value: modified},
		}}
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	scenarios := []struct {
		name                  string
		version, commit, date string
		bi                    *debug.BuildInfo
		want                  Info
	}{
		{"stamped by the linker", "v1.4.0", rev, "2026-11-28T10:00:00Z", vcs("ffff", "2020-01-01T00:00:00Z", "true"),
			Info{Version: "v1.4.0", Commit: rev, Date: "2026-11-28T10:00:00Z", Go: "go1.27.3"}},
		{"stamped date in another zone is shown in UTC", "v1", rev, "2026-11-28T11:00:00+01:00", nil,
			Info{Version: "v1", Commit: rev, Date: "2026-11-28T10:00:00Z", Go: "go1.27.3"}},
		{"go build in a checkout", "", "", "", vcs(rev, "2026-11-27T09:00:00Z", "false"),
			Info{Version: "dev-0123456789ab", Commit: rev, Date: "2026-11-27T09:00:00Z", Go: "go1.27.3"}},
		{"go build in a modified checkout", "", "", "", vcs(rev, "2026-11-27T09:00:00Z", "true"),
			Info{Version: "dev-0123456789ab-dirty", Commit: rev, Date: "2026-11-27T09:00:00Z", Go: "go1.27.3"}},
		{"go install of a release", "", "", "", &debug.BuildInfo{GoVersion: "go1.27.3", Main: debug.Module{Version: "v1.5.0"}},
			Info{Version: "v1.5.0", Commit: Unknown, Date: Unknown, Go: "go1.27.3"}},
		{"nothing recorded", "", "", "", nil, Info{Version: "dev", Commit: Unknown, Date: Unknown, Go: "go1.27.3"}},
		{"blank stamps count as missing", "  ", " ", "", vcs(rev, "", "false"),
			Info{Version: "dev-0123456789ab", Commit: rev, Date: Unknown, Go: "go1.27.3"}},
	}
	for _, s := range scenarios {
		t.Run(s.name, func(t *testing.T) {
			got := resolve(s.version, s.commit, s.date, s.bi, "go1.27.3")
			if got != s.want {
				t.Fatalf("resolve = %+v, want %+v", got, s.want)
			}
		})
	}
}

func TestStringNeverUntracked(t *testing.T) {
	got := resolve("", "", "", nil, "go1.27.3").String()
	if want := "dev (commit unknown, built unknown, go1.27.3)"; got != want {
		t.Fatalf("String = %q, want %q", got, want)
	}
	line := Info{Version: "v1.4.0", Commit: "0123456789abcdef", Date: "2026-11-28T10:00:00Z", Go: "go1.27.3"}.String()
	if want := "v1.4.0 (commit 0123456789ab, built 2026-11-28T10:00:00Z, go1.27.3)"; line != want {
		t.Fatalf("String = %q, want %q", line, want)
	}
	if strings.Contains(Get().String(), "untracked") {
		t.Fatalf("Get().String() = %q", Get().String())
	}
}
