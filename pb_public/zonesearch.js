// zonesearch.js finds time zones by what people type, in the page's
// language: a city ("tokyo", "東京"), a country ("Japan", "Deutschland"), a
// common name ("pacific time", "horário de Brasília") or an abbreviation
// ("CET"). Pure: the booking page loads it with pb_public/i18n/zones.{tag}.json
// (made by scripts/genzones from CLDR) on the zone picker's first use.

// fold makes text comparable: lower case, no accents, separators as spaces.
export function fold(s) {
  return String(s || "").normalize("NFD").replace(/\p{M}/gu, "").toLowerCase()
    .replace(/[_/,.()\-–]+/g, " ").replace(/\s+/g, " ").trim();
}

// buildIndex turns a zones file ({m: {metazone: [names…]}, z: [[id, city,
// country code, metazone, other names, "1" for a metazone's main zone], …]})
// into searchable entries;
// countryNames(code) lists the country's names (page language, English).
export function buildIndex(data, countryNames) {
  return data.z.map(([id, city, cc, mz, abbr, main]) => {
    const names = (data.m && data.m[mz]) || [];
    const countries = cc ? countryNames(cc).filter(Boolean) : [];
    const english = id.split("/").pop().replace(/_/g, " ");
    return {
      id, city: city || english, country: countries[0] || "", name: names[0] || "", main: main === "1",
      cityKey: fold(city || english),
      words: fold([city, english, id, ...countries, ...names, abbr].join(" ")),
    };
  });
}

// searchZones lists the entries matching every word of query, best first:
// the city starting with it, then a word starting with it, then the rest;
// among equals a metazone's main zone (New York for "eastern time") first;
// at most limit of them.
export function searchZones(index, query, limit = 30) {
  const q = fold(query);
  if (!q) return [];
  const parts = q.split(" ");
  const scored = [];
  for (const e of index) {
    if (!parts.every((p) => e.words.includes(p))) continue;
    const score = e.cityKey === q ? 0 : e.cityKey.startsWith(q) ? 1 : (" " + e.words).includes(" " + q) ? 2 : 3;
    scored.push([score, e]);
  }
  scored.sort((a, b) => a[0] - b[0] || b[1].main - a[1].main || a[1].city.localeCompare(b[1].city));
  return scored.slice(0, limit).map((x) => x[1]);
}
