package collections

import "github.com/pocketbase/pocketbase/core"

// Hosts is the name of the hosts collection: the people who take meetings.
const Hosts = "hosts"

// HostsID is the fixed id of the hosts collection.
const HostsID = "sb_hosts"

// Fields of the hosts collection.
const (
	HostsName     = "name"
	HostsEmail    = "email"
	HostsTimezone = "timezone"
	HostsSchedule = "schedule"
	HostsActive   = "active"
	// HostsLanguage is the language of the host's e-mails ("" = the
	// organisation's default).
	HostsLanguage = "language"
)

// Host wraps a hosts record.
type Host struct {
	core.BaseRecordProxy
}

// NewHost wraps r.
func NewHost(r *core.Record) *Host {
	h := &Host{}
	h.SetProxyRecord(r)
	return h
}

// Name is the host's display name.
func (h *Host) Name() string { return h.GetString(HostsName) }

// Email is the host's e-mail address.
func (h *Host) Email() string { return h.GetString(HostsEmail) }

// Timezone is the host's IANA zone (daily limits count days in it).
func (h *Host) Timezone() string { return h.GetString(HostsTimezone) }

// ScheduleID is the id of the host's availability schedule.
func (h *Host) ScheduleID() string { return h.GetString(HostsSchedule) }

// Active reports whether the host takes bookings.
func (h *Host) Active() bool { return h.GetBool(HostsActive) }

// Language is the host's language tag ("" = the organisation's default).
func (h *Host) Language() string { return h.GetString(HostsLanguage) }
