package slots

import (
	"strconv"
	"time"
)

// Date is a civil date (no zone): a day as written on a wall calendar.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// ParseDate parses s strictly as "YYYY-MM-DD" (four-digit year from 0001,
// two-digit month and day, a day that exists in that month). Its errors name
// the problem and wrap ErrInvalidDate.
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, newError(ErrInvalidDate, "date %q: want YYYY-MM-DD", s)
	}
	y, ok1 := digits(s[0:4])
	m, ok2 := digits(s[5:7])
	d, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, newError(ErrInvalidDate, "date %q: want YYYY-MM-DD with digits only", s)
	}
	if y < 1 {
		return Date{}, newError(ErrInvalidDate, "date %q: year must be between 0001 and 9999", s)
	}
	if m < 1 || m > 12 {
		return Date{}, newError(ErrInvalidDate, "date %q: month must be between 01 and 12", s)
	}
	if n := daysIn(y, time.Month(m)); d < 1 || d > n {
		return Date{}, newError(ErrInvalidDate, "date %q: day must be between 01 and %02d", s, n)
	}
	return Date{Year: y, Month: time.Month(m), Day: d}, nil
}

// digits parses a run of ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// String formats d as "YYYY-MM-DD".
func (d Date) String() string {
	var b [16]byte
	out := b[:0]
	y := d.Year
	if y < 0 {
		out = append(out, '-')
		y = -y
	}
	out = appendPadded(out, y, 4)
	out = append(out, '-')
	out = appendPadded(out, int(d.Month), 2)
	out = append(out, '-')
	out = appendPadded(out, d.Day, 2)
	return string(out)
}

// appendPadded appends the decimal n (n >= 0) with at least width digits.
func appendPadded(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// AddDays returns the date n days after d (before it when n < 0). An
// out-of-range d is normalised first, the way time.Date does.
func (d Date) AddDays(n int) Date {
	return dateFromDays(d.days() + int64(n))
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return weekdayOfDays(d.days())
}

// Before reports whether d is an earlier date than e.
func (d Date) Before(e Date) bool { return d.days() < e.days() }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.days() - d.days()) }

// DateOf returns the wall-clock date of t in loc (UTC when loc is nil).
func DateOf(t time.Time, loc *time.Location) Date {
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := t.In(loc).Date()
	return Date{Year: y, Month: m, Day: d}
}

// DayStart returns the first instant whose wall-clock date in loc is d (UTC
// when loc is nil). It does not assume that local midnight exists: where a
// zone jumps over midnight (America/Havana, America/Santiago, Asia/Beirut …)
// the day starts at the transition, e.g. 01:00 local. If the date does not
// exist at all (Pacific/Apia skipped 2011-12-30) DayStart returns the start of
// the next date that does. The result is in UTC.
func DayStart(d Date, loc *time.Location) time.Time {
	if loc == nil {
		loc = time.UTC
	}
	z := zoneCursor{loc: loc}
	sec := z.firstAtOrAfter(d.days() * secondsPerDay)
	return time.Unix(sec, 0).UTC()
}

const secondsPerDay = 86400

// days returns the number of days from 1970-01-01 to d (proleptic Gregorian).
func (d Date) days() int64 {
	y, m := int64(d.Year), int64(d.Month)
	// Normalise the month so that out-of-range months behave like time.Date.
	m--
	y += floorDiv(m, 12)
	m = floorMod(m, 12) + 1
	return daysFromCivil(y, m, 1) + int64(d.Day) - 1
}

// daysFromCivil is Howard Hinnant's days_from_civil for m in 1..12.
func daysFromCivil(y, m, d int64) int64 {
	if m <= 2 {
		y--
	}
	era := floorDiv(y, 400)
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// dateFromDays is the inverse of days (Hinnant's civil_from_days).
func dateFromDays(z int64) Date {
	z += 719468
	era := floorDiv(z, 146097)
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	return Date{Year: int(y), Month: time.Month(m), Day: int(d)}
}

// weekdayOfDays returns the weekday of a day number (1970-01-01 was a Thursday).
func weekdayOfDays(days int64) time.Weekday {
	return time.Weekday(floorMod(days+4, 7))
}

// daysIn returns the number of days of month m in year y.
func daysIn(y int, m time.Month) int {
	return int(Date{Year: y, Month: m + 1, Day: 1}.days() - Date{Year: y, Month: m, Day: 1}.days())
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func floorMod(a, b int64) int64 {
	return a - floorDiv(a, b)*b
}
