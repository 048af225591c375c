// Command load is slotbase's HTTP load benchmark: it prepares a data dir,
// starts the real binary on loopback, and measures throughput and latency.
// It is bounded (request count and duration) and talks to 127.0.0.1 only.
//
//	go build -o bin/slotbase . && go run ./bench/load -bin bin/slotbase -mode slots
//	go run ./bench/load -bin bin/slotbase -mode book
//	go run ./bench/load -bin bin/slotbase -mode book -postgres URL   (replication off, then on)
//	go run ./bench/load -bin bin/slotbase -mode flood   (peak RSS under anonymous 30 MiB bodies)
//	go run ./bench/load -bin bin/slotbase -mode org     (the large organisation: 50 hosts, 100,000 bookings)
//	go run ./bench/load -bin bin/slotbase -mode live    (1,000 open live-update streams: RSS, idle CPU, time until all hear a booking)
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slotbase/slotbase/hooks"
)

func main() {
	bin := flag.String("bin", "bin/slotbase", "slotbase binary")
	mode := flag.String("mode", "slots", "slots: /api/slots vs /api/health; book: booking throughput; flood: server RSS under anonymous huge bodies; org: the large organisation; live: open /api/slots/live streams")
	duration := flag.Duration("duration", 5*time.Second, "how long each measurement runs (bounded); flood: cap on the whole flood, default 40s")
	concs := flag.String("conc", "1,16", "connection counts; flood uses the largest")
	bookings := flag.Int("bookings", 500, "slots mode: bookings in the 31-day range")
	total := flag.Int("n", 4000, "book mode: bookings to attempt (upper bound)")
	pgURL := flag.String("postgres", "", "book mode: also run with replication to this (empty) PostgreSQL database and report its throughput and lag")
	hours := flag.String("hours", "", "host availability: office (Mon–Fri 09–17) or always (24/7, the engine's longest look-back); default: always for slots, office for book")
	bodyMB := flag.Int("body-mb", 30, "flood mode: MiB in each request body")
	keep := flag.String("keep", "", "org mode: prepare the data dir here and keep it (for EXPLAIN and profiles)")
	profile := flag.String("profile", "", "org and book modes: save the server's CPU profiles at the largest -conc: org: the uncached slots to this file, the bookings to this file + .book; book: the bookings to this file + .book; both: the outbox run after the bookings to this file + .outbox")
	rounds := flag.Int("rounds", 3, "flood mode: rounds per route, each one request with Content-Length and one chunked")
	streams := flag.Int("streams", 1000, "live mode: open /api/slots/live streams")
	changes := flag.Int("changes", 5, "live mode: bookings made one at a time, each timed until every stream heard of it")
	flag.Parse()
	if *mode == "flood" && !flagSet("duration") {
		*duration = 40 * time.Second
	}
	if *bodyMB < 1 || *bodyMB > 1024 || *rounds < 1 || *rounds > 100 {
		log.Fatalf("-body-mb: %d must be from 1 to 1024 and -rounds: %d from 1 to 100", *bodyMB, *rounds)
	}
	if *streams < 1 || *streams > 15000 || *changes < 1 || *changes > 100 {
		log.Fatalf("-streams: %d must be from 1 to 15000 and -changes: %d from 1 to 100", *streams, *changes)
	}

	dir, err := os.MkdirTemp("", "slotbase-load-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "pb_data")
	conns := connCounts(*concs)
	if *mode == "org" {
		if *keep != "" {
			data = *keep
		}
		today := time.Now().UTC().Truncate(24 * time.Hour)
		t0 := time.Now()
		if err := prepareOrg(data, today); err != nil {
			log.Fatal(err)
		}
		fmt.Printf("prepared the large organisation in %s\n", time.Since(t0).Round(time.Millisecond))
		srv, err := start(*bin, data)
		if err != nil {
			log.Fatal(err)
		}
		defer srv.stop()
		since := time.Now().UTC()
		runOrg(srv, conns, *duration, today, *profile)
		srv.stop()
		doubles, count, err := doubleBookingsSince(data, since)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("org: bookings made by the load: %d, overlapping a live booking of one of their hosts (double bookings): %d\n", count, doubles)
		return
	}
	from := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 7)
	n := *bookings
	if *mode == "book" || *mode == "flood" || *mode == "live" {
		n = 0
	}
	if *hours == "" {
		*hours = map[string]string{"slots": "always", "book": "office", "flood": "office", "live": "office"}[*mode]
	}
	office := *hours == "office"
	if !office && *hours != "always" {
		log.Fatalf("-hours: %q is not office or always", *hours)
	}
	if err := prepare(data, from, n, office); err != nil {
		log.Fatal(err)
	}
	var extra []string
	if *mode == "live" && *streams >= hooks.DefaultLiveStreams {
		extra = []string{"--liveStreams", strconv.Itoa(*streams + 100)} // room for them all
	}
	srv, err := start(*bin, data, extra...)
	if err != nil {
		log.Fatal(err)
	}
	defer srv.stop()

	switch *mode {
	case "slots":
		q := fmt.Sprintf("/api/slots?event_type=load&from=%s&to=%s&tz=America/New_York",
			from.Format("2006-01-02"), from.AddDate(0, 0, 30).Format("2006-01-02"))
		fmt.Printf("%-12s %5s %10s %9s %9s %9s\n", "route", "conns", "req/s", "p50", "p99", "errors")
		for _, c := range conns {
			h := run(srv.url+"/api/health", c, *duration, 200000)
			s := run(srv.url+q, c, *duration, 200000)
			h.print("/api/health", c)
			s.print("/api/slots", c)
			fmt.Printf("%-12s %5d %9.2fx\n", "slots/health", c, s.rate()/h.rate())
		}
	case "book":
		for run, pg := range []string{"", *pgURL} {
			if run == 1 {
				if pg == "" {
					break
				}
				// A second data dir, the same load, now streaming to PostgreSQL.
				srv.stop()
				data = filepath.Join(dir, "pb_data_replicated")
				if err := prepare(data, from, n, office); err != nil {
					log.Fatal(err)
				}
				if srv, err = start(*bin, data, "--postgres", pg); err != nil {
					log.Fatal(err)
				}
				waitReplica(*bin, data, pg, time.Minute) // the initial snapshot
			}
			label := map[bool]string{false: "replication off", true: "replication on"}[pg != ""]
			token, err := superuserToken(srv.url)
			if err != nil {
				log.Fatal(err)
			}
			var t0 time.Time
			for _, c := range conns {
				if t0.IsZero() {
					t0 = time.Now()
				}
				var r bookResult
				profiled(srv, token, *duration, profileAt(*profile, ".book", c, conns), "the bookings", func() {
					r = measureBookings(srv, token, label+": ", profileAt(*profile, ".outbox", c, conns), func() bookResult { return book(srv.url, c, *duration, *total, from, office) })
				})
				fmt.Printf("%s: bookings: conns=%d created=%d conflicts=%d errors=%d in %s → %.0f bookings/s, p50 %s, p99 %s\n",
					label, c, r.created, r.conflicts, r.errors, r.elapsed.Round(time.Millisecond), float64(r.created)/r.elapsed.Seconds(), r.p(50), r.p(99))
			}
			if pg != "" {
				loadEnd := time.Now()
				lag := replicaStatus(*bin, data, pg)
				caught := waitReplica(*bin, data, pg, 5*time.Minute)
				end := replicaStatus(*bin, data, pg)
				fmt.Printf("replication: lag at the end of the load %d changes (%.1f s); caught up %s later; %d changes in %s → %.0f changes/s\n",
					lag.LagChanges, lag.LagSeconds, caught.Sub(loadEnd).Round(time.Millisecond), end.Position.Seq,
					caught.Sub(t0).Round(time.Millisecond), float64(end.Position.Seq)/caught.Sub(t0).Seconds())
			}
			srv.stop()
			doubles, count, err := doubleBookings(data)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Printf("%s: bookings stored: %d, overlapping pairs on one host (double bookings): %d\n", label, count, doubles)
		}
	case "flood":
		flood(srv, slices.Max(conns), *bodyMB, *rounds, *duration)
	case "live":
		if !office {
			log.Fatal("-mode live books office hours: leave -hours empty or office")
		}
		if err := runLive(srv, *streams, *changes, from); err != nil {
			srv.stop()
			log.Fatal(err)
		}
	default:
		log.Fatalf("-mode: %q is not slots, book, flood, org or live", *mode)
	}
}

