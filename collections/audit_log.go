package collections

// AuditLog is the name of the audit log: one record per change of a booking
// or of the configuration, saying who made it, what and when. Nobody edits
// it: the records API rejects writes, and slotbase only ever inserts.
const AuditLog = "audit_log"

// AuditLogID is the fixed id of the audit_log collection.
const AuditLogID = "sb_audit_log"

// Fields of the audit_log collection.
const (
	AuditLogActorKind  = "actor_kind"
	AuditLogActorID    = "actor_id"
	AuditLogActorLabel = "actor_label"
	AuditLogAction     = "action"
	AuditLogCollection = "collection"
	AuditLogRecordID   = "record_id"
	AuditLogChanges    = "changes"
)

// AuditActorKinds are the values of audit_log.actor_kind.
var AuditActorKinds = []string{"superuser", "api_key", "host", "invitee", "system"}
