// slotbase dashboard (/admin/): the shell (sign-in, navigation, hash
// routes) and the list screens: overview, bookings and one booking, hosts,
// calendar connections, and the invitation's set-password form. The week
// calendar and the hours editor load on demand from hours.js.
import {
  h, focusEl, announce, messageBox, field, showFieldErrors, sentence,
  session, saveSession, clearSession, P, isAdmin, onExpired, api, query, cached, forget,
  viewerZone, fmtTime, fmtDay, fmtLongDay, fmtStamp, fmtRange, fmtHours, inviteeTime, zoneNote,
  dateKey, localDay, addDays, today, rfc, badge, hostPicker, payBadge, paymentText, money,
} from "./lib.js";
import { uptimeText } from "./pure.js";
import { caldavSection, microsoftSection } from "./caldav.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const enc = encodeURIComponent;

// ---------- routes ----------

// hoursView loads hours.js the first time the calendar or the editor opens.
const hoursView = (name) => (...args) => import("./hours.js").then((m) => m[name](...args));

const ROUTES = [
  { re: /^$/, nav: "home", title: "Overview", view: homeView },
  { re: /^bookings$/, nav: "bookings", title: "Bookings", view: bookingsView },
  { re: /^bookings\/([^/]+)$/, nav: "bookings", title: "Booking", view: bookingView },
  { re: /^calendar$/, nav: "calendar", title: "Calendar", view: hoursView("calendarView") },
  { re: /^availability$/, nav: "availability", title: "Availability", view: hoursView("availabilityView") },
  { re: /^hosts$/, nav: "hosts", title: "Hosts", view: hostsView, admin: true },
  { re: /^event-types$/, nav: "event-types", title: "Event types", view: (...a) => import("./prices.js").then((m) => m.eventTypesView(...a)), admin: true },
  { re: /^calendars$/, nav: "calendars", title: "Calendar connections", view: connectionsView },
];

const NAV = [
  ["home", "#/", "Overview"], ["bookings", "#/bookings", "Bookings"], ["calendar", "#/calendar", "Calendar"],
  ["availability", "#/availability", "Availability"], ["hosts", "#/hosts", "Hosts", true],
  ["event-types", "#/event-types", "Event types", true], ["calendars", "#/calendars", "Calendar connections"],
];

// route splits the hash "#/bookings/x?tab=past" into path and params.
function route() {
  const raw = location.hash.replace(/^#\/?/, "");
  const [path, search] = raw.split("?");
  return { path: decodeURIComponent(path.replace(/\/+$/, "")), params: new URLSearchParams(search || "") };
}

let org = "slotbase";
let current = null; // {path, root, update}: the screen on display
let rendered = false;

// render shows the screen the hash names, or the sign-in form without a
// session (the hash stays, so signing in opens the page that was wanted).
async function render() {
  const { path, params } = route();
  if (current && current.path === path && current.update) return current.update(params);
  const root = h("div", { class: "view" });
  const moved = rendered; // on the first screen the focus stays where the browser put it
  rendered = true;
  current = { path, root, update: null };
  main.replaceChildren(root);
  const welcome = /^welcome\/(.+)$/.exec(path);
  if (welcome) return show(root, "Set your password", () => welcomeView(root, welcome[1]), moved);
  if (!session) return show(root, "Sign in", () => signInView(root), moved);
  for (const r of ROUTES) {
    const m = r.re.exec(path);
    if (!m) continue;
    if (r.admin && !isAdmin()) return show(root, "Not allowed", () => notFound(root, "This page is for admins."), moved, r.nav);
    return show(root, r.title, () => r.view(root, params, m[1]), moved, r.nav);
  }
  return show(root, "Not found", () => notFound(root, "There is no page at this address."), moved);
}

// show runs a screen's builder into root and keeps its update function
// (a change of the same screen's params re-renders only what changed).
async function show(root, title, build, moved, navKey = "") {
  document.title = `${title} · ${org} dashboard`;
  shell(navKey);
  try {
    const ctl = await build();
    if (current.root === root) current.update = ctl && ctl.update;
  } catch (err) {
    if (!err.expired) root.replaceChildren(h("h1", null, "Something went wrong"), h("p", { class: "msg bad" }, err.message));
  }
  if (moved) focusEl(root.querySelector("h1") || main);
}

// shell fills the header for the session: navigation and who is signed in.
function shell(navKey) {
  const who = document.getElementById("who");
  who.hidden = nav.hidden = !session;
  if (!session) return;
  document.getElementById("who-name").textContent = session.email + (isAdmin() ? " (admin)" : "");
  nav.replaceChildren(h("ul", null, NAV.filter((n) => !n[3] || isAdmin()).map(([key, href, label]) =>
    h("li", null, h("a", { href, "aria-current": key === navKey ? "page" : null }, label)))));
}

function notFound(root, text) {
  root.append(h("h1", null, "Not found"), h("p", null, text), h("p", null, h("a", { href: "#/" }, "Go to the overview")));
}

// ---------- sign-in and the invitation ----------

let signInNotice = null; // {text, kind, email}: said once on the next sign-in form

function signInView(root) {
  const note = signInNotice || {};
  signInNotice = null;
  const email = field("E-mail", h("input", { type: "email", autocomplete: "username", value: note.email || "" }));
  const password = field("Password", h("input", { type: "password", autocomplete: "current-password" }));
  const box = messageBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "signin-h" },
    h("h1", { id: "signin-h" }, "Sign in"),
    h("p", { class: "hint" }, "Admins and hosts sign in with their e-mail and password."),
    box, email.el, password.el, h("div", { class: "actions" }, submit));
  root.append(form);
  if (note.text) box.say(note.text, note.kind || "ok");
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const identity = email.input.value.trim(), pass = password.input.value;
    email.error(identity ? "" : "Enter your e-mail.");
    password.error(pass ? "" : "Enter your password.");
    if (!identity || !pass) return focusEl(identity ? password.input : email.input);
    submit.disabled = true;
    box.say("Signing in…");
    try {
      saveSession(await authenticate(identity, pass));
      forget();
      render();
    } catch (err) {
      box.error(err);
      focusEl(password.input);
    } finally {
      submit.disabled = false;
    }
  });
}

