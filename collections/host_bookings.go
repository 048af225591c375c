package collections

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/busyindex"
	"github.com/slotbase/slotbase/internal/slots"
)

// HostBookingsSQL returns a query for cols (over the alias b) and `host` of
// the bookings of hosts that also meet cond (over b, with its own params),
// and its params. It reads through the indexes the planner can use for
// (host, start) (migration 1765300000): a single-host booking stores hosts
// as '["id"]' (PocketBase's JSON for a relation list), found by equality on
// idx_bookings_hosts_start; the few with several hosts (collective) are
// found through idx_bookings_shared_start and unpacked. cond should bound
// b.start so both parts seek rather than scan.
func HostBookingsSQL(cols string, hosts []string, cond string) (string, dbx.Params) {
	params := dbx.Params{}
	singles := make([]byte, 0, 16*len(hosts))
	ids := make([]byte, 0, 8*len(hosts))
	for i, h := range hosts {
		one, _ := json.Marshal([]string{h}) // as PocketBase writes it: ["id"]
		params["hs"+strconv.Itoa(i)] = string(one)
		params["hi"+strconv.Itoa(i)] = h
		if i > 0 {
			singles, ids = append(singles, ','), append(ids, ',')
		}
		singles = append(singles, "{:hs"+strconv.Itoa(i)+"}"...)
		ids = append(ids, "{:hi"+strconv.Itoa(i)+"}"...)
	}
	if len(hosts) == 0 {
		singles, ids = []byte("''"), []byte("''")
	}
	return `SELECT ` + cols + `, json_extract(b.hosts, '$[0]') AS host FROM bookings b
		WHERE b.hosts IN (` + string(singles) + `) AND ` + cond + `
		UNION ALL
		SELECT ` + cols + `, j.value AS host FROM bookings b, json_each(b.hosts) j
		WHERE json_array_length(b.hosts) > 1 AND j.value IN (` + string(ids) + `) AND ` + cond, params
}

// liveStatuses is the SQL list of the booking statuses that hold time.
const liveStatuses = LiveStatusesSQL

// farFuture bounds "from floor on" reads (the engine works before 2200).
var farFuture = time.Date(2250, 1, 1, 0, 0, 0, 0, time.UTC)

// DBBlockers reads blockers from the database (app may be a transaction):
// the live bookings of hosts that start in [lo, to), except excludeBooking
// (may be ""), and their busy blocks that overlap [lo, to).
func DBBlockers(app core.App, excludeBooking string) BlockersFunc {
	return func(hosts []string, lo, to time.Time) (map[string]busyindex.Blockers, error) {
		return dbBlockers(app, hosts, lo, to, time.Time{}, excludeBooking)
	}
}

// DBWindowBlockers reads what a slots.SlotWindow reads from the database
// (app may be a transaction), except excludeBooking (may be "").
func DBWindowBlockers(app core.App, excludeBooking string) WindowBlockersFunc {
	return func(hosts []string, w slots.SlotWindow) (map[string]busyindex.Blockers, error) {
		return dbBlockers(app, hosts, w.StartFrom, w.StartBefore, w.EndAfter, excludeBooking)
	}
}

