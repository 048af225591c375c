// slotbase booking page: the event type list (/), booking one event type
// (/{slug}) and the invitee's manage page (/manage#<token>), in the
// visitor's language (i18n.js). Plain JavaScript modules without a build
// step; it talks only to this server's /api.
import { formatWhen, utcOffset, formatMoney } from "./when.js";
import { LANGUAGES, NAMES, dirOf, matchLanguage, loadCatalogue } from "./i18n.js";

(async () => {
  const params = new URLSearchParams(location.search);
  const EMBED = params.get("embed") === "1";
  const Q = EMBED ? "?embed=1" : "";
  const view = document.getElementById("view");
  let LANG = "en"; // the page's language, set below once the settings are in
  let cat = null; // its catalogue
  // t is the text of key in the page's language with vars filled in.
  const t = (key, vars) => (cat ? cat.t(key, vars) : key);

  // ---------- small helpers ----------

  // h builds an element: h("button", {type: "button", onclick: fn}, "text", child…).
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v == null || v === false) continue;
      if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
      else if (k === "class") el.className = v;
      else el.setAttribute(k, v === true ? "" : String(v));
    }
    for (const kid of kids.flat()) if (kid != null && kid !== false) el.append(kid);
    return el;
  }

  // tn is the text of key as nodes, with elements for some placeholders:
  // tn("done.text", {email: h("strong", null, addr)}).
  function tn(key, vars) {
    const plain = {}, nodes = {};
    for (const [k, v] of Object.entries(vars || {})) (v instanceof Node ? nodes : plain)[k] = v;
    for (const k of Object.keys(nodes)) plain[k] = "\u0000" + k + "\u0000";
    return t(key, plain).split("\u0000").map((part, i) => (i % 2 ? nodes[part] : part));
  }

  const store = {
    get(k) { try { return localStorage.getItem("slotbase." + k); } catch { return null; } },
    set(k, v) { try { localStorage.setItem("slotbase." + k, v); } catch { /* private mode */ } },
  };

  const announcer = document.getElementById("announce");
  // announce tells screen readers about a change that moved no focus.
  function announce(text) {
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = text; }, 50);
  }

  // focusEl moves focus to el (headings get tabindex=-1 for this).
  function focusEl(el) {
    if (!el) return;
    if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: false });
  }

  // api calls the JSON API; errors carry status, message and per-field data.
  async function api(path, opts = {}) {
    const init = { method: opts.method || "GET", headers: { ...opts.headers } }; // plain GETs match the page's preloads
    if (opts.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(opts.body);
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      const err = new Error();
      Object.defineProperty(err, "message", { get: () => t("error.offline") }); // the catalogue may still be loading
      err.status = 0;
      err.data = {};
      throw err;
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const err = new Error();
      Object.defineProperty(err, "message", { get: () => (data && data.message) || t("error.status", { status: res.status }) });
      err.status = res.status;
      err.data = (data && data.data) || {};
      throw err;
    }
    return data;
  }

  const capital = (s) => s ? s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".") : s;

  // ---------- time zones and formatting ----------

  const validZone = (z) => {
    if (!z) return false;
    try { new Intl.DateTimeFormat("en", { timeZone: z }); return true; } catch { return false; }
  };
  const browserZone = (() => {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch { return "UTC"; }
  })();
  const prefs = {
    tz: validZone(store.get("tz")) ? store.get("tz") : browserZone,
    hour12: false, // set with the language
  };

  const fmtCache = new Map();
  function dtf(opts) {
    const key = JSON.stringify(opts);
    let f = fmtCache.get(key);
    if (!f) fmtCache.set(key, (f = new Intl.DateTimeFormat(LANG, opts)));
    return f;
  }
  const clock = () => prefs.hour12 ? { hour: "numeric", minute: "2-digit", hourCycle: "h12" } : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
  const fmtTime = (iso, tz = prefs.tz) => dtf({ ...clock(), timeZone: tz }).format(new Date(iso));
  const pad = (n) => String(n).padStart(2, "0");
  const dateUTC = (s) => { const [y, m, d] = s.split("-").map(Number); return new Date(Date.UTC(y, m - 1, d)); };
  const fmtDay = (s, opts) => dtf({ ...opts, timeZone: "UTC" }).format(dateUTC(s));
  const longDay = (s) => fmtDay(s, { weekday: "long", day: "numeric", month: "long" });
  const addDays = (s, n) => { const t = dateUTC(s); t.setUTCDate(t.getUTCDate() + n); return t.toISOString().slice(0, 10); };
  const monthOf = (s) => s.slice(0, 7);
  const addMonths = (ym, n) => { const [y, m] = ym.split("-").map(Number); const t = new Date(Date.UTC(y, m - 1 + n, 1)); return t.toISOString().slice(0, 7); };
  const daysIn = (ym) => { const [y, m] = ym.split("-").map(Number); return new Date(Date.UTC(y, m, 0)).getUTCDate(); };
  function todayIn(tz) {
    const p = {};
    for (const x of dtf({ year: "numeric", month: "2-digit", day: "2-digit", timeZone: tz }).formatToParts(new Date())) p[x.type] = x.value;
    return `${p.year}-${p.month}-${p.day}`;
  }
  // zoneLabel names a zone for people in the page's language:
  // "America/Los Angeles (Nordamerikanische Westküstenzeit)".
  function zoneLabel(tz) {
    let generic = "";
    try {
      const part = dtf({ timeZone: tz, timeZoneName: "longGeneric" }).formatToParts(new Date()).find((x) => x.type === "timeZoneName");
      generic = part ? part.value : "";
    } catch { /* older browsers */ }
    const name = tz.replace(/_/g, " ");
    return generic && generic !== tz ? `${name} (${generic})` : name;
  }
  // money writes a price (minor units of currency) in the page's language.
  const money = (minor, currency) => formatMoney(minor, currency, LANG);
  // fmtWhen is a booking's day and time range in tz, written as the mails write it.
  const fmtWhen = (start, end, tz) => formatWhen(start, end, tz, LANG, { sameDay: t("when.sameDay"), twoDays: t("when.twoDays") });
  let weekStart = 1; // 0 Sunday … 6 Saturday, set with the language
  // firstDayOf is the first day of the week where region (a BCP 47 tag) is.
  function firstDayOf(region) {
    try {
      const l = new Intl.Locale(region);
      const w = l.getWeekInfo ? l.getWeekInfo() : l.weekInfo;
      if (w && w.firstDay) return w.firstDay % 7;
    } catch { /* no weekInfo here */ }
    return /^(en(-US)?|ja(-JP)?|pt-BR)$/i.test(region) ? 0 : 1;
  }

  // ---------- branding ----------

  const settingsReq = api("/api/public/settings").catch(() => ({}));
  const typesReq = api("/api/public/event-types");

  // luminance and contrast per WCAG 2.
  function luminance([r, g, b]) {
    const c = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * c(r) + 0.7152 * c(g) + 0.0722 * c(b);
  }
  const contrast = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
  const hex = (c) => "#" + c.map((v) => v.toString(16).padStart(2, "0")).join("");

  // applyBrand sets the brand colours, keeping text contrast at 4.5:1 or more
  // whatever colour the admin picked.
  function applyBrand(color) {
    const m = /^#?([0-9a-f]{6})$/i.exec((color || "").trim());
    if (!m) return;
    const rgb = [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
    const white = [255, 255, 255], black = [17, 17, 17];
    const soft = mix(rgb, white, 0.88);
    let text = rgb;
    for (let t = 0.1; contrast(text, soft) < 4.6 && t <= 1; t += 0.1) text = mix(rgb, black, t);
    let fill = rgb; // button background: white text on it needs 4.5:1 too
    for (let t = 0.1; contrast(fill, white) < 4.6 && t <= 1; t += 0.1) fill = mix(rgb, black, t);
    const root = document.documentElement.style;
    root.setProperty("--brand", hex(fill));
    root.setProperty("--brand-text", hex(text));
    root.setProperty("--brand-soft", hex(soft));
  }

  async function branding() {
    const s = await settingsReq;
    applyBrand(s.brand_color);
    const org = s.org_name || "";
    document.getElementById("org").textContent = org;
    document.getElementById("home").href = "/" + Q;
    const logo = document.getElementById("logo");
    if (s.logo_url) {
      logo.src = s.logo_url;
      logo.alt = org ? "" : t("brand.logo"); // the name beside it says who it is
      logo.hidden = false;
    }
    return s;
  }

  // ---------- embed mode ----------

  if (EMBED) {
    document.documentElement.classList.add("embed");
    if (window.parent !== window && "ResizeObserver" in window) {
      let last = 0;
      new ResizeObserver(() => {
        const height = Math.ceil(document.body.getBoundingClientRect().height);
        if (height !== last) {
          last = height;
          window.parent.postMessage({ type: "slotbase:height", height }, "*");
        }
      }).observe(document.body);
    }
  }

  // ---------- the calendar: month grid, day's times, zone and clock ----------

  const months = new Map(); // slug|tz|YYYY-MM → Promise<Map<date, slots>>

  // loadMonth asks /api/slots once per visible month (and zone).
  function loadMonth(slug, ym, fresh) {
    const key = `${slug}|${prefs.tz}|${ym}`;
    if (fresh || !months.has(key)) {
      const q = new URLSearchParams({ event_type: slug, from: ym + "-01", to: `${ym}-${pad(daysIn(ym))}`, tz: prefs.tz });
      const req = api("/api/slots?" + q).then((r) => {
        const days = new Map();
        for (const d of r.days) if (d.slots.length) days.set(d.date, d.slots);
        return days;
      });
      req.catch(() => months.delete(key));
      months.set(key, req);
    }
    return months.get(key);
  }

  // liveTimes keeps one EventSource on slug's changes (/api/slots/live)
  // while the page is visible, and runs onChange after each change and after
  // each reconnect (changes may have been missed meanwhile). EventSource
  // retries by itself after the pause the server sets; a refusal (429, 503)
  // ends it, and the times simply stop updating. stop() closes it for good.
  function liveTimes(slug, onChange) {
    if (!window.EventSource) return { stop() {} };
    let es = null, opened = false;
    const open = () => {
      if (es || document.hidden) return;
      es = new EventSource("/api/slots/live?" + new URLSearchParams({ event_type: slug }));
      es.addEventListener("ready", () => {
        performance.mark("slotbase:live");
        if (opened) onChange();
        opened = true;
      });
      es.addEventListener("changed", onChange);
    };
    const close = () => { if (es) es.close(); es = null; };
    const onVisibility = () => (document.hidden ? close() : open());
    const onShow = (ev) => { if (ev.persisted) open(); };
    document.addEventListener("visibilitychange", onVisibility);
    addEventListener("pagehide", close);
    addEventListener("pageshow", onShow);
    open();
    return {
      stop() {
        close();
        document.removeEventListener("visibilitychange", onVisibility);
        removeEventListener("pagehide", close);
        removeEventListener("pageshow", onShow);
      },
    };
  }

  const GONE = () => t("picker.gone");

  // watchTimes keeps picker's month current while it is on screen; when the
  // time being booked (chosen(): {start, date} or null) is no longer offered,
  // gone() runs.
  function watchTimes(slug, picker, chosen, gone) {
    return liveTimes(slug, async () => {
      const days = await picker.refresh();
      const slot = chosen();
      if (days && slot && !(days.get(slot.date) || []).some((s) => s.start === slot.start)) gone();
    });
  }

  let pickerCount = 0;

  // createPicker builds the month calendar with the chosen day's times.
  // onPick({start, end, date}) runs when the visitor picks a time.
  function createPicker(et, onPick) {
    const id = "p" + ++pickerCount;
    const st = { month: null, today: todayIn(prefs.tz), selected: null, days: new Map(), seq: 0 };
    const monthLabel = h("h3", { id: id + "-month", class: "month" });
    const prev = h("button", { type: "button", class: "nav", "aria-label": t("cal.prev"), onclick: () => step(-1) }, "‹");
    const next = h("button", { type: "button", class: "nav", "aria-label": t("cal.next"), onclick: () => step(1) }, "›");
    const grid = h("table", { role: "grid", class: "grid", "aria-labelledby": id + "-month" });
    const status = h("p", { class: "status", role: "status" });
    const alert = h("p", { class: "alert", role: "alert", hidden: true });
    const timesHead = h("h3", { id: id + "-times", class: "times-h", tabindex: "-1" });
    const list = h("ul", { class: "slots", "aria-labelledby": id + "-times" });
    const times = h("div", { class: "times", hidden: true }, timesHead, list);
    // The zone comes first: a phone shows it before the month and the times.
    const el = h("div", { class: "picker" },
      prefsBar(id, () => { st.today = todayIn(prefs.tz); show(st.month, { select: true }); }, () => renderTimes()),
      alert,
      h("div", { class: "cal" }, h("div", { class: "cal-head" }, prev, monthLabel, next), grid, status),
      times);

    grid.addEventListener("keydown", onKey);
    grid.addEventListener("click", (ev) => {
      const b = ev.target.closest("button[data-date]");
      if (b) choose(b.dataset.date);
    });

    function step(n) {
      const target = addMonths(st.month, n);
      if (target < monthOf(st.today)) return; // "Previous month" is aria-disabled here
      show(target, { select: true });
    }

    // show renders month ym; select picks its first day with times. It
    // reports whether the month has times (null: it could not load).
    async function show(ym, { select = false, focus = null, fresh = false } = {}) {
      const my = ++st.seq;
      st.month = ym;
      renderGrid(null, focus);
      status.textContent = t("cal.loading");
      let days;
      try {
        days = await loadMonth(et.slug, ym, fresh);
      } catch (err) {
        if (my === st.seq) status.textContent = err.data && err.data.tz ? t("cal.badZone") : err.message;
        return null;
      }
      if (my !== st.seq) return null;
      st.days = days;
      if (select) st.selected = days.keys().next().value || null;
      renderGrid(days, focus);
      renderTimes();
      status.textContent = days.size ? "" : t("cal.noTimesMonth", { month: monthName(ym) });
      return days.size > 0;
    }

    const monthName = (ym) => fmtDay(ym + "-01", { month: "long", year: "numeric" });

    function renderGrid(days, focus) {
      const ym = st.month;
      monthLabel.textContent = monthName(ym);
      // aria-disabled, not disabled: a focused button must keep the focus
      prev.setAttribute("aria-disabled", String(ym <= monthOf(st.today)));
      grid.setAttribute("aria-busy", String(!days));
      const first = ym + "-01";
      const lead = (dateUTC(first).getUTCDay() - weekStart + 7) % 7;
      const n = daysIn(ym);
      let tab = focus && monthOf(focus) === ym ? focus : null;
      if (!tab && st.selected && monthOf(st.selected) === ym) tab = st.selected;
      if (!tab && days && days.size) tab = days.keys().next().value;
      if (!tab) tab = monthOf(st.today) === ym ? st.today : first;
      const head = h("tr", null);
      for (let i = 0; i < 7; i++) {
        const d = addDays("2024-01-07", (weekStart + i) % 7); // 2024-01-07 was a Sunday
        head.append(h("th", { scope: "col", abbr: fmtDay(d, { weekday: "long" }) }, fmtDay(d, { weekday: "short" })));
      }
      const body = h("tbody", null);
      let row = h("tr", null);
      for (let i = 0; i < lead; i++) row.append(h("td", { role: "gridcell" }));
      for (let day = 1; day <= n; day++) {
        const date = `${ym}-${pad(day)}`;
        const slots = days && days.get(date);
        const count = slots ? slots.length : 0;
        const label = !days ? longDay(date) : count ? t("cal.dayTimes", { day: longDay(date), count }) : t("cal.dayNone", { day: longDay(date) });
        row.append(h("td", { role: "gridcell", "aria-selected": date === st.selected ? "true" : "false" },
          h("button", {
            type: "button", class: "day" + (count ? " open" : ""), "data-date": date, tabindex: date === tab ? "0" : "-1",
            "aria-label": label, "aria-disabled": count ? null : "true", "aria-current": date === st.today ? "date" : null,
          }, String(day))));
        if (row.children.length === 7) { body.append(row); row = h("tr", null); }
      }
      if (row.children.length) {
        while (row.children.length < 7) row.append(h("td", { role: "gridcell" }));
        body.append(row);
      }
      grid.replaceChildren(h("thead", null, head), body);
    }

    function renderTimes() {
      const slots = st.selected && st.days.get(st.selected);
      times.hidden = !slots;
      if (!slots) return;
      timesHead.textContent = longDay(st.selected);
      list.replaceChildren(...slots.map((s) => {
        const seats = et.seats > 1 ? h("span", { class: "seats" }, t("slot.seatsLeft", { count: s.seats_left })) : null;
        return h("li", null, h("button", {
          type: "button", class: "slot", "data-start": s.start,
          onclick: () => onPick({ start: s.start, end: s.end, date: st.selected }),
        }, h("span", null, fmtTime(s.start)), seats));
      }));
    }

    function choose(date) {
      if (!st.days.has(date)) {
        announce(t("cal.noTimesDay", { day: longDay(date) }));
        return;
      }
      st.selected = date;
      for (const td of grid.querySelectorAll("td")) {
        const b = td.firstElementChild;
        if (!b) continue;
        td.setAttribute("aria-selected", String(b.dataset.date === date));
        b.tabIndex = b.dataset.date === date ? 0 : -1;
      }
      renderTimes();
      const firstSlot = list.querySelector("button");
      focusEl(firstSlot);
      if (firstSlot) firstSlot.scrollIntoView({ block: "nearest" });
    }

    function onKey(ev) {
      const b = ev.target.closest("button[data-date]");
      if (!b) return;
      const d = b.dataset.date;
      const wd = (dateUTC(d).getUTCDay() - weekStart + 7) % 7;
      const shiftMonth = (n) => {
        const ym = addMonths(monthOf(d), n);
        return `${ym}-${pad(Math.min(Number(d.slice(8)), daysIn(ym)))}`;
      };
      const moves = {
        ArrowLeft: () => addDays(d, -1), ArrowRight: () => addDays(d, 1),
        ArrowUp: () => addDays(d, -7), ArrowDown: () => addDays(d, 7),
        Home: () => addDays(d, -wd), End: () => addDays(d, 6 - wd),
        PageUp: () => shiftMonth(-1), PageDown: () => shiftMonth(1),
      };
      if (!moves[ev.key]) return;
      ev.preventDefault();
      moveTo(moves[ev.key]());
    }

    async function moveTo(target) {
      if (monthOf(target) < monthOf(st.today)) return;
      if (monthOf(target) !== st.month) await show(monthOf(target), { focus: target });
      const b = grid.querySelector(`button[data-date="${target}"]`);
      if (!b) return;
      for (const other of grid.querySelectorAll("button[tabindex='0']")) other.tabIndex = -1;
      b.tabIndex = 0;
      b.focus();
    }

    return {
      el,
      // open shows the first month with times (looking up to a year ahead).
      async open() {
        let ym = monthOf(st.today);
        for (let i = 0; i < 12; i++, ym = addMonths(ym, 1)) {
          const found = await show(ym, { select: true });
          if (found) return true;
          if (found === null) return false; // the status says what went wrong
        }
        await show(monthOf(st.today), { select: true });
        status.textContent = t("cal.noTimesYear");
        return false;
      },
      // taken reloads the month after a time was taken by someone else.
      async taken(message) {
        alert.textContent = message;
        alert.hidden = false;
        const keep = st.selected;
        await show(st.month, { fresh: true });
        st.selected = st.days.has(keep) ? keep : st.days.keys().next().value || null;
        renderGrid(st.days);
        renderTimes();
        focusEl(st.selected ? timesHead : alert);
      },
      // refresh reloads the shown month after a change elsewhere, keeping
      // the visitor's place (month, day, focused day or time); it returns
      // the month's days, or null if it could not load or a newer load won.
      async refresh() {
        if (!st.month) return null;
        for (const key of months.keys()) if (key.startsWith(et.slug + "|")) months.delete(key);
        const my = ++st.seq;
        let days;
        try { days = await loadMonth(et.slug, st.month, true); } catch { return null; }
        if (my !== st.seq) return null;
        const active = document.activeElement;
        const onDay = grid.contains(active) && active.dataset.date;
        const onTime = list.contains(active) && active.dataset.start;
        st.days = days;
        renderGrid(days, onDay || null);
        renderTimes();
        status.textContent = days.size ? "" : t("cal.noTimesMonth", { month: monthName(st.month) });
        if (onDay) focusEl(grid.querySelector(`button[data-date="${onDay}"]`));
        if (onTime) {
          const left = [...list.querySelectorAll("button")];
          const same = left.find((b) => b.dataset.start === onTime);
          if (!same) announce(GONE());
          focusEl(same || left.find((b) => b.dataset.start > onTime) || left[left.length - 1] ||
            grid.querySelector(`button[data-date="${st.selected}"]`));
        }
        return days;
      },
      // restore puts focus back on the time picked before (after "Back").
      restore(start) {
        const b = list.querySelector(`button[data-start="${start}"]`);
        focusEl(b || timesHead);
      },
    };
  }

  // prefsBar is the zone picker (a combobox that searches zones by city,
  // country and name in the page's language, with each zone's offset now;
  // its behaviour, zonepick.js, loads on first use) and the 12/24 h toggle,
  // both remembered in localStorage.
  function prefsBar(id, onZone, onClock) {
    const listId = id + "-tz-list";
    const input = h("input", {
      id: id + "-tz", type: "text", role: "combobox", autocomplete: "off", spellcheck: "false", class: "tz-input",
      "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": listId, "aria-describedby": id + "-tz-hint",
    });
    input.value = prefs.tz;
    const list = h("ul", { id: listId, role: "listbox", class: "tz-list", "aria-label": t("zone.results"), hidden: true });
    const hint = h("p", { id: id + "-tz-hint", class: "hint" });
    const showHint = () => {
      const now = new Date();
      hint.textContent = t("zone.hint", { zone: zoneLabel(prefs.tz), offset: "UTC" + utcOffset(now, prefs.tz), time: fmtTime(now.toISOString()) });
    };
    showHint();
    const page = {
      lang: LANG, t, h, announce, current: () => prefs.tz,
      pick(zone) {
        input.removeAttribute("aria-invalid");
        input.value = zone;
        if (zone === prefs.tz) return showHint();
        prefs.tz = zone;
        store.set("tz", zone);
        showHint();
        onZone();
        announce(t("zone.changed", { zone: zoneLabel(zone) }));
      },
      invalid(query) {
        input.setAttribute("aria-invalid", "true");
        hint.textContent = t("zone.none", { query });
      },
    };
    let picker = null, attached = false; // zonepick.js's handle (a Promise), loaded on first use
    const load = () => (picker ||= import("./zonepick.js").then((m) => { attached = true; return m.attach(input, list, page); }));
    input.addEventListener("focus", () => { load().catch(() => { picker = null; }); input.select(); });
    input.addEventListener("keydown", (ev) => { // Enter before zonepick.js arrived
      if (ev.key !== "Enter" || attached) return;
      ev.preventDefault();
      load().then((p) => p.enter());
    });
    input.addEventListener("blur", () => { if (!input.getAttribute("aria-invalid")) input.value = prefs.tz; });
    const clockBtn = (h12, text) => h("button", {
      type: "button", "aria-pressed": String(prefs.hour12 === h12),
      onclick: (ev) => {
        prefs.hour12 = h12;
        store.set("clock", h12 ? "12" : "24");
        for (const b of ev.currentTarget.parentNode.children) b.setAttribute("aria-pressed", String(b === ev.currentTarget));
        showHint();
        onClock();
      },
    }, text);
    return h("div", { class: "prefs" },
      h("div", { class: "tz" }, h("label", { for: id + "-tz" }, t("zone.label")), h("div", { class: "tz-box" }, input, list), hint),
      h("div", { class: "clock", role: "group", "aria-label": t("clock.label") }, clockBtn(true, t("clock.h12")), clockBtn(false, t("clock.h24"))));
  }

  // ---------- the form and the booking's summary (form.js, loaded on use) ----------

  let formModule = null;
  // loadForm imports form.js once, lending it the page's helpers.
  function loadForm() {
    formModule ||= import("./form.js").then((m) => m.create({ h, t, tn, focusEl, api, capital, fmtWhen, money, localized, prefs, lang: LANG, Q }));
    formModule.catch(() => { formModule = null; });
    return formModule;
  }

  // ---------- views ----------

  function setTitle(t) { document.title = t; }

  function fail(message) {
    view.replaceChildren(h("section", { class: "empty" }, h("h1", { tabindex: "-1" }, t("fail.title")), h("p", null, message),
      h("p", null, h("a", { href: "/" + Q }, t("fail.all")))));
  }

  const ICONS = {
    card: "M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2v2h16V7zm0 5v5h16v-5zm2 2h5v1.5H6z",
    clock: "M12 2a10 10 0 1 0 0 20 10 10 0 1 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 1 1 0-16zm-1 3h2v5.4l3.5 2.1-1 1.7-4.5-2.7z",
    pin: "M12 2a7 7 0 0 0-7 7c0 5.2 7 13 7 13s7-7.8 7-13a7 7 0 0 0-7-7zm0 9.5a2.5 2.5 0 1 1 0-5 2.5 2.5 0 0 1 0 5z",
    people: "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-3.3 0-7 1.7-7 4v2h14v-2c0-2.3-3.7-4-7-4zm8-2a3 3 0 1 0 0-6 3 3 0 0 0 0 6zm0 2c-.6 0-1.2.1-1.8.2 1.1.9 1.8 2 1.8 3.3V19h5v-2c0-2.1-2.9-4-5-4z",
  };
  // icon is a small decorative inline SVG (no extra request).
  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    const p = document.createElementNS(ns, "path");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("class", "icon");
    p.setAttribute("d", ICONS[name]);
    p.setAttribute("fill", "currentColor");
    p.setAttribute("fill-rule", "evenodd");
    svg.append(p);
    return svg;
  }

  function facts(et) {
    return h("ul", { class: "facts" },
      h("li", null, icon("clock"), t("facts.duration", { duration: et.duration })),
      et.price > 0 && et.currency ? h("li", { class: "price" }, icon("card"), money(et.price, et.currency)) : null,
      et.location ? h("li", null, icon("pin"), et.location) : null,
      et.seats > 1 ? h("li", null, icon("people"), t("facts.group", { count: et.seats })) : null);
  }

  async function listView() {
    const [s, types] = await Promise.all([branding(), typesReq]);
    const title = s.org_name ? t("list.titleOrg", { org: s.org_name }) : t("list.title");
    setTitle(title);
    const items = (types.items || []).map(localized);
    view.className = "card list";
    view.replaceChildren(
      h("h1", null, title),
      items.length ? h("ul", { class: "types" }, items.map((et) => h("li", null,
        h("a", { href: "/" + encodeURIComponent(et.slug) + Q },
          h("strong", null, et.title), facts(et), et.description ? h("p", { class: "desc" }, et.description) : null))))
        : h("p", null, t("list.empty")));
  }

  // bookingView books the event type slug; notice (optional) is said above
  // the calendar (after a released payment hold).
  async function bookingView(slug, notice) {
    const [s, types] = await Promise.all([branding(), typesReq]);
    const found = (types.items || []).find((x) => x.slug === slug);
    if (!found) return fail(t("booking.noType"));
    const et = localized(found);
    setTitle(`${et.title} · ${s.org_name || t("list.title")}`);
    const aside = h("aside", { class: "info", "aria-label": t("booking.about") },
      (types.items.length > 1) ? h("a", { class: "back", href: "/" + Q }, "← " + t("booking.all")) : null,
      EMBED && s.org_name ? h("p", { class: "org" }, s.org_name) : null,
      h("h1", null, et.title), facts(et),
      et.description ? h("p", { class: "desc" }, et.description) : null,
      et.requires_confirmation ? h("p", { class: "hint" }, t("booking.confirms")) : null);
    const pane = h("div", { class: "pane" });
    view.className = "card booking";
    view.replaceChildren(aside, pane);

    const pickHead = h("h2", { id: "pick-h" }, t("booking.pick"));
    const picker = createPicker(found, (slot) => showForm(slot));
    const draft = new Map();
    const pickSection = h("section", { class: "pick", "aria-labelledby": "pick-h" },
      notice ? h("p", { class: "notice", role: "status" }, notice) : null, pickHead, picker.el);

    let chosen = null; // the time and form on screen, if any
    let live = { stop() {} };
    function showPicker(lastStart) {
      chosen = null;
      pane.replaceChildren(pickSection);
      if (lastStart) picker.restore(lastStart);
    }
    async function showForm(slot) {
      let F;
      try { F = await loadForm(); } catch { return picker.taken(t("error.offline")); }
      const form = F.bookingForm(found, slot, draft,
        () => showPicker(slot.start),
        (msg) => { showPicker(); picker.taken(msg); },
        (reply) => {
          chosen = null;
          live.stop();
          // The reply's event type lacks the admin's translations the page has.
          const done = F.confirmation({ ...reply, event_type: { ...found, ...reply.event_type, translations: found.translations } });
          view.className = "card single";
          view.replaceChildren(done.el);
          setTitle(t("done.docTitle", { title: et.title }));
          done.focus();
        });
      chosen = { slot, form };
      pane.replaceChildren(form.el);
      form.focus();
    }
    showPicker();
    if (await picker.open()) performance.mark("slotbase:slots-shown");
    // While the times are on screen, others' bookings show up within a
    // second; a time taken while its form is filled in sends the visitor back.
    live = watchTimes(et.slug, picker, () => chosen && !chosen.form.busy() ? chosen.slot : null,
      () => { showPicker(); picker.taken(GONE()); });
  }

  // manageToken is the manage page's token (from the fragment), or null
  // when the link is incomplete.
  const manageToken = () => {
    const token = decodeURIComponent(location.hash.slice(1));
    return /^mt_[A-Za-z0-9_-]+$/.test(token) ? token : null;
  };

  // managePage is what manage.js (and pay.js) borrow from the page.
  const managePage = () => ({ h, t, tn, view, Q, prefs, api, focusEl, capital, fmtWhen, fmtTime, money, localized, setTitle, fail, branding,
    loadForm, createPicker, watchTimes, GONE, manageToken, announce, bookingView });

  // ---------- language ----------

  // localized is an event type with its title, description and question
  // texts in the page's language where the admin wrote them
  // (translations[lang]); questions maps question ids to {label, options}.
  function localized(et) {
    const tr = (et.translations && et.translations[LANG]) || {};
    return { ...et, title: tr.title || et.title, description: tr.description || et.description, questionTexts: tr.questions || {} };
  }

  // chooseLanguage decides the page's language: ?lang=, else the visitor's
  // earlier choice, else the booking's language (manage page), else the
  // browser's languages, else the organisation's default; only among the
  // languages offered.
  function chooseLanguage(s, booked) {
    const offered = LANGUAGES.filter((l) => !Array.isArray(s.languages) || !s.languages.length || s.languages.includes(l));
    const list = offered.length ? offered : LANGUAGES;
    const fallback = list.includes(s.default_language) ? s.default_language : list.includes("en") ? "en" : list[0];
    const lang = matchLanguage([params.get("lang")], list, null) || matchLanguage([store.get("lang")], list, null) ||
      matchLanguage([booked], list, null) ||
      matchLanguage(navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language], list, fallback);
    return { lang, list };
  }

  // languageSwitcher is the labelled language menu; a choice is remembered
  // and reloads the page in that language.
  function languageSwitcher(list) {
    const select = h("select", { id: "lang", class: "lang-select" }, list.map((l) => h("option", { value: l, lang: l, selected: l === LANG }, NAMES[l])));
    select.addEventListener("change", () => {
      store.set("lang", select.value);
      const u = new URL(location.href);
      u.searchParams.delete("lang");
      location.replace(u);
    });
    return h("div", { class: "lang" }, h("label", { for: "lang" }, t("lang.label")), select);
  }

  // ---------- routing ----------

  const path = location.pathname.replace(/\/+$/, "") || "/";
  // Back from the payment page (?paid=ID or ?unpaid=ID): pay.js shows the outcome.
  const payReturn = params.get("paid") || params.get("unpaid");
  // The month's times are asked for at once, while the language loads
  // (not on the return from payment: a released hold must show as free).
  if (path !== "/" && path !== "/manage" && !payReturn) loadMonth(decodeURIComponent(path.slice(1)), monthOf(todayIn(prefs.tz))).catch(() => {});
  // The manage page's booking, whose language is the page's default.
  const bookingReq = path === "/manage" && manageToken() ? api("/api/bookings/manage/" + encodeURIComponent(manageToken())) : null;
  if (bookingReq) bookingReq.catch(() => {}); // manageView reports it
  const booked = bookingReq ? await bookingReq.then((b) => b.language, () => null) : null;
  const chosen = chooseLanguage(await settingsReq, booked);
  LANG = chosen.lang;
  document.documentElement.lang = LANG;
  document.documentElement.dir = dirOf(LANG);
  cat = await loadCatalogue(LANG);
  fmtCache.clear();
  // The region of the browser's own tag in that language (en-GB, de-AT) decides the week's first day.
  weekStart = firstDayOf((navigator.languages || []).find((l) => matchLanguage([l], [LANG], null)) || LANG);
  try { prefs.hour12 = /h1[12]/.test(new Intl.DateTimeFormat(LANG, { hour: "numeric" }).resolvedOptions().hourCycle); } catch { /* 24 h */ }
  if (store.get("clock")) prefs.hour12 = store.get("clock") === "12";
  document.getElementById("foot").replaceChildren(languageSwitcher(chosen.list));
  const slug = decodeURIComponent(path.slice(1));
  const run = path === "/" ? listView() : path === "/manage" ? import("./manage.js").then((m) => m.manageView(managePage(), bookingReq))
    : payReturn ? import("./pay.js").then((m) => m.returnView(managePage(), slug, payReturn, params.has("paid")))
      : bookingView(slug);
  run.catch((err) => fail(err.message || t("fail.load")));
})();
