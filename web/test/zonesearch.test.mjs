// Tests of the booking page's zone search (pb_public/zonesearch.js) on the
// generated zone files (pb_public/i18n/zones.{tag}.json, scripts/genzones).
// Run with `node --test web/test/*.test.mjs`.
import test from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { buildIndex, searchZones, fold } from "../../pb_public/zonesearch.js";
import { LANGUAGES } from "../../pb_public/i18n.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "pb_public");

// index builds tag's search index with country names as the page has them
// (Intl.DisplayNames in the page's language and in English).
function index(tag) {
  const data = JSON.parse(readFileSync(join(root, "i18n", `zones.${tag}.json`), "utf8"));
  const local = new Intl.DisplayNames([tag], { type: "region" }), english = new Intl.DisplayNames(["en"], { type: "region" });
  return buildIndex(data, (cc) => [local.of(cc), english.of(cc)]);
}

test("zones are found by city, country, common name and abbreviation in the page's language", () => {
  const scenarios = [
    { tag: "en", q: "tokyo", first: "Asia/Tokyo" },
    { tag: "ja", q: "東京", first: "Asia/Tokyo" },
    { tag: "ja", q: "tokyo", first: "Asia/Tokyo" },
    { tag: "en", q: "Japan", first: "Asia/Tokyo" },
    { tag: "fr", q: "japon", first: "Asia/Tokyo" },
    { tag: "en", q: "pacific time", first: "America/Los_Angeles" },
    { tag: "en", q: "CET", has: "Europe/Berlin" },
    { tag: "de", q: "Deutschland", first: "Europe/Berlin" },
    { tag: "de", q: "mitteleuropäische", has: "Europe/Berlin" },
    { tag: "pt-BR", q: "horário de Brasília", first: "America/Sao_Paulo" },
    { tag: "en", q: "eastern time", first: "America/New_York" },
    { tag: "pt-BR", q: "sao paulo", first: "America/Sao_Paulo" },
    { tag: "es", q: "nueva york", first: "America/New_York" },
    { tag: "en", q: "new york", first: "America/New_York" },
    { tag: "en", q: "kolkata", first: "Asia/Kolkata" },
    { tag: "en", q: "UTC", first: "UTC" },
    { tag: "ja", q: "ロサンゼルス", first: "America/Los_Angeles" },
    { tag: "en", q: "xyzzy", none: true },
  ];
  const cache = {};
  for (const s of scenarios) {
    const found = searchZones(cache[s.tag] ||= index(s.tag), s.q).map((e) => e.id);
    const what = `${s.tag} "${s.q}" → ${found.slice(0, 5).join(", ")}`;
    if (s.none) assert.equal(found.length, 0, what);
    if (s.first) assert.equal(found[0], s.first, what);
    if (s.has) assert.ok(found.includes(s.has), what);
  }
});

test("every language has a zone file with every zone", () => {
  const ids = (tag) => JSON.parse(readFileSync(join(root, "i18n", `zones.${tag}.json`), "utf8")).z.map((z) => z[0]);
  const en = ids("en");
  assert.ok(en.length > 300 && en.includes("UTC"), `${en.length} zones`);
  for (const tag of LANGUAGES) assert.deepEqual(ids(tag), en, tag);
});

test("fold ignores case, accents and separators", () => {
  assert.equal(fold("São_Paulo"), "sao paulo");
  assert.equal(fold("America/Los_Angeles"), "america los angeles");
  assert.equal(fold("  Horário   de Brasília "), "horario de brasilia");
});
