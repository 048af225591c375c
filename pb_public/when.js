// when.js writes a booking's meeting time the one way the page and the
// e-mails share (issue 16): the date and times in the invitee's language
// through Intl, and the zone as its IANA id with its UTC offset; and its
// price (issue 20: the server keeps minor units, people read major units).
// Pure: no DOM, importable by the page, the dashboard and node.

const SPACES = /[\u202f\u00a0]/g;

// utcOffset is zone's offset from UTC at instant (a Date) as "+09:00",
// "-08:00" or "+00:00" (ASCII sign, hh:mm).
export function utcOffset(instant, zone) {
  const part = new Intl.DateTimeFormat("en-US", { timeZone: zone, timeZoneName: "longOffset" })
    .formatToParts(instant).find((p) => p.type === "timeZoneName");
  const m = /([+\u2212-])(\d{1,2})(?::?(\d{2}))?/.exec(part ? part.value : "");
  if (!m) return "+00:00"; // "GMT": the offset is zero
  const sign = m[1] === "+" ? "+" : "-";
  return sign + m[2].padStart(2, "0") + ":" + (m[3] || "00");
}

// zoneWithOffset labels zone for a meeting from start to end:
// "Asia/Tokyo, UTC+09:00", "America/New_York, UTC-04:00/-05:00" when the
// offset changes during the meeting, and just "UTC" for the zone UTC.
export function zoneWithOffset(start, end, zone) {
  if (zone === "UTC") return "UTC";
  const a = utcOffset(start, zone), b = utcOffset(end, zone);
  return `${zone}, UTC${a}` + (a === b ? "" : "/" + b);
}

// fill puts vars into template's {placeholders}; unknown ones stay as written.
export function fill(template, vars) {
  return String(template).replace(/\{(\w+)\}/g, (all, k) => (vars && vars[k] != null ? String(vars[k]) : all));
}

// localDate is instant's calendar date in zone, "YYYY-MM-DD".
function localDate(instant, zone) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).format(instant);
}

// formatWhen writes the meeting from startISO to endISO in zone and
// language lang with the catalogue's templates ("when.sameDay" and
// "when.twoDays"; the catalogue object itself, or {sameDay, twoDays}):
// "Monday, March 2, 2026, 9:00 AM–9:30 AM (Europe/London, UTC+00:00)".
export function formatWhen(startISO, endISO, zone, lang, templates) {
  const start = new Date(startISO), end = new Date(endISO);
  const date = new Intl.DateTimeFormat(lang, { dateStyle: "full", timeZone: zone });
  const time = new Intl.DateTimeFormat(lang, { timeStyle: "short", timeZone: zone });
  const same = localDate(start, zone) === localDate(end, zone);
  const tpl = templates || {};
  const template = same ? tpl["when.sameDay"] ?? tpl.sameDay : tpl["when.twoDays"] ?? tpl.twoDays;
  const out = fill(template, {
    date: date.format(start), start: time.format(start), end: time.format(end),
    endDate: date.format(end), zone: zoneWithOffset(start, end, zone),
  });
  return out.replace(SPACES, " ");
}

// currencyDigits is how many minor-unit digits Stripe gives currency (ISO
// 4217, any case): 0 for JPY and KRW, 3 for KWD, 2 for every other one
// (ISK, HUF and TWD too, where CLDR says fewer: the amounts are Stripe's).
// The same table as the server's internal/money.
const ZERO_DECIMAL = "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split(" ");
const THREE_DECIMAL = "bhd jod kwd omr tnd".split(" ");
export function currencyDigits(currency) {
  const c = String(currency).toLowerCase();
  return ZERO_DECIMAL.includes(c) ? 0 : THREE_DECIMAL.includes(c) ? 3 : 2;
}

// formatMoney writes minor units of currency in lang: (5000, "eur", "de")
// → "50,00 €", (5000, "jpy", "en") → "¥5,000". Without a valid currency it
// is the bare number.
export function formatMoney(minor, currency, lang) {
  const digits = currencyDigits(currency);
  const major = Number(minor || 0) / 10 ** digits;
  try {
    return new Intl.NumberFormat(lang, {
      style: "currency", currency: String(currency).toUpperCase(), minimumFractionDigits: digits, maximumFractionDigits: digits,
    }).format(major);
  } catch {
    return major.toFixed(digits);
  }
}
