package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/security"

	c "github.com/slotbase/slotbase/collections"
)

// The large organisation (issue #18): 50 hosts in office hours across a few
// zones, 20 event types (round robin over 10 hosts "rr10", collective over
// 3 "team3", the rest single-host "solo-N"), 100,000 bookings over a year
// around now and 20,000 busy blocks. Bookings and busy blocks are inserted
// with plain SQL (bench data, not a door under test).
const (
	orgHosts        = 50
	orgBookings     = 100_000
	orgBusy         = 20_000
	orgAdminEmail   = "admin@example.com"
	orgAdminSecret  = "bench-admin-password"
	orgDaysBack     = 270 // bookings from 270 days back …
	orgDaysAhead    = 95  // … to 95 days ahead
	orgSlotsPerDay  = 16  // 09:00–17:00 in 30-minute slots
	orgSingleTypes  = 18
	orgRoundRobin   = "rr10"
	orgCollective   = "team3"
	orgRoundRobinOf = 10
)

// orgZones are the hosts' zones, in turn.
var orgZones = []string{"Europe/London", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles"}

// prepareOrg makes the large organisation's data dir; today is the first
// day of the bookable future.
func prepareOrg(dir string, today time.Time) error {
	app, err := freshApp(dir)
	if err != nil {
		return err
	}
	defer app.ResetBootstrapState()
	return app.RunInTransaction(func(tx core.App) error {
		if _, err := saveRecord(tx, core.CollectionNameSuperusers, map[string]any{"email": orgAdminEmail, "password": orgAdminSecret}); err != nil {
			return err
		}
		hosts := make([]string, orgHosts)
		for i := range hosts {
			zone := orgZones[i%len(orgZones)]
			s, err := saveRecord(tx, c.Schedules, map[string]any{c.SchedulesName: fmt.Sprint("Hours ", i), c.SchedulesTimezone: zone, c.SchedulesWeekly: officeWeekly})
			if err != nil {
				return err
			}
			h, err := saveRecord(tx, c.Hosts, map[string]any{c.HostsName: fmt.Sprint("Host ", i), c.HostsEmail: fmt.Sprintf("host%d@example.com", i),
				c.HostsTimezone: zone, c.HostsSchedule: s.Id, c.HostsActive: true})
			if err != nil {
				return err
			}
			hosts[i] = h.Id
		}
		types := map[string][]string{orgRoundRobin: hosts[:orgRoundRobinOf], orgCollective: hosts[10:13]}
		for i := range orgSingleTypes {
			types[fmt.Sprint("solo-", i)] = hosts[13+i : 14+i]
		}
		typeIDs := map[string]string{}
		for slug, hs := range types {
			assignment := c.AssignmentSingle
			switch slug {
			case orgRoundRobin:
				assignment = c.AssignmentRoundRobin
			case orgCollective:
				assignment = c.AssignmentCollective
			}
			et, err := saveRecord(tx, c.EventTypes, map[string]any{c.EventTypesSlug: slug, c.EventTypesTitle: "Org " + slug, c.EventTypesDuration: 30,
				c.EventTypesSlotStep: 30, c.EventTypesHorizonDays: 365, c.EventTypesSeats: 1, c.EventTypesHosts: hs,
				c.EventTypesAssignment: assignment, c.EventTypesActive: true, c.EventTypesMinNotice: 60})
			if err != nil {
				return err
			}
			typeIDs[slug] = et.Id
		}
		// Each host's bookings take distinct office-hour slots (weekdays,
		// 16 a day, times in UTC: the bench cares about volume, not zones).
		rnd := rand.New(rand.NewPCG(7, 11))
		first := today.AddDate(0, 0, -orgDaysBack)
		days := orgDaysBack + orgDaysAhead
		now := c.UTCString(time.Now())
		ins := func(table string, row dbx.Params) error {
			row["id"] = security.RandomStringWithAlphabet(15, "abcdefghijklmnopqrstuvwxyz0123456789")
			row["created"], row["updated"] = now, now
			_, err := tx.DB().Insert(table, row).Execute()
			return err
		}
		taken := map[[2]int]bool{}
		for i := 0; i < orgBookings; {
			hi, k := rnd.IntN(orgHosts), rnd.IntN(days*orgSlotsPerDay)
			day := first.AddDate(0, 0, k/orgSlotsPerDay)
			if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday || taken[[2]int{hi, k}] {
				continue
			}
			taken[[2]int{hi, k}] = true
			i++
			start := day.Add(9*time.Hour + time.Duration(k%orgSlotsPerDay)*30*time.Minute)
			et := typeIDs[fmt.Sprint("solo-", hi%orgSingleTypes)]
			status := c.StatusConfirmed
			if i%10 == 0 {
				status = c.StatusCancelled
			}
			hostsJSON, _ := json.Marshal([]string{hosts[hi]})
			if err := ins(c.Bookings, dbx.Params{c.BookingsEventType: et, c.BookingsHosts: string(hostsJSON), c.BookingsStart: c.UTCString(start),
				c.BookingsEnd: c.UTCString(start.Add(30 * time.Minute)), c.BookingsStatus: status, c.BookingsName: fmt.Sprint("Seed ", i),
				c.BookingsEmail: fmt.Sprintf("seed%d@example.com", i), c.BookingsTimezone: "UTC", c.BookingsAnswers: "{}"}); err != nil {
				return err
			}
		}
		// One Google connection per host holding its busy blocks (1 hour).
		conns := make([]string, orgHosts)
		for i, h := range hosts {
			cn, err := saveRecord(tx, c.CalendarConnections, map[string]any{c.CalendarConnectionsHost: h, c.CalendarConnectionsProvider: "google",
				c.CalendarConnectionsStatus: c.ConnectionConnected, c.CalendarConnectionsAccount: fmt.Sprintf("host%d@example.com", i)})
			if err != nil {
				return err
			}
			conns[i] = cn.Id
		}
		for i := range orgBusy {
			start := first.Add(time.Duration(rnd.IntN(days*24)) * time.Hour)
			if err := ins(c.BusyBlocks, dbx.Params{c.BusyBlocksConnection: conns[i%orgHosts], c.BusyBlocksStart: c.UTCString(start),
				c.BusyBlocksEnd: c.UTCString(start.Add(time.Hour)), c.BusyBlocksSourceID: fmt.Sprint("ev", i)}); err != nil {
				return err
			}
		}
		return nil
	})
}

// runOrg measures the large organisation: uncached and cached /api/slots
// for the round robin over 10 hosts, the admin list, bookings, and the
// server's peak RSS.
func runOrg(srv *server, conns []int, d time.Duration, today time.Time, profile string) {
	token, err := superuserToken(srv.url)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%-24s %5s %10s %9s %9s %9s\n", "route", "conns", "req/s", "p50", "p99", "errors")
	// Distinct keys: each request asks a 31-day range from another start
	// day or in another zone, so the cache never answers (90 days × 72 zones = 6,480 keys).
	var keys []string
	for day := range 90 {
		for _, zone := range benchZones {
			from := today.AddDate(0, 0, day+1)
			keys = append(keys, fmt.Sprintf("/api/slots?event_type=%s&from=%s&to=%s&tz=%s", orgRoundRobin,
				from.Format("2006-01-02"), from.AddDate(0, 0, 30).Format("2006-01-02"), zone))
		}
	}
	cached := keys[0]
	var next atomic.Int64
	mem := newMemPhases(srv, token)
	for _, n := range conns {
		var u, h, s, a result
		mem.phase(fmt.Sprint("slots uncached, ", n), func() {
			profiled(srv, token, d, profileAt(profile, "", n, conns), "the uncached slots", func() {
				u = runGets(func() string { return srv.url + keys[int(next.Add(1))%len(keys)] }, nil, n, d, int64(len(keys)))
			})
		})
		u.print("slots uncached (rr10)", n)
		mem.phase(fmt.Sprint("health, ", n), func() { h = run(srv.url+"/api/health", n, d, 200000) })
		h.print("/api/health", n)
		mem.phase(fmt.Sprint("slots cached, ", n), func() { s = run(srv.url+cached, n, d, 200000) })
		s.print("slots cached (rr10)", n)
		mem.phase(fmt.Sprint("admin list, ", n), func() {
			a = runGets(func() string { return srv.url + "/api/admin/bookings?perPage=50&sort=-start" }, map[string]string{"Authorization": token}, n, d, 200000)
		})
		a.print("admin list perPage=50", n)
		fmt.Printf("%-24s %5d %9.2fx  p99 %.2fx\n", "cached slots/health", n, s.rate()/h.rate(), float64(s.p(99))/float64(h.p(99)))
	}
	mem.phase("one CSV export, alone", func() {
		t0 := time.Now()
		size, ok := fetchSize(srv.url+"/api/admin/bookings.csv", map[string]string{"Authorization": token})
		fmt.Printf("one CSV export of every booking: ok=%v, %.1f MiB in %s\n", ok, float64(size)/(1<<20), time.Since(t0).Round(time.Millisecond))
	})
	free, err := freeOrgSlots(srv.url, today)
	if err != nil {
		log.Fatal(err)
	}
	for _, n := range conns {
		var r bookResult
		mem.phase(fmt.Sprint("bookings, ", n), func() {
			profiled(srv, token, d, profileAt(profile, ".book", n, conns), "the bookings", func() {
				r = measureBookings(srv, token, "", profileAt(profile, ".outbox", n, conns), func() bookResult { return bookOrg(srv.url, n, d, free) })
			})
		})
		fmt.Printf("bookings (18 single-host types): conns=%d created=%d conflicts=%d errors=%d → %.0f bookings/s, p50 %s, p99 %s\n",
			n, r.created, r.conflicts, r.errors, float64(r.created)/r.elapsed.Seconds(), r.p(50), r.p(99))
	}
	isolation(srv, token, conns[len(conns)-1], d, cached, keys, &next, mem)
	mem.print()
}

// isolation measures the public routes at n clients alone and again while
// heavy admin work runs beside them (two CSV exports of every booking in a
// loop, the admin list at 4 clients): the organisation's clients should not
// feel what its admins do.
func isolation(srv *server, token string, n int, d time.Duration, cached string, keys []string, next *atomic.Int64, mem *memPhases) {
	uncached := func() string { return srv.url + keys[int(next.Add(1))%len(keys)] }
	var aloneC, aloneU, busyC, busyU result
	mem.phase("isolation: cached, alone", func() { aloneC = run(srv.url+cached, n, d, 200000) })
	mem.phase("isolation: uncached, alone", func() { aloneU = runGets(uncached, nil, n, d, int64(len(keys))) })
	auth := map[string]string{"Authorization": token}
	var alone, beside adminFigures
	mem.phase("isolation: admin load alone", func() {
		stop := startAdminLoad(srv.url, auth)
		time.Sleep(d) // the load runs for d
		alone = stop()
	})
	gateAlone := gateFigures(srv.url, token)
	mem.phase("isolation: beside admin load", func() {
		stop := startAdminLoad(srv.url, auth)
		busyC = run(srv.url+cached, n, d, 200000)
		busyU = runGets(uncached, nil, n, d, int64(len(keys)))
		beside = stop()
	})
	gateBeside := gateFigures(srv.url, token)
	aloneC.print("cached, alone", n)
	busyC.print("cached, admin load", n)
	aloneU.print("uncached, alone", n)
	busyU.print("uncached, admin load", n)
	fmt.Printf("admin load alone: %d full CSV exports, CSV %.1f MB/s, %.1f list pages/s\n", alone.exports, alone.csvRate(), alone.listRate())
	fmt.Printf("admin load beside them: %d full CSV exports, CSV %.1f MB/s (%.2fx alone), %.1f list pages/s (%.2fx alone)\n",
		beside.exports, beside.csvRate(), beside.csvRate()/alone.csvRate(), beside.listRate(), beside.listRate()/alone.listRate())
	fmt.Printf("priority gate after the admin load alone: %s\n", gateAlone)
	fmt.Printf("priority gate after the admin load beside them: %s\n", gateBeside)
	fmt.Printf("p99 with admin load / alone: cached %.2fx, uncached %.2fx (target ≤ 2x)\n",
		float64(busyC.p(99))/float64(aloneC.p(99)), float64(busyU.p(99))/float64(aloneU.p(99)))
}

// gateFigures reads the priority gate's metrics from the server's
// /metrics ("" parts when the binary has no gate).
func gateFigures(base, token string) string {
	req, _ := http.NewRequest(http.MethodGet, base+"/metrics", nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var out []string
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "slotbase_public_in_flight") || strings.HasPrefix(line, "slotbase_background_") {
			out = append(out, strings.TrimPrefix(line, "slotbase_"))
		}
	}
	if len(out) == 0 {
		return "none (no gate in this binary)"
	}
	return strings.Join(out, ", ")
}