// authenticate tries the superusers first, then the host accounts: one
// form for both roles.
async function authenticate(identity, password) {
  const roles = [["_superusers", "admin"], ["host_users", "host"]];
  for (const [collection, role] of roles) {
    try {
      const r = await api(`/api/collections/${collection}/auth-with-password`, { method: "POST", body: { identity, password }, anonymous: true });
      return { token: r.token, role, email: r.record.email };
    } catch (err) {
      if (err.status !== 400 && err.status !== 404) throw err; // 400: not this collection's account
    }
  }
  throw new Error("The e-mail or password is not right.");
}

// emailOf reads the e-mail a password-reset token carries (a JWT), to
// fill in the sign-in form afterwards; "" when it cannot.
function emailOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part)).email || "";
  } catch { return ""; }
}

function welcomeView(root, token) {
  const pass = field("New password", h("input", { type: "password", autocomplete: "new-password", minlength: "8" }), "At least 8 characters.");
  const again = field("Repeat the password", h("input", { type: "password", autocomplete: "new-password" }));
  const box = messageBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Set password");
  const form = h("form", { class: "card narrow", novalidate: true, "aria-labelledby": "welcome-h" },
    h("h1", { id: "welcome-h" }, "Welcome"),
    h("p", null, `Choose a password for ${org}'s dashboard. You sign in with it and your e-mail address.`),
    box, pass.el, again.el, h("div", { class: "actions" }, submit));
  root.append(form);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const p = pass.input.value;
    pass.error(p.length >= 8 ? "" : "Use at least 8 characters.");
    again.error(p === again.input.value ? "" : "The two passwords differ.");
    if (p.length < 8) return focusEl(pass.input);
    if (p !== again.input.value) return focusEl(again.input);
    submit.disabled = true;
    try {
      await api("/api/collections/host_users/confirm-password-reset", { method: "POST", body: { token, password: p, passwordConfirm: p }, anonymous: true });
      clearSession();
      signInNotice = { text: "Your password is set. Sign in with your e-mail and the new password.", email: emailOf(token) };
      history.replaceState(null, "", "#/"); // the token is used up: keep it out of the history
      current = null;
      render();
    } catch (err) {
      submit.disabled = false;
      const fields = { password: pass, passwordConfirm: again };
      if (err.status === 400 && err.data.token) err.message = "This invitation link has expired or was used already. Ask an admin to invite you again.";
      showFieldErrors(err, fields, box);
      focusEl(box);
    }
  });
}

// ---------- bookings, shared ----------

// bookingItem is one booking in a list: when, who, what, its status.
// Under a day's heading the day is not repeated (sameDay).
function bookingItem(b, { sameDay = false } = {}) {
  const hosts = isAdmin() && b.host_names && b.host_names.length ? " · with " + b.host_names.join(", ") : "";
  return h("li", { class: "bk bk-" + b.status },
    h("p", { class: "bk-when" }, h("strong", null, sameDay ? fmtHours(b.start, b.end) : fmtRange(b.start, b.end)), " ", h("span", { class: "inv" }, inviteeTime(b))),
    h("p", { class: "bk-who" }, h("a", { href: "#/bookings/" + enc(b.id) }, b.name || b.email), " ", badge(b.status), " ", payBadge(b.payment)),
    h("p", { class: "bk-what" }, (b.event_title || "Booking") + hosts));
}

// LIVE are the statuses that hold a time: an unpaid booking's hold too.
const LIVE = "pending,confirmed,awaiting_payment";

