package collections

// ProviderMicrosoft is a Microsoft 365 / Outlook.com account connected
// through Microsoft Graph: its OAuth token (refresh token included) is
// sealed in tokens_encrypted; sync_state holds the calendarView delta link
// of the default calendar; booking events go to the default calendar.
const ProviderMicrosoft = "microsoft"

// MSGraphEvents is the name of the collection of booking events slotbase
// wrote to Microsoft calendars: one row per (connection, booking) with
// Graph's event id, so a reschedule PATCHes it and a cancel deletes it.
const MSGraphEvents = "msgraph_events"

// MSGraphEventsID is the fixed id of the msgraph_events collection.
const MSGraphEventsID = "sb_msgraph_events"

// Fields of msgraph_events.
const (
	MSGraphEventsConnection = "connection" // relation, cascade: the rows go with the connection
	MSGraphEventsBooking    = "booking"    // booking id (text: the row outlives a deleted booking until its event is gone)
	MSGraphEventsEventID    = "event_id"   // Graph's event id
)
