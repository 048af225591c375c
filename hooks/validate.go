package hooks

import (
	"errors"
	"strings"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"

	c "github.com/slotbase/slotbase/collections"
	"github.com/slotbase/slotbase/internal/booking"
	"github.com/slotbase/slotbase/internal/mail/i18n"
	"github.com/slotbase/slotbase/internal/slots"
)

// bindValidation checks the domain rules of every admin-editable collection
// on each save (admin UI, API or Go), so bad availability JSON, unknown
// zones, overlapping or inverted windows and impossible rules are refused
// with an error on the field, shown beside it in the admin UI.
func bindValidation(app core.App) {
	check := func(collection string, fn func(r *core.Record) validation.Errors) {
		app.OnRecordValidate(collection).BindFunc(func(e *core.RecordEvent) error {
			if errs := fn(e.Record); len(errs) > 0 {
				return errs
			}
			return e.Next()
		})
	}
	check(c.Settings, func(r *core.Record) validation.Errors {
		errs := zoneErrors(r, c.SettingsTimezone)
		for f, err := range settingsTranslationErrors(r) {
			errs[f] = err
		}
		return errs
	})
	check(c.Hosts, func(r *core.Record) validation.Errors {
		return zoneErrors(r, c.HostsTimezone)
	})
	check(c.Schedules, func(r *core.Record) validation.Errors {
		errs := zoneErrors(r, c.SchedulesTimezone)
		if _, err := slots.ParseWeekly(c.NewSchedule(r).WeeklyJSON()); err != nil {
			errs[c.SchedulesWeekly] = invalid("weekly", err)
		}
		return errs
	})
	check(c.DateOverrides, func(r *core.Record) validation.Errors {
		errs := validation.Errors{}
		o := c.NewDateOverride(r)
		if _, err := slots.ParseDate(o.Date()); err != nil {
			errs[c.DateOverridesDate] = invalid("date", err)
		}
		if raw := strings.TrimSpace(string(o.IntervalsJSON())); raw == "null" || raw == "" {
			errs[c.DateOverridesIntervals] = validation.NewError("validation_required", `Give the hours of that date, e.g. [["10:00","14:00"]], or [] to close it.`)
		} else if _, err := slots.ParseWindowsJSON([]byte(raw)); err != nil {
			errs[c.DateOverridesIntervals] = invalid("intervals", err)
		}
		return errs
	})
	check(c.EventTypes, func(r *core.Record) validation.Errors {
		errs := validation.Errors{}
		et := c.NewEventType(r)
		rules := c.RulesOf(et)
		if err := rules.Validate(); err != nil {
			var fe *slots.FieldError
			for _, one := range unwrapAll(err) {
				if errors.As(one, &fe) {
					field := fe.Field
					if field == "horizon" {
						field = c.EventTypesHorizonDays
					}
					if _, taken := errs[field]; !taken {
						errs[field] = validation.NewError("validation_invalid_rule", fe.Message)
					}
				}
			}
		}
		questions, err := booking.ParseQuestions(et.QuestionsJSON())
		if err != nil {
			errs[c.EventTypesQuestions] = invalid("questions", err)
		} else if _, err := booking.ParseTranslations(et.TranslationsJSON(), questions); err != nil {
			errs[c.EventTypesTranslations] = validation.NewError("validation_invalid_translations",
				strings.TrimPrefix(err.Error(), booking.ErrInvalidTranslations.Error()+": "))
		}
		if et.Assignment() == c.AssignmentSingle && len(et.HostIDs()) > 1 {
			errs[c.EventTypesHosts] = validation.NewError("validation_single_host", "A single-host event type takes exactly one host; choose round_robin or collective for several.")
		}
		return errs
	})
	check(c.Bookings, func(r *core.Record) validation.Errors {
		b := c.NewBooking(r)
		if !b.End().After(b.Start()) {
			return validation.Errors{c.BookingsEnd: validation.NewError("validation_end_before_start", "Must be after start.")}
		}
		// Availability reads look back two days of bookings (the slot
		// engine's data margin: a meeting plus its buffers): a longer
		// meeting that an admin set by hand would be missed there and
		// double-booked. Checked when the times are set, so an older one
		// can still be cancelled.
		timesSet := r.IsNew() || !b.Start().Equal(r.Original().GetDateTime(c.BookingsStart).Time()) || !b.End().Equal(r.Original().GetDateTime(c.BookingsEnd).Time())
		if timesSet && b.End().Sub(b.Start()) > maxMeetingLength {
			return validation.Errors{c.BookingsEnd: validation.NewError("validation_meeting_too_long",
				"A meeting lasts at most 24 hours; close longer absences with date overrides or busy time instead.")}
		}
		if lang := b.Language(); lang != "" && !i18n.IsSupported(lang) {
			return validation.Errors{c.BookingsLanguage: validation.NewError("validation_language",
				"Must be one of "+strings.Join(i18n.Supported, ", ")+" (empty: the organisation's default).")}
		}
		return nil
	})
}

// zoneErrors checks an IANA zone field.
func zoneErrors(r *core.Record, field string) validation.Errors {
	errs := validation.Errors{}
	if _, err := loadZone(r.GetString(field)); err != nil {
		errs[field] = validation.NewError("validation_unknown_timezone", "Unknown time zone "+quote(r.GetString(field))+": use an IANA name such as Europe/London.")
	}
	return errs
}

// invalid wraps a domain parse error for a field, without the field prefix.
func invalid(field string, err error) validation.Error {
	msg := strings.TrimPrefix(err.Error(), field+": ")
	return validation.NewError("validation_invalid_"+field, msg)
}

// unwrapAll flattens an errors.Join tree.
func unwrapAll(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unwrapAll(e)...)
		}
		return out
	}
	return []error{err}
}
