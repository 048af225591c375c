// slotbase dashboard: the screens drawn on a time grid, loaded on demand.
// calendarView is the week or day calendar of a host or the whole team;
// availabilityView edits a host's weekly hours and days off and previews
// the slots they give.
import {
  h, uid, focusEl, messageBox, field, showFieldErrors,
  isAdmin, P, api, query, cached,
  viewerZone, dtf, fmtTime, fmtHours, fmtDay, fmtLongDay, zoneNote, zoneLabel, zoneNames, findZone,
  localDay, addDays, today, rfc, validDate, weekStart, pad, hostPicker,
} from "./lib.js";
import {
  weekOf, clip, lanes, timeValue, isNextDay, describe, groupOverrides, spansText, daysIn, shiftMonth,
} from "./pure.js";

const enc = encodeURIComponent;

// ---------- the calendar ----------

const narrow = () => matchMedia("(max-width: 40rem)").matches;

// calendarView shows working hours, busy time and bookings of one host or
// the whole team, a week or a day at a time. Its state lives in the hash:
// #/calendar?view=week|day&date=YYYY-MM-DD&host=ID.
export function calendarView(root, params) {
  const admin = isAdmin();
  const host = admin ? hostPicker("Host", params.get("host") || "", "Whole team", (v) => go({ host: v })) : null;
  const viewButton = (v, label) => h("button", { type: "button", "data-view": v, onclick: () => go({ view: v }) }, label);
  const views = h("div", { class: "seg", role: "group", "aria-label": "Show" }, viewButton("day", "Day"), viewButton("week", "Week"));
  const prev = h("button", { type: "button", onclick: () => step(-1) }, h("span", { "aria-hidden": "true" }, "‹ "), "Previous");
  const next = h("button", { type: "button", onclick: () => step(1) }, "Next", h("span", { "aria-hidden": "true" }, " ›"));
  const todayBtn = h("button", { type: "button", onclick: () => go({ date: today() }) }, "Today");
  const title = h("h2", { class: "range", "aria-live": "polite" });
  const box = messageBox();
  const grid = h("div", { class: "cal-scroll" });
  root.append(h("h1", null, "Calendar"), zoneNote(),
    h("div", { class: "toolbar" }, host && host.el, views, h("div", { class: "seg", role: "group", "aria-label": "Move" }, prev, todayBtn, next)),
    title, legend(), box, grid);

  let state = null;
  const parse = (p) => ({
    view: p.get("view") === "day" || (p.get("view") !== "week" && narrow()) ? "day" : "week", // day view by default on phones
    date: validDate(p.get("date")) || today(),
    host: admin ? p.get("host") || "" : "", // a host sees their own calendar only
  });
  const go = (changes) => {
    const s = { ...state, ...changes };
    location.hash = "#/calendar" + query({ view: s.view, date: s.date === today() ? "" : s.date, host: s.host });
  };
  const step = (n) => go({ date: addDays(state.date, n * (state.view === "week" ? 7 : 1)) });

  async function update(p) {
    const s = (state = parse(p));
    for (const b of views.children) b.setAttribute("aria-pressed", String(b.dataset.view === s.view));
    if (host) host.ready.then(() => { host.input.value = s.host; });
    const first = s.view === "week" ? weekOf(s.date, weekStart) : s.date;
    const days = Array.from({ length: s.view === "week" ? 7 : 1 }, (_, i) => addDays(first, i));
    const last = days[days.length - 1];
    title.textContent = s.view === "week"
      ? dtf({ month: "short", day: "numeric", year: "numeric" }).formatRange(localDay(first), localDay(last))
      : fmtLongDay(localDay(first));
    grid.setAttribute("aria-busy", "true");
    try {
      const data = await api(P() + "/calendar" + query({ from: rfc(localDay(first)), to: rfc(localDay(addDays(last, 1))), host: s.host }));
      if (state !== s) return; // moved on meanwhile
      box.say(data.hosts.length ? "" : "No active hosts to show.");
      grid.replaceChildren(drawGrid(days, data, { team: admin && !s.host, view: s.view, host: s.host }));
    } catch (err) {
      if (!err.expired) box.error(err);
    } finally {
      grid.removeAttribute("aria-busy");
    }
  }
  update(params);
  return { update };
}

