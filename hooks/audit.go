package hooks

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/types"

	c "github.com/slotbase/slotbase/collections"
)

// Audit actions. Booking routes name what happened to the booking; changes
// made through PocketBase's records API (the admin UI) are record.*.
const (
	ActionBookingCreated     = "booking.created"
	ActionBookingConfirmed   = "booking.confirmed"
	ActionBookingDeclined    = "booking.declined"
	ActionBookingCancelled   = "booking.cancelled"
	ActionBookingRescheduled = "booking.rescheduled"
	ActionRecordCreated      = "record.created"
	ActionRecordUpdated      = "record.updated"
	ActionRecordDeleted      = "record.deleted"
)

// redacted stands for a secret's value in the audit log: readers see that
// it was set or changed, never what to.
const redacted = "[redacted]"

// maxAuditValue is the largest value (as JSON) an audit entry shows; larger
// ones are summarised by their size.
const maxAuditValue = 8 << 10

// secretFields are redacted in every collection, hidden or not; so are
// hidden fields, password fields and idempotency_* fields.
var secretFields = map[string]bool{
	c.BookingsManageTokenHash:      true,
	c.APIKeysKeyHash:               true,
	c.CalendarConnectionsTokens:    true,
	c.CalendarConnectionsSyncState: true,
	c.WebhooksSecret:               true,
}

// fieldChange is one changed field in an audit entry: null old on create,
// null new on delete.
type fieldChange struct {
	Old any `json:"old"`
	New any `json:"new"`
}

// audit records in the audit log, inside the caller's transaction tx, that
// actor did action to r. before is r as it was before the change (nil on
// create; r.Original() of a record fetched in tx and saved since is right);
// for a deletion (an action ending in "deleted") pass the deleted record as
// r and nil as before. The entry lists the changed fields with their old and
// new values, secrets redacted; an update that changed nothing is not
// recorded.
func audit(tx core.App, actor Actor, action string, r *core.Record, before *core.Record) error {
	return auditWith(tx, actor, action, r, before, nil)
}

// auditWith is audit with extra entries in the changes (such as an
// admin's override of availability, which no field keeps).
func auditWith(tx core.App, actor Actor, action string, r *core.Record, before *core.Record, extra map[string]fieldChange) error {
	deleted := strings.HasSuffix(action, "deleted")
	changes := recordChanges(r, before, deleted)
	for k, v := range extra {
		changes[k] = v
	}
	if before != nil && !deleted && len(changes) == 0 {
		return nil
	}
	raw, err := changesJSON(changes)
	if err != nil {
		return err
	}
	entry, err := newRecord(tx, c.AuditLog, map[string]any{
		c.AuditLogActorKind:  actor.Kind,
		c.AuditLogActorID:    actor.ID,
		c.AuditLogActorLabel: truncate(actor.Label, 320),
		c.AuditLogAction:     action,
		c.AuditLogCollection: r.Collection().Name,
		c.AuditLogRecordID:   r.Id,
		c.AuditLogChanges:    raw,
	})
	if err != nil {
		return err
	}
	return tx.SaveNoValidate(entry) // built here from the record and the actor (the label truncated): see enqueue
}

// auditedSave saves r in tx and audits it as actor's action: the helper
// for Go code (jobs, admin routes) that changes one record. r must have
// been fetched in tx (or be new), so that r.Original() is its old state.
func auditedSave(tx core.App, actor Actor, action string, r *core.Record) error {
	var before *core.Record
	if !r.IsNew() {
		before = r.Original()
	}
	if err := tx.Save(r); err != nil {
		return err
	}
	return audit(tx, actor, action, r, before)
}

// auditedDelete deletes r in tx and audits it as actor's action.
func auditedDelete(tx core.App, actor Actor, r *core.Record) error {
	if err := tx.Delete(r); err != nil {
		return err
	}
	return audit(tx, actor, ActionRecordDeleted, r, nil)
}

// inviteeActor is the invitee of booking r acting through its private link.
func inviteeActor(r *core.Record) Actor {
	return Actor{Kind: ActorInvitee, ID: r.Id, Label: r.GetString(c.BookingsEmail)}
}

// recordChanges lists r's changed fields: every non-empty one on create
// (before nil) or deletion, else those whose value differs from before.
// Ids and autodate fields are left out; secrets are redacted.
func recordChanges(r, before *core.Record, deleted bool) map[string]fieldChange {
	out := map[string]fieldChange{}
	for _, f := range r.Collection().Fields {
		name := f.GetName()
		if name == core.FieldNameId || f.Type() == core.FieldTypeAutodate {
			continue
		}
		var oldJSON, newJSON []byte
		switch {
		case deleted:
			oldJSON, newJSON = valueJSON(r.Get(name)), []byte("null")
		case before == nil:
			oldJSON, newJSON = []byte("null"), valueJSON(r.Get(name))
		default:
			oldJSON, newJSON = valueJSON(before.Get(name)), valueJSON(r.Get(name))
		}
		if string(oldJSON) == string(newJSON) || (emptyJSON(oldJSON) && emptyJSON(newJSON)) {
			continue
		}
		if isSecret(f) {
			out[name] = fieldChange{Old: redactedValue(oldJSON), New: redactedValue(newJSON)}
			continue
		}
		out[name] = fieldChange{Old: shownValue(oldJSON), New: shownValue(newJSON)}
	}
	return out
}