// liveBookings lists the bookings holding a time that start between two
// local days (from inclusive, to exclusive).
const liveBookings = (from, to) => api(P() + "/bookings" + query({
  status: LIVE, from: rfc(localDay(from)), to: rfc(localDay(to)), sort: "start", perPage: 200,
}));

// ---------- overview ----------

function homeView(root) {
  const attention = h("ul", { class: "attention" }, h("li", { class: "loading" }, "Loading…"));
  const todayBox = h("div", null, h("p", { class: "loading" }, "Loading…"));
  const weekBox = h("div", null, h("p", { class: "loading" }, "Loading…"));
  const t = today();
  root.append(
    h("h1", null, "Overview"), zoneNote(),
    h("div", { class: "home" },
      h("section", { class: "card", "aria-labelledby": "att-h" }, h("h2", { id: "att-h" }, "Needs attention"), attention),
      h("section", { class: "card", "aria-labelledby": "today-h" }, h("h2", { id: "today-h" }, "Today, " + fmtLongDay(new Date())), todayBox),
      h("section", { class: "card", "aria-labelledby": "week-h" }, h("h2", { id: "week-h" }, "This week"),
        h("p", { class: "hint" }, "The seven days after today."), weekBox),
      isAdmin() ? systemCard() : ""),
    isAdmin() ? h("p", { class: "raw" }, h("a", { href: "/_/" }, "Raw data and settings"), " — the PocketBase admin UI: event types, hosts, settings, mail, logs.") : "");

  api(P() + "/overview").then((o) => attention.replaceChildren(...attentionItems(o)),
    (err) => !err.expired && attention.replaceChildren(h("li", { class: "bad" }, err.message)));
  liveBookings(t, addDays(t, 1)).then((r) => todayBox.replaceChildren(r.items.length
    ? h("ul", { class: "bookings" }, r.items.map((b) => bookingItem(b, { sameDay: true }))) : h("p", null, "No bookings today.")),
  (err) => !err.expired && todayBox.replaceChildren(h("p", { class: "msg bad" }, err.message)));
  liveBookings(addDays(t, 1), addDays(t, 8)).then((r) => weekBox.replaceChildren(byDay(r.items)),
    (err) => !err.expired && weekBox.replaceChildren(h("p", { class: "msg bad" }, err.message)));
}

// systemCard is the admin's readiness report (GET /api/admin/status): ok or
// degraded with the reasons, the release and how long the server has run.
function systemCard() {
  const box = h("div", null, h("p", { class: "loading" }, "Loading…"));
  api("/api/admin/status").then((st) => {
    const ok = st.status === "ok";
    box.replaceChildren(
      h("p", { class: "sys-state " + (ok ? "ok" : "bad") }, ok ? "All background work runs normally." : "Degraded: something needs a look."),
      ok ? "" : h("ul", { class: "attention" }, st.reasons.map((r) => h("li", null, r))),
      h("p", { class: "hint" }, `slotbase ${st.version} · up ${uptimeText(st.uptime_seconds)} · job worker ${st.worker.alive ? "running" : "not running"} · replica ${st.replica.state}`));
  }, (err) => !err.expired && box.replaceChildren(h("p", { class: "msg bad" }, err.message)));
  return h("section", { class: "card system", "aria-labelledby": "sys-h" }, h("h2", { id: "sys-h" }, "System"), box);
}

// byDay groups bookings under a heading per local day.
function byDay(items) {
  if (!items.length) return h("p", null, "No bookings in the next seven days.");
  const days = new Map();
  for (const b of items) {
    const key = dateKey(new Date(b.start));
    if (!days.has(key)) days.set(key, []);
    days.get(key).push(b);
  }
  return h("div", null, [...days].map(([key, list]) => [
    h("h3", { class: "day-h" }, fmtDay(localDay(key))), h("ul", { class: "bookings" }, list.map((b) => bookingItem(b, { sameDay: true })))]));
}

// attentionItems turns the overview into things to act on.
function attentionItems(o) {
  const items = [];
  if (o.pending > 0) {
    items.push(h("li", null, h("a", { href: "#/bookings?tab=approval" },
      o.pending === 1 ? "1 booking waits for approval" : `${o.pending} bookings wait for approval`)));
  }
  for (const r of o.reconnect || []) {
    items.push(h("li", null, h("a", { href: "#/calendars" }, `Reconnect ${r.host_name || "the"}'s Google Calendar`),
      r.last_error ? h("span", { class: "detail" }, r.last_error) : null));
  }
  if (o.dead_jobs > 0) {
    items.push(h("li", null, `${o.dead_jobs} background ${o.dead_jobs === 1 ? "job" : "jobs"} (e-mails, calendar writes, webhooks) failed for good. `,
      h("a", { href: "/_/" }, "See the jobs collection in the admin UI")));
  }
  const rep = o.replica;
  if (rep && rep.configured && (!rep.connected || rep.last_error || rep.lag_seconds > 60)) {
    const state = !rep.connected ? "is not connected" : rep.lag_seconds > 60 ? `is ${Math.round(rep.lag_seconds)} seconds behind` : "reports an error";
    items.push(h("li", null, "The PostgreSQL replica " + state + ".", rep.last_error ? h("span", { class: "detail" }, rep.last_error) : null));
  }
  return items.length ? items : [h("li", { class: "ok" }, "Nothing needs your attention.")];
}

