// form.js is the booking page's form (name, e-mail, the event type's own
// questions, notes: checked as internal/booking checks them) and what a
// booking shows once made (confirmation, summary, calendar links). The page
// loads it when a time is picked (or the manage page opens), so a first
// visit does not carry it.

// create builds the form's functions on what the page lends them: h, t, tn
// (elements and texts), focusEl, api, capital, fmtWhen, money, localized,
// prefs, lang and Q (the embed query).
export function create(page) {
  const { h, t, tn, focusEl, api, capital, fmtWhen, money, localized, prefs, lang: LANG, Q } = page;

  // ---------- the booking form ----------

  const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const CONTROL_MULTI = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
  const runes = (s) => [...s].length;

  // Client-side checks mirror internal/booking; the server has the last word.
  // missing is the key of the text asking for an empty required value.
  function checkText(v, { required, max, multi, missing }) {
    const s = v.trim();
    if (!s) return required ? t(missing) : "";
    if ((multi ? CONTROL_MULTI : CONTROL).test(v.replace(/\r\n?/g, "\n"))) return t("check.control");
    if (runes(s) > max) return t("check.tooLong", { max, now: runes(s) });
    return "";
  }
  function checkEmail(v) {
    const s = v.trim();
    const at = s.lastIndexOf("@");
    if (s.length > 254 || at < 1 || at > 64 || s.endsWith(".") || /[\s<>()[\],;:"\\]/.test(s) || !/^[^@]+@[^@.]+(\.[^@.]+)+$/.test(s)) return t("check.email");
    return "";
  }
  function checkPhone(v) {
    const s = v.trim();
    const digits = (s.match(/[0-9]/g) || []).length;
    return /^\+?[0-9][0-9 ().-]*$/.test(s) && digits >= 3 && digits <= 15 ? "" : t("check.phone");
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
      control.prepend(h("legend", null, label, mark, required ? h("span", { class: "sr-only" }, " " + t("form.requiredSr")) : null));
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

  // questionField renders one of the event type's custom questions; tq is
  // its text in the page's language ({label, options}: options are labels
  // for q.options in the same order; the answer sent is q.options' value).
  function questionField(q, tq) {
    const key = "answers." + q.id;
    const label = (tq && tq.label) || q.label;
    const shown = (i) => (tq && Array.isArray(tq.options) && tq.options[i]) || q.options[i];
    switch (q.type) {
      case "text": case "textarea": case "email": case "phone": {
        const multi = q.type === "textarea";
        const max = q.max_length || (multi ? 5000 : 500);
        const type = { email: "email", phone: "tel" }[q.type] || "text";
        const c = textControl(multi, type, max);
        if (q.type === "email") c.autocomplete = "email";
        if (q.type === "phone") c.autocomplete = "tel";
        return formField(key, label, q.required, c, () => {
          const m = checkText(c.value, { required: q.required, max, multi, missing: "check.answer" });
          if (m || !c.value.trim()) return m;
          if (q.type === "email") return checkEmail(c.value);
          if (q.type === "phone") return checkPhone(c.value);
          return "";
        }, () => c.value.trim() || undefined);
      }
      case "select": {
        const c = h("select", null, h("option", { value: "" }, q.required ? t("form.chooseOne") : "—"), q.options.map((o, i) => h("option", { value: o }, shown(i))));
        return formField(key, label, q.required, c, () => q.required && !c.value ? t("check.select") : "", () => c.value || undefined);
      }
      case "multiselect": {
        const boxes = q.options.map((o, i) => h("input", { type: "checkbox", value: o, id: `f-${q.id}-${i}` }));
        const c = h("fieldset", { class: "choices" }, boxes.map((b, i) => h("div", { class: "choice" }, b, h("label", { for: b.id }, shown(i)))));
        const picked = () => boxes.filter((b) => b.checked).map((b) => b.value);
        return formField(key, label, q.required, c, () => q.required && !picked().length ? t("check.multi") : "", () => picked().length ? picked() : undefined);
      }
      case "checkbox": {
        const c = h("input", { type: "checkbox" });
        return formField(key, label, q.required, c, () => q.required && !c.checked ? t("check.checkbox") : "", () => c.checked);
      }
      case "number": {
        const c = h("input", { type: "text", inputmode: "decimal" });
        const num = () => Number(c.value.trim().replace(",", "."));
        return formField(key, label, q.required, c, () => {
          if (!c.value.trim()) return q.required ? t("check.number") : "";
          return Number.isFinite(num()) ? "" : t("check.number");
        }, () => c.value.trim() ? num() : undefined);
      }
    }
    return null;
  }

  // bookingForm asks for name, e-mail, the custom questions and notes, and
  // books slot; onDone(reply) gets the 201 body. A paid event type's 201
  // sends the visitor on to the payment page instead (goToCheckout); its
  // 503 (the payment service is down, nothing was booked) goes back to the
  // times with the server's message, like a taken time.
  // draft keeps what was typed (by control id) when the visitor goes back to
  // the calendar or the time was taken, so nothing has to be typed twice.
  function bookingForm(et, slot, draft, onBack, onTaken, onDone) {
    const name = h("input", { type: "text", autocomplete: "name" });
    const email = h("input", { type: "email", autocomplete: "email", inputmode: "email" });
    const notes = textControl(true, "", 5000);
    const fields = [
      formField("name", t("form.name"), true, name, () => checkText(name.value, { required: true, max: 200, missing: "check.name" }), () => name.value.trim()),
      formField("email", t("form.email"), true, email, () => checkText(email.value, { required: true, max: 254, missing: "check.emailMissing" }) || checkEmail(email.value), () => email.value.trim(), t("form.emailHint")),
      ...(et.questions || []).map((q) => questionField(q, localized(et).questionTexts[q.id])).filter(Boolean),
      formField("notes", t("form.notes"), false, notes, () => checkText(notes.value, { required: false, max: 5000, multi: true }), () => notes.value.trim()),
    ];
    const formError = h("div", { class: "alert", role: "alert", hidden: true });
    const paid = et.price > 0 && et.currency;
    const submitText = () => paid ? t("form.pay", { price: money(et.price, et.currency) }) : t(et.requires_confirmation ? "form.request" : "form.confirm");
    const submit = h("button", { type: "submit", class: "primary" }, submitText());
    const heading = h("h2", { id: "form-h", tabindex: "-1" }, t("form.heading"));
    let idemKey = null;

    const form = h("form", { novalidate: true, "aria-labelledby": "form-h" },
      h("p", { class: "hint" }, tn("form.requiredHint", { mark: h("span", null, h("span", { class: "req", "aria-hidden": "true" }, "*"), h("span", { class: "sr-only" }, t("form.asterisk"))) })),
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
        name: fields[0].read(), email: fields[1].read(), notes: fields[fields.length - 1].read(), answers, language: LANG,
      };
      idemKey = idemKey || (crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2) + Date.now());
      submit.disabled = true;
      submit.textContent = t("form.booking");
      form.setAttribute("aria-busy", "true");
      let leaving = false;
      try {
        const reply = await api("/api/bookings", { method: "POST", body, headers: { "Idempotency-Key": idemKey } });
        if (reply.payment && reply.payment.checkout_url) {
          leaving = goToCheckout(reply);
          if (leaving) return;
        }
        onDone(reply);
        return;
      } catch (err) {
        if (err.status !== 0) idemKey = null; // a network failure retries with the same key
        if (err.status === 409) return onTaken(t("picker.taken"));
        if (err.status === 503) return onTaken(err.message);
        showServerErrors(err);
      } finally {
        if (leaving) submit.textContent = t("form.paying");
        else {
          submit.disabled = false;
          submit.textContent = submitText();
          form.removeAttribute("aria-busy");
        }
      }
    });

    // goToCheckout keeps the manage token in this tab (never in a URL that
    // goes to the payment service) and opens the checkout page; false when
    // its address is not a web address.
    function goToCheckout(reply) {
      let url;
      try { url = new URL(reply.payment.checkout_url); } catch { return false; }
      if (url.protocol !== "https:" && url.protocol !== "http:") return false;
      try { sessionStorage.setItem("slotbase.pay." + reply.id, reply.manage_token); } catch { /* the return page says we will e-mail */ }
      location.assign(url.href);
      return true;
    }

    function showServerErrors(err) {
      const leftover = [];
      let firstBad = null;
      for (const [key, e] of Object.entries(err.data || {})) {
        const f = fields.find((x) => x.key === key);
        const msg = capital((e && e.message) || t("error.invalid"));
        if (f) { f.show(msg); firstBad = firstBad || f; } else leftover.push(key === "start" ? t("form.chosenTime", { message: msg }) : msg);
      }
      if (leftover.length || !firstBad) {
        formError.textContent = leftover.length ? leftover.join(" ") : err.message;
        formError.hidden = false;
        focusEl(formError);
      } else firstBad.focus();
    }

    const back = h("button", { type: "button", class: "link back", onclick: onBack }, "← " + t("form.back"));
    const section = h("section", { class: "details", "aria-labelledby": "form-h" },
      back, heading,
      h("p", { class: "chosen" }, h("strong", null, fmtWhen(slot.start, slot.end, prefs.tz))),
      form);
    return { el: section, focus: () => focusEl(heading), busy: () => submit.disabled };
  }

  // ---------- what a booking shows (confirmation and manage page) ----------

  const STATUS = { confirmed: "status.confirmed", pending: "status.pending", cancelled: "status.cancelled", declined: "status.declined",
    awaiting_payment: "status.awaitingPayment" };
  const statusText = (status) => (STATUS[status] ? t(STATUS[status]) : status);

  // PAYMENT names a payment's state (the manage answer's payment.status).
  const PAYMENT = { awaiting: "pay.awaiting", paid: "pay.paid", expired: "pay.expired", refunded: "pay.refunded",
    partially_refunded: "pay.partlyRefunded", refund_pending: "pay.refundPending", refund_failed: "pay.refundFailed" };
  // paymentText is "€50.00 · Paid", "€50.00 · Partly refunded (€25.00)", or "" for a free booking.
  function paymentText(p) {
    if (!p || !p.amount) return "";
    const state = PAYMENT[p.status] ? t(PAYMENT[p.status], { amount: money(p.refunded || 0, p.currency) }) : p.status;
    return `${money(p.amount, p.currency)} · ${state}`;
  }

  function googleLink(b) {
    const stamp = (iso) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const q = new URLSearchParams({
      action: "TEMPLATE", text: b.hosts.length ? t("gcal.title", { title: localized(b.event_type).title, hosts: b.hosts.join(", ") }) : localized(b.event_type).title,
      dates: stamp(b.start) + "/" + stamp(b.end), details: t("gcal.details", { link: location.origin + "/manage#" + b.manage_token }),
      location: b.event_type.location || "",
    });
    return "https://calendar.google.com/calendar/render?" + q;
  }

  function summary(b) {
    const tz = prefs.tz;
    const loc = b.event_type.location;
    const where = /^https?:\/\/\S+$/.test(loc || "") ? h("a", { href: loc, rel: "noopener noreferrer", target: "_blank" }, loc) : loc;
    return h("dl", { class: "summary" },
      h("dt", null, t("summary.what")), h("dd", null, t("summary.whatValue", { title: localized(b.event_type).title, duration: b.event_type.duration })),
      h("dt", null, t("summary.when")), h("dd", null, fmtWhen(b.start, b.end, tz)),
      b.hosts && b.hosts.length ? [h("dt", null, t("summary.with")), h("dd", null, b.hosts.join(", "))] : null,
      loc ? [h("dt", null, t("summary.where")), h("dd", null, where)] : null,
      paymentText(b.payment) ? [h("dt", null, t("summary.payment")), h("dd", { class: "payment" }, paymentText(b.payment))] : null,
      h("dt", null, t("summary.bookedBy")), h("dd", null, `${b.name} <${b.email}>`));
  }

  function calendarLinks(b) {
    const token = encodeURIComponent(b.manage_token);
    return h("div", { class: "actions" },
      h("a", { class: "button", href: `/api/bookings/manage/${token}/ics`, download: `${b.event_type.slug}.ics` }, t("links.ics")),
      h("a", { class: "button", href: googleLink(b), target: "_blank", rel: "noopener noreferrer" }, t("links.google")));
  }

  function confirmation(b) {
    const pending = b.status === "pending";
    const heading = h("h1", { id: "done-h", tabindex: "-1" }, t(pending ? "done.pendingTitle" : "done.title"));
    const manage = "/manage" + Q + "#" + b.manage_token;
    const el = h("section", { class: "done", "aria-labelledby": "done-h" },
      h("p", { class: "tick", "aria-hidden": "true" }, pending ? "…" : "✓"), heading,
      h("p", null, tn(pending ? "done.pendingText" : "done.text", { email: h("strong", null, b.email) })),
      summary(b), calendarLinks(b),
      h("p", { class: "manage" }, tn("done.manage", { link: h("a", { href: manage, id: "manage-link" }, t("done.manageLink")) })));
    return { el, focus: () => focusEl(heading) };
  }

  return { bookingForm, confirmation, summary, calendarLinks, statusText, paymentText, runes, CONTROL_MULTI };
}
