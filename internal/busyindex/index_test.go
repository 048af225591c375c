package busyindex

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slotbase/slotbase/internal/slots"
)

var t0 = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)

// fakeDB is the truth the index is loaded from: what the database holds.
type fakeDB struct {
	mu       sync.Mutex
	bookings map[string]BookingState
	busy     map[string]BusyState
	loads    int
	// beforeReturn, when set, runs inside a load after it read (tests hold it).
	beforeReturn func(host string)
}

func newFakeDB() *fakeDB {
	return &fakeDB{bookings: map[string]BookingState{}, busy: map[string]BusyState{}}
}

func (db *fakeDB) load(host string, floor time.Time) (Loaded, error) {
	db.mu.Lock()
	db.loads++
	var out Loaded
	for _, b := range db.bookings {
		if b.Live && slices.Contains(b.Hosts, host) && !b.Booking.Start.Before(floor) {
			out.Bookings = append(out.Bookings, b.Booking)
		}
	}
	for _, b := range db.busy {
		if b.Exists && b.Host == host && b.Block.End.After(floor) {
			out.Busy = append(out.Busy, b.Block)
		}
	}
	hold := db.beforeReturn
	db.mu.Unlock()
	if hold != nil {
		hold(host)
	}
	return out, nil
}

// truth is what a fresh read of the database answers for [lo, to).
func (db *fakeDB) truth(host string, lo, to time.Time) Blockers {
	db.mu.Lock()
	defer db.mu.Unlock()
	var out Blockers
	for _, b := range db.bookings {
		if b.Live && slices.Contains(b.Hosts, host) && !b.Booking.Start.Before(lo) && b.Booking.Start.Before(to) {
			out.Bookings = append(out.Bookings, b.Booking)
		}
	}
	for _, b := range db.busy {
		if b.Exists && b.Host == host && b.Block.End.After(lo) && b.Block.Start.Before(to) {
			out.Busy = append(out.Busy, b.Block.BusyBlock)
		}
	}
	return normal(out)
}

// normal sorts copies of blockers so two answers compare equal.
func normal(b Blockers) Blockers {
	b.Bookings, b.Busy = slices.Clone(b.Bookings), slices.Clone(b.Busy)
	sort.Slice(b.Bookings, func(i, j int) bool { return bookingLess(b.Bookings[i], b.Bookings[j]) })
	sort.Slice(b.Busy, func(i, j int) bool {
		if !b.Busy[i].Start.Equal(b.Busy[j].Start) {
			return b.Busy[i].Start.Before(b.Busy[j].Start)
		}
		return b.Busy[i].End.Before(b.Busy[j].End)
	})
	if len(b.Bookings) == 0 {
		b.Bookings = nil
	}
	if len(b.Busy) == 0 {
		b.Busy = nil
	}
	return b
}

// setBooking commits a booking's new state and reports it, as the
// after-commit hook does (old and new hosts).
func (db *fakeDB) setBooking(x *Index, id string, st BookingState) {
	db.mu.Lock()
	old := db.bookings[id]
	st.Booking.ID = id
	db.bookings[id] = st
	db.mu.Unlock()
	x.BookingChanged(id, append(slices.Clone(old.Hosts), st.Hosts...), db.rereadBooking(id))
}

func (db *fakeDB) rereadBooking(id string) func() (BookingState, error) {
	return func() (BookingState, error) {
		db.mu.Lock()
		defer db.mu.Unlock()
		return db.bookings[id], nil
	}
}

func (db *fakeDB) setBusy(x *Index, id string, st BusyState) {
	db.mu.Lock()
	old := db.busy[id]
	st.Block.ID = id
	db.busy[id] = st
	db.mu.Unlock()
	x.BusyChanged(id, []string{old.Host, st.Host}, func() (BusyState, error) {
		db.mu.Lock()
		defer db.mu.Unlock()
		return db.busy[id], nil
	})
}

var hostIDs = []string{"h0", "h1", "h2", "h3", "h4"}

func randomBooking(r *rand.Rand) BookingState {
	start := t0.Add(time.Duration(r.IntN(60*24*4)-3*24*4) * 15 * time.Minute) // -3 … +57 days
	hosts := []string{hostIDs[r.IntN(len(hostIDs))]}
	if r.IntN(8) == 0 {
		hosts = append(hosts, hostIDs[r.IntN(len(hostIDs))])
	}
	return BookingState{Hosts: hosts, Live: r.IntN(5) > 0, Booking: slots.Booking{
		EventType: fmt.Sprint("et", r.IntN(3)), Start: start, End: start.Add(time.Duration(1+r.IntN(8)) * 15 * time.Minute),
		BufferBefore: time.Duration(r.IntN(3)) * 5 * time.Minute, BufferAfter: time.Duration(r.IntN(3)) * 5 * time.Minute,
	}}
}

