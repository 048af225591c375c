package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// result is one measurement.
type result struct {
	count, errors int
	elapsed       time.Duration
	lat           []time.Duration
}

func (r result) rate() float64 { return float64(r.count) / r.elapsed.Seconds() }

func (r result) p(q int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	slices.Sort(r.lat)
	return r.lat[(len(r.lat)-1)*q/100]
}

func (r result) print(route string, conns int) {
	fmt.Printf("%-24s %5d %10.0f %9s %9s %9d\n", route, conns, r.rate(), r.p(50).Round(time.Microsecond), r.p(99).Round(time.Microsecond), r.errors)
}

func client(conns int) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns}}
}

// run GETs url from conns workers for d or max requests, whichever ends first.
func run(url string, conns int, d time.Duration, max int64) result {
	c := client(conns)
	// warm up
	for range 20 {
		ok(url)
	}
	var n atomic.Int64
	var mu sync.Mutex
	var res result
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []time.Duration
			errs := 0
			for time.Now().Before(deadline) && n.Add(1) <= max {
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				// As a browser does; set by hand so the client does not spend
				// the shared CPU on decompressing what it throws away.
				req.Header.Set("Accept-Encoding", "gzip")
				resp, err := c.Do(req)
				if err != nil {
					errs++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.errors += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	res.count = len(res.lat)
	return res
}

// bookResult is a booking-throughput measurement.
type bookResult struct {
	result
	created, conflicts int
}

// book posts bookings on distinct slots from conns clients.
// bookNext numbers the slots across runs, so every run books fresh ones.
var bookNext atomic.Int64

func book(base string, conns int, d time.Duration, max int, from time.Time, office bool) bookResult {
	c := client(conns)
	next := &bookNext
	limit := next.Load() + int64(max)
	var mu sync.Mutex
	var res bookResult
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				k := next.Add(1)
				if k > limit {
					return
				}
				body, _ := json.Marshal(map[string]any{
					"event_type": "load", "start": slotAt(k, from, office).Format(time.RFC3339),
					"name": fmt.Sprint("Load ", k), "email": fmt.Sprintf("load%d@example.com", k), "timezone": "UTC",
				})
				t0 := time.Now()
				resp, err := c.Post(base+"/api/bookings", "application/json", bytes.NewReader(body))
				lat := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					res.errors++
				case resp.StatusCode == 201:
					res.created++
					res.lat = append(res.lat, lat)
				case resp.StatusCode == 409:
					res.conflicts++
				default:
					res.errors++
				}
				mu.Unlock()
				if resp != nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	return res
}

func ok(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == 200
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
