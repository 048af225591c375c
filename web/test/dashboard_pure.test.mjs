// Tests of the dashboard's pure helpers (pb_public/admin/pure.js).
// Run with `node --test web/test/*.test.mjs` (scripts/test.sh does).
//
// The helpers work in the runtime's zone, as the browser's; inZone switches
// Node's zone (process.env.TZ) for one test. The expected instants were
// worked out by hand from the zones' rules (checked against `zdump -v`):
//   Europe/London     2026-03-29 01:00Z clocks 01:00 → 02:00 (a 23-hour day)
//                     2026-10-25 01:00Z clocks 02:00 → 01:00 (a 25-hour day)
//   America/New_York  2026-03-08 07:00Z clocks 02:00 → 03:00 (23 hours)
//                     2026-11-01 06:00Z clocks 02:00 → 01:00 (25 hours)
//   America/Sao_Paulo 2018-11-04 03:00Z clocks 00:00 → 01:00 (no midnight)
import test from "node:test";
import assert from "node:assert/strict";
import {
  pad, dateKey, localDay, addDays, today, rfc, validDate, daysIn, shiftMonth,
  firstDayOfWeek, weekOf, clip, lanes, timeValue, isNextDay, describe,
  groupOverrides, slotRuns, spansText, findZone, zoneNames, uptimeText,
} from "../../pb_public/admin/pure.js";

const HOUR = 3600e3;

// inZone runs fn with the process's local zone set to tz.
function inZone(tz, fn) {
  const old = process.env.TZ;
  process.env.TZ = tz;
  try {
    // January is winter in both hemispheres' northern zones used here: a
    // guard that the runtime really switched zones.
    const jan = { "Europe/London": 0, "America/New_York": 300, "America/Sao_Paulo": 120, UTC: 0 }[tz];
    if (jan !== undefined) assert.equal(new Date(2018, 0, 15).getTimezoneOffset(), jan, `runtime did not switch to ${tz}`);
    return fn();
  } finally {
    if (old === undefined) delete process.env.TZ;
    else process.env.TZ = old;
  }
}

test("localDay is local midnight; 23- and 25-hour days", () => {
  const scenarios = [
    { tz: "Europe/London", day: "2026-03-29", midnight: "2026-03-29T00:00:00.000Z", hours: 23 },
    { tz: "Europe/London", day: "2026-10-25", midnight: "2026-10-24T23:00:00.000Z", hours: 25 },
    { tz: "Europe/London", day: "2026-06-15", midnight: "2026-06-14T23:00:00.000Z", hours: 24 },
    { tz: "America/New_York", day: "2026-03-08", midnight: "2026-03-08T05:00:00.000Z", hours: 23 },
    { tz: "America/New_York", day: "2026-11-01", midnight: "2026-11-01T04:00:00.000Z", hours: 25 },
    // No local midnight on this day: it starts at 01:00 -02.
    { tz: "America/Sao_Paulo", day: "2018-11-04", midnight: "2018-11-04T03:00:00.000Z", hours: 23 },
  ];
  for (const s of scenarios) {
    inZone(s.tz, () => {
      assert.equal(localDay(s.day).toISOString(), s.midnight, `${s.tz} ${s.day} midnight`);
      const length = (localDay(addDays(s.day, 1)) - localDay(s.day)) / HOUR;
      assert.equal(length, s.hours, `${s.tz} ${s.day} hours`);
      assert.equal(dateKey(localDay(s.day)), s.day, `${s.tz} ${s.day} round trip`);
    });
  }
});

test("addDays counts calendar days, not 24-hour steps", () => {
  const scenarios = [
    ["Europe/London", "2026-03-28", 1, "2026-03-29"],
    ["Europe/London", "2026-03-29", 1, "2026-03-30"],
    ["Europe/London", "2026-10-25", 1, "2026-10-26"], // 24 h after its midnight is still the 25th
    ["Europe/London", "2026-10-26", -1, "2026-10-25"],
    ["Europe/London", "2026-10-19", 7, "2026-10-26"],
    ["Europe/London", "2026-03-31", 1, "2026-04-01"],
    ["Europe/London", "2028-02-28", 1, "2028-02-29"],
    ["Europe/London", "2026-03-01", -1, "2026-02-28"],
    ["Europe/London", "2026-12-31", 1, "2027-01-01"],
    ["Europe/London", "2026-10-25", 0, "2026-10-25"],
    ["America/New_York", "2026-03-08", 1, "2026-03-09"],
    ["America/New_York", "2026-11-01", 1, "2026-11-02"],
    ["America/New_York", "2026-11-02", -1, "2026-11-01"],
    ["America/New_York", "2026-10-29", 7, "2026-11-05"],
    ["America/New_York", "2026-11-01", 365, "2027-11-01"],
    ["America/Sao_Paulo", "2018-11-03", 1, "2018-11-04"],
    ["America/Sao_Paulo", "2018-11-04", 1, "2018-11-05"],
    ["America/Sao_Paulo", "2018-11-05", -1, "2018-11-04"],
  ];
  for (const [tz, key, n, want] of scenarios) {
    inZone(tz, () => assert.equal(addDays(key, n), want, `${tz}: addDays(${key}, ${n})`));
  }
});