func randomBusy(r *rand.Rand) BusyState {
	start := t0.Add(time.Duration(r.IntN(60*24)-3*24) * time.Hour)
	length := time.Duration(1+r.IntN(4)) * time.Hour
	if r.IntN(20) == 0 {
		length = time.Duration(1+r.IntN(10)) * 24 * time.Hour // long holidays
	}
	return BusyState{Exists: true, Host: hostIDs[r.IntN(len(hostIDs))], Block: Busy{BusyBlock: slots.BusyBlock{Start: start, End: start.Add(length)}}}
}

// check compares the index with a fresh read for random hosts and ranges.
func check(t *testing.T, r *rand.Rand, x *Index, db *fakeDB, now time.Time, step int) {
	t.Helper()
	for range 4 {
		lo := now.Add(-time.Duration(r.IntN(20*24)) * time.Hour)
		to := lo.Add(time.Duration(1+r.IntN(45*24)) * time.Hour)
		hosts := slices.Clone(hostIDs)
		r.Shuffle(len(hosts), func(i, j int) { hosts[i], hosts[j] = hosts[j], hosts[i] })
		hosts = hosts[:1+r.IntN(len(hosts))]
		got, ok, err := x.Read(hosts, lo, to, now)
		if err != nil || !ok {
			t.Fatalf("step %d: read %v [%s, %s): ok=%v err=%v", step, hosts, lo, to, ok, err)
		}
		for _, h := range hosts {
			if want, have := db.truth(h, lo, to), normal(got[h]); fmt.Sprint(want) != fmt.Sprint(have) {
				t.Fatalf("step %d: host %s [%s, %s):\nindex %v\ndb    %v", step, h, lo, to, have, want)
			}
		}
	}
}

// TestIndexFollowsChanges is the model test: random bookings created,
// cancelled, moved between times and hosts, deleted, busy blocks added,
// moved and removed, bulk changes the caller cannot attribute (DropAll) —
// after each step the index answers what a fresh read of the truth does.
func TestIndexFollowsChanges(t *testing.T) {
	for seed := range uint64(20) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			r := rand.New(rand.NewPCG(seed, 7))
			db := newFakeDB()
			x := New(db.load, DefaultConfig)
			now := t0
			for i := range 40 { // some history before the first read
				db.setBooking(x, fmt.Sprint("b", i), randomBooking(r))
			}
			for step := range 300 {
				switch op := r.IntN(10); {
				case op < 3: // create or replace (reschedule, reassign, cancel, confirm)
					db.setBooking(x, fmt.Sprint("b", r.IntN(80)), randomBooking(r))
				case op == 3: // delete a booking
					db.setBooking(x, fmt.Sprint("b", r.IntN(80)), BookingState{})
				case op < 6: // add or move a busy block
					db.setBusy(x, fmt.Sprint("x", r.IntN(60)), randomBusy(r))
				case op == 6: // remove a busy block
					id := fmt.Sprint("x", r.IntN(60))
					db.mu.Lock()
					host := db.busy[id].Host
					db.mu.Unlock()
					db.setBusy(x, id, BusyState{Host: host})
				case op == 7: // raw SQL over many blocks, then DropAll
					db.mu.Lock()
					for id, b := range db.busy {
						if r.IntN(2) == 0 {
							b.Block.Start, b.Block.End = b.Block.Start.Add(time.Hour), b.Block.End.Add(time.Hour)
							db.busy[id] = b
						}
					}
					db.mu.Unlock()
					x.DropAll()
				case op == 8: // time passes
					now = now.Add(time.Duration(r.IntN(48)) * time.Hour)
				}
				check(t, r, x, db, now, step)
			}
		})
	}
}

// TestIndexRefusesTooFarBack sends reads before the held past to the database.
func TestIndexRefusesTooFarBack(t *testing.T) {
	db := newFakeDB()
	x := New(db.load, DefaultConfig)
	if _, ok, err := x.Read([]string{"h0"}, t0.Add(-DefaultConfig.KeepPast-time.Hour), t0, t0); ok || err != nil {
		t.Fatalf("read before the floor: ok=%v err=%v, want ok=false", ok, err)
	}
	if _, ok, _ := x.Read([]string{"h0"}, t0.Add(-DefaultConfig.KeepPast+time.Hour), t0, t0); !ok {
		t.Fatal("read within the floor: ok=false")
	}
}

// TestIndexLoadErrorIsAnError: a failed load is an error, never "no bookings".
func TestIndexLoadErrorIsAnError(t *testing.T) {
	boom := errors.New("disk I/O error")
	x := New(func(string, time.Time) (Loaded, error) { return Loaded{}, boom }, DefaultConfig)
	if _, _, err := x.Read([]string{"h0"}, t0, t0.Add(time.Hour), t0); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the load's error", err)
	}
}

