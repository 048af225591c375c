package collections_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/pocketbase/dbx"

	c "github.com/slotbase/slotbase/collections"
)

// TestBookingRowViewIsTheRecordView: a list page read as rows gives the
// views BookingViewsOf gives of the same page read as records, field for
// field, for bookings with every column a view reads set (a paid and
// partly refunded one, a moved one, one with answers and two hosts) and
// plain ones; with filters, both sort orders and offsets. It fails when a
// view reads a column FindBookingViews does not select.
func TestBookingRowViewIsTheRecordView(t *testing.T) {
	app := migratedApp(t)
	sched := saveRecord(t, app, c.Schedules, map[string]any{c.SchedulesName: "s", c.SchedulesTimezone: "UTC", c.SchedulesWeekly: `{}`})
	host := func(name string) string { return saveHost(t, app, sched.Id, name, "Europe/Paris") }
	ann, bo := host("ann"), host("bo")
	et := saveRecord(t, app, c.EventTypes, map[string]any{c.EventTypesSlug: "x", c.EventTypesTitle: "Intro", c.EventTypesDuration: 30,
		c.EventTypesHosts: []string{ann, bo}, c.EventTypesAssignment: c.AssignmentCollective,
		c.EventTypesQuestions: `[{"id":"company","label":"Company","type":"text"}]`})
	start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	for i := range 12 {
		at := start.Add(time.Duration(i/3) * time.Hour) // three bookings share each start: ties broken by id
		values := map[string]any{c.BookingsEventType: et.Id, c.BookingsHosts: []string{ann}, c.BookingsStart: at,
			c.BookingsEnd: at.Add(30 * time.Minute), c.BookingsStatus: c.StatusConfirmed, c.BookingsName: fmt.Sprint("Zoë ", i),
			c.BookingsEmail: fmt.Sprintf("z%d@example.com", i), c.BookingsTimezone: "America/New_York"}
		if i%4 == 0 {
			values[c.BookingsHosts] = []string{bo, ann}
			values[c.BookingsStatus] = c.StatusCancelled
			values[c.BookingsNotes] = "line one\nline \"two\""
			values[c.BookingsAnswers] = `{"company":"Acme, Inc."}`
			values[c.BookingsCancelReason] = "ill"
			values[c.BookingsRescheduledFrom] = at.Add(-24 * time.Hour)
			values[c.BookingsSequence] = 3
			values[c.BookingsLanguage] = "fr"
			values[c.BookingsPaymentStatus] = c.PaymentPartiallyRefunded
			values[c.BookingsPaymentAmount] = 2500
			values[c.BookingsPaymentCurrency] = "eur"
			values[c.BookingsRefundedAmount] = 1000
			values[c.BookingsHoldExpiresAt] = at.Add(-time.Hour)
			values[c.BookingsCheckoutURL] = "https://checkout.example/s/1"
		}
		saveRecord(t, app, c.Bookings, values)
	}
	scenarios := []struct {
		filter, sort  string
		limit, offset int
		params        dbx.Params
	}{
		{"id != ''", "start,id", 50, 0, nil},
		{"id != ''", "-start,-id", 5, 0, nil},
		{"id != ''", "-start,-id", 5, 5, nil},
		{"id != '' && status = {:s}", "start,id", 50, 0, dbx.Params{"s": c.StatusCancelled}},
		{"id != '' && hosts ~ {:h} && start >= {:from}", "-start,-id", 4, 1, dbx.Params{"h": bo, "from": c.UTCString(start.Add(time.Hour))}},
		{"id != '' && status = {:s}", "start,id", 50, 0, dbx.Params{"s": c.StatusPending}}, // none
	}
	rich := 0
	for _, sc := range scenarios {
		t.Run(sc.filter+" "+sc.sort+fmt.Sprint(" ", sc.offset), func(t *testing.T) {
			records, err := app.FindRecordsByFilter(c.Bookings, sc.filter, sc.sort, sc.limit, sc.offset, sc.params)
			if err != nil {
				t.Fatal(err)
			}
			want, err := c.BookingViewsOf(app, records)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.FindBookingViews(app, sc.filter, sc.sort, sc.limit, sc.offset, sc.params, c.DBViewRefs(app))
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%d views, want %d", len(got), len(want))
			}
			for i := range want {
				if !reflect.DeepEqual(got[i], want[i]) {
					t.Fatalf("view %d:\n got %+v\nwant %+v", i, got[i], want[i])
				}
				if want[i].Payment != nil && want[i].Answers != nil && !want[i].RescheduledFrom.IsZero() && len(want[i].Hosts) == 2 {
					rich++
				}
			}
		})
	}
	if rich == 0 {
		t.Fatal("no booking with every column set was compared")
	}
	if _, err := c.FindBookingViews(app, "nosuchfield = 1", "start", 10, 0, nil, c.DBViewRefs(app)); err == nil {
		t.Fatal("a bad filter gave no error")
	}
}
