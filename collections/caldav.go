package collections

// ProviderCalDAV is a CalDAV account (iCloud, Fastmail, Nextcloud,
// Radicale): its URL, user name and app password are sealed together in
// tokens_encrypted; account shows "user @ server"; busy_calendars and
// write_calendar hold calendar collection paths; sync_state holds each
// busy calendar's sync token or ctag.
const ProviderCalDAV = "caldav"

// CalDAVEvents is the name of the collection of booking events slotbase
// wrote to CalDAV calendars: one row per (connection, booking) with the
// calendar it went to and its last ETag, so that a reschedule updates it
// with If-Match and a cancel deletes it from the right calendar.
const CalDAVEvents = "caldav_events"

// CalDAVEventsID is the fixed id of the caldav_events collection.
const CalDAVEventsID = "sb_caldav_events"

// Fields of caldav_events.
const (
	CalDAVEventsConnection = "connection" // relation, cascade: the events' rows go with the connection
	CalDAVEventsBooking    = "booking"    // booking id (text: the row outlives a deleted booking until its event is gone)
	CalDAVEventsCalendar   = "calendar"   // calendar collection path the event was written to
	CalDAVEventsETag       = "etag"       // the server's ETag after our last write
)