// TestIndexDiscardsOvertakenLoad: a load that read before a change whose
// report arrives while it runs answers its own reader but is not installed.
func TestIndexDiscardsOvertakenLoad(t *testing.T) {
	db := newFakeDB()
	x := New(db.load, DefaultConfig)
	read, release := make(chan struct{}), make(chan struct{})
	db.beforeReturn = func(string) { close(read); <-release }
	done := make(chan Blockers)
	go func() {
		got, _, _ := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0)
		done <- got["h0"]
	}()
	<-read // the load has read an empty database
	db.mu.Lock()
	db.beforeReturn = nil
	db.mu.Unlock()
	db.setBooking(x, "b1", BookingState{Live: true, Hosts: []string{"h0"}, Booking: slots.Booking{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}})
	close(release)
	if first := <-done; len(first.Bookings) != 0 {
		t.Fatalf("the overtaken load answered %v (it read before the booking)", first)
	}
	got, _, _ := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0)
	if len(got["h0"].Bookings) != 1 {
		t.Fatalf("after the change: %v, want the booking (a stale load was installed)", got["h0"])
	}
}

// TestIndexOutOfOrderReports: reports of two commits of one booking that
// arrive in the opposite order still leave the latest state.
func TestIndexOutOfOrderReports(t *testing.T) {
	db := newFakeDB()
	x := New(db.load, DefaultConfig)
	if _, _, err := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0); err != nil {
		t.Fatal(err)
	}
	live := BookingState{Live: true, Hosts: []string{"h0"}, Booking: slots.Booking{ID: "b1", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}}
	cancelled := live
	cancelled.Live = false
	db.mu.Lock()
	db.bookings["b1"] = cancelled // both committed: created, then cancelled
	db.mu.Unlock()
	x.BookingChanged("b1", []string{"h0"}, db.rereadBooking("b1")) // the cancel's report
	x.BookingChanged("b1", []string{"h0"}, db.rereadBooking("b1")) // the creation's, late
	got, _, _ := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0)
	if len(got["h0"].Bookings) != 0 {
		t.Fatalf("cancelled booking still held: %v", got["h0"])
	}
}

// TestIndexConcurrent runs readers, writers and bulk drops at once (run it
// with -race); once they stop, every host answers what the truth holds.
func TestIndexConcurrent(t *testing.T) {
	db := newFakeDB()
	x := New(db.load, DefaultConfig)
	var writers, readers sync.WaitGroup
	stop := make(chan struct{})
	for w := range 4 {
		writers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			for i := range 400 {
				if i%2 == 0 {
					db.setBooking(x, fmt.Sprint("b", r.IntN(100)), randomBooking(r))
				} else {
					db.setBusy(x, fmt.Sprint("x", r.IntN(50)), randomBusy(r))
				}
				if i%150 == 0 {
					x.DropAll()
				}
			}
		})
	}
	for rd := range 4 {
		readers.Go(func() {
			r := rand.New(rand.NewPCG(uint64(rd), 2))
			for {
				select {
				case <-stop:
					return
				default:
				}
				if _, _, err := x.Read(hostIDs[:1+r.IntN(len(hostIDs))], t0.Add(-24*time.Hour), t0.Add(30*24*time.Hour), t0); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	check(t, rand.New(rand.NewPCG(9, 9)), x, db, t0, -1)
	if h, b, _ := x.Stats(); h == 0 || b == 0 {
		t.Fatalf("nothing held after the run: %d hosts, %d bookings", h, b)
	}
}

// TestIndexDropAllDuringLoad: a reader that arrives after DropAll never
// joins a load that started before it.
func TestIndexDropAllDuringLoad(t *testing.T) {
	db := newFakeDB()
	x := New(db.load, DefaultConfig)
	started := make(chan int, 2)
	release := make(chan struct{})
	var n atomic.Int32
	db.beforeReturn = func(string) {
		k := n.Add(1)
		started <- int(k)
		if k == 1 {
			<-release
		}
	}
	first := make(chan Blockers)
	go func() {
		got, _, _ := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0)
		first <- got["h0"]
	}()
	<-started // the first load read an empty database and waits
	db.mu.Lock()
	db.bookings["b1"] = BookingState{Live: true, Hosts: []string{"h0"}, Booking: slots.Booking{ID: "b1", Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour)}}
	db.mu.Unlock()
	x.DropAll() // a raw SQL change the caller cannot attribute
	second := make(chan Blockers)
	go func() {
		got, _, _ := x.Read([]string{"h0"}, t0, t0.Add(24*time.Hour), t0)
		second <- got["h0"]
	}()
	// The second reader must start a load of its own; if it joined the
	// first one instead, no second load starts within the bound and the
	// first is released, handing it the stale answer (and the test fails).
	select {
	case <-started:
	case <-time.After(time.Minute):
	}
	close(release)
	<-first
	if got := <-second; len(got.Bookings) != 1 {
		t.Fatalf("read after DropAll: %v, want the booking", got)
	}
}
