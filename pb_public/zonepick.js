// zonepick.js is the behaviour of the booking page's zone picker: a
// combobox (ARIA 1.2 pattern: the input keeps the focus, arrows move
// through a listbox of matches, Enter picks, Escape closes) that searches
// the zones of pb_public/i18n/zones.{lang}.json with zonesearch.js. The page
// renders the input and loads this module on the picker's first use, so a
// first visit does not carry it.
import { buildIndex, searchZones } from "./zonesearch.js";
import { utcOffset } from "./when.js";

const indexes = new Map(); // lang → Promise of the search index

// zoneIndex loads lang's zones file once and indexes it with country names
// in lang and in English (Intl.DisplayNames).
function zoneIndex(lang) {
  if (!indexes.has(lang)) {
    const p = fetch(`/i18n/zones.${lang}.json`).then((r) => {
      if (!r.ok) throw new Error("zones: " + r.status);
      return r.json();
    }).then((data) => {
      let local = null, english = null;
      try { local = new Intl.DisplayNames([lang], { type: "region" }); english = new Intl.DisplayNames(["en"], { type: "region" }); } catch { /* older browsers */ }
      return buildIndex(data, (cc) => (local ? [local.of(cc), english.of(cc)] : []));
    });
    p.catch(() => indexes.delete(lang));
    indexes.set(lang, p);
  }
  return indexes.get(lang);
}

// attach gives the picker's input and listbox their behaviour. page holds
// what the page lends it: lang, t (texts), h (elements), announce, current()
// (the zone in use), pick(zone) and invalid(query) (nothing matched).
// It returns enter(), which does what Enter does (for a key pressed before
// this module arrived).
export function attach(input, list, page) {
  const { t, h } = page;
  let found = [], active = -1, seq = 0;

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const mark = (i) => {
    active = i;
    [...list.children].forEach((li, k) => li.setAttribute("aria-selected", String(k === i)));
    if (i < 0) return input.removeAttribute("aria-activedescendant");
    input.setAttribute("aria-activedescendant", list.children[i].id);
    list.children[i].scrollIntoView({ block: "nearest" });
  };
  const choose = (zone) => { close(); page.pick(zone); };

  // search lists the zones matching the typed text, each with its offset now.
  async function search() {
    const my = ++seq;
    const q = input.value;
    let index;
    try { index = await zoneIndex(page.lang); } catch { return; }
    if (my !== seq) return;
    found = searchZones(index, q, 30);
    const now = new Date();
    list.replaceChildren(...found.map((e, i) => h("li", {
      id: `${list.id}-${i}`, role: "option", "aria-selected": "false",
      onmousedown: (ev) => ev.preventDefault(), onclick: () => choose(e.id),
    }, h("span", { class: "tz-city" }, e.country && e.country !== e.city ? `${e.city}, ${e.country}` : e.city),
    h("span", { class: "tz-more" }, [e.name, e.id, "UTC" + utcOffset(now, e.id)].filter(Boolean).join(" · ")))));
    const open = found.length > 0 && q.trim() !== "";
    list.hidden = !open;
    input.setAttribute("aria-expanded", String(open));
    mark(-1);
    if (q.trim()) page.announce(found.length ? t("zone.found", { count: found.length }) : t("zone.none", { query: q.trim() }));
  }

  async function enter() {
    if (input.value.trim() === page.current()) return close();
    await search(); // the zones may still have been loading
    const zone = found[Math.max(active, 0)];
    if (zone) return choose(zone.id);
    close();
    page.invalid(input.value.trim());
  }

  input.addEventListener("input", search);
  input.addEventListener("blur", close);
  input.addEventListener("keydown", (ev) => {
    const n = list.hidden ? 0 : list.children.length;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      ev.preventDefault();
      if (!n) return search();
      mark(ev.key === "ArrowDown" ? (active + 1) % n : (active - 1 + n) % n);
    } else if (ev.key === "Escape" && !list.hidden) {
      ev.preventDefault();
      close();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      enter();
    }
  });
  if (input.value.trim() && input.value.trim() !== page.current()) search(); // typed before this module arrived
  return { enter };
}
