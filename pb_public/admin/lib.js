// slotbase dashboard: what every screen shares. DOM building, the API
// helper with the signed-in session, messages and time formatting in the
// viewer's zone. A plain ES module; no build step.
//
// Nothing here (or in the screens) writes innerHTML: every server string
// reaches the page through h(), i.e. as a text node or an attribute value.
//
// The pure helpers (days, weeks, zones) live in pure.js, tested by
// web/test/ (node --test); the ones every screen uses are re-exported here.

import { viewerZone, firstDayOfWeek } from "./pure.js";
import { formatMoney } from "../when.js";

export {
  pad, dateKey, localDay, addDays, today, rfc, validDate,
  viewerZone, zoneNames, findZone,
} from "./pure.js";

// ---------- DOM ----------

// h builds an element: h("button", {type: "button", onclick: fn}, "text", child…).
// on… attributes become listeners; false and null attributes and kids are skipped.
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false) el.append(kid);
  return el;
}

let idCount = 0;
// uid is a fresh element id (labels and descriptions point at it).
export const uid = (prefix = "f") => prefix + "-" + ++idCount;

// focusEl moves focus to el; headings and boxes get tabindex=-1 for it.
export function focusEl(el) {
  if (!el) return;
  if (!el.hasAttribute("tabindex") && !/^(A|BUTTON|INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) el.setAttribute("tabindex", "-1");
  el.focus();
}

const announcer = document.getElementById("announce");
// announce tells screen readers about a change that moved no focus.
export function announce(text) {
  announcer.textContent = "";
  setTimeout(() => { announcer.textContent = text; }, 50);
}

// messageBox is a live region for a screen's results and the server's
// errors; it exists (empty) before anything is said, so readers hear it.
export function messageBox() {
  const box = h("div", { class: "msg", role: "status", "aria-live": "polite" });
  box.say = (text, kind = "ok") => {
    box.className = "msg " + (text ? kind : "");
    box.textContent = text || "";
  };
  box.error = (err) => box.say(explain(err), "bad");
  return box;
}

// explain is an error's message with the server's per-field messages
// ("Invalid start. The time is outside the host's hours.").
function explain(err) {
  const details = Object.values(err.data || {}).map((e) => sentence(e && e.message)).filter(Boolean);
  return [err.message, ...details].join(" ");
}

// field is a labelled input with a hint and its own error line:
// {el, input, error(msg)}; error("") clears it.
export function field(label, input, hint) {
  input.id = input.id || uid();
  const hintEl = hint ? h("p", { class: "hint", id: input.id + "-hint" }, hint) : null;
  const err = h("p", { class: "err", id: input.id + "-err", hidden: true });
  input.setAttribute("aria-describedby", [hintEl && hintEl.id, err.id].filter(Boolean).join(" "));
  const el = h("div", { class: "field" }, h("label", { for: input.id }, label), hintEl, input, err);
  return {
    el, input,
    error(msg) {
      err.textContent = msg || "";
      err.hidden = !msg;
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    },
  };
}

// showFieldErrors puts a 400's per-field messages beside their inputs
// (fields: name → {error}) and the rest, or the message, into box.
// It returns whether any field took a message.
export function showFieldErrors(err, fields, box) {
  for (const f of Object.values(fields)) f.error("");
  const rest = [];
  let any = false;
  for (const [name, e] of Object.entries(err.data || {})) {
    const msg = sentence((e && e.message) || "Invalid value");
    if (fields[name]) { fields[name].error(msg); any = true; } else rest.push(msg);
  }
  box.say(rest.length ? err.message + " " + rest.join(" ") : err.message, "bad");
  return any;
}

// sentence capitalises a server message and ends it with a full stop.
export const sentence = (s) => s ? s[0].toUpperCase() + s.slice(1) + (/[.!?]$/.test(s) ? "" : ".") : s;

// ---------- session and API ----------

const KEY = "slotbase.dash";

function readSession() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || "null");
    return s && s.token && (s.role === "admin" || s.role === "host") ? s : null;
  } catch { return null; }
}