function legend() {
  const item = (cls, text) => h("li", null, h("span", { class: "swatch " + cls, "aria-hidden": "true" }), text);
  return h("ul", { class: "legend", "aria-label": "Legend" },
    item("work", "Working hours"), item("busy", "Busy in another calendar"), item("ev", "Booking"), item("ev ev-pending", "Waiting for approval"));
}

// drawGrid lays out the days as columns over an hour axis; blocks are
// placed with element.style in percent of the visible hours.
function drawGrid(days, data, { team, view, host }) {
  const names = new Map(data.hosts.map((x) => [x.id, x.name]));
  const cols = days.map((key) => {
    const work = [], blocks = [];
    for (const x of data.hosts) {
      for (const w of x.working || []) { const p = clip(w.start, w.end, key); if (p) work.push(p); }
      for (const b of x.busy || []) { const p = clip(b.start, b.end, key); if (p) blocks.push({ ...p, busy: b, who: team ? x.name : "" }); }
    }
    for (const b of data.bookings || []) { const p = clip(b.start, b.end, key); if (p) blocks.push({ ...p, booking: b }); }
    return { key, work, blocks: lanes(blocks) };
  });

  // Show 8:00–18:00 at least, widened to whatever the days hold.
  let lo = 8 * 60, hi = 18 * 60;
  for (const c of cols) for (const p of [...c.work, ...c.blocks]) { lo = Math.min(lo, p.s); hi = Math.max(hi, p.e); }
  lo = Math.floor(lo / 60) * 60;
  hi = Math.ceil(hi / 60) * 60;
  const span = hi - lo;
  const pct = (m) => ((m - lo) / span) * 100 + "%";
  const place = (el, p) => {
    el.style.top = pct(p.s);
    el.style.height = ((p.e - p.s) / span) * 100 + "%";
    return el;
  };

  const axis = h("div", { class: "axis", "aria-hidden": "true" });
  for (let m = lo; m < hi; m += 60) {
    const at = new Date(2000, 0, 1, m / 60);
    const label = h("span", null, fmtTime(at));
    label.style.top = pct(m);
    axis.append(label);
  }
  const now = new Date();
  const nowMin = now.getHours() * 60 + now.getMinutes();
  const t = today();

  const columns = cols.map((c) => {
    const head = view === "week"
      ? h("a", { href: "#/calendar" + query({ view: "day", date: c.key, host }), "aria-current": c.key === t ? "date" : null }, fmtDay(localDay(c.key)))
      : h("span", { "aria-current": c.key === t ? "date" : null }, fmtDay(localDay(c.key)));
    const body = h("div", { class: "col-body" },
      c.work.map((p) => place(h("div", { class: "work", "aria-hidden": "true" }), p)),
      c.blocks.map((p) => {
        const el = p.booking ? bookingBlock(p.booking, team, names) : busyBlock(p.busy, p.who);
        el.style.left = (p.lane / p.n) * 100 + "%";
        el.style.width = 100 / p.n + "%";
        return place(el, p);
      }));
    if (c.key === t && nowMin >= lo && nowMin <= hi) {
      const line = h("div", { class: "now", "aria-hidden": "true" });
      line.style.top = pct(nowMin);
      body.append(line);
    }
    return h("div", { class: "col", role: "group", "aria-label": fmtLongDay(localDay(c.key)) }, h("div", { class: "col-head" }, head), body);
  });
  const cal = h("div", { class: "cal cal-" + view }, axis, columns);
  cal.style.setProperty("--hours", span / 60);
  return cal;
}