test("dateKey, today and rfc", () => {
  inZone("Europe/London", () => {
    assert.equal(dateKey(new Date("2026-03-29T23:30:00Z")), "2026-03-30"); // 00:30 BST
    assert.equal(dateKey(new Date("2026-10-25T23:30:00Z")), "2026-10-25"); // 23:30 GMT
    assert.equal(today(new Date("2026-03-29T23:30:00Z")), "2026-03-30");
    assert.equal(rfc(localDay("2026-03-30")), "2026-03-29T23:00:00Z");
  });
  inZone("America/New_York", () => {
    assert.equal(dateKey(new Date("2026-11-02T04:30:00Z")), "2026-11-01"); // 23:30 EST
    assert.equal(today(new Date("2026-03-08T04:59:00Z")), "2026-03-07");
    assert.equal(rfc(localDay("2026-11-02")), "2026-11-02T05:00:00Z");
  });
  assert.equal(rfc("2026-03-29T01:00:00.123Z"), "2026-03-29T01:00:00Z");
  assert.equal(pad(7), "07");
  assert.equal(pad(12), "12");
});

test("validDate keeps YYYY-MM-DD only", () => {
  for (const [s, want] of [["2026-03-29", "2026-03-29"], ["", ""], [undefined, ""], [null, ""],
    ["29/03/2026", ""], ["2026-3-9", ""], ["2026-03-29T00:00", ""], ["yyyy-mm-dd", ""]]) {
    assert.equal(validDate(s), want, `validDate(${s})`);
  }
});

test("daysIn and shiftMonth", () => {
  inZone("Europe/London", () => {
    for (const [ym, n] of [["2026-01", 31], ["2026-02", 28], ["2028-02", 29], ["2100-02", 28], ["2000-02", 29], ["2026-04", 30], ["2026-10", 31], ["2026-12", 31]]) {
      assert.equal(daysIn(ym), n, `daysIn(${ym})`);
    }
    for (const [ym, n, want] of [["2026-12", 1, "2027-01"], ["2026-01", -1, "2025-12"], ["2026-03", -13, "2025-02"], ["2026-10", 1, "2026-11"], ["2026-03", 0, "2026-03"]]) {
      assert.equal(shiftMonth(ym, n), want, `shiftMonth(${ym}, ${n})`);
    }
  });
});

test("firstDayOfWeek follows the locale", () => {
  const scenarios = [
    ["en-US", 0], // Sunday
    ["en", 0],
    ["", 0], // no language: "en", as the dashboard always did
    ["he-IL", 0],
    ["en-GB", 1], // Monday
    ["de-DE", 1],
    ["fr", 1],
    ["ar-EG", 6], // Saturday
    ["not a locale!", 1], // Monday when the locale cannot be read
  ];
  for (const [locale, want] of scenarios) assert.equal(firstDayOfWeek(locale), want, `firstDayOfWeek(${JSON.stringify(locale)})`);
});

test("weekOf finds the week's first day for Sunday-, Monday- and Saturday-first weeks", () => {
  // 2026-03-01 is a Sunday (1 January 2026 was a Thursday).
  const scenarios = [
    ["Europe/London", "2026-03-04", 0, "2026-03-01"], // Wednesday
    ["Europe/London", "2026-03-04", 1, "2026-03-02"],
    ["Europe/London", "2026-03-04", 6, "2026-02-28"],
    ["Europe/London", "2026-03-01", 0, "2026-03-01"], // the first day itself
    ["Europe/London", "2026-03-01", 1, "2026-02-23"],
    ["Europe/London", "2026-03-29", 0, "2026-03-29"], // a Sunday of 23 hours
    ["Europe/London", "2026-03-29", 1, "2026-03-23"],
    ["Europe/London", "2026-04-04", 0, "2026-03-29"], // Saturday after it
    ["Europe/London", "2026-04-04", 1, "2026-03-30"],
    ["Europe/London", "2026-10-27", 1, "2026-10-26"],
    ["Europe/London", "2026-10-27", 0, "2026-10-25"], // a Sunday of 25 hours
    ["America/New_York", "2026-11-01", 1, "2026-10-26"],
    ["America/New_York", "2026-11-07", 0, "2026-11-01"],
    ["America/New_York", "2026-03-10", 0, "2026-03-08"],
    ["America/New_York", "2026-01-01", 1, "2025-12-29"], // across the year
  ];
  for (const [tz, key, first, want] of scenarios) {
    inZone(tz, () => assert.equal(weekOf(key, first), want, `${tz}: weekOf(${key}, ${first})`));
  }
});

