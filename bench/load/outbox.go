package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// outboxDrainBound is how long the bench waits for the job worker to catch
// up after a booking load.
const outboxDrainBound = 2 * time.Minute

// drainProfileFor is how long -profile records the outbox after a booking
// load (the profile route takes whole seconds; fetchProfile asks one less).
const drainProfileFor = 9 * time.Second

// outboxDue is the number of due jobs (GET /api/admin/status).
func outboxDue(base, token string) (int64, error) {
	req, _ := http.NewRequest(http.MethodGet, base+"/api/admin/status", nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct{ Jobs struct{ Due int64 } }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("status: %d %v", resp.StatusCode, err)
	}
	return out.Jobs.Due, nil
}

// outboxBacklog reports the jobs a booking load left due (fan-outs,
// e-mails) and how long the worker took to run them: a booking rate the
// outbox cannot follow only moves work to later.
func outboxBacklog(base, token string) string {
	t0 := time.Now()
	due, err := outboxDue(base, token)
	if err != nil {
		return "outbox backlog: " + err.Error()
	}
	left := due
	for left > 0 && time.Since(t0) < outboxDrainBound {
		time.Sleep(time.Second) // polling the condition, bounded above; the status route's job counts cost the server ~10 ms each
		if left, err = outboxDue(base, token); err != nil {
			return "outbox backlog: " + err.Error()
		}
	}
	if left > 0 {
		return fmt.Sprintf("outbox backlog at the end of the load: %d due jobs, %d still due after %s", due, left, outboxDrainBound)
	}
	return fmt.Sprintf("outbox backlog at the end of the load: %d due jobs, all run within %s", due, time.Since(t0).Round(time.Second))
}

// serverCPU is the server process's CPU time so far (user + system, from
// /proc; Linux, 100 ticks per second).
func serverCPU(srv *server) time.Duration {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", srv.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	s := string(raw)
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+2:]) // after "pid (comm) "
	if len(fields) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(fields[11], 10, 64)
	stime, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// measureBookings runs a booking load, then waits for the outbox to run
// what it left, and prints the server's CPU per booking for both: a
// measure of work that the machine's other load does not skew much.
// With drainProfile set, the server's CPU profile over the first
// drainProfileFor of the drain is saved there.
func measureBookings(srv *server, token, label, drainProfile string, load func() bookResult) bookResult {
	writer := []string{busyMetric, "slotbase_group_commit_batches_total", "slotbase_group_commit_batched_total"}
	cpu0, m0, t0 := serverCPU(srv), metricValues(srv.url, token, writer...), time.Now()
	r := load()
	cpu1, m1, wall := serverCPU(srv), metricValues(srv.url, token, writer...), time.Since(t0)
	busy0, batches0, batched0 := m0[0], m0[1], m0[2]
	busy1, batches1, batched1 := m1[0], m1[1], m1[2]
	var profiled chan error
	if drainProfile != "" {
		profiled = make(chan error, 1)
		go func() { profiled <- fetchProfile(srv.url, token, drainProfileFor, drainProfile) }()
	}
	backlog := outboxBacklog(srv.url, token)
	cpu2 := serverCPU(srv)
	if profiled != nil {
		if err := <-profiled; err != nil {
			fmt.Printf("%sprofile of the outbox: %v\n", label, err)
		} else {
			fmt.Printf("%sCPU profile of the outbox: %s (go tool pprof -top %s)\n", label, drainProfile, drainProfile)
		}
	}
	per := func(d time.Duration) string {
		if r.created == 0 {
			return "-"
		}
		return (d / time.Duration(r.created)).Round(10 * time.Microsecond).String()
	}
	fmt.Printf("%s%s; server CPU per booking: %s during the load + %s running its outbox afterwards\n", label, backlog, per(cpu1-cpu0), per(cpu2-cpu1))
	if busy0 >= 0 && busy1 >= 0 {
		fmt.Printf("%sthe one writer (group committer) was busy %.0f%% of the load (%s)", label, 100*(busy1-busy0)/wall.Seconds(), busyMetric)
		if n := batches1 - batches0; n > 0 && batched0 >= 0 {
			fmt.Printf(", %.1f closures per shared transaction", (batched1-batched0)/n)
		}
		fmt.Println()
	}
	return r
}

// busyMetric is the seconds the server's one writer was busy.
const busyMetric = "slotbase_group_commit_busy_seconds_total"

// metricValues are the server's samples of unlabelled series (one read
// of /metrics), each -1 when it cannot be read.
func metricValues(base, token string, names ...string) []float64 {
	out := make([]float64, len(names))
	for i := range out {
		out[i] = -1
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return out
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		return out
	}
	for _, line := range strings.Split(string(body), "\n") {
		for i, name := range names {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					out[i] = f
				}
			}
		}
	}
	return out
}