function bookingBlock(b, team, names) {
  const pending = b.status === "pending";
  const hosts = team ? (b.host_names || b.hosts.map((id) => names.get(id) || "")).join(", ") : "";
  // The visible text is short (blocks are small); the end time is for
  // screen readers and the tooltip.
  const short = new Date(b.end) - new Date(b.start) < 45 * 60e3; // one line: time and name
  return h("a", { class: "ev" + (pending ? " ev-pending" : "") + (short ? " short" : ""), href: "#/bookings/" + enc(b.id),
    title: `${fmtTime(b.start)}–${fmtTime(b.end)} ${b.name}, ${b.event_title || ""}${hosts ? ", " + hosts : ""}` },
    h("span", { class: "ev-t" }, fmtTime(b.start), h("span", { class: "sr-only" }, " to " + fmtTime(b.end))), " ",
    h("span", { class: "ev-n" }, b.name), " ",
    h("span", { class: "ev-w" }, b.event_title || ""), hosts ? h("span", { class: "ev-w" }, "with " + hosts) : null,
    pending ? h("span", { class: "ev-p" }, "Pending") : null);
}

function busyBlock(b, who) {
  return h("div", { class: "busy" }, h("span", null, "Busy" + (who ? " · " + who : "")),
    h("span", { class: "sr-only" }, ` ${fmtTime(b.start)}–${fmtTime(b.end)}`));
}

// ---------- availability ----------

const DAYS = [["mon", "Monday"], ["tue", "Tuesday"], ["wed", "Wednesday"], ["thu", "Thursday"], ["fri", "Friday"], ["sat", "Saturday"], ["sun", "Sunday"]];

// availabilityView edits one host's hours: an admin picks the host, a host
// edits their own. #/availability?host=ID.
export function availabilityView(root, params) {
  const admin = isAdmin();
  const picker = admin ? hostPicker("Host", params.get("host") || "", null, (v) => { location.hash = "#/availability" + query({ host: v }); }) : null;
  const box = messageBox();
  const weekly = section("Weekly hours");
  const days = section("Days off and special hours");
  const preview = section("Preview: the next 7 days");
  root.append(h("h1", null, "Availability"), picker ? h("div", { class: "toolbar" }, picker.el) : "", box, weekly, days, preview);

  let seq = 0;
  async function update(p) {
    const my = ++seq;
    let hostId = "";
    try {
      if (admin) {
        const hosts = await picker.ready;
        hostId = p.get("host") || (hosts[0] || {}).id || "";
        picker.input.value = hostId;
        if (!hostId) return box.say("No hosts yet: add them in the admin UI.");
      }
      const base = admin ? `/api/admin/hosts/${enc(hostId)}` : "/api/host";
      const sched = await api(base + "/schedule");
      if (my !== seq) return;
      const shared = sched.shared ? await sharedNote(sched) : null;
      const readOnly = sched.shared && !admin;
      const refreshPreview = previewer(preview.body, hostId);
      weeklyEditor(weekly.body, base, sched, shared, readOnly, refreshPreview);
      overridesEditor(days.body, base, sched, readOnly, refreshPreview);
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }
  update(params);
  return { update };
}

// section is a card with a heading; body is where its content goes.
function section(title) {
  const id = uid("sec");
  const body = h("div", null, h("p", { class: "loading" }, "Loading…"));
  const el = h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), body);
  el.body = body;
  return el;
}

// sharedNote says who else a shared schedule moves.
async function sharedNote(sched) {
  if (!isAdmin()) return h("p", { class: "msg warn" }, "Other hosts share this schedule, so only an admin can change it. You can read it here.");
  const hosts = (await cached("/api/admin/hosts")).items.filter((x) => x.schedule === sched.id);
  return h("p", { class: "msg warn" }, `This schedule is shared with ${hosts.length} hosts (${hosts.map((x) => x.name).join(", ")}): changes apply to all of them.`);
}