// dbBlockers reads hosts' live bookings that start in [lo, to) and end
// after endAfter (zero: any), except excludeBooking, and their busy blocks
// that overlap [max(lo, endAfter), to).
func dbBlockers(app core.App, hosts []string, lo, to, endAfter time.Time, excludeBooking string) (map[string]busyindex.Blockers, error) {
	out := make(map[string]busyindex.Blockers, len(hosts))
	err := scanHostBookings(app, hosts, lo, to, endAfter, excludeBooking, func(host string, b slots.Booking) {
		x := out[host]
		x.Bookings = append(x.Bookings, b)
		out[host] = x
	})
	if err != nil {
		return nil, err
	}
	busy, err := BusyOf(app, hosts, maxTime(lo, endAfter), to)
	if err != nil {
		return nil, err
	}
	for host, blocks := range busy {
		x := out[host]
		x.Busy = blocks
		out[host] = x
	}
	return out, nil
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// scanHostBookings calls fn for each live booking of hosts (per host) that
// starts in [lo, to) and ends after endAfter (zero: any), except
// excludeBooking. The end is filtered inside the covering index, so a
// narrow end costs index steps, not rows.
func scanHostBookings(app core.App, hosts []string, lo, to, endAfter time.Time, excludeBooking string, fn func(host string, b slots.Booking)) error {
	cond := "b.start >= {:lo} AND b.start < {:to} AND b.status IN " + liveStatuses + " AND b.id != {:exclude}"
	if !endAfter.IsZero() {
		cond += " AND b.end > {:endAfter}"
	}
	query, params := HostBookingsSQL("b.id, b.event_type, b.start, b.end, b.buffer_before, b.buffer_after", hosts, cond)
	params["lo"], params["to"], params["exclude"] = UTCString(lo), UTCString(to), excludeBooking
	if !endAfter.IsZero() {
		params["endAfter"] = UTCString(endAfter)
	}
	// Rows are scanned by hand (as BusyOf does): this query returns thousands of rows
	// on a busy calendar, and reflection-based scanning doubled their cost.
	rows, err := app.DB().NewQuery(query).Bind(params).Rows()
	if err != nil {
		return fmt.Errorf("bookings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, eventType, start, end, host string
		var before, after int
		if err := rows.Scan(&id, &eventType, &start, &end, &before, &after, &host); err != nil {
			return fmt.Errorf("bookings: %w", err)
		}
		fn(host, slots.Booking{
			ID: id, EventType: eventType, Start: ParseStoredTime(start), End: ParseStoredTime(end),
			BufferBefore: time.Duration(before) * time.Minute,
			BufferAfter:  time.Duration(after) * time.Minute,
		})
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("bookings: %w", err)
	}
	return nil
}

// LoadHostBlockers reads what the availability index holds of host: its
// live bookings that start at or after floor and its busy blocks (with
// their ids) that end after floor.
func LoadHostBlockers(app core.App, host string, floor time.Time) (busyindex.Loaded, error) {
	var out busyindex.Loaded
	err := scanHostBookings(app, []string{host}, floor, farFuture, time.Time{}, "", func(_ string, b slots.Booking) {
		out.Bookings = append(out.Bookings, b)
	})
	if err != nil {
		return out, err
	}
	var rows []struct {
		ID    string `db:"id"`
		Start string `db:"start"`
		End   string `db:"end"`
	}
	err = app.DB().NewQuery(`SELECT bb.id, bb.start, bb.end FROM calendar_connections cc
		CROSS JOIN busy_blocks bb ON bb.connection = cc.id
		WHERE cc.host = {:h} AND bb.end > {:floor}`).
		Bind(dbx.Params{"h": host, "floor": UTCString(floor)}).All(&rows)
	if err != nil {
		return out, fmt.Errorf("busy blocks: %w", err)
	}
	for _, r := range rows {
		out.Busy = append(out.Busy, busyindex.Busy{ID: r.ID,
			BusyBlock: slots.BusyBlock{Start: ParseStoredTime(r.Start), End: ParseStoredTime(r.End)}})
	}
	return out, nil
}

// ReadBookingState reads booking id as the index needs it; a booking that
// no longer exists is not live (and not an error).
func ReadBookingState(app core.App, id string) (busyindex.BookingState, error) {
	var row struct {
		EventType string `db:"event_type"`
		Hosts     string `db:"hosts"`
		Start     string `db:"start"`
		End       string `db:"end"`
		Before    int    `db:"buffer_before"`
		After     int    `db:"buffer_after"`
		Live      bool   `db:"live"`
	}
	err := app.DB().NewQuery(`SELECT event_type, hosts, start, end, buffer_before, buffer_after,
		status IN ` + liveStatuses + ` AS live FROM bookings WHERE id = {:id}`).Bind(dbx.Params{"id": id}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return busyindex.BookingState{}, nil
	} else if err != nil {
		return busyindex.BookingState{}, fmt.Errorf("booking %s: %w", id, err)
	}
	st := busyindex.BookingState{Live: row.Live, Booking: slots.Booking{
		ID: id, EventType: row.EventType, Start: ParseStoredTime(row.Start), End: ParseStoredTime(row.End),
		BufferBefore: time.Duration(row.Before) * time.Minute, BufferAfter: time.Duration(row.After) * time.Minute,
	}}
	if row.Hosts == "" {
		return st, nil
	}
	if err := json.Unmarshal([]byte(row.Hosts), &st.Hosts); err != nil {
		return st, fmt.Errorf("booking %s: hosts: %w", id, err)
	}
	return st, nil
}

// ReadBusyState reads busy block id and its connection's host; a block (or
// connection) that no longer exists does not exist (and is not an error).
func ReadBusyState(app core.App, id string) (busyindex.BusyState, error) {
	var row struct {
		Start string `db:"start"`
		End   string `db:"end"`
		Host  string `db:"host"`
	}
	err := app.DB().NewQuery(`SELECT bb.start, bb.end, cc.host FROM busy_blocks bb
		JOIN calendar_connections cc ON cc.id = bb.connection WHERE bb.id = {:id}`).Bind(dbx.Params{"id": id}).One(&row)
	if errors.Is(err, sql.ErrNoRows) {
		return busyindex.BusyState{}, nil
	} else if err != nil {
		return busyindex.BusyState{}, fmt.Errorf("busy block %s: %w", id, err)
	}
	return busyindex.BusyState{Exists: true, Host: row.Host, Block: busyindex.Busy{ID: id,
		BusyBlock: slots.BusyBlock{Start: ParseStoredTime(row.Start), End: ParseStoredTime(row.End)}}}, nil
}

// ConnectionHosts returns the host of each calendar connection of ids that
// exists, by connection id.
func ConnectionHosts(app core.App, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	in, params := InList("c", ids)
	var rows []struct {
		ID   string `db:"id"`
		Host string `db:"host"`
	}
	if err := app.DB().NewQuery(`SELECT id, host FROM calendar_connections WHERE id IN (` + in + `)`).Bind(params).All(&rows); err != nil {
		return nil, fmt.Errorf("calendar connections: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Host
	}
	return out, nil
}
