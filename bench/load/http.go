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

// run GETs url from conns workers for d or max requests, whichever ends
// first, after a warm-up.
func run(url string, conns int, d time.Duration, max int64) result {
	for range 20 {
		ok(url)
	}
	return runGets(func() string { return url }, nil, conns, d, max)
}

// runGets GETs the URLs next gives, with headers, from conns workers for d
// or max requests, whichever ends first.
func runGets(next func() string, headers map[string]string, conns int, d time.Duration, max int64) result {
	c := client(conns)
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
				req, _ := http.NewRequest(http.MethodGet, next(), nil)
				// As a browser does; set by hand so the client does not spend
				// the shared CPU on decompressing what it throws away.
				req.Header.Set("Accept-Encoding", "gzip")
				for k, v := range headers {
					req.Header.Set(k, v)
				}
				t0 := time.Now()
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

// bookNext numbers the slots across runs, so every run books fresh ones.
var bookNext atomic.Int64

// book posts bookings on distinct slots of event type "load" from conns clients.
func book(base string, conns int, d time.Duration, max int, from time.Time, office bool) bookResult {
	limit := bookNext.Load() + int64(max)
	return postBookings(base, conns, d, func() ([]byte, bool) {
		k := bookNext.Add(1)
		if k > limit {
			return nil, false
		}
		body, _ := json.Marshal(map[string]any{
			"event_type": "load", "start": slotAt(k, from, office).Format(time.RFC3339),
			"name": fmt.Sprint("Load ", k), "email": fmt.Sprintf("load%d@example.com", k), "timezone": "UTC",
		})
		return body, true
	})
}

// postBookings POSTs the booking bodies next gives (false: none left) from
// conns clients for d, counting 201s, 409s and the rest.
func postBookings(base string, conns int, d time.Duration, next func() ([]byte, bool)) bookResult {
	c := client(conns)
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
				body, more := next()
				if !more {
					return
				}
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

// ok GETs url and reads the whole answer; true on 200.
func ok(url string) bool { return fetch(url, nil) }

// fetch GETs url with headers and reads the whole answer; true on 200.
func fetch(url string, headers map[string]string) bool {
	_, ok := fetchSize(url, headers)
	return ok
}

// fetchSize is fetch that also tells how many bytes the answer had.
func fetchSize(url string, headers map[string]string) (int64, bool) {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	return n, err == nil && resp.StatusCode == http.StatusOK
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}
