// i18n.js is the booking page's languages: which one a visitor gets, its
// message catalogue (pb_public/i18n/{tag}.json, flat keys → texts with
// {placeholders}; plural forms as key.one, key.other, … chosen with
// Intl.PluralRules), and English for any key a catalogue lacks.
import { fill } from "./when.js";

// LANGUAGES are the catalogues that exist, as exact BCP 47 tags.
export const LANGUAGES = ["en", "de", "fr", "es", "pt-BR", "ja"];

// NAMES are the languages' own names, for the switcher.
export const NAMES = { en: "English", de: "Deutsch", fr: "Français", es: "Español", "pt-BR": "Português (Brasil)", ja: "日本語" };

// RTL are the primary languages written right to left (none offered yet).
const RTL = new Set(["ar", "fa", "he", "ur"]);

// dirOf is the writing direction of tag: "rtl" or "ltr".
export const dirOf = (tag) => (RTL.has(String(tag).split("-")[0].toLowerCase()) ? "rtl" : "ltr");

// matchLanguage picks the best of supported for requested (a visitor's
// preferences, best first, like navigator.languages): an exact tag first,
// else the same language in another region ("de-AT" → "de", "pt-PT" →
// "pt-BR", "ja-JP" → "ja"). The first preference with a match wins; with
// none, fallback.
export function matchLanguage(requested, supported, fallback) {
  const lower = supported.map((s) => s.toLowerCase());
  for (const raw of requested || []) {
    const want = String(raw || "").trim().replace(/_/g, "-").toLowerCase();
    if (!want) continue;
    const exact = lower.indexOf(want);
    if (exact >= 0) return supported[exact];
    const base = want.split("-")[0];
    const same = lower.findIndex((s) => s.split("-")[0] === base);
    if (same >= 0) return supported[same];
  }
  return fallback;
}

// baseKey is a catalogue key without its plural form ("day.times.one" → "day.times").
const PLURAL = /\.(zero|one|two|few|many|other)$/;
export const baseKey = (k) => k.replace(PLURAL, "");

// Catalogue looks up texts in one language, falling back to English.
export class Catalogue {
  // constructor takes the language's texts and English's (may be null when
  // the language's catalogue lacks nothing).
  constructor(lang, texts, english) {
    this.lang = lang;
    this.texts = texts || {};
    this.english = english || {};
    this.plural = new Intl.PluralRules(lang);
    this.pluralEn = new Intl.PluralRules("en");
  }

  // t is the text of key with vars filled in; with vars.count a plural
  // form (key.one, key.other, …) is chosen.
  t(key, vars) {
    let text = this.texts[key] ?? this.english[key];
    if (text == null && vars && typeof vars.count === "number") {
      text = this.texts[key + "." + this.plural.select(vars.count)] ?? this.texts[key + ".other"] ??
        this.english[key + "." + this.pluralEn.select(vars.count)] ?? this.english[key + ".other"];
    }
    return text == null ? key : fill(text, vars);
  }
}

// lacksKeys tells whether texts miss any of English's keys: other
// catalogues hold only English keys (a test checks), so fewer base keys
// means some are missing. keyCount is English's number of base keys.
export function lacksKeys(texts, keyCount) {
  return new Set(Object.keys(texts).map(baseKey)).size < keyCount;
}

// EN_KEYS is how many base keys en.json has (web/test/i18n.test.mjs keeps it true).
export const EN_KEYS = 137;

// loadCatalogue fetches lang's catalogue, and English's only when lang's
// lacks a key (or failed to load).
export async function loadCatalogue(lang) {
  const get = (tag) => fetch(`/i18n/${tag}.json`).then((r) => (r.ok ? r.json() : null)).catch(() => null);
  const texts = await get(lang);
  const english = lang === "en" ? texts : !texts || lacksKeys(texts, EN_KEYS) ? await get("en") : null;
  return new Catalogue(lang, texts || english, english);
}
