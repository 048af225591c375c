// CalDAV and Microsoft 365 on the calendar connections screen: the
// connected accounts (all hosts' for an admin, one's own for a host) with
// Sync now / Disconnect; a form to connect iCloud, Fastmail, Nextcloud or
// any CalDAV server with the server address, user name and an app password
// (sent once, never shown again); a button that signs in to Microsoft.
import { h, field, showFieldErrors, api, isAdmin, hostPicker, fmtStamp } from "./lib.js";

const enc = encodeURIComponent;
const CONN = { connected: "Connected", needs_reconnect: "Needs reconnecting", not_connected: "Not connected" };

// caldavSection builds the section; box shows results and errors, reload
// refreshes the whole screen. list: the admin's r.caldav, or null for a host
// (it reads GET /api/host/caldav).
export async function caldavSection(list, box, reload) {
  const admin = isAdmin();
  if (!admin) list = await ownAccount("/api/host/caldav");
  return h("div", null,
    h("h2", null, "CalDAV calendars (iCloud, Fastmail, Nextcloud)"),
    accounts(list, admin ? (c) => `/api/admin/hosts/${enc(c.host)}/caldav` : () => "/api/host/caldav", box, reload, "No CalDAV calendar is connected."),
    connectForm(admin, box, reload));
}

// microsoftSection is the same for Microsoft 365 / Outlook.com accounts
// (list: the admin's r.microsoft, or null for a host); Connect opens
// Microsoft's sign-in (for the picked host when an admin connects).
export async function microsoftSection(list, configured, box, reload) {
  const admin = isAdmin();
  if (!admin) list = await ownAccount("/api/host/microsoft");
  const host = admin ? hostPicker("Host", "", "", () => {}) : null;
  async function connect(ev) {
    ev.preventDefault();
    // (Unconfigured, the server's answer says what to set, whatever the host.)
    if (host && configured && !host.input.value) return host.error("Pick the host whose calendar this is (the list is still loading).");
    try {
      const r = await api(admin ? "/api/admin/microsoft/connect?host=" + enc(host.input.value) : "/api/host/microsoft/connect");
      location.assign(r.url);
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }
  return h("div", null,
    h("h2", null, "Microsoft 365 / Outlook.com"),
    admin && !configured ? h("p", { class: "msg bad" }, "Microsoft 365 is not set up on this server: set SLOTBASE_MICROSOFT_CLIENT_ID and SLOTBASE_MICROSOFT_CLIENT_SECRET (see MICROSOFT.md).") : null,
    accounts(list, admin ? (c) => `/api/admin/hosts/${enc(c.host)}/microsoft` : () => "/api/host/microsoft", box, reload, "No Microsoft calendar is connected."),
    h("form", { class: "card", onsubmit: connect },
      h("h3", null, "Connect a Microsoft calendar"),
      host && host.el,
      h("div", { class: "actions" }, h("button", { type: "submit" }, "Connect with Microsoft"))));
}

// ownAccount reads a host's own connection of one kind as a list.
async function ownAccount(path) {
  const mine = await api(path);
  return mine.status === "not_connected" ? [] : [mine];
}

// accounts is the table of connected accounts of one kind: host (admins),
// account, status with the last error, last sync, Sync now / Disconnect.
function accounts(list, base, box, reload, none) {
  const admin = isAdmin();
  async function run(c, method, path, done) {
    try {
      await api(base(c) + path, { method });
      box.say(done);
      await reload();
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }
  const rows = list.map((c) => h("tr", null,
    admin ? h("td", { "data-label": "Host" }, c.host_name) : null,
    h("td", { "data-label": "Account" }, c.account),
    h("td", { "data-label": "Status" }, h("span", { class: "conn conn-" + c.status }, CONN[c.status] || c.status),
      c.last_error ? h("span", { class: "detail" }, c.last_error) : null),
    h("td", { "data-label": "Busy times synced" }, c.last_synced ? fmtStamp(c.last_synced) : "Never"),
    h("td", { "data-label": "Actions" }, h("div", { class: "actions tight" },
      c.status === "connected" ? h("button", { type: "button", onclick: () => run(c, "POST", "/sync", "Sync started: busy times refresh in a moment.") }, "Sync now") : null,
      h("button", { type: "button", class: "danger", onclick: () => run(c, "DELETE", "", "Disconnected.") }, "Disconnect")))));
  return rows.length ? h("table", { class: "stack" },
    h("thead", null, h("tr", null, [admin ? "Host" : null, "Account", "Status", "Busy times synced", "Actions"].filter(Boolean).map((t) => h("th", { scope: "col" }, t)))),
    h("tbody", null, rows)) : h("p", { class: "hint" }, none);
}

// connectForm posts {url, username, password} (a reconnect replaces the
// stored password); a 400 puts each message beside its field.
function connectForm(admin, box, reload) {
  const host = admin ? hostPicker("Host", "", "", () => {}) : null;
  const url = field("Server address", h("input", { type: "url", required: true, placeholder: "https://caldav.icloud.com", autocomplete: "url" }),
    "iCloud: https://caldav.icloud.com · Fastmail: https://caldav.fastmail.com/dav/ · Nextcloud: https://HOST/remote.php/dav");
  const username = field("User name", h("input", { type: "text", required: true, autocomplete: "username" }));
  const password = field("App password", h("input", { type: "password", required: true, autocomplete: "new-password" }),
    "An app-specific password made for slotbase (not your account password).");
  const fields = { url, username, password };
  const form = h("form", { class: "card", novalidate: true, onsubmit: submit },
    h("h3", null, "Connect a CalDAV calendar"),
    host && host.el, url.el, username.el, password.el,
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Connect")));

  async function submit(ev) {
    ev.preventDefault();
    if (host && !host.input.value) return host.error("Pick the host whose calendar this is (the list is still loading).");
    const path = admin ? `/api/admin/hosts/${enc(host.input.value)}/caldav` : "/api/host/caldav";
    try {
      const r = await api(path, { method: "POST", body: { url: url.input.value, username: username.input.value, password: password.input.value } });
      password.input.value = "";
      box.say(`Connected: ${r.busy_calendars.length} calendar(s) count as busy; bookings go to ${r.write_calendar}.`);
      await reload();
    } catch (err) {
      if (!err.expired) showFieldErrors(err, fields, box);
    }
  }
  return form;
}
