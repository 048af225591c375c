package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Live updates (issue 18): N open GET /api/slots/live streams of one event
// type. The server lets 20 streams come from one address, so the streams
// come from many loopback addresses (127.0.1.1, 127.0.1.2, …: all of
// 127.0.0.0/8 is loopback on Linux), 16 from each.
const (
	liveStreamsPerAddr = 16
	liveIdle           = 10 * time.Second // CPU is measured over this
	liveSettle         = 3 * time.Second  // before RSS is read
	// liveWarm is how long the streams are open before RSS is read and CPU
	// measured: the CPU window then holds every stream's first keep-alive
	// comment (the server sends one 25 s after a stream opened).
	liveWarm       = 20 * time.Second
	liveHeardBound = 30 * time.Second // every stream must hear of a booking within this
	clockTicks     = 100              // USER_HZ of /proc/PID/stat on Linux
)

// liveClient is one open stream and when it last heard "changed".
type liveClient struct {
	conn  net.Conn
	heard atomic.Int64 // UnixNano of the last "changed", 0 after a reset
}

// runLive measures the server with n streams open: RSS and CPU when idle
// against none, then the time from a booking's request until every stream
// heard of it, for changes bookings made one at a time.
func runLive(srv *server, n, changes int, from time.Time) error {
	pid := srv.cmd.Process.Pid
	soft, hard, err := raiseFileLimit(n + 200)
	if err != nil {
		return err
	}
	fmt.Printf("live updates: %d streams to one event type; bench open-file limit %d (hard %d); server's: %s\n",
		n, soft, hard, procLimit(pid, "Max open files"))

	time.Sleep(liveSettle)
	rss0, _ := procStatusKB(pid, "VmRSS")
	cpu0, err := cpuOver(pid, liveIdle)
	if err != nil {
		return err
	}
	fds0 := openFDs(pid)

	clients, err := openStreams(srv.url, n)
	if err != nil {
		return err
	}
	defer func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}()
	time.Sleep(liveWarm)
	rssN, _ := procStatusKB(pid, "VmRSS")
	cpuN, err := cpuOver(pid, liveIdle)
	if err != nil {
		return err
	}
	fdsN := openFDs(pid)
	fmt.Printf("server RSS idle: no streams %.1f MiB, %d streams %.1f MiB (+%.1f MiB, %.1f KiB a stream); open files %d → %d\n",
		float64(rss0)/1024, n, float64(rssN)/1024, float64(rssN-rss0)/1024, float64(rssN-rss0)/float64(n), fds0, fdsN)
	fmt.Printf("server CPU over %s idle: no streams %.2f s, %d streams %.2f s (the window holds each stream's keep-alive comment)\n", liveIdle, cpu0, n, cpuN)

	hc := &http.Client{Timeout: liveHeardBound}
	for k := range changes {
		for _, c := range clients {
			c.heard.Store(0)
		}
		body, _ := json.Marshal(map[string]any{"event_type": "load", "start": slotAt(int64(k), from, true).Format(time.RFC3339),
			"name": fmt.Sprint("Live ", k), "email": fmt.Sprintf("live%d@example.com", k), "timezone": "UTC"})
		t0 := time.Now()
		res, err := hc.Post(srv.url+"/api/bookings", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		res.Body.Close()
		post := time.Since(t0)
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("booking %d: %d", k, res.StatusCode)
		}
		var lat []time.Duration
		for deadline := time.Now().Add(liveHeardBound); ; time.Sleep(time.Millisecond) {
			lat = lat[:0]
			for _, c := range clients {
				if at := c.heard.Load(); at != 0 {
					lat = append(lat, time.Unix(0, at).Sub(t0))
				}
			}
			if len(lat) == len(clients) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("booking %d: %d of %d streams heard of it within %s", k, len(lat), len(clients), liveHeardBound)
			}
		}
		slices.Sort(lat)
		r := result{lat: lat}
		fmt.Printf("booking %d: POST answered in %s; all %d streams got \"changed\", from the POST sent: p50 %s, p99 %s, max %s\n",
			k+1, post.Round(100*time.Microsecond), n, r.p(50).Round(100*time.Microsecond), r.p(99).Round(100*time.Microsecond), lat[len(lat)-1].Round(100*time.Microsecond))
		time.Sleep(time.Second) // past the streams' 300 ms gap, so the next booking is not held back
	}
	return nil
}

