package collections

import (
	"database/sql"
	"fmt"
	"time"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/slotbase/slotbase/internal/booking"
)

// LoadBookingView loads booking id with its event type and hosts: the one
// view every output of a booking is rendered from. A missing booking is an
// error wrapping sql.ErrNoRows.
func LoadBookingView(app core.App, id string) (booking.View, error) {
	r, err := app.FindRecordById(Bookings, id)
	if err != nil {
		return booking.View{}, fmt.Errorf("booking %s: %w", id, err)
	}
	return BookingViewOf(app, r)
}

// BookingViewOf builds the view of booking record r (loaded by the caller,
// in its transaction if it has one).
func BookingViewOf(app core.App, r *core.Record) (booking.View, error) {
	views, err := BookingViewsOf(app, []*core.Record{r})
	if err != nil {
		return booking.View{}, err
	}
	return views[0], nil
}

// BookingViewsOf builds the views of many bookings with two more queries
// (their event types, their hosts), for lists and exports. An event type
// that no longer exists is an error wrapping sql.ErrNoRows (bookings
// require one); a host deleted since is left out of the view.
func BookingViewsOf(app core.App, records []*core.Record) ([]booking.View, error) {
	return BookingViewsWith(records, DBViewRefs(app))
}

// ViewRefs finds what a booking view refers to, by id: the views of event
// types and hosts. Ids not found are left out of the maps. A caller may
// keep them between requests (hooks keeps them until the next change of
// those collections); the maps and views it returns are read, never changed.
type ViewRefs struct {
	EventTypes func(ids []string) (map[string]booking.EventTypeView, error)
	Hosts      func(ids []string) (map[string]booking.HostView, error)
}

// DBViewRefs reads the event types and hosts of views from app's database,
// one query each.
func DBViewRefs(app core.App) ViewRefs {
	return ViewRefs{
		EventTypes: func(ids []string) (map[string]booking.EventTypeView, error) {
			ets, err := app.FindRecordsByIds(EventTypes, ids)
			if err != nil {
				return nil, fmt.Errorf("event types of bookings: %w", err)
			}
			out := make(map[string]booking.EventTypeView, len(ets))
			for _, r := range ets {
				v, err := EventTypeViewOf(NewEventType(r))
				if err != nil {
					return nil, err
				}
				out[v.ID] = v
			}
			return out, nil
		},
		Hosts: func(ids []string) (map[string]booking.HostView, error) {
			hosts, err := app.FindRecordsByIds(Hosts, ids)
			if err != nil {
				return nil, fmt.Errorf("hosts of bookings: %w", err)
			}
			out := make(map[string]booking.HostView, len(hosts))
			for _, r := range hosts {
				out[r.Id] = HostViewOf(NewHost(r))
			}
			return out, nil
		},
	}
}

// EventTypeViewOf is what a booking view knows of event type et.
func EventTypeViewOf(et *EventType) (booking.EventTypeView, error) {
	questions, err := booking.ParseQuestions(et.QuestionsJSON())
	if err != nil {
		return booking.EventTypeView{}, fmt.Errorf("event type %s: %w", et.Id, err)
	}
	// Translations were checked on save; ones that no longer fit the
	// questions are left out rather than keep the booking's mails back.
	translations, _ := booking.ParseTranslations(et.TranslationsJSON(), questions)
	return booking.EventTypeView{ID: et.Id, Slug: et.Slug(), Title: et.Title(), Description: et.Description(),
		Location: et.Location(), Duration: et.Duration(), Questions: questions, Translations: translations}, nil
}

// HostViewOf is what a booking view knows of host h.
func HostViewOf(h *Host) booking.HostView {
	return booking.HostView{ID: h.Id, Name: h.Name(), Email: h.Email(), Timezone: h.Timezone()}
}

// BookingViewsWith builds the views of records, finding their event types
// and hosts through refs (BookingViewsOf's errors).
func BookingViewsWith(records []*core.Record, refs ViewRefs) ([]booking.View, error) {
	return bookingViews(records, refs)
}

// storedBooking is how a booking view reads a stored booking's fields: a
// *core.Record, or a bookingRow of a list page (booking_list.go). Both
// answer with PocketBase's own normalised values, so a view is the same
// whichever it is built from.
type storedBooking interface {
	GetString(key string) string
	GetInt(key string) int
	GetDateTime(key string) types.DateTime
	GetStringSlice(key string) []string
	UnmarshalJSONField(key string, result any) error
}

