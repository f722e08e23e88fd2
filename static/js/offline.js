// Offline for real: registers the service worker, keeps visits saved with no connection (photos included) in an
// IndexedDB outbox, shows it ("2 visits waiting to send") and sends it when the connection returns. Each visit
// carries its client_ref, so a resend is saved once; a visit the server refuses stays with the server's message
// until the rep fixes or discards it.
(function () {
  "use strict";
  const box = document.getElementById("outbox");
  const user = box ? box.dataset.user : "";

  function open() {
    return new Promise((resolve, reject) => {
      const request = indexedDB.open("kamcrm-outbox", 1);
      request.onupgradeneeded = () => request.result.createObjectStore("visits", { keyPath: "ref" });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function run(mode, work) {
    return open().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction("visits", mode);
      const request = work(tx.objectStore("visits"));
      tx.oncomplete = () => resolve(request ? request.result : undefined);
      tx.onerror = () => reject(tx.error);
    }));
  }
  const outbox = {
    all: () => run("readonly", (s) => s.getAll()).then((rows) => rows.filter((r) => r.user === user)),
    put: (entry) => run("readwrite", (s) => s.put(entry)),
    remove: (ref) => run("readwrite", (s) => s.delete(ref)),
  };

  function csrf() {
    const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function render() {
    if (!box) return Promise.resolve();
    return outbox.all().then((entries) => {
      const waiting = entries.filter((e) => !e.error && !e.fixing);  // one being fixed is back in the form
      const refused = entries.filter((e) => e.error);
      box.classList.toggle("d-none", waiting.length + refused.length === 0);
      const count = box.querySelector("#outbox-count");
      count.textContent = waiting.length
        ? (waiting.length === 1 ? box.dataset.one : box.dataset.many.replace("__N__", String(waiting.length)))
        : "";
      const list = box.querySelector("#outbox-refused");
      list.replaceChildren();
      refused.forEach((entry) => {
        const item = document.createElement("li");
        item.className = "mb-1 outbox-refused";
        const text = document.createElement("span");
        text.textContent = box.dataset.refused.replace("__ACCOUNT__", entry.account || "") + " " + entry.error;
        const fix = document.createElement("button");
        fix.type = "button";
        fix.className = "btn btn-sm btn-outline-primary ms-2 outbox-fix";
        fix.textContent = box.dataset.fix;
        fix.addEventListener("click", () => fixEntry(entry));
        const discard = document.createElement("button");
        discard.type = "button";
        discard.className = "btn btn-sm btn-outline-danger ms-1 outbox-discard";
        discard.textContent = box.dataset.discard;
        discard.addEventListener("click", () => {
          if (window.confirm(box.dataset.confirmDiscard)) outbox.remove(entry.ref).then(render);
        });
        item.append(text, fix, discard);
        list.append(item);
      });
    });
  }

  // Fix: the refused visit goes back into the visit form as a draft (its photos with it), out of the outbox.
  function fixEntry(entry) {
    const draft = {};
    entry.fields.forEach(([name, value]) => {
      if (typeof value !== "string" || name === "csrfmiddlewaretoken") return;
      if (name in draft) draft[name] = [].concat(draft[name], value);
      else draft[name] = name === "contacts_met" || name === "brands_discussed" || name === "strategies" ? [value] : value;
    });
    try { localStorage.setItem(box.dataset.draftKey, JSON.stringify(draft)); } catch (e) { /* full */ }
    sessionStorage.setItem("kamcrm-fix", entry.ref);
    entry.error = "";
    entry.fixing = true;
    outbox.put(entry).then(() => { window.location.href = box.dataset.form; });
  }

  let sending = false;
  function send() {
    if (sending || !navigator.onLine || !box) return Promise.resolve();
    sending = true;
    return outbox.all()
      .then((entries) => entries.filter((e) => !e.error && !e.fixing).reduce((chain, entry) => chain.then(() => {
        const body = new FormData();
        entry.fields.forEach(([name, value, filename]) => {
          if (name === "csrfmiddlewaretoken") return;
          if (filename !== undefined) body.append(name, value, filename);
          else body.append(name, value);
        });
        body.append("csrfmiddlewaretoken", csrf());
        return fetch(entry.action, {
          method: "POST", body, credentials: "same-origin",
          headers: { Accept: "application/json", "X-CSRFToken": csrf() },
        }).then((response) => {
          if (response.ok) return outbox.remove(entry.ref).then(() => { box.dataset.sent = String(Number(box.dataset.sent || 0) + 1); });
          if (response.status === 400) {
            return response.json().then((answer) => {
              entry.error = answer.errors.join(" ");
              return outbox.put(entry);
            });
          }
          throw new Error("not now");  // signed out, server trouble: try again later
        });
      }), Promise.resolve()))
      .catch(() => null)
      .then(() => { sending = false; return render(); });
  }

  window.kamcrmOutbox = { add: (entry) => outbox.put({ ...entry, user }).then(render), all: outbox.all, remove: outbox.remove, render, send };

  if (box) {
    render().then(send);
    window.addEventListener("online", send);
  }

  // The service worker, and what this page needs offline.
  if ("serviceWorker" in navigator && box) {
    navigator.serviceWorker.register(box.dataset.sw, { scope: "/" }).catch(() => null);
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "cached") document.documentElement.dataset.offlineReady = "1";
    });
    navigator.serviceWorker.ready.then((registration) => {
      if (!navigator.onLine) return;
      const urls = [box.dataset.form, box.dataset.data, box.dataset.home];
      document.querySelectorAll("script[src]").forEach((s) => urls.push(s.src));
      document.querySelectorAll("link[rel=stylesheet]").forEach((l) => urls.push(l.href));
      (registration.active || navigator.serviceWorker.controller)?.postMessage({ type: "cache", urls });
    });
  } else if ("serviceWorker" in navigator && document.getElementById("signed-out")) {
    // Signed out: forget the last user's cached pages.
    navigator.serviceWorker.ready.then((r) => r.active && r.active.postMessage({ type: "forget" })).catch(() => null);
  }
})();
