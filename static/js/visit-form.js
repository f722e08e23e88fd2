// Log-a-visit form: keeps a draft in the browser until the server has the visit, records the
// check-in location when the rep allows it, and gives every new visit an id so a retried submit
// from a flaky connection is saved once.
(function () {
  "use strict";
  const form = document.getElementById("visit-form");
  if (!form) return;
  const key = form.dataset.draftKey;
  const ref = form.querySelector("[name=client_ref]");
  const distributor = document.getElementById("id_distributor");
  let offlineData = null;

  function fields() {
    return Array.from(form.elements).filter(
      (el) => el.name && el.type !== "file" && el.name !== "csrfmiddlewaretoken" && el.name !== "account_q");
  }
  function save() {
    const data = {};
    fields().forEach((el) => {
      if (el.type === "checkbox" || el.type === "radio") {
        if (el.checked) (data[el.name] = data[el.name] || []).push(el.value);
      } else {
        data[el.name] = el.value;
      }
    });
    try { localStorage.setItem(key, JSON.stringify(data)); } catch (e) { /* storage full or blocked */ }
  }
  function restore(data) {
    fields().forEach((el) => {
      if (!(el.name in data)) return;
      if (el.type === "checkbox" || el.type === "radio") {
        el.checked = [].concat(data[el.name]).includes(el.value);
      } else {
        el.value = data[el.name];
      }
    });
  }

  // Enter (the phone keyboard's "Go") never submits the form; in the account search it searches now.
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || event.target.tagName === "TEXTAREA" || event.target.type === "submit") return;
    event.preventDefault();
    if (event.target.id === "account-search") htmx.trigger(event.target, "input");
  });

  // Order lines and market-check lines are formsets: a line is added from the page's template (the next form
  // index in place of __prefix__), and a removed line is emptied and hidden (the server ignores empty lines).
  function addLine(total, listId, templateId, focus) {
    const index = parseInt(total.value, 10);
    const html = document.getElementById(templateId).innerHTML.replace(/__prefix__/g, String(index));
    const list = document.getElementById(listId);
    list.insertAdjacentHTML("beforeend", html);
    total.value = String(index + 1);
    if (focus) list.lastElementChild.querySelector("select").focus();
  }
  function removableLines(listId, buttonSelector, lineSelector) {
    document.getElementById(listId)?.addEventListener("click", (event) => {
      const button = event.target.closest(buttonSelector);
      if (!button) return;
      const row = button.closest(lineSelector);
      row.querySelectorAll("select, input").forEach((el) => { el.value = ""; });
      row.classList.add("d-none");
      form.dispatchEvent(new Event("change"));
    });
  }

  const totalForms = form.querySelector("[name=lines-TOTAL_FORMS]");
  document.getElementById("add-line")?.addEventListener("click", () => {
    addLine(totalForms, "order-lines", "order-line-template", true);
    save();
  });
  removableLines("order-lines", ".remove-line", ".order-line");
  function ensureLines(count) {  // a restored draft may have more lines than the page rendered
    while (parseInt(totalForms.value, 10) < count) document.getElementById("add-line").click();
  }

  // Market checks (price, stock, facings per product): lines are added and removed like order lines. The outbox
  // and the draft keep every line, as they keep every field.
  const marketTotal = form.querySelector("[name=market-TOTAL_FORMS]");
  function marketCount() {
    const counter = document.getElementById("market-count");
    if (!counter) return;
    const filled = Array.from(form.querySelectorAll(".market-line select")).filter((el) => el.value).length;
    counter.textContent = filled ? "· " + filled : "";
  }
  function addMarketLine(focus) {
    addLine(marketTotal, "market-lines", "market-line-template", focus);
  }
  document.getElementById("add-market-line")?.addEventListener("click", () => { addMarketLine(true); save(); });
  removableLines("market-lines", ".remove-market-line", ".market-line");
  // Choosing a product on the last line opens the next one: a shelf is checked in a few taps.
  document.getElementById("market-lines")?.addEventListener("change", (event) => {
    if (event.target.tagName !== "SELECT" || !event.target.value) return;
    const rows = Array.from(document.querySelectorAll("#market-lines .market-line:not(.d-none)"));
    if (rows[rows.length - 1] === event.target.closest(".market-line")) { addMarketLine(false); save(); }
  });
  function ensureMarketLines(count) {
    while (marketTotal && parseInt(marketTotal.value, 10) < count) addMarketLine(false);
  }
  form.addEventListener("change", marketCount);

  // A new visit gets its id once; the draft keeps it, so a resend after a lost connection is the same visit.
  if (ref && !ref.value && window.crypto && crypto.randomUUID) ref.value = crypto.randomUUID();
  const isBound = form.querySelector(".is-invalid, .invalid-feedback, .alert-danger") !== null;
  const stored = localStorage.getItem(key);
  if (stored && !isBound) {
    try {
      const data = JSON.parse(stored);
      if (data["lines-TOTAL_FORMS"]) ensureLines(parseInt(data["lines-TOTAL_FORMS"], 10));
      if (data["market-TOTAL_FORMS"]) ensureMarketLines(parseInt(data["market-TOTAL_FORMS"], 10));
      restore(data);
      marketCount();
      document.getElementById("draft-restored").classList.remove("d-none");
      if (distributor.value && !navigator.onLine) {
        offlineSearch("");
        offlineContacts(distributor.value, [].concat(data.contacts_met || []));
      } else if (distributor.value && navigator.onLine) {  // the chosen account and its contacts, ticked as in the draft
        const url = form.querySelector("#account-search").getAttribute("hx-get");
        htmx.ajax("GET", url + "?distributor=" + distributor.value, { target: "#account-options" });
        htmx.ajax("GET", url + "?contacts=" + distributor.value, { target: "#visit-contacts" })
          .then(() => restore({ contacts_met: data.contacts_met || [] }));
      }
    } catch (e) { localStorage.removeItem(key); }
  }
  document.getElementById("draft-discard")?.addEventListener("click", () => {
    localStorage.removeItem(key);
    window.location.reload();
  });
  form.addEventListener("input", save);
  form.addEventListener("change", save);

  // A refused offline visit being fixed: its photos come back into the file inputs.
  const fixing = sessionStorage.getItem("kamcrm-fix");
  if (fixing && window.kamcrmOutbox && window.DataTransfer) {
    window.kamcrmOutbox.all().then((entries) => {
      const entry = entries.find((e) => e.ref === fixing);
      if (!entry) return;
      const byName = {};
      entry.fields.filter((f) => f[2] !== undefined).forEach(([name, file]) => {
        (byName[name] = byName[name] || new DataTransfer()).items.add(file);
      });
      Object.entries(byName).forEach(([name, transfer]) => {
        const input = form.querySelector(`input[type=file][name="${name}"]`);
        if (input) input.files = transfer.files;
      });
    });
  }

  // The account list is swapped by HTMX while typing; a tap chooses the account and loads its contacts.
  document.getElementById("account-options").addEventListener("change", (event) => {
    if (!event.target.classList.contains("account-choice")) return;
    distributor.value = event.target.value;
    if (navigator.onLine) {
      htmx.ajax("GET", form.querySelector("#account-search").getAttribute("hx-get") + "?contacts=" + event.target.value,
        { target: "#visit-contacts" });
      // The account's open needs and the strategy combination suggested for them.
      const suggestion = document.getElementById("visit-suggestion");
      if (suggestion) htmx.ajax("GET", suggestion.dataset.url + "?distributor=" + event.target.value, { target: "#visit-suggestion" });
    } else {
      offlineContacts(event.target.value, []);
    }
    save();
  });

  // With no connection the account search and the contacts come from the copy the service worker keeps.
  function loadOfflineData() {
    if (offlineData) return Promise.resolve(offlineData);
    return fetch(form.dataset.offlineData, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { accounts: [] }))
      .then((data) => { offlineData = data; return data; })
      .catch(() => ({ accounts: [] }));
  }
  function offlineSearch(query) {
    loadOfflineData().then((data) => {
      const q = query.trim().toLowerCase();
      const hits = data.accounts.filter((a) => !q || [a.name, a.code, a.city].some((t) => (t || "").toLowerCase().includes(q)));
      const list = document.createElement("div");
      list.className = "list-group";
      list.setAttribute("role", "radiogroup");
      hits.slice(0, 8).forEach((a) => {
        const label = document.createElement("label");
        label.className = "list-group-item d-flex gap-2";
        const input = document.createElement("input");
        input.className = "form-check-input account-choice";
        input.type = "radio";
        input.name = "account_choice";
        input.value = String(a.id);
        input.checked = String(a.id) === distributor.value;
        const text = document.createElement("span");
        const strong = document.createElement("strong");
        strong.textContent = a.name;
        const small = document.createElement("small");
        small.className = "text-muted";
        small.textContent = " " + a.code + " · " + a.city;
        text.append(strong, small);
        label.append(input, text);
        list.append(label);
      });
      if (!hits.length) {
        const none = document.createElement("div");
        none.className = "list-group-item text-muted";
        none.textContent = form.dataset.noMatch;
        list.append(none);
      }
      document.getElementById("account-options").replaceChildren(list);
    });
  }
  function offlineContacts(accountId, ticked) {
    loadOfflineData().then((data) => {
      const account = data.accounts.find((a) => String(a.id) === String(accountId));
      const box = document.getElementById("visit-contacts");
      box.replaceChildren();
      (account ? account.contacts : []).forEach((c) => {
        const wrap = document.createElement("div");
        wrap.className = "form-check form-check-inline";
        const input = document.createElement("input");
        input.className = "form-check-input";
        input.type = "checkbox";
        input.name = "contacts_met";
        input.value = String(c.id);
        input.id = "contact-" + c.id;
        input.checked = ticked.includes(String(c.id));
        const label = document.createElement("label");
        label.className = "form-check-label";
        label.htmlFor = input.id;
        label.textContent = c.name + (c.position ? " · " + c.position : "");
        wrap.append(input, label);
        box.append(wrap);
      });
    });
  }
  document.body.addEventListener("htmx:beforeRequest", (event) => {
    if (navigator.onLine || event.detail.elt.id !== "account-search") return;
    event.preventDefault();  // no connection: search the offline copy instead
    offlineSearch(event.detail.elt.value);
  });
  document.getElementById("account-search").addEventListener("input", (event) => {
    if (!navigator.onLine) offlineSearch(event.target.value);
  });

  // A photo over the size limit or not an image: said at once, before anything is sent.
  form.querySelectorAll("input[type=file]").forEach((input) => {
    input.addEventListener("change", () => {
      const bad = Array.from(input.files).find((f) => !f.type.startsWith("image/") || f.size > Number(form.dataset.photoMax));
      const note = input.parentElement.querySelector(".photo-error");
      if (note) note.remove();
      if (!bad) return;
      const message = document.createElement("div");
      message.className = "invalid-feedback d-block photo-error";
      message.textContent = bad.type.startsWith("image/") ? form.dataset.photoTooLarge : form.dataset.photoNotImage;
      input.after(message);
      input.value = "";
    });
  });

  // No connection: the visit, photos included, waits in the outbox (IndexedDB) and is sent when the connection
  // returns; its client_ref makes the send happen once.
  form.addEventListener("submit", (event) => {
    if (navigator.onLine || !window.kamcrmOutbox || form.dataset.visit) return;
    event.preventDefault();
    const fields = [];
    new FormData(form).forEach((value, name) => {
      if (name === "account_q" || name === "account_choice") return;
      if (value instanceof File) {
        if (value.size) fields.push([name, value, value.name]);
      } else {
        fields.push([name, value]);
      }
    });
    const chosen = document.querySelector(".account-choice:checked");
    const account = chosen ? chosen.closest("label").querySelector("strong").textContent : "";
    window.kamcrmOutbox.add({ ref: ref.value, action: form.getAttribute("action") || window.location.pathname,
      fields, account, saved: Date.now(), error: "" })
      .then(() => {
        localStorage.removeItem(key);
        sessionStorage.removeItem("kamcrm-fix");
        window.location.href = form.dataset.afterOffline;
      });
  });

  // Running total of the order lines (the server computes the real one, to the cent).
  function total() {
    let sum = 0;
    form.querySelectorAll(".order-line").forEach((row) => {
      const product = row.querySelector("select");
      const qty = parseFloat(row.querySelector("[name$=quantity]").value);
      const priceInput = row.querySelector("[name$=unit_price]");
      const label = product.selectedOptions[0] ? product.selectedOptions[0].text : "";
      const listPrice = parseFloat(label.split("·").pop());
      const price = priceInput.value !== "" ? parseFloat(priceInput.value) : listPrice;
      if (product.value && !isNaN(qty) && !isNaN(price)) sum += qty * price;
    });
    document.getElementById("order-total").textContent = sum ? "· " + sum.toFixed(2) : "";
    creditCheck(sum);
  }

  // The credit check saving will apply, asked while the rep types (the same rule on the server).
  let creditTimer = null;
  let lastAsked = null;
  function creditCheck(sum) {
    const box = document.getElementById("credit-check");
    if (!box || !distributor.value || !navigator.onLine) return;
    const query = new URLSearchParams({ distributor: distributor.value, amount: sum.toFixed(2) });
    if (form.dataset.visit) query.set("visit", form.dataset.visit);
    if (query.toString() === lastAsked) return;
    lastAsked = query.toString();
    clearTimeout(creditTimer);
    creditTimer = setTimeout(() => {
      fetch(form.dataset.creditUrl + "?" + query, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then((r) => (r.ok ? r.json() : null))
        .then((check) => {
          if (!check) return;
          box.textContent = check.message;
          box.classList.toggle("d-none", !check.message);
          box.classList.toggle("alert-danger", check.blocks);
          box.classList.toggle("alert-warning", !check.blocks);
        })
        .catch(() => { /* offline: the server checks again on save */ });
    }, 300);
  }
  form.addEventListener("input", total);
  form.addEventListener("change", total);
  total();

  // Check-in location, when the browser offers it and the rep allows it.
  const status = document.getElementById("location-status");
  if (navigator.geolocation && form.querySelector("[name=latitude]").value === "") {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        form.querySelector("[name=latitude]").value = pos.coords.latitude.toFixed(6);
        form.querySelector("[name=longitude]").value = pos.coords.longitude.toFixed(6);
        form.querySelector("[name=location_accuracy_m]").value = Math.round(pos.coords.accuracy);
        status.textContent = status.dataset.located;
      },
      () => { status.textContent = status.dataset.denied; },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 });
  } else {
    status.textContent = form.querySelector("[name=latitude]").value ? status.dataset.located : status.dataset.denied;
  }
})();
// On the saved visit's page: the draft has reached the server, forget it (and a fixed outbox entry with it).
(function () {
  const saved = document.querySelector("[data-saved-visit]");
  if (!saved) return;
  if (window.kamcrmOutbox && saved.dataset.savedVisit) {
    window.kamcrmOutbox.remove(saved.dataset.savedVisit).then(window.kamcrmOutbox.render);
    sessionStorage.removeItem("kamcrm-fix");
  }
  Object.keys(localStorage).filter((k) => k.startsWith("visit-draft-")).forEach((k) => {
    try {
      if (JSON.parse(localStorage.getItem(k)).client_ref === saved.dataset.savedVisit) localStorage.removeItem(k);
    } catch (e) { /* not ours */ }
  });
})();
