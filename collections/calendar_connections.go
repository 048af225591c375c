package collections

// CalendarConnections is the name of the collection of hosts' external calendar accounts.
const CalendarConnections = "calendar_connections"

// CalendarConnectionsID is the fixed id of the calendar_connections collection.
const CalendarConnectionsID = "sb_calendar_connections"

// Fields of the calendar_connections collection.
const (
	CalendarConnectionsHost          = "host"
	CalendarConnectionsProvider      = "provider"
	CalendarConnectionsAccount       = "account"
	CalendarConnectionsTokens        = "tokens_encrypted"
	CalendarConnectionsBusyCalendars = "busy_calendars"
	CalendarConnectionsWriteCalendar = "write_calendar"
	CalendarConnectionsSyncState     = "sync_state"
	CalendarConnectionsLastSynced    = "last_synced"
	CalendarConnectionsStatus        = "status"
	CalendarConnectionsLastError     = "last_error"
)

// Status values of calendar_connections.status.
const (
	ConnectionConnected      = "connected"
	ConnectionNeedsReconnect = "needs_reconnect"
	ConnectionDisconnected   = "disconnected"
)
