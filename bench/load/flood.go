package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// floodRoute is one route the flood sends its huge anonymous bodies to.
type floodRoute struct{ method, path string }

// String is the route as the table shows it, the token shortened.
func (r floodRoute) String() string {
	return r.method + " " + strings.Replace(r.path, floodToken, "mt_…", 1)
}

// floodToken is a well-formed manage token ("mt_" + 43 canonical base64url
// characters) that belongs to no booking.
var floodToken = "mt_" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0x5a}, 32))

// floodRoutes are every public route of slotbase and PocketBase's records and
// auth routes, all asked anonymously.
var floodRoutes = []floodRoute{
	{"POST", "/api/bookings"},
	{"POST", "/api/bookings/manage/" + floodToken + "/cancel"},
	{"POST", "/api/bookings/manage/" + floodToken + "/reschedule"},
	{"GET", "/api/slots"},
	{"POST", "/api/collections/bookings/records"},
	{"PATCH", "/api/collections/bookings/records/aaaaaaaaaaaaaaa"},
	{"POST", "/api/collections/users/records"},
	{"POST", "/api/collections/_superusers/auth-with-password"},
	{"POST", "/api/collections/users/auth-with-password"},
	{"POST", "/api/collections/_superusers/request-password-reset"},
	{"POST", "/api/batch"},
	{"POST", "/api/admin/bookings/x/confirm"},
	{"POST", "/api/collections/hosts/records"},
}

// floodOutcome is what one request ended in: an HTTP status, or "reset"
// (the server closed the connection, as it may once it refuses early),
// "timeout" (cut by the -duration cap) or "error".
type floodOutcome string

// floodTally counts outcomes per route and per framing (Content-Length or chunked).
type floodTally struct {
	mu       sync.Mutex
	perRoute map[floodRoute]map[floodOutcome]int
	perFrame [2]map[floodOutcome]int
}

func (t *floodTally) add(r floodRoute, chunked bool, o floodOutcome) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.perRoute[r] == nil {
		t.perRoute[r] = map[floodOutcome]int{}
	}
	t.perRoute[r][o]++
	f := 0
	if chunked {
		f = 1
	}
	t.perFrame[f][o]++
}

// flood sends rounds × 2 anonymous requests with a bodyMB MiB JSON body to
// each of floodRoutes from conns clients, half with Content-Length and half
// chunked, for at most d; meanwhile it samples the server's RSS every 20 ms.
// It prints the RSS before, at its peak and after, the outcomes per route,
// and whether the server still answers /api/health.
func flood(srv *server, conns, bodyMB, rounds int, d time.Duration) {
	pid := srv.cmd.Process.Pid
	size := int64(bodyMB) << 20
	before, _ := procStatusKB(pid, "VmRSS")

	type job struct {
		route   floodRoute
		chunked bool
	}
	jobs := make(chan job, rounds*len(floodRoutes)*2)
	for range rounds {
		for _, chunked := range []bool{false, true} {
			for _, r := range floodRoutes {
				jobs <- job{r, chunked}
			}
		}
	}
	close(jobs)

	// Every request on a new connection: a refused request leaves its
	// connection closed, and a reused one would count as a spurious reset.
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true, MaxConnsPerHost: conns}}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()

	stopSampling := make(chan struct{})
	peak := make(chan int64)
	go func() {
		max := before
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb, err := procStatusKB(pid, "VmRSS"); err == nil && kb > max {
				max = kb
			}
			select {
			case <-stopSampling:
				peak <- max
				return
			case <-tick.C:
			}
		}
	}()

	tally := &floodTally{perRoute: map[floodRoute]map[floodOutcome]int{}, perFrame: [2]map[floodOutcome]int{{}, {}}}
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				if ctx.Err() != nil {
					return
				}
				tally.add(j.route, j.chunked, floodOne(ctx, c, srv.url, j.route, size, j.chunked))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(stopSampling)
	peakKB := <-peak
	hwm, hwmErr := procStatusKB(pid, "VmHWM")

	fmt.Printf("flood: %d clients, %d MiB anonymous JSON bodies (half Content-Length, half chunked), %d routes, in %s\n",
		conns, bodyMB, len(floodRoutes), elapsed.Round(time.Millisecond))
	printFloodTable(tally)

	health, healthTook := floodHealth(srv.url)
	after, afterErr := procStatusKB(pid, "VmRSS")
	if hwmErr != nil || afterErr != nil {
		fmt.Printf("server process %d is gone (%v)\n", pid, errors.Join(hwmErr, afterErr))
	}
	fmt.Printf("RSS: before %s, peak %s (sampled every 20 ms), VmHWM %s, after %s\n", mib(before), mib(peakKB), mib(hwm), mib(after))
	fmt.Printf("health: GET /api/health → %s (%s)\n", health, healthTook.Round(time.Millisecond))
}

