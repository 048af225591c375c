// slotbase dashboard: the pure helpers. Dates as local YYYY-MM-DD keys and
// day arithmetic, the week's first day, bookings clipped to a day and laid
// out in lanes, days off grouped into ranges, slots summed up as spans,
// time-zone names and the "next day" rule of the hours editor.
//
// Values in, values out: nothing here touches document, window or
// navigator (Intl and Date only), so the Node tests in web/test/ import it.
// "Local" is the runtime's zone: the browser's, the viewer's.

import { currencyDigits } from "../when.js";

// ---------- prices ----------

// toMinor reads a price typed in major units ("50", "49.9", "49,90") as
// minor units of currency, or returns {error} saying what is wrong. One dot
// or comma separates the decimals; thousands separators are refused rather
// than guessed ("1.234" is 1234 in German and 1.234 in English).
export function toMinor(text, currency) {
  const digits = currencyDigits(currency);
  const code = String(currency).toUpperCase();
  const s = String(text || "").trim().replace(/[\s\u00a0\u202f]/g, "");
  if (!s) return { minor: 0 };
  const m = /^(\d+)(?:[.,](\d+))?$/.exec(s);
  if (!m) return { error: "Enter a number without thousands separators, like 50 or 49.90." };
  const frac = m[2] || "";
  if (frac.length > digits) return { error: digits ? `Use at most ${digits} decimals for ${code}.` : `${code} has no decimals: enter a whole amount.` };
  const minor = Number(m[1]) * 10 ** digits + Number(frac.padEnd(digits, "0") || "0");
  if (!Number.isSafeInteger(minor)) return { error: "The amount is too large." };
  return { minor };
}

// toMajor writes minor units as the plain decimal the price input shows:
// (4990, "eur") → "49.90", (5000, "jpy") → "5000", 0 → "".
export function toMajor(minor, currency) {
  if (!minor) return "";
  const digits = currencyDigits(currency);
  return (Number(minor) / 10 ** digits).toFixed(digits);
}

// ---------- days ----------

export const pad = (n) => String(n).padStart(2, "0");
// dateKey is the local YYYY-MM-DD of a Date.
export const dateKey = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
// localDay is local midnight of YYYY-MM-DD.
export const localDay = (key) => { const [y, m, d] = key.split("-").map(Number); return new Date(y, m - 1, d); };
// addDays is the day n calendar days after key (before it for n < 0).
export const addDays = (key, n) => { const d = localDay(key); d.setDate(d.getDate() + n); return dateKey(d); };
// today is the local date key of now.
export const today = (now = new Date()) => dateKey(now);
// rfc is an instant as RFC 3339 UTC without milliseconds, as the API wants it.
export const rfc = (d) => new Date(d).toISOString().replace(/\.\d{3}Z$/, "Z");
// validDate is s when it is a YYYY-MM-DD date, else "".
export const validDate = (s) => /^\d{4}-\d{2}-\d{2}$/.test(s || "") && !isNaN(localDay(s)) ? s : "";