// connCounts parses -conc.
func connCounts(list string) []int {
	var conns []int
	for _, s := range strings.Split(list, ",") {
		c, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || c < 1 || c > 256 {
			log.Fatalf("-conc: %q is not a count from 1 to 256", s)
		}
		conns = append(conns, c)
	}
	return conns
}

// server is the running binary.
type server struct {
	url string
	cmd *exec.Cmd
}

func start(bin, data string, extra ...string) (*server, error) {
	addr := freeAddr()
	cmd := exec.Command(bin, append([]string{"serve", "--dir", data, "--http", addr, "--rateLimits=false"}, extra...)...)
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{url: "http://" + addr, cmd: cmd}
	for i := 0; i < 300; i++ {
		if ok(s.url + "/api/health") {
			return s, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.stop()
	return nil, fmt.Errorf("slotbase did not start")
}

func (s *server) stop() {
	if s.cmd.Process != nil && s.cmd.ProcessState == nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		_ = s.cmd.Wait()
	}
}

// replicaState is the part of `slotbase replica status --json` read here.
type replicaState struct {
	Position struct {
		Seq int64 `json:"seq"`
	} `json:"position"`
	LagChanges int64   `json:"lag_changes"`
	LagSeconds float64 `json:"lag_seconds"`
}

func replicaStatus(bin, data, pg string) replicaState {
	out, err := exec.Command(bin, "replica", "status", "--json", "--dir", data, "--postgres", pg).Output()
	var st replicaState
	if err == nil {
		if i := strings.IndexByte(string(out), '{'); i >= 0 {
			_ = json.Unmarshal(out[i:], &st)
		}
	}
	return st
}

// waitReplica polls until PostgreSQL holds every change and returns when.
func waitReplica(bin, data, pg string, limit time.Duration) time.Time {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if st := replicaStatus(bin, data, pg); st.Position.Seq > 0 && st.LagChanges == 0 {
			return time.Now()
		}
		time.Sleep(20 * time.Millisecond)
	}
	log.Fatalf("replica did not catch up within %s", limit)
	return time.Time{}
}
