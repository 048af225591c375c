package busyindex

import (
	"slices"
	"sort"

	"github.com/slotbase/slotbase/internal/slots"
)

// BookingState is a booking as the database holds it after a change.
type BookingState struct {
	Booking slots.Booking
	Hosts   []string
	// Live is false when the booking is gone or neither pending nor confirmed.
	Live bool
}

// BusyState is a busy block as the database holds it after a change.
type BusyState struct {
	Block Busy
	Host  string
	// Exists is false when the block is gone.
	Exists bool
}

// BookingChanged brings the held hosts up to date after a committed change
// of booking id. hosts are the hosts the booking had before the change and
// has after it; reread reads the booking as the database holds it now.
// The changes of one booking are applied one at a time, each from a fresh
// read, so two changes whose reports arrive out of commit order still leave
// the latest state.
// When reread fails, the hosts are dropped (reloaded at next use).
func (x *Index) BookingChanged(id string, hosts []string, reread func() (BookingState, error)) {
	mu := x.applyLock(id)
	mu.Lock()
	defer mu.Unlock()
	if len(x.existing(hosts)) == 0 {
		return // nobody holds or is loading these hosts: nothing to keep exact
	}
	st, err := reread()
	if err != nil {
		x.DropHosts(hosts...)
		return
	}
	st.Booking.ID = id
	on := map[string]bool{}
	if st.Live {
		for _, h := range st.Hosts {
			on[h] = true
		}
	}
	for hostID, h := range x.existing(append(slices.Clone(hosts), st.Hosts...)) {
		h.mu.Lock()
		h.epoch++
		if s := h.snap; s != nil {
			edited := *s
			edited.bookings = slices.DeleteFunc(slices.Clone(s.bookings), func(b slots.Booking) bool { return b.ID == id })
			if on[hostID] && !st.Booking.Start.Before(s.floor) {
				edited.addBooking(st.Booking)
			}
			h.snap = &edited
		}
		h.mu.Unlock()
	}
}

// BusyChanged is BookingChanged for busy block id; hosts are the hosts of
// its connection before and after the change.
func (x *Index) BusyChanged(id string, hosts []string, reread func() (BusyState, error)) {
	mu := x.applyLock(id)
	mu.Lock()
	defer mu.Unlock()
	if len(x.existing(hosts)) == 0 {
		return
	}
	st, err := reread()
	if err != nil {
		x.DropHosts(hosts...)
		return
	}
	all := slices.Clone(hosts)
	if st.Exists {
		all = append(all, st.Host)
	}
	for hostID, h := range x.existing(all) {
		h.mu.Lock()
		h.epoch++
		if s := h.snap; s != nil {
			edited := *s
			edited.busy = slices.DeleteFunc(slices.Clone(s.busy), func(b Busy) bool { return b.ID == id })
			if st.Exists && hostID == st.Host && st.Block.End.After(s.floor) {
				st.Block.ID = id
				edited.addBusy(st.Block)
			}
			h.snap = &edited
		}
		h.mu.Unlock()
	}
}

// DropHosts forgets hosts: they are reloaded at next use, and loads in
// flight are not installed.
func (x *Index) DropHosts(hosts ...string) {
	for _, h := range x.existing(hosts) {
		h.mu.Lock()
		h.epoch++
		h.snap = nil
		h.mu.Unlock()
	}
}

// DropAll forgets every host (after a change the caller cannot attribute,
// such as raw SQL over many rows).
func (x *Index) DropAll() {
	x.mu.Lock()
	defer x.mu.Unlock()
	x.gen++
	x.hosts = map[string]*host{}
}

// Stats counts the hosts held and their bookings and busy blocks.
func (x *Index) Stats() (hosts, bookings, busy int) {
	x.mu.Lock()
	entries := make([]*host, 0, len(x.hosts))
	for _, h := range x.hosts {
		entries = append(entries, h)
	}
	x.mu.Unlock()
	for _, h := range entries {
		h.mu.RLock()
		if h.snap != nil {
			hosts++
			bookings += len(h.snap.bookings)
			busy += len(h.snap.busy)
		}
		h.mu.RUnlock()
	}
	return hosts, bookings, busy
}

// existing returns the entries that exist among ids (a reader created them).
func (x *Index) existing(ids []string) map[string]*host {
	x.mu.Lock()
	defer x.mu.Unlock()
	out := map[string]*host{}
	for _, id := range ids {
		if h := x.hosts[id]; h != nil {
			out[id] = h
		}
	}
	return out
}

// addBooking inserts b in order into s's own (freshly cloned) slice.
func (s *snapshot) addBooking(b slots.Booking) {
	i := sort.Search(len(s.bookings), func(i int) bool { return !bookingLess(s.bookings[i], b) })
	s.bookings = slices.Insert(s.bookings, i, b)
}

// addBusy inserts b in order into s's own (freshly cloned) slice.
func (s *snapshot) addBusy(b Busy) {
	i := sort.Search(len(s.busy), func(i int) bool { return !busyLess(s.busy[i], b) })
	s.busy = slices.Insert(s.busy, i, b)
	s.maxBusy = max(s.maxBusy, b.End.Sub(b.Start))
}
