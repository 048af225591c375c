// Package memlimit chooses Go's soft memory limit when the operator set
// none: slotbase is sized for a 256–512 MB machine (issue 18), and without
// a limit the garbage collector lets the heap grow to twice its live size
// before collecting, whatever the machine has.
package memlimit

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
)

// Default is the soft limit when neither GOMEMLIMIT nor a smaller machine
// says otherwise: 192 MiB of Go memory leaves room, under 256 MB, for what
// Go does not count (SQLite's page caches, bounded in hooks/dbconnect.go,
// and the mapped binary).
const Default int64 = 192 << 20

// share is the part of a container's or machine's memory given to Go: 3/4.
const shareNum, shareDen = 3, 4

// unlimited is where cgroup v1 reports "no limit" (PAGE_COUNTER_MAX pages).
const unlimited int64 = 1 << 60

// Choose returns the soft memory limit to set and why, or 0 when getenv
// says GOMEMLIMIT is set (the Go runtime has applied it; "off" turns the
// limit off). Otherwise the limit is the smallest of Default and 3/4 of the
// process's cgroup memory limit (v2 memory.max or v1
// memory.limit_in_bytes) and of the machine's MemTotal. root is the file
// system at "/" (os.DirFS("/"); tests pass a fake).
func Choose(getenv func(string) string, root fs.FS) (int64, string) {
	if v := getenv("GOMEMLIMIT"); v != "" {
		return 0, "GOMEMLIMIT=" + v
	}
	limit, why := Default, "the default for a 256 MB machine"
	if n, where := cgroupLimit(root); n > 0 && n*shareNum/shareDen < limit {
		limit, why = n*shareNum/shareDen, "3/4 of the cgroup limit in "+where
	}
	if n := memTotal(root); n > 0 && n*shareNum/shareDen < limit {
		limit, why = n*shareNum/shareDen, "3/4 of MemTotal"
	}
	return limit, why
}

// cgroupLimit is this process's cgroup memory limit in bytes and the file
// it came from, or 0: the process's own cgroup first (/proc/self/cgroup),
// then the hierarchy's root (what a container with its own cgroup
// namespace sees).
func cgroupLimit(root fs.FS) (int64, string) {
	var files []string
	if raw, err := fs.ReadFile(root, "proc/self/cgroup"); err == nil {
		s := bufio.NewScanner(bytes.NewReader(raw))
		for s.Scan() {
			// "0::/path" (v2) or "4:memory:/path" (v1)
			parts := strings.SplitN(s.Text(), ":", 3)
			if len(parts) != 3 || parts[2] == "/" {
				continue
			}
			path := strings.Trim(parts[2], "/")
			switch {
			case parts[0] == "0" && parts[1] == "":
				files = append(files, "sys/fs/cgroup/"+path+"/memory.max")
			case hasController(parts[1], "memory"):
				files = append(files, "sys/fs/cgroup/memory/"+path+"/memory.limit_in_bytes")
			}
		}
	}
	files = append(files, "sys/fs/cgroup/memory.max", "sys/fs/cgroup/memory/memory.limit_in_bytes")
	for _, f := range files {
		raw, err := fs.ReadFile(root, f)
		if err != nil {
			continue
		}
		v := strings.TrimSpace(string(raw))
		if v == "max" {
			return 0, ""
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 || n >= unlimited {
			return 0, ""
		}
		return n, "/" + f
	}
	return 0, ""
}

// hasController reports whether the comma list of controllers holds name.
func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// memTotal is the machine's memory from /proc/meminfo, or 0.
func memTotal(root fs.FS) int64 {
	raw, err := fs.ReadFile(root, "proc/meminfo")
	if err != nil {
		return 0
	}
	s := bufio.NewScanner(bytes.NewReader(raw))
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), "MemTotal:"); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil {
				return kb << 10
			}
		}
	}
	return 0
}