// adminFigures is what the isolation phase's admin load did.
type adminFigures struct {
	exports, csvBytes, lists int64
	took                     time.Duration
}

func (f adminFigures) csvRate() float64  { return float64(f.csvBytes) / 1e6 / f.took.Seconds() }
func (f adminFigures) listRate() float64 { return float64(f.lists) / f.took.Seconds() }

// startAdminLoad starts the heavy admin load of issue 18 (two CSV exports
// of every booking in a loop, the admin list at 4 clients) and returns the
// function that stops it (cutting exports short) and says what it did: CSV
// bytes as they arrived, whole exports, list pages.
func startAdminLoad(base string, auth map[string]string) func() adminFigures {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var exports, csvBytes, lists atomic.Int64
	t0 := time.Now()
	loop := func(fn func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				fn()
			}
		}()
	}
	for range 2 {
		loop(func() {
			if streamCount(ctx, base+"/api/admin/bookings.csv", auth, &csvBytes) {
				exports.Add(1)
			}
		})
	}
	var page atomic.Int64
	for range 4 {
		loop(func() {
			if fetch(fmt.Sprintf("%s/api/admin/bookings?perPage=50&page=%d", base, page.Add(1)%200+1), auth) && ctx.Err() == nil {
				lists.Add(1)
			}
		})
	}
	return func() adminFigures {
		took := time.Since(t0)
		cancel()
		wg.Wait()
		return adminFigures{exports: exports.Load(), csvBytes: csvBytes.Load(), lists: lists.Load(), took: took}
	}
}