// session is {token, role: "admin"|"host", email} or null.
export let session = readSession();

export function saveSession(s) {
  session = s;
  try { localStorage.setItem(KEY, JSON.stringify(s)); } catch { /* private mode: this tab only */ }
}

export function clearSession() {
  session = null;
  try { localStorage.removeItem(KEY); } catch { /* nothing stored */ }
}

// P is the API prefix of the signed-in role: admins and hosts share route shapes.
export const P = () => (session && session.role === "admin" ? "/api/admin" : "/api/host");
export const isAdmin = () => !!session && session.role === "admin";

let expired = () => {};
// onExpired sets what happens when the server refuses the token (401).
export function onExpired(fn) { expired = fn; }

// api calls the JSON API with the session's token. It returns the parsed
// reply (null for 204) or throws an Error with status, the per-field
// errors in data, and expired when the session just ended.
export async function api(path, { method = "GET", body, anonymous = false } = {}) {
  const headers = {};
  const token = !anonymous && session ? session.token : "";
  if (token) headers.Authorization = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw apiError(0, "The server cannot be reached. Check your connection and try again.");
  }
  let data = null;
  try { data = await res.json(); } catch { /* 204 or not JSON */ }
  if (res.ok && (data || res.status === 204)) return data;
  if (res.ok) throw apiError(res.status, `The server gave an unexpected answer to ${path.split("?")[0]}.`);
  const err = apiError(res.status, (data && data.message) || `Something went wrong (${res.status}).`, data && data.data);
  if (res.status === 401 && token) {
    err.expired = true;
    expired();
  }
  throw err;
}

function apiError(status, message, data) {
  const err = new Error(message);
  err.status = status;
  err.data = data || {};
  return err;
}

// query builds "?a=1&b=2" from an object, leaving out empty values.
export function query(obj) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(obj)) if (v != null && v !== "") q.set(k, v);
  const s = q.toString();
  return s ? "?" + s : "";
}

// cached remembers a GET per key until forget(key): lists screens share.
const cache = new Map();
export function cached(path) {
  if (!cache.has(path)) {
    const req = api(path);
    req.catch(() => cache.delete(path));
    cache.set(path, req);
  }
  return cache.get(path);
}
export const forget = (path) => (path ? cache.delete(path) : cache.clear());

// ---------- time, in the viewer's zone ----------
// The viewer's zone is the browser's, so local Date methods give wall-clock
// times and local midnights in it; other zones go through Intl.

const formats = new Map();
// dtf is a cached Intl.DateTimeFormat of the browser's locale.
export function dtf(opts) {
  const key = JSON.stringify(opts);
  if (!formats.has(key)) formats.set(key, new Intl.DateTimeFormat(undefined, opts));
  return formats.get(key);
}

const CLOCK = { hour: "numeric", minute: "2-digit" };
export const fmtTime = (t, tz) => dtf({ ...CLOCK, timeZone: tz }).format(new Date(t));
export const fmtDay = (t, tz) => dtf({ weekday: "short", month: "short", day: "numeric", timeZone: tz }).format(new Date(t));
export const fmtLongDay = (t) => dtf({ weekday: "long", month: "long", day: "numeric", year: "numeric" }).format(new Date(t));
export const fmtStamp = (t) => dtf({ month: "short", day: "numeric", year: "numeric", ...CLOCK }).format(new Date(t));

// fmtRange is "Mon, Nov 30, 10:00 – 10:30 AM" in the viewer's zone.
export function fmtRange(start, end) {
  const f = dtf({ weekday: "short", month: "short", day: "numeric", ...CLOCK });
  return f.formatRange ? f.formatRange(new Date(start), new Date(end)) : f.format(new Date(start)) + " – " + fmtTime(end);
}