// intervalList edits intervals [["09:00","17:00"], …] with two time
// inputs each; an end at or before its start is marked "next day".
function intervalList(label, initial, readOnly) {
  const list = h("ul", { class: "intervals" });
  const add = h("button", { type: "button", class: "small", onclick: () => { row(["09:00", "17:00"]); focusEl(list.lastChild.querySelector("input")); } }, "Add hours", h("span", { class: "sr-only" }, " on " + label));
  const el = h("div", { class: "interval-list" }, list, readOnly ? null : add);

  function row([from, to]) {
    const a = timeInput(label + ", from", from, readOnly);
    const b = timeInput(label + ", until", timeValue(to), readOnly);
    const next = h("span", { class: "next-day", id: uid("nd") }, "next day");
    b.input.setAttribute("aria-describedby", next.id);
    const mark = () => { next.hidden = !isNextDay(a.input.value, b.input.value); };
    a.input.addEventListener("input", mark);
    b.input.addEventListener("input", mark);
    mark();
    const remove = readOnly ? null : h("button", { type: "button", class: "small icon", onclick: () => {
      const focusNext = li.nextSibling || li.previousSibling;
      li.remove();
      focusEl(focusNext ? focusNext.querySelector("input") : add);
    } }, h("span", { "aria-hidden": "true" }, "✕"), h("span", { class: "sr-only" }, `Remove these ${label} hours`));
    const li = h("li", null, a.el, h("span", { "aria-hidden": "true" }, "–"), b.el, next, remove);
    list.append(li);
  }
  for (const iv of initial) row(iv);

  return {
    el,
    add: () => row(["09:00", "17:00"]),
    // read returns the intervals, or throws naming what is missing.
    read() {
      return [...list.children].map((li) => {
        const [a, b] = li.querySelectorAll("input");
        if (!a.value || !b.value) throw Object.assign(new Error(`${label}: enter a start and an end time.`), { input: a.value ? b : a });
        return [a.value, b.value];
      });
    },
    get count() { return list.children.length; },
  };
}

function timeInput(label, value, readOnly) {
  const input = h("input", { type: "time", value, id: uid("t"), disabled: readOnly });
  return { input, el: h("span", { class: "time" }, h("label", { class: "sr-only", for: input.id }, label), input) };
}

// zoneField is a time zone input: the datalist of every zone this browser
// knows fills on first focus; typing a city finds its zone on save.
function zoneField(value, readOnly) {
  const list = h("datalist", { id: uid("zones") });
  const input = h("input", { type: "text", list: list.id, value, autocomplete: "off", spellcheck: "false", disabled: readOnly });
  input.addEventListener("focus", () => {
    if (!list.firstChild) list.append(...zoneNames().map((z) => h("option", { value: z })));
  });
  const f = field("Time zone of these hours", input, "Type a city or region, for example Tokyo or Europe/London.");
  f.el.append(list);
  f.el.classList.add("zone-field");
  return f;
}

// weeklyEditor is the week's hours, Monday to Sunday, with the zone.
function weeklyEditor(body, base, sched, sharedNote, readOnly, refreshPreview) {
  const zone = zoneField(sched.timezone, readOnly);
  const rows = DAYS.map(([key, name]) => dayRow(key, name, (sched.weekly || {})[key] || [], readOnly));
  const weeklyErr = h("p", { class: "err", id: uid("we"), hidden: true });
  const box = messageBox();
  const save = h("button", { type: "submit", class: "primary" }, "Save weekly hours");
  const form = h("form", { novalidate: true, "aria-describedby": weeklyErr.id },
    sharedNote, zone.el,
    h("div", { class: "days", role: "group", "aria-label": "Hours per day" }, rows.map((r) => r.el)),
    weeklyErr, box, readOnly ? null : h("div", { class: "actions" }, save));
  body.replaceChildren(form);
  const fields = { timezone: zone, weekly: { error: (m) => { weeklyErr.textContent = m || ""; weeklyErr.hidden = !m; } } };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const tz = findZone(zone.input.value);
    zone.error(tz ? "" : "Pick a time zone from the list, for example Europe/London.");
    if (!tz) return focusEl(zone.input);
    zone.input.value = tz;
    const weekly = {};
    try {
      for (const r of rows) { const iv = r.read(); if (iv.length) weekly[r.key] = iv; }
    } catch (err) {
      fields.weekly.error(err.message);
      return focusEl(err.input);
    }
    fields.weekly.error("");
    save.disabled = true;
    try {
      const saved = await api(base + "/schedule", { method: "PATCH", body: { timezone: tz, weekly } });
      box.say(`Saved. Hours are in ${zoneLabel(saved.timezone)}.`);
      refreshPreview();
    } catch (err) {
      if (!err.expired) showFieldErrors(err, fields, box);
    } finally {
      save.disabled = false;
    }
  });
}