// ---------- the bookings list ----------

const TABS = {
  upcoming: { label: "Upcoming", filter: () => ({ status: LIVE, from: rfc(new Date()), sort: "start" }) },
  approval: { label: "Needs approval", filter: () => ({ status: "pending", from: rfc(new Date()), sort: "start" }) },
  past: { label: "Past", filter: () => ({ status: LIVE, to: rfc(new Date()), sort: "-start" }) },
  cancelled: { label: "Cancelled", filter: () => ({ status: "cancelled,declined", sort: "-start" }) },
};
const PER_PAGE = 25;

function bookingsView(root, params) {
  const tabs = h("ul", { class: "tabs" });
  const q = field("Search", h("input", { type: "search", autocomplete: "off" }), "Name, e-mail or notes");
  const host = isAdmin() ? hostPicker("Host", "", "All hosts", () => go()) : null;
  const type = field("Event type", h("select", { onchange: () => go() }, h("option", { value: "" }, "All event types")));
  const form = h("form", { class: "filters", role: "search", "aria-label": "Filter bookings" },
    q.el, host && host.el, type.el, h("div", { class: "go" }, h("button", { type: "submit" }, "Search")));
  const box = messageBox();
  const list = h("ul", { class: "bookings" });
  const pager = h("nav", { class: "pager", "aria-label": "Pages" });
  root.append(h("h1", null, "Bookings"), zoneNote(), h("nav", { "aria-label": "Booking lists" }, tabs), form, box, list, pager);
  form.addEventListener("submit", (ev) => { ev.preventDefault(); go(); });

  let shown = params;
  const typesReady = cached(P() + "/event-types").then((r) => {
    type.input.append(...r.items.map((et) => h("option", { value: et.id }, et.title)));
    type.input.value = shown.get("event_type") || "";
  }, () => { /* the filter stays at "All event types" */ });

  // link is this screen's address with some params changed.
  const link = (changes) => {
    const p = { tab: shown.get("tab") || "", q: shown.get("q") || "", host: shown.get("host") || "", event_type: shown.get("event_type") || "", page: "", ...changes };
    if (p.tab === "upcoming") p.tab = "";
    if (p.page === 1) p.page = "";
    return "#/bookings" + query(p);
  };
  const go = () => { location.hash = link({ q: q.input.value.trim(), host: host ? host.input.value : "", event_type: type.input.value }); };

  async function update(p) {
    shown = p;
    const tab = TABS[p.get("tab")] ? p.get("tab") : "upcoming";
    const page = Math.max(1, Number(p.get("page")) || 1);
    tabs.replaceChildren(...Object.entries(TABS).map(([key, t]) =>
      h("li", null, h("a", { href: link({ tab: key }), "aria-current": key === tab ? "page" : null }, t.label))));
    q.input.value = p.get("q") || "";
    if (host) host.ready.then(() => { host.input.value = p.get("host") || ""; });
    typesReady.then(() => { type.input.value = p.get("event_type") || ""; });
    list.setAttribute("aria-busy", "true");
    try {
      const r = await api(P() + "/bookings" + query({
        ...TABS[tab].filter(), q: p.get("q"), host: p.get("host"), event_type: p.get("event_type"), page, perPage: PER_PAGE,
      }));
      if (shown !== p) return; // a newer filter is on its way
      const pages = Math.max(1, Math.ceil(r.totalItems / PER_PAGE));
      list.replaceChildren(...r.items.map((b) => bookingItem(b)));
      box.say(r.totalItems ? `${r.totalItems} ${r.totalItems === 1 ? "booking" : "bookings"}${pages > 1 ? `, page ${page} of ${pages}` : ""}.` : "No bookings match.");
      pager.replaceChildren(
        page > 1 ? h("a", { href: link({ page: page - 1 }), rel: "prev" }, "← Previous page") : h("span"),
        page < pages ? h("a", { href: link({ page: page + 1 }), rel: "next" }, "Next page →") : h("span"));
    } catch (err) {
      if (!err.expired) box.error(err);
    } finally {
      list.removeAttribute("aria-busy");
    }
  }
  update(params);
  return { update };
}

// ---------- one booking ----------