// changesJSON encodes changes as the audit entry's JSON object, keys in
// order: the values recordChanges shows are JSON already and are written
// as they are (a booking's audit entry was encoded field by field and then
// again as a whole, inside the one writer's transaction).
func changesJSON(changes map[string]fieldChange) (types.JSONRaw, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, name := range slices.Sorted(maps.Keys(changes)) {
		if i > 0 {
			b.WriteByte(',')
		}
		key, err := json.Marshal(name)
		if err != nil {
			return nil, err
		}
		b.Write(key)
		b.WriteString(`:{"old":`)
		if err := writeChangeValue(&b, changes[name].Old); err != nil {
			return nil, err
		}
		b.WriteString(`,"new":`)
		if err := writeChangeValue(&b, changes[name].New); err != nil {
			return nil, err
		}
		b.WriteByte('}')
	}
	b.WriteByte('}')
	return types.JSONRaw(b.Bytes()), nil
}

// writeChangeValue writes one shown value: raw JSON as it is, anything
// else encoded.
func writeChangeValue(b *bytes.Buffer, v any) error {
	if raw, ok := v.(json.RawMessage); ok && json.Valid(raw) {
		b.Write(raw)
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	b.Write(raw)
	return nil
}

// isSecret reports whether a field's values must not reach the audit log.
func isSecret(f core.Field) bool {
	name := f.GetName()
	return f.GetHidden() || f.Type() == core.FieldTypePassword || secretFields[name] ||
		strings.HasPrefix(name, "idempotency") || strings.HasPrefix(name, "idempotent")
}

// valueJSON encodes a record value for comparison and display.
func valueJSON(v any) []byte {
	raw, err := json.Marshal(v)
	if err != nil || len(raw) == 0 {
		return []byte("null")
	}
	return raw
}

// emptyJSON reports whether raw is an empty value: null, "", 0, false, [] or {}.
func emptyJSON(raw []byte) bool {
	switch strings.TrimSpace(string(raw)) {
	case "null", `""`, "0", "false", "[]", "{}":
		return true
	}
	return false
}

// redactedValue shows whether a secret was set, never its value.
func redactedValue(raw []byte) any {
	if emptyJSON(raw) {
		return nil
	}
	return redacted
}

// shownValue is raw as it appears in the audit entry.
func shownValue(raw []byte) any {
	if len(raw) > maxAuditValue {
		return "[" + strconv.Itoa(len(raw)) + " bytes, too large to show]"
	}
	return json.RawMessage(raw)
}

// auditedCollection reports whether records API changes of col are audited
// here: every slotbase collection except the audit log itself and bookings,
// whose changes the booking door (door_records.go) audits as what they are.
func auditedCollection(col *core.Collection) bool {
	return col != nil && !col.System && !col.IsView() && col.Id != c.AuditLogID && col.Id != c.BookingsID
}

// bindAudit makes the audit log read-only through the records API and
// audits every create, update and delete made through it (the admin UI, or
// a script with a superuser token) in the same transaction as the change.
// PocketBase runs a records API save outside any transaction; wrapping the
// rest of the hook chain in one makes the change and its audit entry commit
// together (the response is written after the commit).
func bindAudit(app core.App) {
	readOnly := func(e *core.RecordRequestEvent) error {
		return e.ForbiddenError("The "+e.Collection.Name+" collection is read-only: slotbase writes it.", nil)
	}
	app.OnRecordCreateRequest(c.AuditLog, c.WebhookDeliveries).BindFunc(readOnly)
	app.OnRecordUpdateRequest(c.AuditLog, c.WebhookDeliveries).BindFunc(readOnly)
	app.OnRecordDeleteRequest(c.AuditLog).BindFunc(readOnly)

	const id, priority = "slotbase.audit", -1000 // first, so the transaction wraps every other handler
	app.OnRecordCreateRequest().Bind(&hook.Handler[*core.RecordRequestEvent]{Id: id, Priority: priority,
		Func: func(e *core.RecordRequestEvent) error {
			return auditRequest(e, ActionRecordCreated, func() (*core.Record, error) { return nil, e.Next() })
		}})
	app.OnRecordUpdateRequest().Bind(&hook.Handler[*core.RecordRequestEvent]{Id: id, Priority: priority,
		Func: func(e *core.RecordRequestEvent) error {
			before := e.Record.Original() // e.Record holds the submitted values already
			return auditRequest(e, ActionRecordUpdated, func() (*core.Record, error) { return before, e.Next() })
		}})
	app.OnRecordDeleteRequest().Bind(&hook.Handler[*core.RecordRequestEvent]{Id: id, Priority: priority,
		Func: func(e *core.RecordRequestEvent) error {
			return auditRequest(e, ActionRecordDeleted, func() (*core.Record, error) { return nil, e.Next() })
		}})
}

// auditRequest runs next (the rest of a records API request) in a
// transaction and, when it succeeds, audits its record as the request's actor.
func auditRequest(e *core.RecordRequestEvent, action string, next func() (*core.Record, error)) error {
	if !auditedCollection(e.Collection) {
		_, err := next()
		return err
	}
	app := e.App
	defer func() { e.App = app }()
	return app.RunInTransaction(func(tx core.App) error {
		e.App = tx
		before, err := next()
		if err != nil {
			return err
		}
		return audit(tx, actorOf(e.RequestEvent), action, e.Record, before)
	})
}