// dayRow is one weekday: open or closed, and its intervals.
function dayRow(key, name, intervals, readOnly) {
  const on = h("input", { type: "checkbox", id: uid("day"), checked: intervals.length > 0, disabled: readOnly });
  const list = intervalList(name, intervals, readOnly);
  const closed = h("p", { class: "closed" }, "Closed");
  const sync = () => {
    list.el.hidden = !on.checked;
    closed.hidden = on.checked;
    if (on.checked && !list.count) list.add();
  };
  on.addEventListener("change", sync);
  sync();
  return {
    key,
    el: h("div", { class: "day-row" }, h("div", { class: "day-on" }, on, h("label", { for: on.id }, name)), closed, list.el),
    read: () => (on.checked ? list.read() : []),
  };
}

// overridesEditor is the month calendar of days off and special hours,
// the form that adds them for a range of days, and the list to remove them.
function overridesEditor(body, base, sched, readOnly, refreshPreview) {
  const month = monthCalendar(base, (from, to) => { fromF.input.value = from; toF.input.value = to || ""; });
  const fromF = field("First day", h("input", { type: "date", disabled: readOnly }));
  const toF = field("Last day", h("input", { type: "date", disabled: readOnly }));
  const syncRange = () => month.select(validDate(fromF.input.value), validDate(toF.input.value));
  fromF.input.addEventListener("change", syncRange);
  toF.input.addEventListener("change", syncRange);
  const kindName = uid("kind");
  const off = h("input", { type: "radio", name: kindName, id: uid("k"), checked: true, disabled: readOnly });
  const special = h("input", { type: "radio", name: kindName, id: uid("k"), disabled: readOnly });
  const hours = intervalList("Special hours", [["09:00", "12:00"]], readOnly);
  const hoursErr = h("p", { class: "err", hidden: true });
  const kind = () => { hours.el.hidden = !special.checked; };
  off.addEventListener("change", kind);
  special.addEventListener("change", kind);
  kind();
  const reason = field("Reason (optional)", h("input", { type: "text", maxlength: "200", disabled: readOnly }), "For example Holiday. Only the team sees it.");
  const box = messageBox();
  const save = h("button", { type: "submit", class: "primary" }, "Save these days");
  const form = h("form", { class: "ov-form", novalidate: true, "aria-label": "Add days off or special hours" },
    h("div", { class: "pair" }, fromF.el, toF.el),
    h("fieldset", null, h("legend", null, "On these days"),
      h("div", { class: "choice" }, off, h("label", { for: off.id }, "Day off")),
      h("div", { class: "choice" }, special, h("label", { for: special.id }, "Special hours instead of the weekly hours")),
      hours.el, hoursErr),
    reason.el, box, readOnly ? null : h("div", { class: "actions" }, save));
  const listBox = messageBox();
  const list = h("ul", { class: "overrides" });
  body.replaceChildren(
    h("p", { class: "hint" }, `Pick the first and the last day in the calendar, or type them (no last day: just the first). Days are in the schedule's time zone, ${zoneLabel(sched.timezone)}.`),
    h("div", { class: "ov" }, month.el, form),
    h("h3", null, "Coming up"), listBox, list);
  const fields = { from: fromF, to: toF, reason, intervals: { error: (m) => { hoursErr.textContent = m || ""; hoursErr.hidden = !m; } } };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const from = validDate(fromF.input.value), to = validDate(toF.input.value) || from;
    fromF.error(from ? "" : "Pick or type the first day.");
    toF.error(to >= from ? "" : "The last day must not be before the first.");
    if (!from || to < from) return focusEl(from ? toF.input : fromF.input);
    let intervals = [];
    try {
      intervals = special.checked ? hours.read() : [];
      fields.intervals.error(special.checked && !intervals.length ? "Add at least one interval, or choose Day off." : "");
      if (special.checked && !intervals.length) return;
    } catch (err) {
      fields.intervals.error(err.message);
      return focusEl(err.input);
    }
    save.disabled = true;
    try {
      await api(base + "/overrides", { method: "POST", body: { from, to, intervals, reason: reason.input.value.trim() } });
      const span = from === to ? fmtDay(localDay(from)) : `${fmtDay(localDay(from))} – ${fmtDay(localDay(to))}`;
      box.say(`Saved: ${span}, ${intervals.length ? "special hours" : "day off"}.`);
      fromF.input.value = toF.input.value = reason.input.value = "";
      month.select("", "");
      reload();
    } catch (err) {
      if (!err.expired) showFieldErrors(err, fields, box);
    } finally {
      save.disabled = false;
    }
  });

  async function reload() {
    month.reload();
    refreshPreview();
    try {
      const r = await api(base + "/overrides" + query({ from: today(), to: addDays(today(), 365) }));
      const groups = groupOverrides(r.items);
      list.replaceChildren(...groups.map((g) => h("li", null,
        h("span", null, h("strong", null, g.from === g.to ? fmtDay(localDay(g.from)) : `${fmtDay(localDay(g.from))} – ${fmtDay(localDay(g.to))}`),
          " · " + describe(g.intervals) + (g.reason ? " · " + g.reason : "")),
        readOnly ? null : h("button", { type: "button", class: "small", onclick: () => remove(g) }, "Remove", h("span", { class: "sr-only" }, " " + g.from)))));
      listBox.say(groups.length ? "" : "No days off or special hours ahead.");
    } catch (err) {
      if (!err.expired) listBox.error(err);
    }
  }

  async function remove(g) {
    try {
      for (const date of g.dates) await api(`${base}/overrides/${enc(date)}`, { method: "DELETE" });
      listBox.say(`Removed ${g.dates.length === 1 ? "one day" : g.dates.length + " days"}: the weekly hours apply again.`);
      reload();
    } catch (err) {
      if (!err.expired) listBox.error(err);
    }
  }
  reload();
}