function bookingView(root, params, id) {
  const heading = h("h1", null, "Booking");
  const box = messageBox();
  const body = h("div", null, h("p", { class: "loading" }, "Loading…"));
  root.append(h("p", null, h("a", { class: "back", href: "#/bookings" }, "← All bookings")), heading, box, body);
  let b = null;

  api(P() + "/bookings/" + enc(id)).then(show, (err) => {
    if (err.expired) return;
    if (err.status !== 404) return box.error(err);
    heading.textContent = "Booking not found";
    body.replaceChildren(h("p", null, "There is no booking at this address, or it is not one of yours."));
  });

  function show(booking) {
    b = booking;
    heading.textContent = `${b.name || b.email}: ${b.event_title || "booking"}`;
    document.title = `${b.name || "Booking"} · ${org} dashboard`;
    const live = b.status === "pending" || b.status === "confirmed";
    const panel = h("div", { class: "panel" });
    // open shows one action's panel; closing it gives the focus back to its button.
    const open = (build) => (ev) => {
      const from = ev.currentTarget;
      panel.replaceChildren(build(() => { panel.replaceChildren(); focusEl(from); }));
      focusEl(panel.querySelector("h2"));
    };
    const actions = live ? h("div", { class: "actions" },
      b.status === "pending" ? h("button", { type: "button", class: "primary", onclick: confirm }, "Confirm") : null,
      b.status === "pending" ? h("button", { type: "button", onclick: open((close) => reasonForm("decline", close)) }, "Decline") : null,
      h("button", { type: "button", onclick: open(reschedulePanel) }, "Reschedule"),
      h("button", { type: "button", class: "danger", onclick: open((close) => reasonForm("cancel", close)) }, "Cancel booking"))
      : b.status === "awaiting_payment" ? h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: open((close) => reasonForm("cancel", close)) }, "Release the hold")) : null;
    const hold = b.status === "awaiting_payment" && b.payment && b.payment.hold_expires_at
      ? h("p", { class: "msg warn" }, `This is a hold: the invitee has until ${fmtStamp(b.payment.hold_expires_at)} to pay, then the time is released.`) : null;
    body.replaceChildren(h("p", null, badge(b.status), " ", payBadge(b.payment)), hold || "", summary(b), zoneNote(), actions || "", panel);
  }

  // change posts an action and shows the booking as it is now, with what
  // happened in the live region.
  async function change(action, payload, done, fields = {}) {
    try {
      const next = await api(`${P()}/bookings/${enc(id)}/${action}`, { method: "POST", body: payload });
      show(next);
      box.say(done(next));
      focusEl(heading);
      return true;
    } catch (err) {
      if (err.expired) return false;
      if (err.status === 409 && action !== "reschedule") err.message = sentence(err.message) + " Reload the page to see the booking as it is now.";
      showFieldErrors(err, fields, box);
      return false;
    }
  }

  function confirm() {
    change("confirm", {}, () => "Confirmed. The invitee gets a confirmation e-mail with the calendar invitation.");
  }

  // reasonForm asks for the reason of a decline or a cancellation, which the
  // invitee's e-mail carries.
  function reasonForm(action, close) {
    const cancel = action === "cancel";
    const paid = b.payment && ["paid", "partially_refunded"].includes(b.payment.status);
    const reason = field("Reason (optional)", h("textarea", { rows: "3", maxlength: "2000" }),
      `The invitee gets an e-mail that the ${cancel ? "booking is cancelled" : "request is declined"}, with this reason.` +
      (paid ? ` Their payment of ${money(b.payment.amount, b.payment.currency)} is refunded in full.` : ""));
    const submit = h("button", { type: "submit", class: "danger" }, cancel ? "Cancel the booking" : "Decline the request");
    const form = h("form", { class: "card inset", novalidate: true },
      h("h2", null, cancel ? "Cancel this booking?" : "Decline this request?"), reason.el,
      h("div", { class: "actions" }, submit, h("button", { type: "button", onclick: close }, "Keep it")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      submit.disabled = true;
      const text = reason.input.value.trim();
      const ok = await change(action, { reason: text }, (n) =>
        `${cancel ? "Cancelled" : "Declined"}. The invitee gets an e-mail${text ? " with your reason" : ""}.` +
        (n.payment && n.payment.refunded ? ` Refunded: ${money(n.payment.refunded, n.payment.currency)}.` : "") +
        (n.payment && n.payment.status === "refund_pending" ? " The refund is pending." : "") +
        (n.payment && n.payment.status === "refund_failed" ? " The refund FAILED: refund the invitee in Stripe's dashboard." : ""), { reason });
      if (!ok) submit.disabled = false;
    });
    return form;
  }

  // reschedulePanel lists the event type's free times on a chosen day; an
  // admin may also force any time.
  function reschedulePanel() {
    const first = dateKey(new Date(b.start)) > today() ? dateKey(new Date(b.start)) : today();
    const day = field("Day", h("input", { type: "date", min: today(), value: first }));
    const times = h("div", { class: "times", "aria-live": "polite" });
    const ask = h("div", { class: "confirm-move", hidden: true });
    day.input.addEventListener("change", loadTimes);
    const panel = h("section", { class: "card inset", "aria-labelledby": "move-h" },
      h("h2", { id: "move-h" }, "Move to another time"),
      h("p", { class: "hint" }, `Free times of ${b.event_title || "this event type"} in your time zone. The invitee gets an updated invitation.`),
      day.el, times, ask, isAdmin() ? forcePanel() : null);
    loadTimes();
    return panel;

    async function loadTimes() {
      const from = day.input.value;
      ask.hidden = true;
      if (!from) return times.replaceChildren();
      times.replaceChildren(h("p", { class: "loading" }, "Loading free times…"));
      try {
        const r = await api("/api/slots" + query({ event_type: b.event_slug, from, to: addDays(from, 13), tz: viewerZone }), { anonymous: true });
        if (day.input.value !== from) return;
        const chosen = r.days.find((d) => d.date === from);
        if (chosen && chosen.slots.length) {
          return times.replaceChildren(h("ul", { class: "slots", "aria-label": "Free times on " + fmtDay(localDay(from)) },
            chosen.slots.map((s) => h("li", null, h("button", { type: "button", class: "slot", "data-start": s.start, onclick: () => pick(s) }, fmtTime(s.start))))));
        }
        const next = r.days.find((d) => d.date > from && d.slots.length);
        times.replaceChildren(h("p", null, `No free times on ${fmtDay(localDay(from))}. `,
          next ? h("button", { type: "button", class: "link", onclick: () => { day.input.value = next.date; loadTimes(); } }, `Show ${fmtDay(localDay(next.date))}`)
            : "None in the two weeks after it either."));
      } catch (err) {
        if (!err.expired) times.replaceChildren(h("p", { class: "msg bad" }, err.message));
      }
    }

    function pick(slot) {
      for (const btn of times.querySelectorAll(".slot")) btn.setAttribute("aria-pressed", String(btn.dataset.start === slot.start));
      const yes = h("button", { type: "button", class: "primary" }, "Move the booking");
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        const ok = await change("reschedule", { start: slot.start, force: false }, (n) =>
          `Moved to ${fmtRange(n.start, n.end)}. The invitee gets an updated invitation.`);
        if (ok) return;
        yes.disabled = false;
        loadTimes(); // the time may be gone: show what is free now
      });
      ask.replaceChildren(h("p", null, "Move to ", h("strong", null, fmtRange(slot.start, slot.end)), "?"),
        h("div", { class: "actions" }, yes, h("button", { type: "button", onclick: () => { ask.hidden = true; } }, "Choose another time")));
      ask.hidden = false;
      focusEl(yes);
    }

    // forcePanel books any time, outside availability: admins only, after
    // a warning, sent with force:true.
    function forcePanel() {
      const at = field("New start (your time zone)", h("input", { type: "datetime-local", step: "300" }));
      const go = h("button", { type: "button", class: "danger" }, "Move anyway");
      go.addEventListener("click", async () => {
        const when = at.input.value ? new Date(at.input.value) : null;
        at.error(when && !isNaN(when) ? "" : "Enter a day and time.");
        if (!when || isNaN(when)) return focusEl(at.input);
        go.disabled = true;
        const ok = await change("reschedule", { start: rfc(when), force: true }, (n) =>
          `Moved to ${fmtRange(n.start, n.end)}, outside the usual availability. The invitee gets an updated invitation.`, { start: at });
        if (!ok) go.disabled = false;
      });
      return h("details", { class: "override" }, h("summary", null, "Other time (override availability)"),
        h("p", { class: "warn" }, "This ignores the host's hours, days off, other calendars and bookings: it can double-book the host. Use it only when you agreed the time with them. The invitee gets an updated invitation."),
        at.el, h("div", { class: "actions" }, go));
    }
  }
}