test("clip cuts a booking to one day in wall-clock minutes, across DST", () => {
  const scenarios = [
    // London, 23-hour day: 00:30 GMT → 03:00 BST.
    ["Europe/London", "2026-03-29T00:30:00Z", "2026-03-29T02:00:00Z", "2026-03-29", { s: 30, e: 180 }],
    ["Europe/London", "2026-03-28T12:00:00Z", "2026-03-30T12:00:00Z", "2026-03-29", { s: 0, e: 1440 }],
    // 23:30 BST on the 29th to 00:30 BST on the 30th: the day ends at 23:00Z.
    ["Europe/London", "2026-03-29T22:30:00Z", "2026-03-29T23:30:00Z", "2026-03-29", { s: 1410, e: 1440 }],
    ["Europe/London", "2026-03-29T22:30:00Z", "2026-03-29T23:30:00Z", "2026-03-30", { s: 0, e: 30 }],
    ["Europe/London", "2026-03-28T23:00:00Z", "2026-03-29T00:00:00Z", "2026-03-29", null], // ends at the day's start
    ["Europe/London", "2026-03-29T23:00:00Z", "2026-03-30T01:00:00Z", "2026-03-29", null], // starts at its end
    // London, 25-hour day: 01:00 BST → 02:00 GMT.
    ["Europe/London", "2026-10-25T00:00:00Z", "2026-10-25T02:00:00Z", "2026-10-25", { s: 60, e: 120 }],
    // 01:30 BST → 01:30 GMT: the clock folds; kept 5 minutes tall.
    ["Europe/London", "2026-10-25T00:30:00Z", "2026-10-25T01:30:00Z", "2026-10-25", { s: 90, e: 95 }],
    ["Europe/London", "2026-10-25T23:30:00Z", "2026-10-26T00:30:00Z", "2026-10-25", { s: 1410, e: 1440 }],
    ["Europe/London", "2026-10-25T23:30:00Z", "2026-10-26T00:30:00Z", "2026-10-26", { s: 0, e: 30 }],
    ["Europe/London", "2026-10-24T22:30:00Z", "2026-10-24T23:30:00Z", "2026-10-25", { s: 0, e: 30 }], // 23:30 BST on the 24th
    // New York, 23-hour day: 01:30 EST → 03:30 EDT.
    ["America/New_York", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08", { s: 90, e: 210 }],
    ["America/New_York", "2026-03-09T03:30:00Z", "2026-03-09T04:30:00Z", "2026-03-08", { s: 1410, e: 1440 }], // 23:30 EDT → 00:30
    ["America/New_York", "2026-03-09T04:00:00Z", "2026-03-09T05:00:00Z", "2026-03-08", null],
    // New York, 25-hour day.
    ["America/New_York", "2026-11-01T05:00:00Z", "2026-11-01T07:00:00Z", "2026-11-01", { s: 60, e: 120 }],
    ["America/New_York", "2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "2026-11-01", { s: 90, e: 95 }],
    ["America/New_York", "2026-11-02T04:30:00Z", "2026-11-02T05:30:00Z", "2026-11-01", { s: 1410, e: 1440 }],
    ["America/New_York", "2026-11-02T04:30:00Z", "2026-11-02T05:30:00Z", "2026-11-02", { s: 0, e: 30 }],
    ["America/New_York", "2026-10-31T12:00:00Z", "2026-11-03T12:00:00Z", "2026-11-01", { s: 0, e: 1440 }],
  ];
  for (const [tz, start, end, key, want] of scenarios) {
    inZone(tz, () => assert.deepEqual(clip(start, end, key), want, `${tz}: clip(${start}, ${end}, ${key})`));
  }
});

test("lanes puts overlapping blocks side by side", () => {
  const lay = (blocks) => Object.fromEntries(lanes(blocks.map(([id, s, e]) => ({ id, s, e }))).map((p) => [p.id, [p.lane, p.n]]));
  const scenarios = [
    { name: "touching blocks do not overlap", blocks: [["a", 540, 600], ["b", 600, 660]], want: { a: [0, 1], b: [0, 1] } },
    {
      // 9–10 and 9:30–10:30 overlap; 10–11 reuses 9–10's lane; 11:40 stands alone.
      name: "a chain of two lanes, then a lone block",
      blocks: [["a", 540, 600], ["b", 570, 630], ["c", 600, 660], ["d", 700, 720]],
      want: { a: [0, 2], b: [1, 2], c: [0, 2], d: [0, 1] },
    },
    {
      name: "the same, given in reverse",
      blocks: [["d", 700, 720], ["c", 600, 660], ["b", 570, 630], ["a", 540, 600]],
      want: { a: [0, 2], b: [1, 2], c: [0, 2], d: [0, 1] },
    },
    { name: "three at once", blocks: [["a", 540, 660], ["b", 570, 630], ["c", 600, 620]], want: { a: [0, 3], b: [1, 3], c: [2, 3] } },
    { name: "same start: the longer first", blocks: [["short", 540, 600], ["long", 540, 660]], want: { long: [0, 2], short: [1, 2] } },
    {
      name: "a long block holds its cluster open",
      blocks: [["long", 540, 720], ["x", 560, 580], ["y", 600, 620], ["z", 730, 750]],
      want: { long: [0, 2], x: [1, 2], y: [1, 2], z: [0, 1] },
    },
    { name: "nothing", blocks: [], want: {} },
  ];
  for (const s of scenarios) assert.deepEqual(lay(s.blocks), s.want, s.name);
});

test("timeValue, isNextDay and describe", () => {
  assert.equal(timeValue("24:00"), "00:00");
  assert.equal(timeValue("17:00"), "17:00");
  for (const [from, to, want] of [
    ["09:00", "17:00", false], ["22:00", "02:00", true], ["09:00", "09:00", true], ["09:00", "00:00", true],
    ["00:00", "00:00", true], ["09:00", "", false], ["", "02:00", false], ["", "", false],
  ]) assert.equal(isNextDay(from, to), want, `isNextDay(${from}, ${to})`);
  assert.equal(describe([]), "Day off");
  assert.equal(describe(null), "Day off");
  assert.equal(describe([["09:00", "12:00"], ["13:00", "17:00"]]), "Special hours 09:00–12:00, 13:00–17:00");
});

test("groupOverrides joins consecutive days with the same hours and reason", () => {
  const off = (date, reason = "Holiday") => ({ date, intervals: [], reason });
  const am = (date, reason = "Holiday") => ({ date, intervals: [["09:00", "12:00"]], reason });
  const ranges = (items) => groupOverrides(items).map((g) => [g.from, g.to, g.dates.length, g.intervals.length ? "special" : "off", g.reason]);
  const scenarios = [
    {
      name: "across a month end, unsorted, intervals missing or empty",
      tz: "Europe/London",
      items: [off("2026-02-01"), off("2026-01-30"), { date: "2026-01-31", reason: "Holiday" }, am("2026-02-02"), am("2026-02-03"), off("2026-02-05")],
      want: [["2026-01-30", "2026-02-01", 3, "off", "Holiday"], ["2026-02-02", "2026-02-03", 2, "special", "Holiday"], ["2026-02-05", "2026-02-05", 1, "off", "Holiday"]],
    },
    {
      name: "February's end, leap and not",
      tz: "Europe/London",
      items: [off("2026-02-28"), off("2026-03-01"), off("2028-02-28"), off("2028-03-01")],
      want: [["2026-02-28", "2026-03-01", 2, "off", "Holiday"], ["2028-02-28", "2028-02-28", 1, "off", "Holiday"], ["2028-03-01", "2028-03-01", 1, "off", "Holiday"]],
    },
    {
      name: "across the year end; a new reason starts a new range",
      tz: "America/New_York",
      items: [off("2026-12-24", "Christmas Eve"), off("2026-12-25", "Christmas"), off("2026-12-31", ""), off("2027-01-01", "")],
      want: [["2026-12-24", "2026-12-24", 1, "off", "Christmas Eve"], ["2026-12-25", "2026-12-25", 1, "off", "Christmas"], ["2026-12-31", "2027-01-01", 2, "off", ""]],
    },
    {
      name: "across London's DST days",
      tz: "Europe/London",
      items: [off("2026-03-28"), off("2026-03-29"), off("2026-03-30"), off("2026-10-24"), off("2026-10-25"), off("2026-10-26")],
      want: [["2026-03-28", "2026-03-30", 3, "off", "Holiday"], ["2026-10-24", "2026-10-26", 3, "off", "Holiday"]],
    },
    {
      name: "across New York's DST days",
      tz: "America/New_York",
      items: [am("2026-03-07"), am("2026-03-08"), am("2026-03-09"), off("2026-10-31"), off("2026-11-01"), off("2026-11-02")],
      want: [["2026-03-07", "2026-03-09", 3, "special", "Holiday"], ["2026-10-31", "2026-11-02", 3, "off", "Holiday"]],
    },
    { name: "nothing", tz: "UTC", items: [], want: [] },
  ];
  for (const s of scenarios) inZone(s.tz, () => assert.deepEqual(ranges(s.items), s.want, s.name));

  // The groups keep every date (a removal deletes them one by one).
  inZone("Europe/London", () => {
    const [g] = groupOverrides([off("2026-01-31"), off("2026-02-01")]);
    assert.deepEqual(g.dates, ["2026-01-31", "2026-02-01"]);
  });
});

test("slotRuns and spansText sum slots up as the stretches they cover", () => {
  const slot = (a, b) => ({ start: `2026-03-02T${a}:00Z`, end: `2026-03-02T${b}:00Z` });
  const hhmm = (d) => d.toISOString().slice(11, 16);
  const runs = (slots) => slotRuns(slots).map((r) => `${hhmm(r.start)}-${hhmm(r.end)}`);
  assert.deepEqual(runs([slot("09:00", "09:30"), slot("09:30", "10:00"), slot("10:00", "10:30"), slot("13:00", "13:30")]), ["09:00-10:30", "13:00-13:30"]);
  assert.deepEqual(runs([slot("09:00", "09:30"), slot("09:15", "09:45"), slot("09:30", "10:00")]), ["09:00-10:00"]); // 15-minute steps
  assert.deepEqual(runs([slot("09:00", "10:00"), slot("09:15", "09:30")]), ["09:00-10:00"]); // contained
  assert.deepEqual(runs([slot("09:00", "09:30"), slot("09:45", "10:15")]), ["09:00-09:30", "09:45-10:15"]); // a gap
  assert.deepEqual(runs([]), []);

  const fmt = (a, b) => `${hhmm(a)}–${hhmm(b)}`;
  assert.equal(spansText([slot("09:00", "09:30"), slot("09:30", "10:00"), slot("13:00", "13:30")], fmt), "09:00–10:00, 13:00–13:30 (3 start times)");
  assert.equal(spansText([slot("09:00", "09:30")], fmt), "09:00–09:30 (1 start time)");
});

test("findZone turns what someone typed into an IANA zone", () => {
  const scenarios = [
    ["tokyo", "Asia/Tokyo"],
    ["Tokyo", "Asia/Tokyo"],
    ["  TOKYO ", "Asia/Tokyo"],
    ["new york", "America/New_York"],
    ["los angeles", "America/Los_Angeles"],
    ["london", "Europe/London"],
    ["europe/london", "Europe/London"],
    ["sao paulo", "America/Sao_Paulo"],
    // Listed or not (ICU lists America/Buenos_Aires), a zone typed in full is kept.
    ["America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"],
    ["UTC", "UTC"],
    ["Etc/UTC", "Etc/UTC"], // an alias Intl knows but does not list
    ["", null],
    ["   ", null],
    ["Atlantis", null],
    ["Mars/Olympus_Mons", null],
  ];
  for (const [typed, want] of scenarios) assert.equal(findZone(typed), want, `findZone(${JSON.stringify(typed)})`);
  // Only the names given are looked in (an alias with a slash still passes).
  assert.equal(findZone("paris", ["Europe/Paris", "UTC"]), "Europe/Paris");
  assert.equal(findZone("tokyo", ["Europe/Paris", "UTC"]), null);
  assert.ok(zoneNames().includes("UTC"));
  assert.ok(zoneNames().includes("Asia/Tokyo"));
});

test("uptimeText: the largest unit and the next one when not zero", () => {
  for (const [seconds, want] of [
    [0, "less than a minute"], [59, "less than a minute"], [60, "1 minute"], [3599, "59 minutes"],
    [3600, "1 hour"], [3660, "1 hour 1 minute"], [86400, "1 day"], [86460, "1 day"],
    [90000, "1 day 1 hour"], [200000, "2 days 7 hours"], [-5, "less than a minute"], [undefined, "less than a minute"],
  ]) assert.equal(uptimeText(seconds), want, `uptimeText(${seconds})`);
});