// streamCount reads url's answer until it ends or ctx does, adding the
// bytes to n as they arrive; it tells whether the whole answer came.
func streamCount(ctx context.Context, url string, headers map[string]string, n *atomic.Int64) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	buf := make([]byte, 32<<10)
	for {
		k, err := resp.Body.Read(buf)
		if ctx.Err() != nil {
			return false
		}
		n.Add(int64(k))
		if err == io.EOF {
			return resp.StatusCode == http.StatusOK
		}
		if err != nil {
			return false
		}
	}
}

// benchZones are the viewer zones the uncached keys cycle through.
var benchZones = []string{"UTC", "Europe/London", "Europe/Paris", "Europe/Berlin", "Europe/Madrid", "Europe/Rome", "Europe/Athens",
	"Europe/Helsinki", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles", "America/Sao_Paulo",
	"America/Toronto", "America/Mexico_City", "Asia/Tokyo", "Asia/Seoul", "Asia/Shanghai", "Asia/Kolkata", "Asia/Dubai",
	"Asia/Singapore", "Australia/Sydney", "Pacific/Auckland", "Africa/Johannesburg",
	// More zones: with the availability index one uncached answer takes ~2 ms,
	// and 2,160 keys were used up within one 5 s phase, so the next phase
	// (beside the admin load) was answered from the cache.
	"Europe/Dublin", "Europe/Lisbon", "Europe/Amsterdam", "Europe/Brussels", "Europe/Vienna", "Europe/Prague",
	"Europe/Warsaw", "Europe/Stockholm", "Europe/Oslo", "Europe/Copenhagen", "Europe/Zurich", "Europe/Budapest",
	"Europe/Bucharest", "Europe/Kyiv", "Europe/Istanbul", "Europe/Moscow", "America/Vancouver", "America/Phoenix",
	"America/Anchorage", "America/Halifax", "America/St_Johns", "America/Bogota", "America/Lima", "America/Santiago",
	"America/Argentina/Buenos_Aires", "America/Caracas", "Pacific/Honolulu", "Asia/Jakarta", "Asia/Manila",
	"Asia/Bangkok", "Asia/Karachi", "Asia/Dhaka", "Asia/Kathmandu", "Asia/Tehran", "Asia/Jerusalem", "Asia/Riyadh",
	"Asia/Hong_Kong", "Asia/Taipei", "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane",
	"Pacific/Fiji", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Casablanca", "Atlantic/Reykjavik", "Indian/Maldives"}

// profileAt is where to save the profile of a load at n clients: only the
// largest -conc is profiled, into file+suffix ("" for none).
func profileAt(file, suffix string, n int, conns []int) string {
	if file == "" || n != conns[len(conns)-1] {
		return ""
	}
	return file + suffix
}

// profiled runs load, saving the server's CPU profile over it to path
// ("" for no profile).
func profiled(srv *server, token string, d time.Duration, path, what string, load func()) {
	if path == "" {
		load()
		return
	}
	done := make(chan error, 1)
	go func() { done <- fetchProfile(srv.url, token, d, path) }()
	load()
	if err := <-done; err != nil {
		log.Fatal(err)
	}
	fmt.Printf("CPU profile of %s: %s (go tool pprof -top %s)\n", what, path, path)
}

// profileKind is what -profile saves: a CPU profile, or an execution
// trace (go tool trace) to see where requests wait.
var profileKind = flag.String("profile-kind", "profile", "what -profile saves: profile (CPU) or trace (execution trace: go tool trace FILE)")

// fetchProfile saves the server's CPU profile (or trace) over d (its pprof route).
func fetchProfile(base, token string, d time.Duration, path string) error {
	req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/api/admin/debug/pprof/%s?seconds=%d", base, *profileKind, max(1, int(d.Seconds())-1)), nil)
	req.Header.Set("Authorization", token)
	resp, err := (&http.Client{Timeout: d + time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile: %s", resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// superuserToken signs the bench's superuser in.
func superuserToken(base string) (string, error) {
	body, _ := json.Marshal(map[string]string{"identity": orgAdminEmail, "password": orgAdminSecret})
	resp, err := http.Post(base+"/api/collections/_superusers/auth-with-password", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct{ Token string }
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Token == "" {
		return "", fmt.Errorf("superuser sign-in: %d %v", resp.StatusCode, err)
	}
	return out.Token, nil
}

// freeOrgSlots lists, interleaved across the single-host event types, the
// free slots the page offers in the 60 days after today: what invitees
// would pick.
func freeOrgSlots(base string, today time.Time) ([][2]string, error) {
	perType := make([][]string, orgSingleTypes)
	for i := range perType {
		slug := "solo-" + strconv.Itoa(i)
		for _, r := range [][2]int{{1, 30}, {31, 60}} {
			var out struct {
				Days []struct{ Slots []struct{ Start string } }
			}
			url := fmt.Sprintf("%s/api/slots?event_type=%s&from=%s&to=%s&tz=UTC", base, slug,
				today.AddDate(0, 0, r[0]).Format("2006-01-02"), today.AddDate(0, 0, r[1]).Format("2006-01-02"))
			resp, err := http.Get(url)
			if err != nil {
				return nil, err
			}
			err = json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", url, err)
			}
			for _, d := range out.Days {
				for _, sl := range d.Slots {
					perType[i] = append(perType[i], sl.Start)
				}
			}
		}
	}
	var out [][2]string
	for k := 0; ; k++ {
		added := false
		for i, starts := range perType {
			if k < len(starts) {
				out = append(out, [2]string{"solo-" + strconv.Itoa(i), starts[k]})
				added = true
			}
		}
		if !added {
			return out, nil
		}
	}
}

// orgBookNext numbers the free slots the org booking load takes, across runs.
var orgBookNext atomic.Int64

// bookOrg books free slots of the single-host event types (18 hosts) from
// conns clients, each slot once.
func bookOrg(base string, conns int, d time.Duration, free [][2]string) bookResult {
	return postBookings(base, conns, d, func() ([]byte, bool) {
		k := int(orgBookNext.Add(1)) - 1
		if k >= len(free) {
			return nil, false
		}
		body, _ := json.Marshal(map[string]any{"event_type": free[k][0], "start": free[k][1],
			"name": fmt.Sprint("Org ", k), "email": fmt.Sprintf("org%d@example.com", k), "timezone": "UTC"})
		return body, true
	})
}