// summary lists what a booking holds.
function summary(b) {
  const row = (label, value) => value ? [h("dt", null, label), h("dd", null, value)] : null;
  const answers = Object.entries(b.answers || {}).map(([k, v]) =>
    row(k.replace(/_/g, " "), Array.isArray(v) ? v.join(", ") : typeof v === "boolean" ? (v ? "Yes" : "No") : String(v)));
  return h("dl", { class: "summary" },
    row("When", [fmtRange(b.start, b.end), " ", h("span", { class: "inv" }, inviteeTime(b))]),
    row("Event type", b.event_title),
    row(b.host_names && b.host_names.length > 1 ? "Hosts" : "Host", (b.host_names || []).join(", ")),
    row("Invitee", [b.name, " ", h("a", { href: "mailto:" + b.email }, b.email)]),
    row("Invitee's time zone", b.timezone),
    row("Notes", b.notes ? h("span", { class: "pre" }, b.notes) : ""),
    answers,
    row("Payment", paymentText(b.payment)),
    row(b.status === "declined" ? "Decline reason" : "Cancel reason", b.cancel_reason),
    row("Moved from", b.rescheduled_from ? fmtStamp(b.rescheduled_from) : ""),
    row("Booked", b.created ? fmtStamp(b.created) : ""));
}

