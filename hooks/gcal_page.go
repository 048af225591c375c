package hooks

import (
	"net/http"

	"github.com/pocketbase/pocketbase/core"
)

// handleGoogleAdminPage serves GET /admin/google: a small page that lists
// hosts with their Google connection (status, last error, staleness) and
// connects, reconnects, syncs or disconnects them. The page itself holds no
// data: it calls the superuser-only API with the admin UI's login token
// from this browser's local storage.
func handleGoogleAdminPage(e *core.RequestEvent) error {
	e.Response.Header().Set("Cache-Control", "no-store")
	return e.HTML(http.StatusOK, googleAdminPage)
}

const googleAdminPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>slotbase · Google Calendar</title>
<style>body{font-family:system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.4em;text-align:left;vertical-align:top}
.needs_reconnect{color:#b00;font-weight:bold}.connected{color:#070}.err{color:#b00;font-size:.9em}button{margin:.1em}</style></head>
<body><h1>Google Calendar</h1>
<p id="msg">Loading…</p>
<table id="t" hidden><thead><tr><th>Host</th><th>Account</th><th>Status</th><th>Busy time synced</th><th></th></tr></thead><tbody></tbody></table>
<script>
const auth = JSON.parse(localStorage.getItem("__pb_superusers__/_") || "{}");
const api = (path, opt = {}) => fetch(path, {...opt, headers: {Authorization: auth.token || ""}}).then(async r => {
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.message || r.statusText);
  return body;
});
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => "&#" + c.charCodeAt(0) + ";");
async function load() {
  const msg = document.getElementById("msg");
  if (!auth.token) { msg.innerHTML = 'Log in to the <a href="/_/">admin UI</a> first, then reload this page.'; return; }
  try {
    const data = await api("/api/admin/google/connections");
    msg.textContent = data.configured ? "" : "Google is not configured: set SLOTBASE_GOOGLE_CLIENT_ID and SLOTBASE_GOOGLE_CLIENT_SECRET (see GOOGLE.md).";
    const rows = data.connections.map(c => '<tr><td>' + esc(c.host_name) + '</td><td>' + esc(c.account) + '</td><td class="' + esc(c.status) + '">' + esc(c.status) +
      (c.last_error ? '<div class="err">' + esc(c.last_error) + '</div>' : '') + (c.waiting_jobs ? '<div>' + c.waiting_jobs + ' calendar writes waiting</div>' : '') +
      '</td><td>' + esc(c.last_synced || "never") + (c.stale && c.status === "connected" ? " (stale)" : "") + '</td><td>' +
      '<button data-connect="' + esc(c.host) + '">' + (c.status === "connected" ? "Reconnect" : "Connect") + '</button>' +
      (c.id && c.status === "connected" ? '<button data-sync="' + esc(c.id) + '">Sync now</button><button data-disconnect="' + esc(c.id) + '">Disconnect</button>' : '') +
      '</td></tr>');
    document.querySelector("#t tbody").innerHTML = rows.join("");
    document.getElementById("t").hidden = false;
  } catch (err) { msg.textContent = err.message; }
}
document.addEventListener("click", async ev => {
  const b = ev.target.dataset;
  try {
    if (b.connect) { location.href = (await api("/api/admin/google/connect?host=" + encodeURIComponent(b.connect))).url; return; }
    if (b.sync) await api("/api/admin/google/connections/" + b.sync + "/sync", {method: "POST"});
    if (b.disconnect && confirm("Disconnect this calendar?")) await api("/api/admin/google/connections/" + b.disconnect + "/disconnect", {method: "POST"});
    load();
  } catch (err) { document.getElementById("msg").textContent = err.message; }
});
load();
</script></body></html>`