// monthCalendar is a month of day buttons marking days off and special
// hours; a first and a second click select a range (onRange(from, to)).
// Arrow keys move between days.
function monthCalendar(base, onRange) {
  let ym = today().slice(0, 7);
  let overrides = new Map();
  let from = "", to = "";
  const label = h("h3", { id: uid("m"), class: "month" });
  const prev = h("button", { type: "button", class: "nav", "aria-label": "Previous month", onclick: () => show(shiftMonth(ym, -1)) }, "‹");
  const next = h("button", { type: "button", class: "nav", "aria-label": "Next month", onclick: () => show(shiftMonth(ym, 1)) }, "›");
  const grid = h("table", { class: "month-grid", "aria-labelledby": label.id });
  const el = h("div", { class: "month-cal" }, h("div", { class: "cal-head" }, prev, label, next), grid,
    h("p", { class: "hint legend-days" }, h("span", { class: "mark off" }, "×"), " day off  ", h("span", { class: "mark special" }, "●"), " special hours"));
  grid.addEventListener("click", (ev) => {
    const b = ev.target.closest("button[data-date]");
    if (b) pick(b.dataset.date);
  });
  grid.addEventListener("keydown", onKey);

  function pick(d) {
    if (!from || to || d < from) { from = d; to = ""; } else to = d;
    onRange(from, to);
    paint();
  }

  async function show(target, focus) {
    ym = target;
    render(focus);
    try {
      const last = `${ym}-${pad(daysIn(ym))}`;
      const r = await api(base + "/overrides" + query({ from: ym + "-01", to: last }));
      if (ym !== target) return;
      overrides = new Map(r.items.map((o) => [o.date, o]));
      render(focus);
    } catch { /* the list below reports load errors */ }
  }

  function render(focus) {
    label.textContent = dtf({ month: "long", year: "numeric" }).format(localDay(ym + "-01"));
    const first = localDay(ym + "-01");
    const lead = (first.getDay() - 1 + 7) % 7; // weeks start on Monday, as the weekly hours do
    const head = h("tr", null, DAYS.map(([, name]) => h("th", { scope: "col", abbr: name }, name.slice(0, 2))));
    const rows = [];
    let row = h("tr", null, Array.from({ length: lead }, () => h("td")));
    for (let day = 1; day <= daysIn(ym); day++) {
      const key = `${ym}-${pad(day)}`;
      const o = overrides.get(key);
      row.append(h("td", null, h("button", {
        type: "button", "data-date": key, tabindex: "-1",
        class: "dbtn" + (o ? (o.intervals && o.intervals.length ? " special" : " off") : "") + (key === today() ? " today" : ""),
        "aria-label": fmtLongDay(localDay(key)) + (o ? ", " + describe(o.intervals) + (o.reason ? " (" + o.reason + ")" : "") : ""),
      }, String(day))));
      if (row.children.length === 7) { rows.push(row); row = h("tr"); }
    }
    if (row.children.length) rows.push(row);
    grid.replaceChildren(h("thead", null, head), h("tbody", null, rows));
    paint(focus);
  }

  // paint marks the selected range and keeps one day in the tab order.
  function paint(focus) {
    const end = to || from;
    let tab = grid.querySelector(`[data-date="${focus || from}"]`) || grid.querySelector(`[data-date="${today()}"]`) || grid.querySelector("[data-date]");
    for (const b of grid.querySelectorAll("[data-date]")) {
      const d = b.dataset.date;
      b.setAttribute("aria-pressed", String(!!from && d >= from && d <= end));
      b.tabIndex = b === tab ? 0 : -1;
    }
    if (focus && tab) tab.focus();
  }

  function onKey(ev) {
    const b = ev.target.closest("button[data-date]");
    const moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
    if (!b || !(ev.key in moves)) return;
    ev.preventDefault();
    const target = addDays(b.dataset.date, moves[ev.key]);
    if (target.slice(0, 7) !== ym) return show(target.slice(0, 7), target);
    paint(target);
  }

  return {
    el,
    reload: () => show(ym),
    select(f, t) {
      from = f; to = t && t !== f ? t : "";
      if (from && from.slice(0, 7) !== ym) show(from.slice(0, 7)); else paint();
    },
  };
}

