// slotbase dashboard: event types and their payment settings (issue 20),
// for admins. The list shows each type's price; its editor sets the price
// (typed in major units, kept in the currency's minor units), the currency,
// how long an unpaid booking holds its time, and the refund rules. It
// saves through PocketBase's records API (the admin's session is a
// superuser's), whose checks answer a 400 per field, shown beside it.
// Loaded on demand by dash.js.
import { h, focusEl, messageBox, field, showFieldErrors, api, money } from "./lib.js";
import { toMinor, toMajor } from "./pure.js";

const RECORDS = "/api/collections/event_types/records";
// MAX_PRICE is the server's largest price in minor units (internal/payments.MaxPrice).
const MAX_PRICE = 100000000;
const FIELDS = "id,slug,title,duration,active,price,currency,payment_hold_minutes,refund_window_hours,refund_percent";

// priceText is a type's price for the list: "€50.00" or "Free".
export const priceText = (et) => (et.price > 0 && et.currency ? money(et.price, et.currency) : "Free");

// eventTypesView lists the event types with their prices; Edit opens the
// payment editor under the table.
export function eventTypesView(root) {
  const box = messageBox();
  const rows = h("tbody");
  const panel = h("div", { class: "panel" });
  root.append(h("h1", null, "Event types"),
    h("p", { class: "hint" }, "Prices and refund rules. Titles, hours and questions are edited in the ", h("a", { href: "/_/" }, "admin UI"), "."),
    box,
    h("table", { class: "stack" }, h("caption", { class: "sr-only" }, "Event types and their prices"),
      h("thead", null, h("tr", null, ["Event type", "Price", "Hold", "Refunds", ""].map((c, i) => h("th", { scope: "col" }, i === 4 ? h("span", { class: "sr-only" }, "Actions") : c)))),
      rows),
    panel);
  load();

  async function load(focusId) {
    try {
      const r = await api(RECORDS + "?perPage=200&sort=title&fields=" + FIELDS);
      rows.replaceChildren(...r.items.map((et) => h("tr", null,
        cell("Event type", h("strong", null, et.title), " ", h("span", { class: "detail" }, "/" + et.slug + (et.active ? "" : " (inactive)"))),
        cell("Price", priceText(et)),
        cell("Hold", et.price > 0 ? `${et.payment_hold_minutes || 15} min` : "—"),
        cell("Refunds", et.price > 0 ? refundRule(et) : "—"),
        cell("Actions", h("button", { type: "button", id: "edit-" + et.id, onclick: () => edit(et) }, "Edit payment", h("span", { class: "sr-only" }, " of " + et.title))))));
      if (focusId) focusEl(document.getElementById("edit-" + focusId));
    } catch (err) {
      if (!err.expired) box.error(err);
    }
  }

  // edit shows the payment editor of et.
  function edit(et) {
    box.say("");
    const currency = field("Currency", h("input", { type: "text", maxlength: "3", autocomplete: "off", spellcheck: "false", value: (et.currency || "").toUpperCase(), class: "num" }),
      "ISO 4217 code, like EUR, USD or JPY.");
    const price = field("Price", h("input", { type: "text", inputmode: "decimal", autocomplete: "off", value: toMajor(et.price, et.currency || "eur"), class: "num" }),
      "In the currency's units, like 50 or 49.90. Empty or 0: free.");
    const hold = field("Hold (minutes)", h("input", { type: "text", inputmode: "numeric", autocomplete: "off", value: String(et.payment_hold_minutes || 15), class: "num" }),
      "How long an unpaid booking keeps its time (5 to 1440).");
    const refundWindow = field("Refund window (hours)", h("input", { type: "text", inputmode: "numeric", autocomplete: "off", value: String(et.refund_window_hours || 0), class: "num" }),
      "An invitee who cancels at least this long before the start is refunded; 0: always. Cancellations by you or the host are always refunded in full.");
    const percent = field("Refund (%)", h("input", { type: "text", inputmode: "numeric", autocomplete: "off", value: String(et.price > 0 ? et.refund_percent ?? 100 : et.refund_percent || 100), class: "num" }),
      "The share of the price such an invitee gets back (a free type starts at 100).");
    const fields = { price, currency, payment_hold_minutes: hold, refund_window_hours: refundWindow, refund_percent: percent };
    const save = h("button", { type: "submit", class: "primary" }, "Save");
    const heading = h("h2", { id: "price-h", tabindex: "-1" }, "Payment of " + et.title);
    const close = () => { panel.replaceChildren(); focusEl(document.getElementById("edit-" + et.id)); };
    const form = h("form", { class: "card inset", novalidate: true, "aria-labelledby": "price-h" },
      heading, price.el, currency.el, hold.el, refundWindow.el, percent.el,
      h("div", { class: "actions" }, save, h("button", { type: "button", onclick: close }, "Close")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      for (const f of Object.values(fields)) f.error("");
      const cur = currency.input.value.trim().toLowerCase();
      const read = toMinor(price.input.value, cur || "eur");
      const whole = (f) => (/^\d+$/.test(f.input.value.trim()) ? Number(f.input.value.trim()) : NaN);
      const body = { price: read.minor, currency: cur, payment_hold_minutes: whole(hold), refund_window_hours: whole(refundWindow), refund_percent: whole(percent) };
      const bad = [];
      if (read.error) bad.push([price, read.error]);
      else if (read.minor > MAX_PRICE) bad.push([price, `At most ${money(MAX_PRICE, cur || "eur")}.`]);
      if (cur && !/^[a-z]{3}$/.test(cur)) bad.push([currency, "Enter a three-letter code, like EUR."]);
      else if (body.price > 0 && !cur) bad.push([currency, "A price needs a currency."]);
      if (!(body.payment_hold_minutes >= 5 && body.payment_hold_minutes <= 1440)) bad.push([hold, "Enter whole minutes from 5 to 1440."]);
      if (!(body.refund_window_hours >= 0)) bad.push([refundWindow, "Enter whole hours, 0 or more."]);
      if (!(body.refund_percent >= 0 && body.refund_percent <= 100)) bad.push([percent, "Enter a whole percentage from 0 to 100."]);
      if (bad.length) {
        for (const [f, msg] of bad) f.error(msg);
        return focusEl(bad[0][0].input);
      }
      save.disabled = true;
      try {
        const saved = await api(`${RECORDS}/${encodeURIComponent(et.id)}?fields=${FIELDS}`, { method: "PATCH", body });
        panel.replaceChildren();
        box.say(`Saved: ${saved.title} is ${saved.price > 0 ? priceText(saved) : "free"}.`);
        await load(et.id);
      } catch (err) {
        if (err.expired) return;
        const onField = showFieldErrors(err, fields, box);
        const first = Object.keys(fields).find((k) => err.data && err.data[k]);
        focusEl(onField && first ? fields[first].input : heading);
      } finally {
        save.disabled = false;
      }
    });
    panel.replaceChildren(form);
    focusEl(heading);
  }
}

// refundRule says a paid type's refund rule in one line.
function refundRule(et) {
  const pct = et.refund_percent ?? 100;
  if (!pct) return "No refunds for invitees";
  const share = pct === 100 ? "Full" : pct + "%";
  return et.refund_window_hours ? `${share} if cancelled ${et.refund_window_hours} h or more before` : `${share}, always`;
}

// cell is a table cell that narrow screens show as "label: content" (dash.css .stack).
const cell = (label, ...content) => h("td", { "data-label": label }, h("div", null, content));
