// KAM CRM service worker (served at /sw.js so its scope is the whole site). It keeps the app shell (scripts,
// styles), the visit form, My day and the rep's accounts (with contacts and products) so the visit form opens
// and works with no connection. Pages and data: network first, the cached copy when offline. Static files:
// cache first. Writes (POST) always go to the network; offline visits wait in the page's IndexedDB outbox.
"use strict";
const CACHE = "kamcrm-v1";
const KEEP = [/^\/$/, /^\/reports\/visits\/new\/$/, /^\/reports\/my-day\/$/, /^\/api\/visits\/offline-data\/$/];
const FORM = "/reports/visits/new/";

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

function store(path, response) {
  if (!response.ok || response.redirected) return Promise.resolve();
  return caches.open(CACHE).then((cache) => cache.put(path, response));
}

// A page asks for what it needs offline: itself, its scripts and styles, the offline data.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type === "forget") {
    event.waitUntil(caches.delete(CACHE));
    return;
  }
  if (data.type !== "cache") return;
  const done = Promise.all(
    (data.urls || []).map((url) => {
      const path = new URL(url, self.location.origin);
      if (path.origin !== self.location.origin) return null;
      return fetch(path.href, { credentials: "same-origin" })
        .then((response) => store(path.pathname.startsWith("/static/") ? path.href : path.pathname, response))
        .catch(() => null);
    })
  ).then(() => event.source && event.source.postMessage({ type: "cached" }));
  event.waitUntil(done);
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/static/")) {
    event.respondWith(
      caches.match(request).then((hit) => hit || fetch(request).then((response) => {
        store(request.url, response.clone());
        return response;
      }))
    );
    return;
  }
  const keep = KEEP.some((pattern) => pattern.test(url.pathname));
  if (request.mode !== "navigate" && !keep) return;
  event.respondWith(
    fetch(request)
      .then((response) => {
        if (keep && !url.search) store(url.pathname, response.clone());
        return response;
      })
      .catch(() =>
        caches.match(url.pathname, { ignoreSearch: true })
          .then((hit) => hit || (request.mode === "navigate" ? caches.match(FORM) : null))
          .then((hit) => hit || Response.error())
      )
  );
});
