// money.js writes and reads prices (issue 20): the server keeps an amount
// in the currency's minor units (cents; yen have none), the page and the
// dashboard show it in major units through Intl. Pure: no DOM, importable
// by the page, the dashboard and node.

// currencyDigits is how many minor-unit digits currency (ISO 4217, any
// case) has: 2 for EUR and USD, 0 for JPY and KRW, 3 for KWD; 2 for an
// unknown code.
export function currencyDigits(currency) {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency: String(currency).toUpperCase() }).resolvedOptions().maximumFractionDigits;
  } catch {
    return 2;
  }
}

// formatMoney writes minor units of currency in lang: (5000, "eur", "de")
// → "50,00 €", (5000, "jpy", "en") → "¥5,000". Without a valid currency it
// is the bare number.
export function formatMoney(minor, currency, lang) {
  const digits = currencyDigits(currency);
  const major = Number(minor || 0) / 10 ** digits;
  try {
    return new Intl.NumberFormat(lang, { style: "currency", currency: String(currency).toUpperCase() }).format(major);
  } catch {
    return major.toFixed(digits);
  }
}

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