// fmtHours is "10:00 – 10:30 AM": a range of times on one day.
export const fmtHours = (start, end) => dtf(CLOCK).formatRange(new Date(start), new Date(end));

// inviteeTime is "(invitee: 6:00 PM Asia/Tokyo)" when the invitee's zone
// shows another wall-clock time than the viewer's, else "".
export function inviteeTime(b) {
  const tz = b.timezone;
  if (!tz || tz === viewerZone) return "";
  try {
    if (fmtTime(b.start, tz) === fmtTime(b.start) && fmtDay(b.start, tz) === fmtDay(b.start)) return "";
    const day = fmtDay(b.start, tz) !== fmtDay(b.start) ? fmtDay(b.start, tz) + ", " : "";
    return `(invitee: ${day}${fmtTime(b.start, tz)} ${tz.replace(/_/g, " ")})`;
  } catch { return `(invitee's zone: ${tz})`; }
}

// zoneLabel names a zone for people: "America/Los Angeles (Pacific Time)".
export function zoneLabel(tz) {
  let generic = "";
  try {
    const part = dtf({ timeZone: tz, timeZoneName: "longGeneric" }).formatToParts(new Date()).find((x) => x.type === "timeZoneName");
    generic = part ? part.value : "";
  } catch { /* older browsers */ }
  const name = tz.replace(/_/g, " ");
  return generic && generic !== tz ? `${name} (${generic})` : name;
}

// zoneNote says once per screen which zone its times are in.
export const zoneNote = () => h("p", { class: "zone-note" }, "Times are in your time zone, " + zoneLabel(viewerZone) + ".");

// weekStart is the browser locale's first day of the week (0 Sunday … 6 Saturday).
export const weekStart = firstDayOfWeek(navigator.language);

// ---------- bookings ----------

const STATUS = { pending: "Pending approval", confirmed: "Confirmed", cancelled: "Cancelled", declined: "Declined",
  awaiting_payment: "Hold: awaiting payment" };
export const badge = (status) => h("span", { class: "badge badge-" + status }, STATUS[status] || status);

// ---------- payments ----------

// money writes minor units of currency in the viewer's language ("€50.00").
export const money = (minor, currency) => formatMoney(minor, currency, navigator.language);

const PAYMENT = { awaiting: "Awaiting payment", paid: "Paid", expired: "Not paid (expired)", refunded: "Refunded",
  partially_refunded: "Partly refunded", refund_pending: "Refund pending", refund_failed: "Refund failed", none: "No payment" };
// payBadge is a booking's payment state ("Paid €50.00"), or null for a free booking.
export const payBadge = (p) => (p && p.amount ? h("span", { class: "badge pay pay-" + p.status }, `${PAYMENT[p.status] || p.status} · ${money(p.amount, p.currency)}`) : null);
// paymentText is a payment's state, amount and refunded amount, for the booking's details.
export function paymentText(p) {
  if (!p || !p.amount) return "";
  const parts = [`${money(p.amount, p.currency)}, ${(PAYMENT[p.status] || p.status).toLowerCase()}`];
  if (p.refunded) parts.push(`${money(p.refunded, p.currency)} refunded`);
  return parts.join("; ");
}

// ---------- hosts (admin) ----------

// hostPicker is a labelled select of the hosts (GET /api/admin/hosts),
// with an "everyone" option when allLabel is set; ready resolves to the
// hosts once the options are in.
export function hostPicker(label, value, allLabel, onChange) {
  const select = h("select", { onchange: () => onChange(select.value) });
  if (allLabel) select.append(h("option", { value: "" }, allLabel));
  const f = field(label, select);
  f.ready = cached("/api/admin/hosts").then((r) => {
    select.append(...r.items.map((x) => h("option", { value: x.id }, x.name + (x.active ? "" : " (inactive)"))));
    select.value = value || (allLabel || !r.items.length ? "" : r.items[0].id);
    return r.items;
  });
  f.ready.catch(() => { /* the screen reports its own load errors */ });
  return f;
}
