package collections

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/slotbase/slotbase/internal/mail/i18n"
)

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
	// SettingsDefaultLanguage is the organisation's language: the one of
	// bookings that name none and of hosts without their own.
	SettingsDefaultLanguage = "default_language"
	// SettingsTranslations holds org_name, email_intro and email_signature
	// per language: {"de": {"email_intro": "…"}}.
	SettingsTranslations = "translations"
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

// DefaultLanguage is the organisation's language, a supported tag ("en"
// when unset).
func (s *SettingsRecord) DefaultLanguage() string {
	return i18n.Match(s.GetString(SettingsDefaultLanguage), i18n.Default)
}

// OrgText is the organisation's name, e-mail intro and signature, as
// translated per language in settings.translations.
type OrgText struct {
	OrgName        string `json:"org_name,omitempty"`
	EmailIntro     string `json:"email_intro,omitempty"`
	EmailSignature string `json:"email_signature,omitempty"`
}

// Texts are the organisation's texts in lang: each translated one where
// settings.translations has it, the base text elsewhere.
func (s *SettingsRecord) Texts(lang string) OrgText {
	out := OrgText{OrgName: s.OrgName(), EmailIntro: s.GetString(SettingsEmailIntro), EmailSignature: s.GetString(SettingsEmailSignature)}
	var all map[string]OrgText
	if err := s.UnmarshalJSONField(SettingsTranslations, &all); err != nil {
		return out
	}
	if t, ok := all[lang]; ok {
		if t.OrgName != "" {
			out.OrgName = t.OrgName
		}
		if t.EmailIntro != "" {
			out.EmailIntro = t.EmailIntro
		}
		if t.EmailSignature != "" {
			out.EmailSignature = t.EmailSignature
		}
	}
	return out
}

// FindSettings returns the settings record, or an error when it does not exist yet.
func FindSettings(app core.App) (*SettingsRecord, error) {
	r, err := app.FindFirstRecordByFilter(Settings, "")
	if err != nil {
		return nil, err
	}
	return NewSettingsRecord(r), nil
}
