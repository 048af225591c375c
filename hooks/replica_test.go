package hooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
)

// unreachablePostgres is a PostgreSQL URL nothing listens on: capture is on
// and the stream fails, so the change log keeps every change.
const unreachablePostgres = "postgres://slotbase@127.0.0.1:1/replica?sslmode=disable&connect_timeout=2"

// replicaLogOps lists the ops the change log holds for one record.
func replicaLogOps(t *testing.T, db core.App, collection, id string) []string {
	t.Helper()
	var ops []string
	if err := db.DB().NewQuery("SELECT op FROM _slotbase_replica_log WHERE collection = {:c} AND record_id = {:id} ORDER BY seq").
		Bind(dbx.Params{"c": collection, "id": id}).Column(&ops); err != nil {
		t.Fatal(err)
	}
	return ops
}

// TestCaptureBoundByRegister: Register binds the change capture on every
// app, tests' included. With a PostgreSQL URL configured, a booking made
// through the public API is in the change log (written in the booking's
// transaction), a rolled-back booking is not, and the status route reports
// the backlog.
func TestCaptureBoundByRegister(t *testing.T) {
	app := seeded(t, Config{NoDemo: true, Now: fixedClock(testNow), PostgresURL: unreachablePostgres})
	defer app.Cleanup()
	host := mkHost(t, app, "Alice", "Europe/London", weekdays9to5)
	et := mkEventType(t, app, "call", []string{host}, nil)
	url := serveHTTP(t, app) // the serve event turns capture on
	client := &http.Client{Timeout: 10 * time.Second}

	code, body := postJSON(t, client, url+"/api/bookings", goodBooking(), nil)
	if code != http.StatusCreated {
		t.Fatalf("booking: %d %v", code, body)
	}
	id := body["id"].(string)
	if ops := replicaLogOps(t, app, c.Bookings, id); len(ops) == 0 || ops[len(ops)-1] != "upsert" {
		t.Fatalf("the booking's change log: %v", ops)
	}

	errRollback := errors.New("roll back")
	const rolledBack = "rolledback00001"
	var inside []string
	err := app.RunInTransaction(func(tx core.App) error {
		start := testNow.Add(34 * time.Hour) // Tuesday 10:00
		b, err := newRecord(tx, c.Bookings, map[string]any{
			c.BookingsEventType: et.Id, c.BookingsHosts: []string{host},
			c.BookingsStart: start, c.BookingsEnd: start.Add(30 * time.Minute),
			c.BookingsStatus: c.StatusConfirmed, c.BookingsName: "Rolled Back",
			c.BookingsEmail: "rb@example.com", c.BookingsTimezone: "Europe/London",
		})
		if err != nil {
			return err
		}
		b.Id = rolledBack
		if err := tx.Save(b); err != nil {
			return err
		}
		inside = replicaLogOps(t, tx, c.Bookings, rolledBack)
		return errRollback
	})
	if !errors.Is(err, errRollback) || len(inside) != 1 {
		t.Fatalf("inside the booking's transaction the log holds %v (%v)", inside, err)
	}
	if ops := replicaLogOps(t, app, c.Bookings, rolledBack); len(ops) != 0 {
		t.Fatalf("a rolled-back booking left %v in the change log", ops)
	}

	// The status route (superusers) sees the backlog the failing stream left.
	token := superuserToken(t, app)
	req, _ := http.NewRequest(http.MethodGet, url+"/api/admin/replica", nil)
	if res, err := client.Do(req); err != nil || res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous status: %v %v", res, err)
	} else {
		res.Body.Close()
	}
	req.Header.Set("Authorization", token)
	var st struct {
		Enabled    bool   `json:"enabled"`
		Target     string `json:"target"`
		LagChanges int64  `json:"lag_changes"`
	}
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if err := json.NewDecoder(res.Body).Decode(&st); err != nil || res.StatusCode != http.StatusOK || !st.Enabled || st.Target != "127.0.0.1:1/replica" || st.LagChanges == 0 {
		t.Fatalf("status %d %+v %v", res.StatusCode, st, err)
	}
}

// TestCaptureOffWithoutPostgres: in the ordinary test app (no PostgreSQL
// URL) the capture is bound but off: bookings leave no change log.
func TestCaptureOffWithoutPostgres(t *testing.T) {
	app, _ := bookingApp(t, nil)
	defer app.Cleanup()
	url := serveHTTP(t, app)
	code, body := postJSON(t, &http.Client{Timeout: 10 * time.Second}, url+"/api/bookings", goodBooking(), nil)
	if code != http.StatusCreated {
		t.Fatalf("booking: %d %v", code, body)
	}
	if ops := replicaLogOps(t, app, c.Bookings, body["id"].(string)); len(ops) != 0 {
		t.Fatalf("capture off, yet the log holds %v", ops)
	}
}