// bookingViews is the one place a stored booking becomes its view.
func bookingViews[B storedBooking](records []B, refs ViewRefs) ([]booking.View, error) {
	etIDs, hostIDs := map[string]bool{}, map[string]bool{}
	for _, r := range records {
		etIDs[r.GetString(BookingsEventType)] = true
		for _, h := range r.GetStringSlice(BookingsHosts) {
			hostIDs[h] = true
		}
	}
	etByID, err := refs.EventTypes(keysOf(etIDs))
	if err != nil {
		return nil, err
	}
	hostByID, err := refs.Hosts(keysOf(hostIDs))
	if err != nil {
		return nil, err
	}
	out := make([]booking.View, len(records))
	for i, r := range records {
		id, etID := r.GetString(core.FieldNameId), r.GetString(BookingsEventType)
		et, ok := etByID[etID]
		if !ok {
			return nil, fmt.Errorf("booking %s: event type %s is gone: %w", id, etID, sql.ErrNoRows)
		}
		v := booking.View{
			ID: id, Status: booking.Status(r.GetString(BookingsStatus)),
			Start: r.GetDateTime(BookingsStart).Time().UTC(), End: r.GetDateTime(BookingsEnd).Time().UTC(),
			Sequence:  r.GetInt(BookingsSequence),
			EventType: et,
			Invitee:   booking.Person{Name: r.GetString(BookingsName), Email: r.GetString(BookingsEmail), Timezone: r.GetString(BookingsTimezone)},
			Notes:     r.GetString(BookingsNotes), CancelReason: r.GetString(BookingsCancelReason),
			RescheduledFrom: r.GetDateTime(BookingsRescheduledFrom).Time(),
			Created:         r.GetDateTime(FieldCreated).Time(), Updated: r.GetDateTime(FieldUpdated).Time(),
			Language: r.GetString(BookingsLanguage), Payment: paymentViewOf(r),
		}
		if raw := r.GetString(BookingsAnswers); raw != "" && raw != "null" {
			if err := r.UnmarshalJSONField(BookingsAnswers, &v.Answers); err != nil {
				return nil, fmt.Errorf("booking %s: answers: %w", id, err)
			}
		}
		for _, id := range r.GetStringSlice(BookingsHosts) {
			if h, ok := hostByID[id]; ok { // a host deleted since is left out
				v.Hosts = append(v.Hosts, h)
			}
		}
		out[i] = v
	}
	return out, nil
}

// BookingViewWith builds booking r's view from its event type and its
// hosts' views (by id) in hand, without a query: the booking transaction's
// reply, whose records it has just read or written.
func BookingViewWith(r *core.Record, et *EventType, hosts map[string]booking.HostView) (booking.View, error) {
	etView, err := EventTypeViewOf(et)
	if err != nil {
		return booking.View{}, err
	}
	views, err := BookingViewsWith([]*core.Record{r}, ViewRefs{
		EventTypes: func([]string) (map[string]booking.EventTypeView, error) {
			return map[string]booking.EventTypeView{et.Id: etView}, nil
		},
		Hosts: func([]string) (map[string]booking.HostView, error) { return hosts, nil },
	})
	if err != nil {
		return booking.View{}, err
	}
	return views[0], nil
}

// paymentViewOf is booking r's payment (nil for a booking of a free type).
func paymentViewOf(r storedBooking) *booking.PaymentView {
	status := r.GetString(BookingsPaymentStatus)
	if status == "" {
		return nil
	}
	return &booking.PaymentView{
		Status: status, Amount: int64(r.GetInt(BookingsPaymentAmount)), Currency: r.GetString(BookingsPaymentCurrency),
		Refunded: int64(r.GetInt(BookingsRefundedAmount)), HoldExpiresAt: r.GetDateTime(BookingsHoldExpiresAt).Time(),
		CheckoutURL: r.GetString(BookingsCheckoutURL),
	}
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// SessionHostAt returns the host, among hosts, of a live booking of event
// type etID that starts exactly at start — a seated session another
// invitee can join ("" when there is none; the lowest id when several).
func SessionHostAt(app core.App, etID string, start time.Time, hosts []string) (string, error) {
	in, params := InList("h", hosts)
	params["et"], params["start"] = etID, UTCString(start)
	var joined []struct {
		Host string `db:"host"`
	}
	err := app.DB().NewQuery(`SELECT j.value AS host FROM bookings b, json_each(b.hosts) j
		WHERE b.event_type = {:et} AND b.start = {:start} AND b.status IN ` + LiveStatusesSQL + `
		AND j.value IN (` + in + `) ORDER BY j.value LIMIT 1`).Bind(params).All(&joined)
	if err != nil || len(joined) == 0 {
		return "", err
	}
	return joined[0].Host, nil
}

// HostLoad counts host's live bookings of event type etID that start in
// [from, to), and when the latest of them was made (zero for none): what
// round robin weighs.
func HostLoad(app core.App, host, etID string, from, to time.Time) (int, time.Time, error) {
	var row struct {
		N    int    `db:"n"`
		Last string `db:"last"`
	}
	query, params := HostBookingsSQL("b.created", []string{host},
		"b.event_type = {:et} AND b.status IN "+LiveStatusesSQL+" AND b.start >= {:ws} AND b.start < {:we}")
	params["et"], params["ws"], params["we"] = etID, UTCString(from), UTCString(to)
	err := app.DB().NewQuery(`SELECT COUNT(*) AS n, COALESCE(MAX(created), '') AS last FROM (` + query + `)`).Bind(params).One(&row)
	if err != nil {
		return 0, time.Time{}, err
	}
	var last time.Time
	if row.Last != "" {
		last = ParseStoredTime(row.Last)
	}
	return row.N, last, nil
}
