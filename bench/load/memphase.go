package main

import (
	"bufio"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// memPhases reports the server's memory phase by phase (issue 18, sixth
// step): the peak resident set of each phase, exact (the kernel's high-water
// mark VmHWM, reset at the start of each phase through /proc/PID/clear_refs),
// and at its end how the resident set divides between Go's runtime (heap,
// stacks, its own structures: the part GOMEMLIMIT governs) and the rest,
// which is mostly SQLite's page caches and other C-side allocations
// (modernc's libc maps them itself; the Go runtime neither counts nor
// limits them) plus the mapped binary.
type memPhases struct {
	srv   *server
	token string // a superuser's, for the heap profile's MemStats
	// exact is false when the high-water mark cannot be reset: each phase
	// then shows the peak so far.
	exact bool
	peak  int64 // KiB, over all phases
	rows  []string
}

// newMemPhases starts the phase report of srv's process.
func newMemPhases(srv *server, token string) *memPhases {
	m := &memPhases{srv: srv, token: token}
	m.exact = m.resetPeak() == nil
	if kb, err := procStatusKB(srv.cmd.Process.Pid, "VmHWM"); err == nil {
		m.peak = kb // start-up and data preparation
	}
	return m
}

// resetPeak sets the process's VmHWM back to its current RSS (Linux ≥ 4.0).
func (m *memPhases) resetPeak() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", m.srv.cmd.Process.Pid), []byte("5"), 0)
}

// phase runs load as the phase called name and records its memory.
func (m *memPhases) phase(name string, load func()) {
	if m.exact {
		m.exact = m.resetPeak() == nil
	}
	load()
	pid := m.srv.cmd.Process.Pid
	hwm, _ := procStatusKB(pid, "VmHWM")
	rss, _ := procStatusKB(pid, "VmRSS")
	m.peak = max(m.peak, hwm)
	goHeld, heapInuse, err := goMemory(m.srv.url, m.token)
	if err != nil {
		m.rows = append(m.rows, fmt.Sprintf("%-28s %9.0f %9.0f   (MemStats: %v)", name, mibOf(hwm), mibOf(rss), err))
		return
	}
	m.rows = append(m.rows, fmt.Sprintf("%-28s %9.0f %9.0f %9.0f %9.0f %9.0f", name, mibOf(hwm), mibOf(rss),
		float64(goHeld)/(1<<20), float64(heapInuse)/(1<<20), mibOf(rss)-float64(goHeld)/(1<<20)))
}

// print writes the table and the run's peak.
func (m *memPhases) print() {
	what := "peak in the phase"
	if !m.exact {
		what = "peak so far (VmHWM could not be reset)"
	}
	fmt.Printf("\nserver memory by phase, MiB (peak RSS: %s; the rest at the phase's end)\n", what)
	fmt.Printf("%-28s %9s %9s %9s %9s %9s\n", "phase", "peak RSS", "RSS", "Go held", "heap use", "not Go")
	for _, r := range m.rows {
		fmt.Println(r)
	}
	fmt.Printf("server peak RSS: %.0f MiB (%d kB), all phases\n", mibOf(m.peak), m.peak)
}

func mibOf(kb int64) float64 { return float64(kb) / 1024 }

// goMemory reads the server's runtime.MemStats from its heap profile
// (debug=1 ends with them): what Go's runtime holds from the OS (Sys minus
// HeapReleased) and the heap in use.
func goMemory(base, token string) (held, heapInuse uint64, err error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/debug/pprof/heap?debug=1", nil)
	req.Header.Set("Authorization", token)
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, 0, fmt.Errorf("heap profile: %s", resp.Status)
	}
	stats := map[string]uint64{}
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 64<<10), 4<<20)
	for s.Scan() {
		if k, v, ok := strings.Cut(strings.TrimPrefix(s.Text(), "# "), " = "); ok {
			if n, err := strconv.ParseUint(v, 10, 64); err == nil {
				stats[k] = n
			}
		}
	}
	if stats["Sys"] == 0 {
		return 0, 0, fmt.Errorf("heap profile: no MemStats")
	}
	return stats["Sys"] - stats["HeapReleased"], stats["HeapInuse"], nil
}
