// Tests of the booking page's languages: the message catalogues
// (pb_public/i18n/*.json), language matching and English fallback
// (pb_public/i18n.js), and how a meeting's time is written (pb_public/when.js).
// Run with `node --test web/test/*.test.mjs` (scripts/test.sh does).
//
// The expected meeting texts were written by hand from the zones' rules:
//   America/New_York  2026-11-01 06:00Z clocks 02:00 EDT → 01:00 EST
//   Europe/Berlin     2026-03-29 01:00Z clocks 02:00 CET → 03:00 CEST
//   America/St_Johns  UTC-03:30 until 2026-03-08
//   Asia/Kolkata      UTC+05:30, no DST
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { formatWhen, utcOffset, fill } from "../../pb_public/when.js";
import { LANGUAGES, NAMES, EN_KEYS, Catalogue, matchLanguage, lacksKeys, baseKey, dirOf } from "../../pb_public/i18n.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "pb_public");
const catalogue = (tag) => JSON.parse(readFileSync(join(root, "i18n", tag + ".json"), "utf8"));
const en = catalogue("en");
const placeholders = (s) => [...String(s).matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

// pageSources are the booking page's own scripts (not the dashboard's).
const pageSources = readdirSync(root).filter((f) => f.endsWith(".js")).map((f) => readFileSync(join(root, f), "utf8")).join("\n");
const namespaces = new Set(Object.keys(en).map((k) => k.split(".")[0]));
// usedKeys are the quoted "namespace.key" strings of the page's scripts.
const usedKeys = new Set([...pageSources.matchAll(/["'`]([a-z]+\.[A-Za-z0-9]+)["'`]/g)].map((m) => m[1]).filter((k) => namespaces.has(k.split(".")[0])));

test("every key the page uses is in en.json", () => {
  const bases = new Set(Object.keys(en).map(baseKey));
  const missing = [...usedKeys].filter((k) => !bases.has(k));
  assert.deepEqual(missing, [], "keys used in pb_public/*.js but missing from en.json");
  assert.ok(usedKeys.size > 50, `only ${usedKeys.size} keys found: the scan is broken`);
});

test("every en.json key is used by the page", () => {
  const unused = [...new Set(Object.keys(en).map(baseKey))].filter((k) => !usedKeys.has(k));
  assert.deepEqual(unused, [], "keys in en.json that no page script uses");
});

test("EN_KEYS is en.json's number of base keys", () => {
  assert.equal(EN_KEYS, new Set(Object.keys(en).map(baseKey)).size);
});

test("there is one catalogue per language and nothing else", () => {
  const files = readdirSync(join(root, "i18n")).filter((f) => /^[^.]+\.json$/.test(f)).map((f) => f.slice(0, -5)).sort();
  assert.deepEqual(files, [...LANGUAGES].sort());
  for (const l of LANGUAGES) assert.ok(NAMES[l], `no name for ${l}`);
});

test("other catalogues hold only English keys, with English's placeholders", () => {
  const enBases = new Set(Object.keys(en).map(baseKey));
  for (const tag of LANGUAGES.filter((l) => l !== "en")) {
    const cat = catalogue(tag);
    const forms = new Set(new Intl.PluralRules(tag).resolvedOptions().pluralCategories);
    for (const [key, text] of Object.entries(cat)) {
      assert.equal(typeof text, "string", `${tag} ${key}`);
      assert.ok(text.trim(), `${tag} ${key} is empty`);
      const base = baseKey(key);
      if (key in en) {
        assert.deepEqual(placeholders(text), placeholders(en[key]), `${tag} ${key}: placeholders`);
        continue;
      }
      // A plural form of a plural English key, one that language has.
      assert.ok(enBases.has(base) && `${base}.other` in en, `${tag} has ${key}, which English lacks`);
      assert.ok(forms.has(key.slice(base.length + 1)), `${tag} ${key}: ${tag} has no such plural form`);
      assert.deepEqual(placeholders(text), placeholders(en[`${base}.other`]), `${tag} ${key}: placeholders`);
    }
  }
});

test("the shipped catalogues are complete (every English key translated)", () => {
  for (const tag of LANGUAGES) {
    const cat = catalogue(tag);
    assert.equal(lacksKeys(cat, EN_KEYS), false, `${tag} lacks keys`);
    for (const key of Object.keys(en).filter((k) => k.endsWith(".other"))) assert.ok(key in cat, `${tag} lacks ${key}`);
  }
});

test("a missing key falls back to English; plurals follow the language", () => {
  const de = new Catalogue("de", { "cal.dayTimes.one": "{day}, {count} Termin frei", "cal.dayTimes.other": "{day}, {count} Termine frei" }, en);
  assert.equal(de.t("cal.prev"), "Previous month");
  assert.equal(de.t("cal.dayTimes", { day: "Montag", count: 1 }), "Montag, 1 Termin frei");
  assert.equal(de.t("cal.dayTimes", { day: "Montag", count: 3 }), "Montag, 3 Termine frei");
  assert.equal(de.t("no.such"), "no.such");
  const ja = new Catalogue("ja", catalogue("ja"), null);
  assert.equal(ja.t("slot.seatsLeft", { count: 1 }), "残り1席");
  assert.equal(lacksKeys({ "cal.prev": "x" }, EN_KEYS), true);
  assert.equal(fill("{a} and {b}", { a: 1 }), "1 and {b}");
});

test("matchLanguage picks the visitor's best supported language", () => {
  const scenarios = [
    { want: ["de-AT", "en"], got: "de" },
    { want: ["pt-PT"], got: "pt-BR" },
    { want: ["pt"], got: "pt-BR" },
    { want: ["PT-br"], got: "pt-BR" },
    { want: ["ja-JP", "en-US"], got: "ja" },
    { want: ["en-GB", "de"], got: "en" },
    { want: ["nl-NL", "fr-CA", "de"], got: "fr" },
    { want: ["es_MX"], got: "es" },
    { want: ["zh-CN"], got: "en" },
    { want: [], got: "en" },
    { want: [null, ""], got: "en" },
  ];
  for (const s of scenarios) assert.equal(matchLanguage(s.want, LANGUAGES, "en"), s.got, JSON.stringify(s.want));
  assert.equal(matchLanguage(["de"], ["en", "fr"], "fr"), "fr", "an unsupported language takes the fallback");
  assert.equal(dirOf("ja"), "ltr");
  assert.equal(dirOf("ar-EG"), "rtl");
});

const T = { sameDay: en["when.sameDay"], twoDays: en["when.twoDays"] };
const tpl = (tag) => { const c = catalogue(tag); return { "when.sameDay": c["when.sameDay"], "when.twoDays": c["when.twoDays"] }; };

test("formatWhen writes a meeting in its zone and language", () => {
  const scenarios = [
    { what: "winter Los Angeles, 12 h", args: ["2026-03-02T17:00:00Z", "2026-03-02T17:45:00Z", "America/Los_Angeles", "en", T],
      want: "Monday, March 2, 2026, 9:00 AM–9:45 AM (America/Los_Angeles, UTC-08:00)" },
    { what: "New York falls back during the meeting", args: ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z", "America/New_York", "de", tpl("de")],
      want: "Sonntag, 1. November 2026, 01:30–01:30 (America/New_York, UTC-04:00/-05:00)" },
    { what: "Berlin springs forward during the meeting", args: ["2026-03-29T00:30:00Z", "2026-03-29T01:30:00Z", "Europe/Berlin", "fr", tpl("fr")],
      want: "dimanche 29 mars 2026, 01:30–03:30 (Europe/Berlin, UTC+01:00/+02:00)" },
    { what: "Tokyo across midnight", args: ["2026-03-02T14:30:00Z", "2026-03-02T15:30:00Z", "Asia/Tokyo", "ja", tpl("ja")],
      want: "2026年3月2日月曜日 23:30～2026年3月3日火曜日 0:30（Asia/Tokyo, UTC+09:00）" },
    { what: "UTC across midnight", args: ["2026-03-02T23:30:00Z", "2026-03-03T00:30:00Z", "UTC", "pt-BR", tpl("pt-BR")],
      want: "segunda-feira, 2 de março de 2026, 23:30 – terça-feira, 3 de março de 2026, 00:30 (UTC)" },
    { what: "half-hour offset", args: ["2026-03-02T09:00:00Z", "2026-03-02T09:30:00Z", "Asia/Kolkata", "es", tpl("es")],
      want: "lunes, 2 de marzo de 2026, 14:30–15:00 (Asia/Kolkata, UTC+05:30)" },
    { what: "negative half-hour offset", args: ["2026-03-02T13:30:00Z", "2026-03-02T14:00:00Z", "America/St_Johns", "en", T],
      want: "Monday, March 2, 2026, 10:00 AM–10:30 AM (America/St_Johns, UTC-03:30)" },
  ];
  for (const s of scenarios) assert.equal(formatWhen(...s.args), s.want, s.what);
});

test("formatWhen leaves no narrow or no-break spaces", () => {
  const out = formatWhen("2026-07-01T16:00:00Z", "2026-07-01T16:30:00Z", "Europe/Paris", "fr", tpl("fr"));
  assert.doesNotMatch(out, /[\u202f\u00a0]/);
  assert.equal(utcOffset(new Date("2026-07-01T12:00:00Z"), "Europe/London"), "+01:00");
  assert.equal(utcOffset(new Date("2026-01-01T12:00:00Z"), "Europe/London"), "+00:00");
});