// cell is a table cell that narrow screens show as "label: content" (dash.css .stack).
const cell = (label, ...content) => h("td", { "data-label": label }, h("div", null, content));

// ---------- hosts (admin) ----------

const ACCOUNT = { none: "No account yet", invited: "Invited, no password yet", active: "Signed up" };

function hostsView(root) {
  const box = messageBox();
  const rows = h("tbody");
  root.append(h("h1", null, "Hosts"),
    h("p", { class: "hint" }, "An invitation mails the host a link to set a password; then they sign in here and manage their own bookings, hours and calendar. Add or edit hosts in the ", h("a", { href: "/_/" }, "admin UI"), "."),
    box,
    h("table", { class: "stack" }, h("thead", null, h("tr", null, ["Name", "E-mail", "Time zone", "Profile", "Account", "Invitation"].map((t) => h("th", { scope: "col" }, t)))), rows));
  load();

  async function load() {
    try {
      const r = await cached("/api/admin/hosts");
      rows.replaceChildren(...r.items.map((x) => h("tr", null,
        cell("Name", x.name),
        cell("E-mail", x.email),
        cell("Time zone", x.timezone),
        cell("Profile", x.active ? "Active" : "Inactive"),
        cell("Account", ACCOUNT[x.account] || x.account),
        cell("Invitation", h("button", { type: "button", onclick: (ev) => invite(x, ev.currentTarget) },
          x.account === "none" ? "Invite" : "Invite again", h("span", { class: "sr-only" }, " " + x.name))))));
      if (!r.items.length) box.say("No hosts yet: add them in the admin UI.");
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  async function invite(host, button) {
    button.disabled = true;
    box.say(`Sending an invitation to ${host.email}…`);
    try {
      const r = await api(`/api/admin/hosts/${enc(host.id)}/invite`, { method: "POST" });
      box.say(`Invitation sent to ${r.email}` + (r.delivery === "file" ? " (no SMTP server is set up: the mail was written to pb_data/mail)." : "."));
      forget("/api/admin/hosts");
      await load();
    } catch (err) {
      if (!err.expired) box.error(err);
      button.disabled = false;
    }
  }
}

// ---------- calendar connections ----------

const CONN = { connected: "Connected", needs_reconnect: "Needs reconnecting", failing: "Failing", disconnected: "Disconnected", not_connected: "Not connected" };

function connectionsView(root) {
  const box = messageBox();
  const content = h("div", null, h("p", { class: "loading" }, "Loading…"));
  root.append(h("h1", null, "Calendar connections"),
    h("p", { class: "hint" }, "A connected Google, CalDAV or Microsoft calendar blocks its busy times for bookings, and new bookings appear in it."),
    box, content);
  const admin = isAdmin();
  let configured = false; // without Google's client, Connect can only fail
  load();

  async function load() {
    try {
      if (admin) {
        const r = await api("/api/admin/google/connections");
        configured = r.configured;
        content.replaceChildren(notConfigured(r.configured), table(r.connections), feedsTable(r.feeds || []),
          await caldavSection(r.caldav || [], box, load),
          await microsoftSection(r.microsoft || [], r.microsoft_configured, box, load));
      } else {
        const r = await api("/api/host/google");
        configured = r.configured;
        content.replaceChildren(notConfigured(r.configured), r.configured ? h("div", null, connectionDetails(r.connection || { status: "not_connected" })) : "",
          await caldavSection(null, box, load), await microsoftSection(null, true, box, load));
      }
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  const notConfigured = (ok) => ok ? "" : h("p", { class: "msg bad" }, admin
    ? "Google Calendar is not set up on this server: set SLOTBASE_GOOGLE_CLIENT_ID and SLOTBASE_GOOGLE_CLIENT_SECRET (see GOOGLE.md)."
    : "Google Calendar is not set up on this server yet. Ask an admin.");

  function table(list) {
    return h("table", { class: "stack" },
      h("thead", null, h("tr", null, ["Host", "Google account", "Status", "Busy times synced", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
      h("tbody", null, list.map((c) => h("tr", null,
        cell("Host", c.host_name),
        cell("Google account", c.account || "—"),
        cell("Status", status(c)),
        cell("Busy times synced", synced(c)),
        cell("Actions", buttons(c))))));
  }

  // feedsTable lists the read-only ICS subscriptions (added through the
  // admin API: POST /api/admin/hosts/{id}/ics-feeds, see the README).
  function feedsTable(list) {
    if (!list.length) return "";
    return h("div", null, h("h2", null, "Subscribed calendars (ICS)"),
      h("table", { class: "stack" },
        h("thead", null, h("tr", null, ["Host", "Feed", "Status", "Busy times synced", "Actions"].map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", null, list.map((f) => h("tr", null,
          cell("Host", f.host_name),
          cell("Feed", f.url),
          cell("Status", status(f)),
          cell("Busy times synced", synced(f) + (f.last_synced ? ` · ${f.blocks} busy ${f.blocks === 1 ? "time" : "times"}` : "")),
          cell("Actions", h("div", { class: "actions tight" },
            h("button", { type: "button", onclick: () => feedSync(f) }, "Sync now", h("span", { class: "sr-only" }, " " + f.host_name)))))))));
  }

  async function feedSync(f) {
    try {
      await api(`/api/admin/hosts/${enc(f.host)}/ics-feeds/${enc(f.id)}/sync`, { method: "POST" });
      box.say("Sync started: busy times refresh in a moment.");
      await load();
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  function connectionDetails(c) {
    return [h("dl", { class: "summary" },
      h("dt", null, "Google account"), h("dd", null, c.account || "—"),
      h("dt", null, "Status"), h("dd", null, status(c)),
      h("dt", null, "Busy times synced"), h("dd", null, synced(c))), buttons(c)];
  }

  const status = (c) => [h("span", { class: "conn conn-" + c.status }, CONN[c.status] || c.status),
    c.last_error ? h("span", { class: "detail" }, c.last_error) : null,
    c.waiting_jobs ? h("span", { class: "detail" }, `${c.waiting_jobs} calendar ${c.waiting_jobs === 1 ? "write" : "writes"} waiting`) : null];
  const synced = (c) => (c.last_synced ? fmtStamp(c.last_synced) : "Never") + (c.stale && c.status === "connected" ? " (out of date)" : "");

  // buttons are a connection's actions; "who" names the host for screen
  // readers, as every row has the same buttons.
  function buttons(c) {
    const who = admin ? h("span", { class: "sr-only" }, " " + (c.host_name || "")) : null;
    const connected = c.status === "connected";
    const wrap = h("div", { class: "actions tight" },
      configured ? h("button", { type: "button", onclick: () => connect(c) }, connected || c.status === "needs_reconnect" ? "Reconnect" : "Connect", who && who.cloneNode(true)) : null,
      connected ? h("button", { type: "button", onclick: () => run(c, "sync", "Sync started: busy times refresh in a moment.") }, "Sync now", who && who.cloneNode(true)) : null,
      c.id && c.status !== "disconnected" && c.status !== "not_connected"
        ? h("button", { type: "button", class: "danger", onclick: () => askDisconnect(c, wrap) }, "Disconnect", who && who.cloneNode(true)) : null);
    return wrap;
  }

  const base = (c) => (admin ? `/api/admin/google/connections/${enc(c.id)}` : "/api/host/google");

  async function connect(c) {
    try {
      const r = await api(admin ? "/api/admin/google/connect" + query({ host: c.host }) : "/api/host/google/connect");
      location.assign(r.url); // Google's consent screen; it comes back to slotbase
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  async function run(c, action, done) {
    try {
      await api(`${base(c)}/${action}`, { method: "POST" });
      box.say(done);
      await load();
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  // askDisconnect confirms in place (no browser dialog) before disconnecting.
  function askDisconnect(c, wrap) {
    const no = h("button", { type: "button", onclick: () => { ask.remove(); focusEl(wrap.querySelector(".danger")); } }, "Keep it connected");
    const ask = h("div", { class: "confirm-move", role: "group", "aria-label": "Confirm disconnecting" },
      h("p", null, `Disconnect ${admin ? c.host_name + "'s" : "your"} Google Calendar? Its busy times stop blocking bookings and new bookings are no longer added to it.`),
      h("div", { class: "actions" },
        h("button", { type: "button", class: "danger", onclick: () => run(c, "disconnect", "Disconnected.") }, "Yes, disconnect"), no));
    wrap.after(ask);
    focusEl(no);
  }
}

// ---------- start ----------

onExpired(() => {
  if (!session) return; // several requests failed at once: one sign-in form
  clearSession();
  signInNotice = { text: "Your session has ended. Sign in again to continue.", kind: "bad" };
  current = null;
  render();
});

document.getElementById("signout").addEventListener("click", () => {
  clearSession();
  forget();
  history.replaceState(null, "", "#/");
  current = null;
  render();
  announce("Signed out.");
});

// The skip link must not change the hash: the hash is the route.
document.getElementById("skip").addEventListener("click", (ev) => {
  ev.preventDefault();
  focusEl(main);
});

window.addEventListener("hashchange", render);

api("/api/public/settings", { anonymous: true }).then((s) => {
  if (!s.org_name) return;
  org = s.org_name;
  document.getElementById("org").textContent = org;
  document.title = document.title.replace("slotbase", org);
}, () => { /* the name stays "slotbase" */ });

render();