// floodOne sends one request with a size-byte body and says how it ended.
func floodOne(ctx context.Context, c *http.Client, base string, r floodRoute, size int64, chunked bool) floodOutcome {
	req, err := http.NewRequestWithContext(ctx, r.method, base+r.path, &hugeBody{size: size})
	if err != nil {
		return "error"
	}
	req.Header.Set("Content-Type", "application/json")
	req.ContentLength = size
	if chunked {
		req.ContentLength = -1
	}
	resp, err := c.Do(req)
	switch {
	case err == nil:
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return floodOutcome(strconv.Itoa(resp.StatusCode))
	case ctx.Err() != nil:
		return "timeout"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "reset"
	default:
		return "error"
	}
}

func printFloodTable(t *floodTally) {
	seen := map[floodOutcome]bool{}
	for _, m := range t.perRoute {
		for o := range m {
			seen[o] = true
		}
	}
	var cols []floodOutcome
	for o := range seen {
		cols = append(cols, o)
	}
	// Statuses in order, then reset, timeout and error.
	rank := func(o floodOutcome) string {
		if n, err := strconv.Atoi(string(o)); err == nil {
			return fmt.Sprintf("0%03d", n)
		}
		return map[floodOutcome]string{"reset": "1", "timeout": "2", "error": "3"}[o]
	}
	slices.SortFunc(cols, func(a, b floodOutcome) int { return strings.Compare(rank(a), rank(b)) })

	fmt.Printf("%-58s %4s", "route", "sent")
	for _, o := range cols {
		fmt.Printf(" %7s", o)
	}
	fmt.Println()
	for _, r := range floodRoutes {
		m := t.perRoute[r]
		sent := 0
		for _, n := range m {
			sent += n
		}
		fmt.Printf("%-58s %4d", r, sent)
		for _, o := range cols {
			fmt.Printf(" %7d", m[o])
		}
		fmt.Println()
	}
	for i, label := range []string{"with Content-Length", "chunked"} {
		var parts []string
		for _, o := range cols {
			if n := t.perFrame[i][o]; n > 0 {
				parts = append(parts, fmt.Sprintf("%s×%d", o, n))
			}
		}
		fmt.Printf("  %s: %s\n", label, strings.Join(parts, " "))
	}
}

// floodHealth asks /api/health for up to 10 s and reports the first answer
// that is a 200, or the last failure.
func floodHealth(base string) (string, time.Duration) {
	c := &http.Client{Timeout: 2 * time.Second}
	start := time.Now()
	last := "no answer"
	for time.Since(start) < 10*time.Second {
		resp, err := c.Get(base + "/api/health")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return "200, healthy", time.Since(start)
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	return "NOT HEALTHY: " + last, time.Since(start)
}

// procStatusKB reads one "kB" field (VmRSS, VmHWM) of /proc/PID/status.
func procStatusKB(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if v, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			return strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no %s", pid, field)
}

func mib(kb int64) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }

// hugeBody is the JSON object {"name":"aaa…"} of exactly size bytes, made as
// it is read, so the client holds no copy of it. A valid object makes the
// server's JSON decoder buffer the whole string instead of failing early.
type hugeBody struct{ size, off int64 }

const (
	hugeHead = `{"name":"`
	hugeTail = `"}`
)

var hugeFill = bytes.Repeat([]byte{'a'}, 64<<10)

func (b *hugeBody) Read(p []byte) (int, error) {
	n := 0
	tailAt := b.size - int64(len(hugeTail))
	for n < len(p) && b.off < b.size {
		var chunk []byte
		switch {
		case b.off < int64(len(hugeHead)):
			chunk = []byte(hugeHead[b.off:])
		case b.off >= tailAt:
			chunk = []byte(hugeTail[b.off-tailAt:])
		default:
			chunk = hugeFill[:min(int64(len(hugeFill)), tailAt-b.off)]
		}
		k := copy(p[n:], chunk)
		n += k
		b.off += int64(k)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// flagSet reports whether the named flag was given on the command line.
func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
