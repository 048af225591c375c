// Placeholder booking page: lists the active event types.
"use strict";
(async function () {
  const list = document.getElementById("event-types");
  const status = document.getElementById("status");
  try {
    const res = await fetch(list.dataset.source);
    const data = await res.json();
    for (const et of data.items) {
      const li = document.createElement("li");
      const a = document.createElement("a");
      a.href = "/" + encodeURIComponent(et.slug);
      const title = document.createElement("strong");
      title.textContent = et.title;
      a.append(title, " · " + et.duration + " min");
      li.append(a);
      list.append(li);
    }
    status.textContent = data.items.length ? "" : "Nothing to book right now.";
  } catch (err) {
    status.textContent = "Could not load event types.";
  }
})();