// previewer shows the next 7 days of slots the engine offers for one event
// type (GET P/availability); it returns the refresh function.
function previewer(body, hostId) {
  const select = h("select");
  const typeF = field("Event type", select);
  const out = h("div", { "aria-live": "polite" });
  body.replaceChildren(h("p", { class: "hint" }, "Free times as invitees see them (bookings and busy calendar time taken out), in your time zone: " + zoneLabel(viewerZone) + "."), typeF.el, out);
  let ready = cached(P() + "/event-types").then((r) => {
    const mine = r.items.filter((et) => !hostId || (et.hosts || []).includes(hostId));
    select.append(...(mine.length ? mine : r.items).map((et) => h("option", { value: et.slug }, et.title)));
  });
  select.addEventListener("change", () => refresh()); // the first refresh comes with the days off (overridesEditor)

  async function refresh() {
    out.setAttribute("aria-busy", "true");
    try {
      await ready;
      if (!select.value) return out.replaceChildren(h("p", null, "No event types to preview."));
      const from = today();
      const r = await api(P() + "/availability" + query({ event_type: select.value, from, to: addDays(from, 6), tz: viewerZone, host: hostId }));
      out.replaceChildren(h("ul", { class: "preview" }, r.days.map((d) => h("li", null,
        h("strong", null, fmtDay(localDay(d.date))), " ", spans(d.slots)))));
    } catch (err) {
      if (!err.expired) out.replaceChildren(h("p", { class: "msg bad" }, err.message));
    } finally {
      out.removeAttribute("aria-busy");
    }
  }
  return refresh;
}

// spans sums a day's slots up as the stretches they cover:
// "9:00 AM – 12:00 PM, 1:00 – 5:00 PM (14 start times)".
function spans(slots) {
  return slots.length ? spansText(slots, fmtHours) : h("span", { class: "closed" }, "No free times");
}