// openStreams opens n streams, 32 at a time, each from a loopback address
// of its own group, and returns once every one has said "ready".
func openStreams(base string, n int) ([]*liveClient, error) {
	addr := strings.TrimPrefix(base, "http://")
	clients := make([]*liveClient, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			group := i / liveStreamsPerAddr
			local := &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+group/250), byte(1+group%250))}
			conn, err := (&net.Dialer{LocalAddr: local, Timeout: 10 * time.Second}).Dial("tcp", addr)
			if err != nil {
				errs <- fmt.Errorf("stream %d from %s: %w", i, local.IP, err)
				return
			}
			c := &liveClient{conn: conn}
			ready := make(chan error, 1)
			go c.read(addr, ready)
			if err := <-ready; err != nil {
				conn.Close()
				errs <- fmt.Errorf("stream %d from %s: %w", i, local.IP, err)
				return
			}
			clients[i] = c
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return clients, nil
}

// read sends the request, reports the "ready" event on ready, then stamps
// every "changed" until the connection closes.
func (c *liveClient) read(host string, ready chan<- error) {
	req, _ := http.NewRequest(http.MethodGet, "http://"+host+"/api/slots/live?event_type=load", nil)
	if err := req.Write(c.conn); err != nil {
		ready <- err
		return
	}
	res, err := http.ReadResponse(bufio.NewReader(c.conn), req)
	if err != nil {
		ready <- err
		return
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		ready <- fmt.Errorf("status %d", res.StatusCode)
		return
	}
	sc := bufio.NewScanner(res.Body)
	first := true
	for sc.Scan() {
		switch sc.Text() {
		case "event: ready":
			if first {
				ready <- nil
				first = false
			}
		case "event: changed":
			c.heard.CompareAndSwap(0, time.Now().UnixNano())
		}
	}
	if first {
		ready <- fmt.Errorf("stream closed before ready: %v", sc.Err())
	}
}

// raiseFileLimit makes the soft open-file limit at least want (up to the
// hard limit) and returns both. Go raises the soft limit to the hard one at
// start anyway (since Go 1.19); this says so, and covers a low hard limit.
func raiseFileLimit(want int) (soft, hard uint64, err error) {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0, 0, err
	}
	if rl.Cur < uint64(want) && rl.Cur < rl.Max {
		rl.Cur = min(uint64(want), rl.Max)
		if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
			return 0, 0, err
		}
	}
	if rl.Cur < uint64(want) {
		return 0, 0, fmt.Errorf("open-file limit %d (hard %d) is below the %d the streams need: raise it (ulimit -n)", rl.Cur, rl.Max, want)
	}
	return rl.Cur, rl.Max, nil
}

// procLimit reads one row of /proc/PID/limits ("soft hard units").
func procLimit(pid int, name string) string {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/limits", pid))
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, name); ok {
			f := strings.Fields(rest)
			if len(f) >= 2 {
				return f[0] + " (hard " + f[1] + ")"
			}
		}
	}
	return "unknown"
}

// cpuOver returns the CPU seconds (user + system) pid used during d.
func cpuOver(pid int, d time.Duration) (float64, error) {
	before, err := cpuTicks(pid)
	if err != nil {
		return 0, err
	}
	time.Sleep(d)
	after, err := cpuTicks(pid)
	return float64(after-before) / clockTicks, err
}

// cpuTicks is utime + stime of /proc/PID/stat.
func cpuTicks(pid int) (int64, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count from its closing parenthesis.
	f := strings.Fields(string(raw[bytes.LastIndexByte(raw, ')')+1:]))
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, raw)
	}
	return utime + stime, nil
}

// openFDs counts pid's open files.
func openFDs(pid int) int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries)
}
