// slotbase booking page: the event type list (/), booking one event type
// (/{slug}) and the invitee's manage page (/manage#<token>). Plain
// JavaScript without a build step; it talks only to this server's /api.
"use strict";
(() => {
  const params = new URLSearchParams(location.search);
  const EMBED = params.get("embed") === "1";
  const Q = EMBED ? "?embed=1" : "";
  const LANG = navigator.language || "en";
  const LOCALE = /^en\b/i.test(LANG) ? LANG : "en-GB"; // the texts are English; dates follow English conventions
  const view = document.getElementById("view");

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
      const err = new Error("The server cannot be reached. Check your connection and try again.");
      err.status = 0;
      err.data = {};
      throw err;
    }
    let data = null;
    try { data = await res.json(); } catch { /* not JSON */ }
    if (!res.ok) {
      const err = new Error((data && data.message) || "Something went wrong (" + res.status + ").");
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
  const defaultH12 = (() => {
    try { return /h1[12]/.test(new Intl.DateTimeFormat(LANG, { hour: "numeric" }).resolvedOptions().hourCycle); } catch { return false; }
  })();
  const prefs = {
    tz: validZone(store.get("tz")) ? store.get("tz") : browserZone,
    hour12: store.get("clock") ? store.get("clock") === "12" : defaultH12,
  };

  const fmtCache = new Map();
  function dtf(opts) {
    const key = JSON.stringify(opts);
    let f = fmtCache.get(key);
    if (!f) fmtCache.set(key, (f = new Intl.DateTimeFormat(LOCALE, opts)));
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
  // zoneLabel names a zone for people: "America/Los Angeles (Pacific Time)".
  function zoneLabel(tz) {
    let generic = "";
    try {
      const part = dtf({ timeZone: tz, timeZoneName: "longGeneric" }).formatToParts(new Date()).find((x) => x.type === "timeZoneName");
      generic = part ? part.value : "";
    } catch { /* older browsers */ }
    const name = tz.replace(/_/g, " ");
    return generic && generic !== tz ? `${name} (${generic})` : name;
  }
  // fmtWhen is a booking's day and time range in tz.
  function fmtWhen(start, end, tz) {
    const f = dtf({ weekday: "long", year: "numeric", month: "long", day: "numeric", ...clock(), timeZone: tz });
    return f.formatRange ? f.formatRange(new Date(start), new Date(end)) : f.format(new Date(start)) + " – " + fmtTime(end, tz);
  }
  const weekStart = (() => {
    try {
      const l = new Intl.Locale(LANG);
      const w = l.getWeekInfo ? l.getWeekInfo() : l.weekInfo;
      return w && w.firstDay ? w.firstDay % 7 : 1;
    } catch { return 1; }
  })();

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
      logo.alt = org ? "" : "Logo"; // the name beside it says who it is
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

  const GONE = "That time was just taken. Please pick another.";

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
    const prev = h("button", { type: "button", class: "nav", "aria-label": "Previous month", onclick: () => step(-1) }, "‹");
    const next = h("button", { type: "button", class: "nav", "aria-label": "Next month", onclick: () => step(1) }, "›");
    const grid = h("table", { role: "grid", class: "grid", "aria-labelledby": id + "-month" });
    const status = h("p", { class: "status", role: "status" });
    const alert = h("p", { class: "alert", role: "alert", hidden: true });
    const timesHead = h("h3", { id: id + "-times", class: "times-h", tabindex: "-1" });
    const list = h("ul", { class: "slots", "aria-labelledby": id + "-times" });
    const times = h("div", { class: "times", hidden: true }, timesHead, list);
    const el = h("div", { class: "picker" },
      alert,
      h("div", { class: "cal" }, h("div", { class: "cal-head" }, prev, monthLabel, next), grid, status),
      times,
      prefsBar(id, () => { st.today = todayIn(prefs.tz); show(st.month, { select: true }); }, () => renderTimes()));

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
      status.textContent = "Loading times…";
      let days;
      try {
        days = await loadMonth(et.slug, ym, fresh);
      } catch (err) {
        if (my === st.seq) status.textContent = err.data && err.data.tz ? "This time zone is not known here: please pick another one below." : err.message;
        return null;
      }
      if (my !== st.seq) return null;
      st.days = days;
      if (select) st.selected = days.keys().next().value || null;
      renderGrid(days, focus);
      renderTimes();
      status.textContent = days.size ? "" : "No times available in " + monthName(ym) + ".";
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
        const label = longDay(date) + (days ? (count ? `, ${count} ${count === 1 ? "time" : "times"} available` : ", no times") : "");
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
        const seats = et.seats > 1 ? h("span", { class: "seats" }, `${s.seats_left} ${s.seats_left === 1 ? "seat" : "seats"} left`) : null;
        return h("li", null, h("button", {
          type: "button", class: "slot", "data-start": s.start,
          onclick: () => onPick({ start: s.start, end: s.end, date: st.selected }),
        }, h("span", null, fmtTime(s.start)), seats));
      }));
    }

    function choose(date) {
      if (!st.days.has(date)) {
        announce(`No times on ${longDay(date)}. Days with times are highlighted.`);
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
        status.textContent = "No times are available in the next twelve months.";
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
        status.textContent = days.size ? "" : "No times available in " + monthName(st.month) + ".";
        if (onDay) focusEl(grid.querySelector(`button[data-date="${onDay}"]`));
        if (onTime) {
          const left = [...list.querySelectorAll("button")];
          const same = left.find((b) => b.dataset.start === onTime);
          if (!same) announce(GONE);
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

  let zoneNames = null;

  // prefsBar is the searchable zone picker and the 12/24 h toggle, both
  // remembered in localStorage.
  function prefsBar(id, onZone, onClock) {
    const input = h("input", {
      id: id + "-tz", type: "text", list: id + "-zones", autocomplete: "off", spellcheck: "false",
      "aria-describedby": id + "-tz-hint", class: "tz-input",
    });
    input.value = prefs.tz;
    const zones = h("datalist", { id: id + "-zones" });
    const hint = h("p", { id: id + "-tz-hint", class: "hint" });
    const showHint = () => {
      hint.textContent = `${zoneLabel(prefs.tz)} · now ${fmtTime(new Date().toISOString())}`;
    };
    showHint();
    input.addEventListener("focus", () => {
      if (!zones.firstChild) {
        if (!zoneNames) {
          zoneNames = (Intl.supportedValuesOf ? Intl.supportedValuesOf("timeZone") : []).slice();
          for (const z of [browserZone, "UTC"]) if (!zoneNames.includes(z)) zoneNames.push(z);
        }
        zones.append(...zoneNames.map((z) => h("option", { value: z })));
      }
      input.select();
    });
    input.addEventListener("change", () => {
      const typed = input.value.trim().replace(/ /g, "_");
      const found = (zoneNames || []).find((z) => z.toLowerCase() === typed.toLowerCase()) || (validZone(typed) && typed.includes("/") ? typed : null);
      if (!found) {
        input.setAttribute("aria-invalid", "true");
        hint.textContent = "Pick a time zone from the list, for example Europe/London.";
        return;
      }
      input.removeAttribute("aria-invalid");
      input.value = found;
      if (found === prefs.tz) return showHint();
      prefs.tz = found;
      store.set("tz", found);
      showHint();
      onZone();
      announce("Times are now shown in " + zoneLabel(found) + ".");
    });
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
      h("div", { class: "tz" }, h("label", { for: id + "-tz" }, "Time zone"), input, zones, hint),
      h("div", { class: "clock", role: "group", "aria-label": "Time format" }, clockBtn(true, "12 h"), clockBtn(false, "24 h")));
  }

  // ---------- the booking form ----------

  const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const CONTROL_MULTI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const runes = (s) => [...s].length;
  const EMAIL_MSG = "Enter one e-mail address, like name@example.com.";

  // Client-side checks mirror internal/booking; the server has the last word.
  function checkText(v, { required, max, multi, label }) {
    const s = v.trim();
    if (!s) return required ? `Enter ${label}.` : "";
    if ((multi ? CONTROL_MULTI : CONTROL).test(v.replace(/\r\n?/g, "\n"))) return "Remove the control characters.";
    if (runes(s) > max) return `Use at most ${max} characters (now ${runes(s)}).`;
    return "";
  }
  function checkEmail(v) {
    const s = v.trim();
    const at = s.lastIndexOf("@");
    if (s.length > 254 || at < 1 || at > 64 || s.endsWith(".") || /[\s<>()[\],;:"\\]/.test(s) || !/^[^@]+@[^@.]+(\.[^@.]+)+$/.test(s)) return EMAIL_MSG;
    return "";
  }
  function checkPhone(v) {
    const s = v.trim();
    const digits = (s.match(/[0-9]/g) || []).length;
    return /^\+?[0-9][0-9 ().-]*$/.test(s) && digits >= 3 && digits <= 15 ? "" : "Enter a phone number of 3 to 15 digits (spaces and + - ( ) . allowed).";
  }

  // formField builds one labelled control with its error line. key is the
  // API's field name ("name", "answers.company").
  function formField(key, label, required, control, check, read, hint) {
    const cid = "f-" + key.replace(/\W/g, "-");
    const err = h("p", { class: "err", id: cid + "-err", hidden: true });
    const hintEl = hint ? h("p", { class: "hint", id: cid + "-hint" }, hint) : null;
    const described = [hintEl && cid + "-hint", cid + "-err"].filter(Boolean).join(" ");
    const mark = required ? [h("span", { class: "req", "aria-hidden": "true" }, " *")] : [];
    let wrap, focusable;
    if (control.tagName === "FIELDSET") {
      control.prepend(h("legend", null, label, mark, required ? h("span", { class: "sr-only" }, " (required)") : null));
      control.setAttribute("aria-describedby", described);
      if (hintEl) control.append(hintEl);
      control.append(err);
      wrap = h("div", { class: "field" }, control);
      focusable = control.querySelector("input");
    } else if (control.type === "checkbox") {
      control.id = cid;
      control.setAttribute("aria-describedby", described);
      if (required) control.required = true;
      wrap = h("div", { class: "field check" }, control, h("label", { for: cid }, label, mark), hintEl, err);
      focusable = control;
    } else {
      control.id = cid;
      control.setAttribute("aria-describedby", described);
      if (required) control.required = true;
      wrap = h("div", { class: "field" }, h("label", { for: cid }, label, mark), hintEl, control, err);
      focusable = control;
    }
    const f = {
      key, el: wrap, read, focus: () => focusable.focus(),
      show(msg) {
        err.textContent = msg;
        err.hidden = !msg;
        if (control.tagName === "FIELDSET") return; // a group takes no aria-invalid; its error is in its description
        if (msg) control.setAttribute("aria-invalid", "true");
        else control.removeAttribute("aria-invalid");
      },
      check() { const m = check(); f.show(m); return !m; },
    };
    control.addEventListener("change", () => { if (!err.hidden) f.check(); });
    return f;
  }

  function textControl(multi, type, max) {
    const c = multi ? h("textarea", { rows: "4" }) : h("input", { type });
    c.maxLength = max + 50; // typing stops near the limit; the check explains the rest
    return c;
  }

  // questionField renders one of the event type's custom questions.
  function questionField(q) {
    const key = "answers." + q.id;
    const label = q.label;
    switch (q.type) {
      case "text": case "textarea": case "email": case "phone": {
        const multi = q.type === "textarea";
        const max = q.max_length || (multi ? 5000 : 500);
        const type = { email: "email", phone: "tel" }[q.type] || "text";
        const c = textControl(multi, type, max);
        if (q.type === "email") c.autocomplete = "email";
        if (q.type === "phone") c.autocomplete = "tel";
        return formField(key, label, q.required, c, () => {
          const m = checkText(c.value, { required: q.required, max, multi, label: "an answer" });
          if (m || !c.value.trim()) return m;
          if (q.type === "email") return checkEmail(c.value);
          if (q.type === "phone") return checkPhone(c.value);
          return "";
        }, () => c.value.trim() || undefined);
      }
      case "select": {
        const c = h("select", null, h("option", { value: "" }, q.required ? "Choose one" : "—"), q.options.map((o) => h("option", { value: o }, o)));
        return formField(key, label, q.required, c, () => q.required && !c.value ? "Choose one of the options." : "", () => c.value || undefined);
      }
      case "multiselect": {
        const boxes = q.options.map((o, i) => h("input", { type: "checkbox", value: o, id: `f-${q.id}-${i}` }));
        const c = h("fieldset", { class: "choices" }, boxes.map((b, i) => h("div", { class: "choice" }, b, h("label", { for: b.id }, q.options[i]))));
        const picked = () => boxes.filter((b) => b.checked).map((b) => b.value);
        return formField(key, label, q.required, c, () => q.required && !picked().length ? "Choose at least one." : "", () => picked().length ? picked() : undefined);
      }
      case "checkbox": {
        const c = h("input", { type: "checkbox" });
        return formField(key, label, q.required, c, () => q.required && !c.checked ? "Check this box to continue." : "", () => c.checked);
      }
      case "number": {
        const c = h("input", { type: "text", inputmode: "decimal" });
        const num = () => Number(c.value.trim().replace(",", "."));
        return formField(key, label, q.required, c, () => {
          if (!c.value.trim()) return q.required ? "Enter a number." : "";
          return Number.isFinite(num()) ? "" : "Enter a number.";
        }, () => c.value.trim() ? num() : undefined);
      }
    }
    return null;
  }

  // bookingForm asks for name, e-mail, the custom questions and notes, and
  // books slot; onDone(reply) gets the 201 body.
  // draft keeps what was typed (by control id) when the visitor goes back to
  // the calendar or the time was taken, so nothing has to be typed twice.
  function bookingForm(et, slot, draft, onBack, onTaken, onDone) {
    const name = h("input", { type: "text", autocomplete: "name" });
    const email = h("input", { type: "email", autocomplete: "email", inputmode: "email" });
    const notes = textControl(true, "", 5000);
    const fields = [
      formField("name", "Your name", true, name, () => checkText(name.value, { required: true, max: 200, label: "your name" }), () => name.value.trim()),
      formField("email", "E-mail", true, email, () => checkText(email.value, { required: true, max: 254, label: "your e-mail address" }) || checkEmail(email.value), () => email.value.trim(), "The confirmation and your link to reschedule or cancel go here."),
      ...(et.questions || []).map(questionField).filter(Boolean),
      formField("notes", "Anything that helps prepare the meeting?", false, notes, () => checkText(notes.value, { required: false, max: 5000, multi: true, label: "notes" }), () => notes.value.trim()),
    ];
    const formError = h("div", { class: "alert", role: "alert", hidden: true });
    const submit = h("button", { type: "submit", class: "primary" }, et.requires_confirmation ? "Request booking" : "Confirm booking");
    const heading = h("h2", { id: "form-h", tabindex: "-1" }, "Your details");
    let idemKey = null;

    const form = h("form", { novalidate: true, "aria-labelledby": "form-h" },
      h("p", { class: "hint" }, "Fields marked ", h("span", { class: "req", "aria-hidden": "true" }, "*"), h("span", { class: "sr-only" }, "with an asterisk"), " are required."),
      formError, fields.map((f) => f.el), h("div", { class: "actions" }, submit));
    for (const el of form.elements) {
      if (!el.id || !draft.has(el.id)) continue;
      if (el.type === "checkbox") el.checked = draft.get(el.id);
      else el.value = draft.get(el.id);
    }
    const save = (ev) => {
      const el = ev.target;
      if (el.id) draft.set(el.id, el.type === "checkbox" ? el.checked : el.value);
    };
    form.addEventListener("input", save);
    form.addEventListener("change", save);

    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      formError.hidden = true;
      const bad = fields.filter((f) => !f.check());
      if (bad.length) {
        bad[0].focus();
        return;
      }
      const answers = {};
      for (const f of fields) {
        if (!f.key.startsWith("answers.")) continue;
        const v = f.read();
        if (v !== undefined) answers[f.key.slice(8)] = v;
      }
      const body = {
        event_type: et.slug, start: slot.start, timezone: prefs.tz,
        name: fields[0].read(), email: fields[1].read(), notes: fields[fields.length - 1].read(), answers,
      };
      idemKey = idemKey || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
      submit.disabled = true;
      submit.textContent = "Booking…";
      form.setAttribute("aria-busy", "true");
      try {
        const reply = await api("/api/bookings", { method: "POST", body, headers: { "Idempotency-Key": idemKey } });
        onDone(reply);
        return;
      } catch (err) {
        if (err.status !== 0) idemKey = null; // a network failure retries with the same key
        if (err.status === 409) return onTaken("That time was just taken. Please choose another time.");
        showServerErrors(err);
      } finally {
        submit.disabled = false;
        submit.textContent = et.requires_confirmation ? "Request booking" : "Confirm booking";
        form.removeAttribute("aria-busy");
      }
    });

    function showServerErrors(err) {
      const leftover = [];
      let firstBad = null;
      for (const [key, e] of Object.entries(err.data || {})) {
        const f = fields.find((x) => x.key === key);
        const msg = capital((e && e.message) || "Invalid value");
        if (f) { f.show(msg); firstBad = firstBad || f; } else leftover.push(key === "start" ? "The chosen time: " + msg : msg);
      }
      if (leftover.length || !firstBad) {
        formError.textContent = leftover.length ? leftover.join(" ") : err.message;
        formError.hidden = false;
        focusEl(formError);
      } else firstBad.focus();
    }

    const back = h("button", { type: "button", class: "link back", onclick: onBack }, "← Back to the calendar");
    const section = h("section", { class: "details", "aria-labelledby": "form-h" },
      back, heading,
      h("p", { class: "chosen" }, h("strong", null, fmtWhen(slot.start, slot.end, prefs.tz)), h("br"), zoneLabel(prefs.tz)),
      form);
    return { el: section, focus: () => focusEl(heading), busy: () => submit.disabled };
  }

  // ---------- what a booking shows (confirmation and manage page) ----------

  const statusText = { confirmed: "Confirmed", pending: "Waiting for the host to confirm", cancelled: "Cancelled", declined: "Declined by the host" };

  function googleLink(b) {
    const stamp = (iso) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const q = new URLSearchParams({
      action: "TEMPLATE", text: b.event_type.title + (b.hosts.length ? " with " + b.hosts.join(", ") : ""),
      dates: stamp(b.start) + "/" + stamp(b.end), details: "Reschedule or cancel: " + location.origin + "/manage#" + b.manage_token,
      location: b.event_type.location || "",
    });
    return "https://calendar.google.com/calendar/render?" + q;
  }

  function summary(b) {
    const tz = prefs.tz;
    const loc = b.event_type.location;
    const where = /^https?:\/\/\S+$/.test(loc || "") ? h("a", { href: loc, rel: "noopener noreferrer", target: "_blank" }, loc) : loc;
    return h("dl", { class: "summary" },
      h("dt", null, "What"), h("dd", null, `${b.event_type.title} (${b.event_type.duration} min)`),
      h("dt", null, "When"), h("dd", null, fmtWhen(b.start, b.end, tz), h("br"), h("span", { class: "zone" }, zoneLabel(tz))),
      b.hosts && b.hosts.length ? [h("dt", null, "With"), h("dd", null, b.hosts.join(", "))] : null,
      loc ? [h("dt", null, "Where"), h("dd", null, where)] : null,
      h("dt", null, "Booked by"), h("dd", null, `${b.name} <${b.email}>`));
  }

  function calendarLinks(b) {
    const token = encodeURIComponent(b.manage_token);
    return h("div", { class: "actions" },
      h("a", { class: "button", href: `/api/bookings/manage/${token}/ics`, download: `${b.event_type.slug}.ics` }, "Download .ics"),
      h("a", { class: "button", href: googleLink(b), target: "_blank", rel: "noopener noreferrer" }, "Add to Google Calendar"));
  }

  function confirmation(b) {
    const pending = b.status === "pending";
    const heading = h("h1", { id: "done-h", tabindex: "-1" }, pending ? "Request sent" : "You are booked");
    const manage = "/manage" + Q + "#" + b.manage_token;
    const el = h("section", { class: "done", "aria-labelledby": "done-h" },
      h("p", { class: "tick", "aria-hidden": "true" }, pending ? "…" : "✓"), heading,
      h("p", null, pending ? "The host confirms it soon; we will e-mail you at " : "A confirmation with a calendar invitation is on its way to ", h("strong", null, b.email), "."),
      summary(b), calendarLinks(b),
      h("p", { class: "manage" }, "Need to change something? ", h("a", { href: manage, id: "manage-link" }, "Reschedule or cancel"), " (keep this link private: it is your key to this booking)."));
    return { el, focus: () => focusEl(heading) };
  }

  // ---------- views ----------

  function setTitle(t) { document.title = t; }

  function fail(message) {
    view.replaceChildren(h("section", { class: "empty" }, h("h1", { tabindex: "-1" }, "Sorry"), h("p", null, message),
      h("p", null, h("a", { href: "/" + Q }, "See everything you can book"))));
  }

  const ICONS = {
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
      h("li", null, icon("clock"), `${et.duration} min`),
      et.location ? h("li", null, icon("pin"), et.location) : null,
      et.seats > 1 ? h("li", null, icon("people"), `Group event, up to ${et.seats} people`) : null);
  }

  async function listView() {
    const [s, types] = await Promise.all([branding(), typesReq]);
    setTitle(s.org_name ? "Book a meeting with " + s.org_name : "Book a meeting");
    const items = types.items || [];
    view.className = "card list";
    view.replaceChildren(
      h("h1", null, s.org_name ? "Book a meeting with " + s.org_name : "Book a meeting"),
      items.length ? h("ul", { class: "types" }, items.map((et) => h("li", null,
        h("a", { href: "/" + encodeURIComponent(et.slug) + Q },
          h("strong", null, et.title), facts(et), et.description ? h("p", { class: "desc" }, et.description) : null))))
        : h("p", null, "Nothing to book right now."));
  }

  async function bookingView(slug) {
    // Ask for this month's times at once, in parallel with the settings.
    loadMonth(slug, monthOf(todayIn(prefs.tz))).catch(() => {});
    const [s, types] = await Promise.all([branding(), typesReq]);
    const et = (types.items || []).find((x) => x.slug === slug);
    if (!et) return fail("There is no event type at this address.");
    setTitle(`${et.title} · ${s.org_name || "Book a meeting"}`);
    const aside = h("aside", { class: "info", "aria-label": "About this meeting" },
      (types.items.length > 1) ? h("a", { class: "back", href: "/" + Q }, "← All event types") : null,
      EMBED && s.org_name ? h("p", { class: "org" }, s.org_name) : null,
      h("h1", null, et.title), facts(et),
      et.description ? h("p", { class: "desc" }, et.description) : null,
      et.requires_confirmation ? h("p", { class: "hint" }, "The host confirms each booking.") : null);
    const pane = h("div", { class: "pane" });
    view.className = "card booking";
    view.replaceChildren(aside, pane);

    const pickHead = h("h2", { id: "pick-h" }, "Choose a day and time");
    const picker = createPicker(et, (slot) => showForm(slot));
    const draft = new Map();
    const pickSection = h("section", { class: "pick", "aria-labelledby": "pick-h" }, pickHead, picker.el);

    let chosen = null; // the time and form on screen, if any
    let live = { stop() {} };
    function showPicker(lastStart) {
      chosen = null;
      pane.replaceChildren(pickSection);
      if (lastStart) picker.restore(lastStart);
    }
    function showForm(slot) {
      const form = bookingForm(et, slot, draft,
        () => showPicker(slot.start),
        (msg) => { showPicker(); picker.taken(msg); },
        (reply) => {
          chosen = null;
          live.stop();
          const done = confirmation(reply);
          view.className = "card single";
          view.replaceChildren(done.el);
          setTitle("Booked: " + et.title);
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
      () => { showPicker(); picker.taken(GONE); });
  }

  async function manageView() {
    const token = decodeURIComponent(location.hash.slice(1));
    const s = await branding();
    setTitle("Your booking · " + (s.org_name || "slotbase"));
    if (!/^mt_[A-Za-z0-9_-]+$/.test(token)) return fail("This link is incomplete. Open the link from your confirmation e-mail again.");
    const base = "/api/bookings/manage/" + encodeURIComponent(token);
    let b;
    try {
      b = await api(base);
    } catch (err) {
      return fail(err.status === 404 ? "This link does not match any booking." : err.message);
    }

    let watching = null; // the reschedule picker's live updates
    function render(booking, notice) {
      if (watching) watching.stop();
      watching = null;
      b = { ...booking, manage_token: token };
      const live = b.status === "confirmed" || b.status === "pending";
      const future = new Date(b.start) > new Date();
      const heading = h("h1", { id: "manage-h", tabindex: "-1" }, b.status === "cancelled" ? "Booking cancelled" : "Your booking");
      const panel = h("div", { class: "panel" });
      const buttons = live && future ? h("div", { class: "actions" },
        h("button", { type: "button", class: "primary", onclick: reschedule }, "Reschedule"),
        h("button", { type: "button", class: "danger", onclick: cancel }, "Cancel booking")) : null;
      view.className = "card single";
      view.replaceChildren(h("section", { class: "manage-view", "aria-labelledby": "manage-h" },
        heading,
        notice ? h("p", { class: "notice", role: "status" }, notice) : null,
        h("p", { class: "badge badge-" + b.status }, statusText[b.status] || b.status),
        b.cancel_reason ? h("p", null, "Reason: " + b.cancel_reason) : null,
        summary(b), live ? calendarLinks(b) : null, buttons,
        live ? null : h("p", null, h("a", { href: "/" + encodeURIComponent(b.event_type.slug) + Q }, "Book a new time")),
        panel));
      return { heading, panel, buttons };
    }

    let ui = render(b, "");
    function reschedule() {
      const et = { slug: b.event_type.slug, seats: 1, title: b.event_type.title };
      const confirmBox = h("div", { class: "confirm-move", hidden: true });
      const heading = h("h2", { id: "move-h", tabindex: "-1" }, "Pick a new time");
      let pending = null; // the time the confirmation asks about
      const picker = createPicker(et, (slot) => {
        pending = slot;
        const yes = h("button", { type: "button", class: "primary" }, "Move my booking");
        const err = h("p", { class: "alert", role: "alert", hidden: true });
        yes.addEventListener("click", async () => {
          yes.disabled = true;
          try {
            const moved = await api(base + "/reschedule", { method: "POST", body: { start: slot.start } });
            ui = render(moved, "Your booking was moved to " + fmtWhen(moved.start, moved.end, prefs.tz) + ". We sent you an updated invitation.");
            focusEl(ui.heading);
          } catch (e) {
            yes.disabled = false;
            if (e.status === 409 && /no longer available/i.test(e.message)) {
              confirmBox.hidden = true;
              return picker.taken("That time was just taken. Please choose another time.");
            }
            err.textContent = e.data && e.data.start ? capital(e.data.start.message) : e.message;
            err.hidden = false;
            focusEl(err);
          }
        });
        confirmBox.replaceChildren(
          h("p", { id: "move-q" }, "Move to ", h("strong", null, fmtWhen(slot.start, slot.end, prefs.tz)), "?"),
          err, h("div", { class: "actions" }, yes,
            h("button", { type: "button", onclick: () => { confirmBox.hidden = true; picker.restore(slot.start); } }, "Choose another time")));
        confirmBox.hidden = false;
        focusEl(yes);
      });
      ui.panel.replaceChildren(h("section", { class: "pick", "aria-labelledby": "move-h" }, heading, picker.el, confirmBox));
      if (ui.buttons) ui.buttons.hidden = true;
      focusEl(heading);
      picker.open().then(() => {
        if (!picker.el.isConnected || watching) return;
        watching = watchTimes(et.slug, picker, () => (confirmBox.hidden || confirmBox.querySelector(":disabled") ? null : pending),
          () => { confirmBox.hidden = true; picker.taken(GONE); });
      });
    }

    function cancel() {
      const reason = h("textarea", { id: "cancel-reason", rows: "3", maxlength: "2000", "aria-describedby": "cancel-hint" });
      const err = h("p", { class: "alert", role: "alert", hidden: true });
      const heading = h("h2", { id: "cancel-h", tabindex: "-1" }, "Cancel this booking?");
      const form = h("form", { class: "cancel", "aria-labelledby": "cancel-h", novalidate: true },
        heading,
        h("label", { for: "cancel-reason" }, "Reason (optional)"),
        h("p", { class: "hint", id: "cancel-hint" }, "The host sees it; at most 2000 characters."),
        reason, err,
        h("div", { class: "actions" },
          h("button", { type: "submit", class: "danger" }, "Yes, cancel it"),
          h("button", { type: "button", onclick: () => { ui = render(b, ""); focusEl(ui.heading); } }, "Keep my booking")));
      form.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        const text = reason.value.trim();
        if (runes(text) > 2000 || CONTROL_MULTI.test(text.replace(/\r\n?/g, "\n"))) {
          err.textContent = "Use at most 2000 characters without control characters.";
          err.hidden = false;
          return focusEl(reason);
        }
        try {
          const done = await api(base + "/cancel", { method: "POST", body: { reason: text } });
          ui = render(done, "Your booking is cancelled. The host has been told.");
          focusEl(ui.heading);
        } catch (e) {
          err.textContent = e.data && e.data.reason ? capital(e.data.reason.message) : e.message;
          err.hidden = false;
          focusEl(err);
        }
      });
      ui.panel.replaceChildren(form);
      if (ui.buttons) ui.buttons.hidden = true;
      focusEl(heading);
    }
  }

  // ---------- routing ----------

  const path = location.pathname.replace(/\/+$/, "") || "/";
  const run = path === "/" ? listView() : path === "/manage" ? manageView() : bookingView(decodeURIComponent(path.slice(1)));
  run.catch((err) => fail(err.message || "The page could not load."));
})();
