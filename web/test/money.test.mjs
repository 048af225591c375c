// Tests of how prices are written and read (pb_public/when.js, admin/pure.js): the
// server keeps minor units, the page and the dashboard show major units.
// Run with `node --test web/test/*.test.mjs` (scripts/test.sh does).
//
// The currencies' digits are Stripe's (EUR 2, JPY 0, KWD 3, ISK 2); the expected
// texts are CLDR's as Node's ICU writes them (spaces normalised).
import test from "node:test";
import assert from "node:assert/strict";
import { currencyDigits, formatMoney } from "../../pb_public/when.js";
import { toMinor, toMajor } from "../../pb_public/admin/pure.js";

const plain = (s) => s.replace(/[\u00a0\u202f]/g, " ");

test("currencyDigits follows Stripe's minor units, any case", () => {
  for (const [cur, want] of [["eur", 2], ["USD", 2], ["jpy", 0], ["krw", 0], ["kwd", 3], ["isk", 2], ["huf", 2], ["nope!", 2]]) {
    assert.equal(currencyDigits(cur), want, cur);
  }
});

test("formatMoney writes minor units in the page's language", () => {
  const scenarios = [
    [5000, "eur", "en", "€50.00"],
    [5000, "eur", "de", "50,00 €"],
    [4990, "usd", "en", "$49.90"],
    [5000, "jpy", "en", "¥5,000"],
    [5000, "jpy", "ja", "￥5,000"],
    [1234, "kwd", "en", "KWD 1.234"],
    [0, "eur", "fr", "0,00 €"],
    [12345, "isk", "en", "ISK 123.45"], // Stripe counts ISK in hundredths; CLDR alone would write ISK 12,345
  ];
  for (const [minor, cur, lang, want] of scenarios) assert.equal(plain(formatMoney(minor, cur, lang)), want, `${minor} ${cur} ${lang}`);
});

test("toMinor reads typed prices by the currency's digits", () => {
  const ok = [
    ["50", "eur", 5000], ["49.9", "eur", 4990], ["49,90", "eur", 4990], [" 1 234.50 ", "usd", 123450],
    ["5000", "jpy", 5000], ["1.234", "kwd", 1234], ["1,5", "kwd", 1500], ["", "eur", 0], ["0.01", "eur", 1],
  ];
  for (const [text, cur, want] of ok) assert.deepEqual(toMinor(text, cur), { minor: want }, `${text} ${cur}`);
  const bad = [["49.999", "eur", /at most 2 decimals/], ["1,234", "usd", /at most 2 decimals/], ["50.5", "jpy", /no decimals/],
    ["1,234.50", "usd", /thousands/], ["-5", "eur", /Enter a number/], ["5e3", "eur", /Enter a number/], [".", "eur", /Enter a number/],
    ["9".repeat(20), "eur", /too large/]];
  for (const [text, cur, re] of bad) assert.match(toMinor(text, cur).error || "", re, `${text} ${cur}`);
});

test("toMajor is what the price input shows, and reads back the same", () => {
  for (const [minor, cur, want] of [[4990, "eur", "49.90"], [5000, "jpy", "5000"], [1234, "kwd", "1.234"], [0, "eur", ""]]) {
    assert.equal(toMajor(minor, cur), want);
    if (minor) assert.deepEqual(toMinor(want, cur), { minor });
  }
});
