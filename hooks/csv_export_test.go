package hooks

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
)

// TestCSVExportManyBookingsExact: an export spanning many batches (csvBatch
// rows each) holds every booking exactly once, in (start, id) order, also
// where several bookings share a start across a batch boundary, and keeps a
// quoted, multi-line, non-ASCII field intact; a filter narrows it the same way.
func TestCSVExportManyBookingsExact(t *testing.T) {
	const n = 4*csvBatch + 37 // several batches and a partial last one
	const perStart = 7        // bookings sharing each start: ties straddle batch boundaries
	app, host := bookingApp(t, nil)
	defer app.Cleanup()
	et, err := c.FindActiveEventType(app, "call")
	if err != nil {
		t.Fatal(err)
	}
	tricky := "Zoë «Ünïcode» 東京, \"quoted\"\nsecond line"
	var want []string // ids in (start, id) order
	err = app.RunInTransaction(func(tx core.App) error {
		for i := range n {
			start := testNow.Add(time.Duration(i/perStart) * time.Hour)
			// ids inserted out of their sort order within a start
			id := fmt.Sprintf("x%03d%011d", i/perStart, (perStart-i%perStart)*1000+i)
			name := "Person " + strconv.Itoa(i)
			if i == n/2 {
				name = tricky
			}
			_, err := tx.DB().Insert(c.Bookings, dbx.Params{
				"id": id, "event_type": et.Id, "hosts": `["` + host + `"]`,
				"start": c.UTCString(start), "end": c.UTCString(start.Add(30 * time.Minute)), "status": "confirmed",
				"name": name, "email": "p" + strconv.Itoa(i) + "@example.com", "timezone": "UTC",
				"notes": "", "answers": "{}", "created": c.UTCString(testNow), "updated": c.UTCString(testNow),
			}).Execute()
			if err != nil {
				return err
			}
			want = append(want, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(want) // an id starts with its start's number here: id order is (start, id) order
	key, _, err := createAPIKey(app, systemActor, "csv", []string{"bookings:read"}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(testMux(t, app))
	defer srv.Close()
	export := func(query string) [][]string {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/admin/bookings.csv"+query, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != http.StatusOK {
			body, _ := io.ReadAll(res.Body)
			t.Fatalf("export %q: %d %s", query, res.StatusCode, body)
		}
		rows, err := csv.NewReader(res.Body).ReadAll()
		if err != nil {
			t.Fatalf("export %q: %v", query, err)
		}
		return rows
	}

	rows := export("")
	if len(rows) != n+1 || !slices.Equal(rows[0], booking.CSVHeader) {
		t.Fatalf("%d rows (want %d and the header), header %q", len(rows), n+1, rows[0])
	}
	var got []string
	names := map[string]string{}
	for _, r := range rows[1:] {
		got = append(got, r[0])
		names[r[0]] = r[6]
	}
	if !slices.Equal(got, want) {
		for i := range got {
			if i >= len(want) || got[i] != want[i] {
				t.Fatalf("row %d is %s, want %s (first %s / %s, last %s / %s)", i+1, got[i], want[i], got[0], want[0], got[len(got)-1], want[len(want)-1])
			}
		}
		t.Fatalf("ids differ")
	}
	if last := testNow.Add(time.Duration((n-1)/perStart) * time.Hour).Format(time.RFC3339); rows[1][3] != "2026-03-02T00:00:00Z" || rows[n][3] != last {
		t.Fatalf("first start %s, last start %s", rows[1][3], rows[n][3])
	}
	trickyID := want[slices.IndexFunc(want, func(id string) bool { return names[id] == tricky })]
	if trickyID == "" || names[trickyID] != tricky {
		t.Fatalf("the quoted unicode field did not come back intact")
	}

	// A filter narrows the batches the same way: the first 100 hours.
	to := testNow.Add(100 * time.Hour).Format(time.RFC3339)
	rows = export("?to=" + to)
	if len(rows) != 100*perStart+1 || rows[len(rows)-1][0] != want[100*perStart-1] {
		t.Fatalf("filtered export: %d rows, last %v", len(rows), rows[len(rows)-1])
	}
}

// TestExportGate: one export at a time; a waiting export gives up when its
// client goes away, and runs once the first is done.
func TestExportGate(t *testing.T) {
	var g exportGate
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := g.acquire(ctx); err == nil {
		t.Fatal("a second export got the gate while the first held it")
	}
	got := make(chan error, 1)
	go func() { got <- g.acquire(context.Background()) }()
	select {
	case err := <-got:
		t.Fatalf("the waiting export ran before the first was done (%v)", err)
	default:
	}
	g.release()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("the waiting export never ran after the first was done")
	}
	g.release()
}
