package replica_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/slotbase/slotbase/internal/replica"
	"github.com/slotbase/slotbase/internal/testenv"
)

// memSource is an in-memory change log.
type memSource struct {
	mu      sync.Mutex
	id      string
	log     []replica.Change
	acked   int64
	next    int64
	snapped int
}

func (m *memSource) ID() string { return m.id }

func (m *memSource) add(collection, id, op string, data any) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	raw, _ := json.Marshal(data)
	m.next++
	m.log = append(m.log, replica.Change{Seq: m.next, Collection: collection, RecordID: id, Op: op, Data: raw, At: time.Now().UTC()})
	return m.next
}

func (m *memSource) Read(_ context.Context, after int64, limit int) ([]replica.Change, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []replica.Change
	for _, c := range m.log {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (m *memSource) Ack(_ context.Context, seq int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.acked = seq
	kept := m.log[:0]
	for _, c := range m.log {
		if c.Seq > seq {
			kept = append(kept, c)
		}
	}
	m.log = kept
	return nil
}

func (m *memSource) Snapshot(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.snapped++
	if len(m.log) > 0 { // the log as it stands plays the snapshot
		return m.log[0].Seq, nil
	}
	return m.next + 1, nil
}

var bookingsDef = map[string]any{"id": "sb_bookings", "name": "bookings", "type": "base", "fields": []map[string]any{
	{"name": "id", "type": "text"}, {"name": "status", "type": "select", "maxSelect": 1},
	{"name": "start", "type": "date"}, {"name": "hosts", "type": "relation", "maxSelect": 5},
	{"name": "seats", "type": "number"}, {"name": "paid", "type": "bool"}, {"name": "answers", "type": "json"},
}}

func connect(t *testing.T, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// TestReplicaEveryKindOfChange streams each kind of change (definitions,
// inserts, updates, deletes, sweeps, a field added later, odd values) and
// checks the typed columns, the jsonb record, tombstones and the position;
// replaying the same changes changes nothing.
func TestReplicaEveryKindOfChange(t *testing.T) {
	url := testenv.PostgresDatabase(t) + "&default_query_exec_mode=exec"
	src := &memSource{id: "src1"}
	st := &replica.Streamer{Source: src, URL: url, BatchSize: 3, Now: time.Now}
	ctx := context.Background()

	src.add(replica.Collections, "sb_bookings", replica.OpUpsert, bookingsDef)
	src.add("bookings", "b1", replica.OpUpsert, map[string]any{"id": "b1", "status": "confirmed", "start": "2026-03-29 01:30:00.000Z", "hosts": []string{"h1", "h2"}, "seats": 2, "paid": true, "answers": map[string]any{"q": "a"}})
	src.add("bookings", "b2", replica.OpUpsert, map[string]any{"id": "b2", "status": "pending", "start": "", "hosts": []string{}, "seats": "not a number", "paid": nil, "answers": nil, "notes": "nul\x00byte"})
	src.add("bookings", "b1", replica.OpUpsert, map[string]any{"id": "b1", "status": "cancelled", "start": "2026-03-29 01:30:00.000Z", "hosts": []string{"h1"}, "seats": 1, "paid": false, "answers": map[string]any{}})
	src.add("bookings", "b2", replica.OpDelete, map[string]any{"id": "b2"})
	// An admin adds a field: the definition arrives first, then records carry it.
	def := map[string]any{"id": "sb_bookings", "name": "bookings", "type": "base", "fields": append(bookingsDef["fields"].([]map[string]any), map[string]any{"name": "room", "type": "text"})}
	src.add(replica.Collections, "sb_bookings", replica.OpUpsert, def)
	src.add("bookings", "b3", replica.OpUpsert, map[string]any{"id": "b3", "status": "confirmed", "room": "Blue"})
	// A record of a collection whose definition never arrived still lands (jsonb only).
	src.add("notes", "n1", replica.OpUpsert, map[string]any{"id": "n1", "text": "hi"})
	if err := st.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	{
		var p int64
		var dump string
		c2 := connect(t, url)
		_ = c2.QueryRow(ctx, "SELECT seq FROM slotbase._position").Scan(&p)
		_ = c2.QueryRow(ctx, "SELECT json_agg(n)::text FROM slotbase.bookings n").Scan(&dump)
		t.Logf("pos %d acked %d log %d: %s", p, src.acked, len(src.log), dump)
	}
	if src.snapped != 1 {
		t.Fatalf("a fresh schema takes one snapshot, got %d", src.snapped)
	}

	conn := connect(t, url)
	type row struct {
		id, status string
		deleted    bool
		seq        int64
		seats      *float64
		paid       *bool
		start      *time.Time
		hosts, rec string
		room       *string
	}
	read := func() map[string]row {
		rows, err := conn.Query(ctx, `SELECT id, coalesce(status,''), _deleted, _seq, seats, paid, start, coalesce(hosts::text,''), _record::text, room FROM slotbase.bookings`)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]row{}
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.status, &r.deleted, &r.seq, &r.seats, &r.paid, &r.start, &r.hosts, &r.rec, &r.room); err != nil {
				t.Fatal(err)
			}
			out[r.id] = r
		}
		return out
	}
	got := read()
	b1, b2, b3 := got["b1"], got["b2"], got["b3"]
	if b1.status != "cancelled" || b1.deleted || b1.seq != 4 || *b1.seats != 1 || *b1.paid || b1.hosts != `["h1"]` || !b1.start.Equal(time.Date(2026, 3, 29, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("b1 = %+v", b1)
	}
	if !b2.deleted || b2.seq != 5 || b2.seats != nil || b2.start != nil {
		t.Errorf("b2 should be a tombstone with NULLs for unfit values: %+v", b2)
	}
	if b3.room == nil || *b3.room != "Blue" {
		t.Errorf("b3 room (a field added later) = %v", b3.room)
	}
	var notes int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM slotbase.notes WHERE NOT _deleted").Scan(&notes); err != nil || notes != 1 {
		var dump string
		_ = conn.QueryRow(ctx, "SELECT json_agg(n)::text FROM slotbase.notes n").Scan(&dump)
		t.Errorf("notes rows = %d, %v: %s", notes, err, dump)
	}

	// Replays of old changes (a crash between PostgreSQL's commit and the
	// prune) never regress a row: Apply skips them and the seq guard holds.
	target, err := replica.Open(ctx, url, "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close(ctx)
	old, _ := json.Marshal(map[string]any{"id": "b1", "status": "confirmed"})
	if _, err := target.Apply(ctx, "src1", []replica.Change{{Seq: 2, Collection: "bookings", RecordID: "b1", Op: replica.OpUpsert, Data: old, At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "UPDATE slotbase._position SET seq = 0"); err != nil { // even with a lost position
		t.Fatal(err)
	}
	if _, err := target.Apply(ctx, "src1", []replica.Change{{Seq: 2, Collection: "bookings", RecordID: "b1", Op: replica.OpUpsert, Data: old, At: time.Now()}}); err != nil {
		t.Fatal(err)
	}
	if after := read(); after["b1"].status != "cancelled" || after["b1"].seq != 4 {
		t.Errorf("replay regressed b1: %+v", after["b1"])
	}
	if _, err := conn.Exec(ctx, "UPDATE slotbase._position SET seq = 8"); err != nil {
		t.Fatal(err)
	}

	// A sweep (after a snapshot) tombstones what the snapshot did not touch.
	first := src.add("bookings", "b3", replica.OpUpsert, map[string]any{"id": "b3", "status": "confirmed", "room": "Blue"})
	src.add("bookings", "", replica.OpSweep, map[string]any{"before": first})
	if err := st.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	got = read()
	if !got["b1"].deleted || got["b3"].deleted {
		t.Errorf("sweep: b1 deleted=%v (want true), b3 deleted=%v (want false)", got["b1"].deleted, got["b3"].deleted)
	}
	if len(src.log) != 0 || src.acked != src.next {
		t.Errorf("acked %d of %d, %d left in the log", src.acked, src.next, len(src.log))
	}

	// Another data dir never overwrites this replica.
	other := &replica.Streamer{Source: &memSource{id: "src2"}, URL: url, Now: time.Now}
	if _, err := other.Step(ctx); !errors.Is(err, replica.ErrOtherSource) {
		t.Fatalf("other source: %v, want ErrOtherSource", err)
	}
	if !errors.Is(func() error { _, err := target.Apply(ctx, "src2", nil); return err }(), replica.ErrOtherSource) {
		t.Fatal("Apply from another source must fail")
	}
}

// TestReplicaOrderingConcurrentStreamers: two streamers over one log (a
// serving process and `replica verify`) apply each change once, in order.
func TestReplicaOrderingConcurrentStreamers(t *testing.T) {
	url := testenv.PostgresDatabase(t)
	src := &memSource{id: "src"}
	src.add(replica.Collections, "sb_bookings", replica.OpUpsert, bookingsDef)
	const n = 2000
	for i := range n {
		src.add("bookings", fmt.Sprintf("b%d", i%50), replica.OpUpsert, map[string]any{"status": "confirmed", "seats": i})
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st := &replica.Streamer{Source: src, URL: url, BatchSize: 37, Now: time.Now}
			if err := st.Drain(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	conn := connect(t, url)
	rows, err := conn.Query(ctx, "SELECT id, seats, _seq FROM slotbase.bookings")
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for rows.Next() {
		var id string
		var seats float64
		var seq int64
		if err := rows.Scan(&id, &seats, &seq); err != nil {
			t.Fatal(err)
		}
		var k int
		fmt.Sscanf(id, "b%d", &k)
		last := n - 50 + k // the last write of that id
		if int(seats) != last || seq != int64(last)+2 {
			t.Errorf("%s: seats %v seq %d, want the last write %d (seq %d)", id, seats, seq, last, last+2)
		}
		seen++
	}
	if seen != 50 {
		t.Fatalf("%d rows, want 50", seen)
	}
}

func TestRowHashCanonical(t *testing.T) {
	scenarios := []struct{ a, b string }{
		{`{"a":1,"b":[1,2]}`, `{"b": [1, 2], "a": 1.0}`},
		{`{"s":"x\u0000y"}`, `{"s":"xy"}`},
	}
	for _, s := range scenarios {
		ha, _ := replica.RowHash([]byte(s.a))
		hb, _ := replica.RowHash([]byte(s.b))
		if ha != hb {
			t.Errorf("%s and %s hash differently", s.a, s.b)
		}
	}
	d := replica.Compare("x", map[string]string{"1": "a", "2": "b"}, map[string]string{"2": "c", "3": "d"})
	if len(d) != 3 || d[0].Kind != "missing" || d[1].Kind != "differs" || d[2].Kind != "extra" {
		t.Fatalf("Compare = %+v", d)
	}
}

// TestStreamerNeedsClock: the package never reads the wall clock itself, so
// a streamer without one refuses to step, and Run returns at once instead
// of retrying forever.
func TestStreamerNeedsClock(t *testing.T) {
	st := &replica.Streamer{Source: &memSource{id: "src"}, URL: "postgres://nobody@127.0.0.1:1/none?sslmode=disable"}
	if _, err := st.Step(context.Background()); !errors.Is(err, replica.ErrNoClock) {
		t.Fatalf("Step without a clock: %v, want ErrNoClock", err)
	}
	done := make(chan struct{})
	go func() { defer close(done); st.Run(context.Background()) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Run without a clock keeps going")
	}
	if st.Status().Failures != 0 {
		t.Fatalf("a missing clock is no stream failure: %+v", st.Status())
	}
}
