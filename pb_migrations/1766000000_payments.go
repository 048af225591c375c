package migrations

import (
	"fmt"
	"slices"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// Paid sessions (issue 20, PAYMENTS.md): event types carry a price, a
// currency, a hold and a refund policy; bookings gain the status
// awaiting_payment and their payment's state; stripe_events remembers the
// Stripe webhook events applied (one row each, unique event id).
func init() {
	m.Register(func(app core.App) error {
		ets, err := app.FindCollectionByNameOrId(c.EventTypesID)
		if err != nil {
			return err
		}
		ets.Fields.Add(
			number(c.EventTypesPrice, 0, 100_000_000, "Price in the currency's minor units (cents): 2500 = 25.00. 0 = free. Needs SLOTBASE_STRIPE_SECRET_KEY."),
			pattern(c.EventTypesCurrency, false, `^[a-z]{3}$|^$`, "ISO 4217 code in lowercase, e.g. eur, usd, gbp (required with a price)."),
			number(c.EventTypesPaymentHoldMinutes, 0, 1440, "How long an unpaid booking holds its time while the invitee pays: 5 to 1440 minutes (0 = 15)."),
			number(c.EventTypesRefundWindowHours, 0, 8760, "An invitee who cancels at least this many hours before the start is refunded (0 = always)."),
			number(c.EventTypesRefundPercent, 0, 100, "Share of the price refunded to an invitee who cancels in time (0 to 100). Host and admin cancellations always refund in full."),
		)
		if err := app.Save(ets); err != nil {
			return err
		}
		if _, err := app.DB().NewQuery("UPDATE " + c.EventTypes + " SET " + c.EventTypesPaymentHoldMinutes + " = 15, " + c.EventTypesRefundPercent + " = 100").Execute(); err != nil {
			return err
		}

		bookings, err := app.FindCollectionByNameOrId(c.BookingsID)
		if err != nil {
			return err
		}
		status, ok := bookings.Fields.GetByName(c.BookingsStatus).(*core.SelectField)
		if !ok {
			return fmt.Errorf("bookings.%s: not a select field", c.BookingsStatus)
		}
		if !slices.Contains(status.Values, c.StatusAwaitingPayment) {
			status.Values = append(status.Values, c.StatusAwaitingPayment)
		}
		bookings.Fields.Add(
			choice(c.BookingsPaymentStatus, false, "Set by slotbase: the payment of a paid event type's booking (empty: free).", c.PaymentStatuses...),
			number(c.BookingsPaymentAmount, 0, 100_000_000, "Set by slotbase: the price paid, in minor units."),
			text(c.BookingsPaymentCurrency, false, 3, "Set by slotbase."),
			number(c.BookingsRefundedAmount, 0, 100_000_000, "Set by slotbase: refunded, in minor units."),
			text(c.BookingsCheckoutSession, false, 255, "Set by slotbase: the Stripe Checkout Session id."),
			text(c.BookingsCheckoutURL, false, 2048, "Set by slotbase: where the invitee pays."),
			text(c.BookingsPaymentIntent, false, 255, "Set by slotbase: the Stripe payment intent id."),
			date(c.BookingsHoldExpiresAt, false, "Set by slotbase: when an unpaid hold ends."),
		)
		bookings.AddIndex("idx_bookings_checkout_session", false, c.BookingsCheckoutSession, "")
		if err := app.Save(bookings); err != nil {
			return err
		}

		events := adminOnly(c.StripeEvents, c.StripeEventsID,
			text(c.StripeEventsEventID, true, 255, ""),
			text(c.StripeEventsType, true, 255, ""),
			text(c.StripeEventsBooking, false, 64, ""),
		)
		events.AddIndex("idx_stripe_events_event_id", true, c.StripeEventsEventID, "")
		return app.Save(events)
	}, func(app core.App) error {
		if events, err := app.FindCollectionByNameOrId(c.StripeEventsID); err == nil {
			if err := app.Delete(events); err != nil {
				return err
			}
		}
		// Holds end with the status they stand on.
		if _, err := app.DB().NewQuery("UPDATE " + c.Bookings + " SET status = 'cancelled' WHERE status = 'awaiting_payment'").Execute(); err != nil {
			return err
		}
		bookings, err := app.FindCollectionByNameOrId(c.BookingsID)
		if err != nil {
			return err
		}
		bookings.RemoveIndex("idx_bookings_checkout_session")
		for _, f := range []string{c.BookingsPaymentStatus, c.BookingsPaymentAmount, c.BookingsPaymentCurrency, c.BookingsRefundedAmount,
			c.BookingsCheckoutSession, c.BookingsCheckoutURL, c.BookingsPaymentIntent, c.BookingsHoldExpiresAt} {
			bookings.Fields.RemoveByName(f)
		}
		if status, ok := bookings.Fields.GetByName(c.BookingsStatus).(*core.SelectField); ok {
			status.Values = slices.DeleteFunc(status.Values, func(v string) bool { return v == c.StatusAwaitingPayment })
		}
		if err := app.Save(bookings); err != nil {
			return err
		}
		ets, err := app.FindCollectionByNameOrId(c.EventTypesID)
		if err != nil {
			return err
		}
		for _, f := range []string{c.EventTypesPrice, c.EventTypesCurrency, c.EventTypesPaymentHoldMinutes, c.EventTypesRefundWindowHours, c.EventTypesRefundPercent} {
			ets.Fields.RemoveByName(f)
		}
		return app.Save(ets)
	})
}
