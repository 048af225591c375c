// pay.js is the booking page's return from the payment page (issue 20):
// /{slug}?paid={booking id} waits for the server to confirm the payment
// (Stripe's webhook, never this address, confirms it) and then shows the
// booking; /{slug}?unpaid={booking id} offers to return to the payment or
// release the held time. The manage token was kept in this tab's
// sessionStorage before leaving (form.js); without it the page cannot ask
// about the booking and says the e-mail will follow. The page loads this
// module only for those addresses.

// POLL_FIRST and POLL_MAX are the first and the longest pause between two
// questions about the booking (milliseconds); POLL_FOR is how long the page
// keeps asking before it says the e-mail will follow.
const POLL_FIRST = 1000, POLL_MAX = 10000, POLL_FOR = 5 * 60 * 1000;

// returnView shows the outcome for booking id of event type slug on what
// the page lends it (app.js's managePage); paid tells which address it is.
export async function returnView(page, slug, id, paid) {
  const { h, t, tn, view, Q, prefs, api, focusEl, fmtWhen, fmtTime, money, setTitle, branding, loadForm, announce, bookingView } = page;
  const s = await branding();
  setTitle(t(paid ? "pay.confirmingTitle" : "pay.unpaidTitle") + " · " + (s.org_name || t("list.title")));
  let token = null;
  try { token = sessionStorage.getItem("slotbase.pay." + id); } catch { /* no storage: the neutral text */ }
  const again = () => h("p", null, h("a", { href: "/" + encodeURIComponent(slug) + Q }, t("manage.bookAgain")));

  // screen puts a section with a heading on the page and moves focus there.
  function screen(title, ...body) {
    const heading = h("h1", { id: "pay-h", tabindex: "-1" }, title);
    view.className = "card single";
    view.replaceChildren(h("section", { class: "pay-view", "aria-labelledby": "pay-h" }, heading, ...body));
    focusEl(heading);
    return heading;
  }
  if (!/^mt_[A-Za-z0-9_-]+$/.test(token || "")) {
    screen(t("pay.noTokenTitle"), h("p", null, t("pay.noToken")), again());
    return;
  }
  const base = "/api/bookings/manage/" + encodeURIComponent(token);
  let F;
  try { F = await loadForm(); } catch { return page.fail(t("error.offline")); }

  // outcome shows a booking that is no longer waiting for its payment.
  function outcome(b) {
    const full = { ...b, manage_token: token };
    if (b.status === "confirmed" || b.status === "pending") {
      const done = F.confirmation(full);
      view.className = "card single";
      view.replaceChildren(done.el);
      setTitle(t("done.docTitle", { title: b.event_type.title }));
      done.focus();
      announce(done.el.querySelector("h1").textContent);
      return;
    }
    forget();
    const p = b.payment || {};
    const refund = refundText(t, money, p);
    screen(t("pay.cancelledTitle"), h("p", { class: "notice" }, refund || t("pay.expiredText")), F.summary(full), again());
  }

  // forget drops the token once the booking needs no more from this tab.
  const forget = () => { try { sessionStorage.removeItem("slotbase.pay." + id); } catch { /* nothing kept */ } };

  let b;
  try {
    b = await api(base);
  } catch (err) {
    if (err.status === 404) return screen(t("pay.noTokenTitle"), h("p", null, t("pay.noToken")), again());
    return page.fail(err.message);
  }
  if (b.status !== "awaiting_payment") return outcome(b);
  if (!paid) return unpaid(b);

  // Paid: wait for the server, asking again with growing pauses.
  const waiting = h("p", { class: "status-line" }, t("pay.confirmingText"));
  screen(t("pay.confirmingTitle"), h("p", { class: "tick wait", "aria-hidden": "true" }, "…"), waiting, F.summary({ ...b, manage_token: token }));
  announce(t("pay.confirmingTitle"));
  const until = Date.now() + POLL_FOR;
  let pause = POLL_FIRST;
  while (Date.now() < until) {
    await new Promise((ok) => setTimeout(ok, pause));
    pause = Math.min(POLL_MAX, Math.round(pause * 1.5));
    try {
      b = await api(base);
    } catch (err) {
      if (err.status === 404) return screen(t("pay.noTokenTitle"), h("p", null, t("pay.noToken")), again());
      continue; // offline for a moment: ask again
    }
    if (b.status !== "awaiting_payment") return outcome(b);
  }
  waiting.textContent = t("pay.slow", { email: b.email });
  announce(waiting.textContent);

  // unpaid offers the checkout again and releasing the held time.
  function unpaid(b) {
    const p = b.payment || {};
    const err = h("p", { class: "alert", role: "alert", hidden: true });
    const release = h("button", { type: "button", class: "danger" }, t("pay.release"));
    release.addEventListener("click", async () => {
      release.disabled = true;
      try {
        const done = await api(base + "/cancel", { method: "POST", body: { reason: "" } });
        forget();
        if (done.status !== "cancelled") return outcome(done);
        history.replaceState(null, "", "/" + encodeURIComponent(slug) + Q);
        await bookingView(slug, t("pay.released"));
        focusEl(document.getElementById("pick-h"));
        announce(t("pay.released"));
      } catch (e) {
        release.disabled = false;
        err.textContent = e.message;
        err.hidden = false;
        focusEl(err);
      }
    });
    const back = p.checkout_url && /^https?:\/\//.test(p.checkout_url)
      ? h("a", { class: "button primary", href: p.checkout_url }, t("pay.return")) : null;
    screen(t("pay.unpaidTitle"),
      h("p", null, p.hold_expires_at ? tn("pay.heldUntil", { time: h("strong", null, fmtTime(p.hold_expires_at)) }) : t("pay.heldSoon")),
      h("p", null, fmtWhen(b.start, b.end, prefs.tz), p.amount ? " · " + money(p.amount, p.currency) : ""),
      err, h("div", { class: "actions" }, back, release));
  }
}

// refundText says what became of a cancelled booking's payment, or "" when
// nothing was paid.
export function refundText(t, money, p) {
  const amount = money(p.amount || 0, p.currency);
  const refunded = money(p.refunded || 0, p.currency);
  switch (p.status) {
    case "refunded": return t("pay.outcomeRefunded", { amount: refunded });
    case "partially_refunded": return t("pay.outcomePartial", { refunded, amount });
    case "refund_pending": return t("pay.outcomePending");
    case "refund_failed": return t("pay.outcomeFailed");
    case "paid": return t("pay.outcomeNone");
  }
  return "";
}