// daysIn is the number of days of month YYYY-MM.
export const daysIn = (ym) => { const [y, m] = ym.split("-").map(Number); return new Date(y, m, 0).getDate(); };
// shiftMonth is the month YYYY-MM n months after ym.
export const shiftMonth = (ym, n) => { const [y, m] = ym.split("-").map(Number); const d = new Date(y, m - 1 + n, 1); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`; };

// ---------- weeks ----------

// firstDayOfWeek is a locale's first day of the week (0 Sunday … 6
// Saturday); Monday when the browser cannot tell.
export function firstDayOfWeek(locale) {
  try {
    const l = new Intl.Locale(locale || "en");
    const w = l.getWeekInfo ? l.getWeekInfo() : l.weekInfo;
    return w && w.firstDay ? w.firstDay % 7 : 1;
  } catch { return 1; }
}

// weekOf is the first day of the week holding key, for weeks starting on
// weekday first (0 Sunday … 6 Saturday).
export function weekOf(key, first) {
  return addDays(key, -((localDay(key).getDay() - first + 7) % 7));
}

// ---------- the calendar grid ----------

// DAY_MIN is the minutes of a day on the calendar's axis (a 23- or 25-hour
// day is still drawn as 24 hours of wall clock).
export const DAY_MIN = 24 * 60;

// clip is the part of [start, end) on local day key, in wall-clock minutes
// of that day, or null when they do not meet.
export function clip(start, end, key) {
  const d0 = localDay(key), d1 = localDay(addDays(key, 1));
  const s = new Date(start), e = new Date(end);
  if (!(s < d1 && e > d0)) return null;
  const from = s <= d0 ? 0 : s.getHours() * 60 + s.getMinutes();
  const to = e >= d1 ? DAY_MIN : e.getHours() * 60 + e.getMinutes();
  return { s: from, e: Math.max(to, from + 5) }; // a fall-back hour may fold the clock; keep it visible
}

// lanes places overlapping blocks side by side: each gets lane and n
// (the lanes of its cluster of overlaps). It sorts pieces in place and
// returns them.
export function lanes(pieces) {
  pieces.sort((a, b) => a.s - b.s || b.e - a.e);
  let cluster = [], ends = [], clusterEnd = -1;
  const close = () => { for (const p of cluster) p.n = ends.length; cluster = []; ends = []; };
  for (const p of pieces) {
    if (cluster.length && p.s >= clusterEnd) close();
    let lane = ends.findIndex((end) => end <= p.s);
    if (lane < 0) lane = ends.push(0) - 1;
    ends[lane] = p.e;
    p.lane = lane;
    cluster.push(p);
    clusterEnd = cluster.length === 1 ? p.e : Math.max(clusterEnd, p.e);
  }
  close();
  return pieces;
}

// ---------- hours and days off ----------

// timeValue is an interval's end as a time input shows it: "24:00" (the
// end of the day) is "00:00", marked next day.
export const timeValue = (t) => (t === "24:00" ? "00:00" : t);

// isNextDay reports whether an interval from–to ("HH:MM") ends on the next
// day: its end is at or before its start. Empty times are not.
export const isNextDay = (from, to) => !!(from && to && to <= from);

// describe says what an override's intervals mean.
export const describe = (iv) => (iv && iv.length ? "Special hours " + iv.map(([a, b]) => `${a}–${b}`).join(", ") : "Day off");

// groupOverrides joins consecutive dates with the same hours and reason.
export function groupOverrides(items) {
  const groups = [];
  for (const o of [...items].sort((a, b) => (a.date < b.date ? -1 : 1))) {
    const last = groups[groups.length - 1];
    const sig = JSON.stringify([o.intervals || [], o.reason || ""]);
    if (last && last.sig === sig && addDays(last.to, 1) === o.date) {
      last.to = o.date;
      last.dates.push(o.date);
    } else groups.push({ sig, from: o.date, to: o.date, dates: [o.date], intervals: o.intervals || [], reason: o.reason || "" });
  }
  return groups;
}

// slotRuns joins a day's slots (sorted by start) into the stretches of time
// they cover: [{start, end}] as Dates; slots that touch or overlap join.
export function slotRuns(slots) {
  const runs = [];
  for (const s of slots) {
    const last = runs[runs.length - 1];
    if (last && new Date(s.start) <= last.end) last.end = new Date(Math.max(last.end, new Date(s.end)));
    else runs.push({ start: new Date(s.start), end: new Date(s.end) });
  }
  return runs;
}

// spansText sums non-empty slots up with fmt(start, end) per stretch:
// "9:00 AM – 12:00 PM, 1:00 – 5:00 PM (14 start times)".
export function spansText(slots, fmt) {
  return slotRuns(slots).map((r) => fmt(r.start, r.end)).join(", ") + ` (${slots.length} start ${slots.length === 1 ? "time" : "times"})`;
}

// ---------- time zones ----------

// viewerZone is the runtime's (the browser's) IANA zone.
export const viewerZone = (() => {
  try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch { return "UTC"; }
})();

let zones = null;
// zoneNames lists the IANA zones this browser knows, the viewer's and UTC included.
export function zoneNames() {
  if (!zones) {
    zones = Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone").slice() : [];
    for (const z of [viewerZone, "UTC"]) if (!zones.includes(z)) zones.push(z);
  }
  return zones;
}

// findZone turns what someone typed into an IANA zone: the zone itself in
// any case, a city ("tokyo", "new york" → Asia/Tokyo, America/New_York), or
// an alias the browser knows but does not list (Etc/UTC). It looks in all
// (the browser's zones unless given); null when nothing fits.
export function findZone(typed, all = zoneNames()) {
  const t = typed.trim().replace(/ /g, "_");
  if (!t) return null;
  const low = t.toLowerCase();
  const found = all.find((z) => z.toLowerCase() === low) || all.find((z) => z.toLowerCase().endsWith("/" + low));
  if (found || !t.includes("/")) return found || null;
  try {
    new Intl.DateTimeFormat("en", { timeZone: t });
    return t;
  } catch { return null; }
}

// ---------- system ----------

// uptimeText says how long the server has run, in its largest unit and the
// next one when not zero: "3 days 4 hours", "1 hour", "less than a minute".
export function uptimeText(seconds) {
  const units = [["day", 86400], ["hour", 3600], ["minute", 60]];
  const counts = units.map(([, size], i) => Math.floor(Math.max(0, seconds || 0) / size) % (i ? units[i - 1][1] / size : Infinity));
  const first = counts.findIndex((n) => n > 0);
  if (first < 0) return "less than a minute";
  const say = (i) => `${counts[i]} ${units[i][0]}${counts[i] === 1 ? "" : "s"}`;
  return counts[first + 1] ? `${say(first)} ${say(first + 1)}` : say(first);
}
