package collections

import "github.com/pocketbase/pocketbase/core"

// Settings is the name of the single-record settings collection.
const Settings = "settings"

// SettingsID is the fixed id of the settings collection.
const SettingsID = "sb_settings"

// Fields of the settings collection.
const (
	SettingsOrgName        = "org_name"
	SettingsTimezone       = "timezone"
	SettingsPublicURL      = "public_url"
	SettingsBrandColor     = "brand_color"
	SettingsLogo           = "logo"
	SettingsEmailFrom      = "email_from_name"
	SettingsEmailIntro     = "email_intro"
	SettingsEmailSignature = "email_signature"
)

// SettingsRecord wraps the organisation's settings record.
type SettingsRecord struct {
	core.BaseRecordProxy
}

// NewSettingsRecord wraps r.
func NewSettingsRecord(r *core.Record) *SettingsRecord {
	s := &SettingsRecord{}
	s.SetProxyRecord(r)
	return s
}

// OrgName is the organisation's display name.
func (s *SettingsRecord) OrgName() string { return s.GetString(SettingsOrgName) }

// Timezone is the organisation's IANA zone.
func (s *SettingsRecord) Timezone() string { return s.GetString(SettingsTimezone) }

// PublicURL is the base URL the booking page is reachable at.
func (s *SettingsRecord) PublicURL() string { return s.GetString(SettingsPublicURL) }

// BrandColor is the page accent colour as #rrggbb.
func (s *SettingsRecord) BrandColor() string { return s.GetString(SettingsBrandColor) }

// Logo is the stored file name of the logo ("" when none).
func (s *SettingsRecord) Logo() string { return s.GetString(SettingsLogo) }

// FindSettings returns the settings record, or an error when it does not exist yet.
func FindSettings(app core.App) (*SettingsRecord, error) {
	r, err := app.FindFirstRecordByFilter(Settings, "")
	if err != nil {
		return nil, err
	}
	return NewSettingsRecord(r), nil
}
