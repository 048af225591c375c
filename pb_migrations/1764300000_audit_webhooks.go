package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"

	c "github.com/slotbase/slotbase/collections"
)

// The audit log, and the webhooks with their delivery log.
func init() {
	m.Register(func(app core.App) error {
		for _, col := range []*core.Collection{auditLogCollection(), webhooksCollection(), webhookDeliveriesCollection()} {
			if err := app.Save(col); err != nil {
				return err
			}
		}
		return nil
	}, func(app core.App) error {
		for _, id := range []string{c.WebhookDeliveriesID, c.WebhooksID, c.AuditLogID} {
			if col, err := app.FindCollectionByNameOrId(id); err == nil {
				if err := app.Delete(col); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// auditLogCollection is the audit log. Its rules are nil (superusers only)
// and hooks/audit.go rejects creates, updates and deletes through the
// records API, so in the admin UI it is read-only; it has no "updated".
func auditLogCollection() *core.Collection {
	col := core.NewBaseCollection(c.AuditLog, c.AuditLogID)
	col.ListRule, col.ViewRule, col.CreateRule, col.UpdateRule, col.DeleteRule = nil, nil, nil, nil, nil
	col.Fields.Add(
		choice(c.AuditLogActorKind, true, "Who: a superuser (admin UI or admin API), an API key, the invitee (through the private link) or the system (background jobs)", c.AuditActorKinds...),
		text(c.AuditLogActorID, false, 64, "Id of the superuser or API key; the booking's id for an invitee"),
		shown(text(c.AuditLogActorLabel, false, 320, "E-mail of the superuser, name of the API key, the invitee's e-mail")),
		shown(text(c.AuditLogAction, true, 100, "e.g. booking.created, booking.cancelled, record.updated")),
		text(c.AuditLogCollection, true, 100, "Collection of the changed record"),
		text(c.AuditLogRecordID, true, 64, "Id of the changed record"),
		jsonField(c.AuditLogChanges, 2<<20, `Changed fields: {"field":{"old":…,"new":…}}; secrets show only as "[redacted]"`),
		&core.AutodateField{Name: "created", OnCreate: true},
	)
	col.AddIndex("idx_audit_log_record", false, "collection, record_id", "")
	col.AddIndex("idx_audit_log_created", false, "created", "")
	return col
}

// webhooksCollection holds the endpoints booking events are POSTed to.
func webhooksCollection() *core.Collection {
	return adminOnly(c.Webhooks, c.WebhooksID,
		shown(text(c.WebhooksName, true, 200, "What receives it, e.g. CRM")),
		&core.URLField{Name: c.WebhooksURL, Required: true, Help: "http:// or https:// address the events are POSTed to (slotbase calls whatever address you enter, internal ones included)"},
		hidden(text(c.WebhooksSecret, false, 200, "Signs each delivery (Slotbase-Signature header); left empty, a random one is generated. Visible to superusers only")),
		&core.SelectField{Name: c.WebhooksEvents, Required: true, MaxSelect: len(c.WebhookEvents), Values: c.WebhookEvents, Help: "Booking events to send"},
		flag(c.WebhooksActive, "Inactive webhooks get no deliveries, not even retries of earlier ones"),
	)
}

// webhookDeliveriesCollection is the delivery log: one record per attempt.
func webhookDeliveriesCollection() *core.Collection {
	col := adminOnly(c.WebhookDeliveries, c.WebhookDeliveriesID,
		relation(c.WebhookDeliveriesWebhook, c.WebhooksID, 1, true, true, ""),
		shown(text(c.WebhookDeliveriesEvent, true, 100, "e.g. booking.created")),
		text(c.WebhookDeliveriesDelivery, true, 64, "Slotbase-Delivery header: the same for every attempt of one delivery"),
		text(c.WebhookDeliveriesBooking, false, 64, "Booking the event is about"),
		number(c.WebhookDeliveriesAttempt, 0, 1e6, ""),
		number(c.WebhookDeliveriesStatusCode, 0, 999, "The receiver's HTTP status (0 = no answer, or not sent)"),
		text(c.WebhookDeliveriesError, false, 2000, "Empty when the receiver answered 2xx"),
		number(c.WebhookDeliveriesDurationMs, 0, 1e9, "Milliseconds until the answer"),
	)
	col.AddIndex("idx_webhook_deliveries_webhook", false, "webhook, created", "")
	col.AddIndex("idx_webhook_deliveries_delivery", false, "delivery", "")
	return col
}
