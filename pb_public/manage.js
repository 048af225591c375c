// manage.js is the invitee's own booking page (/manage#<token>): the
// booking, rescheduling with the same calendar, cancelling with a reason.
// The booking page loads it only for that address.
import { refundText } from "./pay.js";

// manageView shows the invitee's booking on what the page lends it (see
// app.js's managePage); bookingReq is its GET, asked for before the
// language was chosen (null for an incomplete link).
export async function manageView(page, bookingReq) {
  const { h, t, tn, view, Q, prefs, api, focusEl, capital, fmtWhen, fmtTime, money, localized, setTitle, fail, branding,
    loadForm, createPicker, watchTimes, GONE, manageToken } = page;
  const token = manageToken();
  const formReq = loadForm(); // the booking's summary and the cancel check
  const s = await branding();
  setTitle(t("manage.docTitle", { org: s.org_name || "slotbase" }));
  if (!token) return fail(t("manage.incomplete"));
  const base = "/api/bookings/manage/" + encodeURIComponent(token);
  let b, F;
  try {
    b = await bookingReq;
  } catch (err) {
    return fail(err.status === 404 ? t("manage.unknown") : err.message);
  }
  try { F = await formReq; } catch { return fail(t("error.offline")); }
  const { summary, calendarLinks, statusText, runes, CONTROL_MULTI } = F;

  let watching = null; // the reschedule picker's live updates
  function render(booking, notice) {
    if (watching) watching.stop();
    watching = null;
    b = { ...booking, manage_token: token };
    const live = b.status === "confirmed" || b.status === "pending";
    const awaiting = b.status === "awaiting_payment"; // a held time, not paid yet
    const future = new Date(b.start) > new Date();
    const pay = b.payment || {};
    const heading = h("h1", { id: "manage-h", tabindex: "-1" }, t(b.status === "cancelled" ? "manage.cancelledTitle" : "manage.title"));
    const panel = h("div", { class: "panel" });
    const buttons = live && future ? h("div", { class: "actions" },
      h("button", { type: "button", class: "primary", onclick: reschedule }, t("manage.reschedule")),
      h("button", { type: "button", class: "danger", onclick: cancel }, t("manage.cancel")))
      : awaiting ? h("div", { class: "actions" },
        /^https?:\/\//.test(pay.checkout_url || "") ? h("a", { class: "button primary", href: pay.checkout_url }, t("pay.return")) : null,
        h("button", { type: "button", class: "danger", onclick: cancel }, t("pay.release"))) : null;
    view.className = "card single";
    view.replaceChildren(h("section", { class: "manage-view", "aria-labelledby": "manage-h" },
      heading,
      notice ? h("p", { class: "notice", role: "status" }, notice) : null,
      h("p", { class: "badge badge-" + b.status }, statusText(b.status)),
      b.cancel_reason ? h("p", null, t("manage.reason", { reason: b.cancel_reason })) : null,
      awaiting ? h("p", null, pay.hold_expires_at ? tn("pay.heldUntil", { time: h("strong", null, fmtTime(pay.hold_expires_at)) }) : t("pay.heldSoon")) : null,
      summary(b), live ? calendarLinks(b) : null, buttons,
      live || awaiting ? null : h("p", null, h("a", { href: "/" + encodeURIComponent(b.event_type.slug) + Q }, t("manage.bookAgain"))),
      panel));
    return { heading, panel, buttons };
  }

  let ui = render(b, "");
  function reschedule() {
    const et = { slug: b.event_type.slug, seats: 1, title: localized(b.event_type).title };
    const confirmBox = h("div", { class: "confirm-move", hidden: true });
    const heading = h("h2", { id: "move-h", tabindex: "-1" }, t("manage.pickNew"));
    let pending = null; // the time the confirmation asks about
    const picker = createPicker(et, (slot) => {
      pending = slot;
      const yes = h("button", { type: "button", class: "primary" }, t("manage.move"));
      const err = h("p", { class: "alert", role: "alert", hidden: true });
      yes.addEventListener("click", async () => {
        yes.disabled = true;
        try {
          const moved = await api(base + "/reschedule", { method: "POST", body: { start: slot.start } });
          ui = render(moved, t("manage.moved", { when: fmtWhen(moved.start, moved.end, prefs.tz) }));
          focusEl(ui.heading);
        } catch (e) {
          yes.disabled = false;
          if (e.status === 409 && /no longer available/i.test(e.message)) {
            confirmBox.hidden = true;
            return picker.taken(t("picker.taken"));
          }
          err.textContent = e.data && e.data.start ? capital(e.data.start.message) : e.message;
          err.hidden = false;
          focusEl(err);
        }
      });
      confirmBox.replaceChildren(
        h("p", { id: "move-q" }, tn("manage.moveTo", { when: h("strong", null, fmtWhen(slot.start, slot.end, prefs.tz)) })),
        err, h("div", { class: "actions" }, yes,
          h("button", { type: "button", onclick: () => { confirmBox.hidden = true; picker.restore(slot.start); } }, t("manage.another"))));
      confirmBox.hidden = false;
      focusEl(yes);
    });
    ui.panel.replaceChildren(h("section", { class: "pick", "aria-labelledby": "move-h" }, heading, picker.el, confirmBox));
    if (ui.buttons) ui.buttons.hidden = true;
    focusEl(heading);
    picker.open().then(() => {
      if (!picker.el.isConnected || watching) return;
      watching = watchTimes(et.slug, picker, () => (confirmBox.hidden || confirmBox.querySelector(":disabled") ? null : pending),
        () => { confirmBox.hidden = true; picker.taken(GONE()); });
    });
  }

  function cancel() {
    const reason = h("textarea", { id: "cancel-reason", rows: "3", maxlength: "2000", "aria-describedby": "cancel-hint" });
    const err = h("p", { class: "alert", role: "alert", hidden: true });
    const heading = h("h2", { id: "cancel-h", tabindex: "-1" }, t("cancel.title"));
    const form = h("form", { class: "cancel", "aria-labelledby": "cancel-h", novalidate: true },
      heading,
      h("label", { for: "cancel-reason" }, t("cancel.reason")),
      h("p", { class: "hint", id: "cancel-hint" }, t("cancel.hint")),
      reason, err,
      h("div", { class: "actions" },
        h("button", { type: "submit", class: "danger" }, t("cancel.yes")),
        h("button", { type: "button", onclick: () => { ui = render(b, ""); focusEl(ui.heading); } }, t("cancel.keep"))));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const text = reason.value.trim();
      if (runes(text) > 2000 || CONTROL_MULTI.test(text.replace(/\r\n?/g, "\n"))) {
        err.textContent = t("cancel.tooLong");
        err.hidden = false;
        return focusEl(reason);
      }
      try {
        const done = await api(base + "/cancel", { method: "POST", body: { reason: text } });
        const refund = done.payment ? refundText(t, money, done.payment) : "";
        const released = b.status === "awaiting_payment";
        ui = render(done, released ? t("pay.released") : refund ? t("cancel.done") + " " + refund : t("cancel.done"));
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
