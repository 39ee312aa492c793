/* The service worker: quick entry without a signal (served from /sw.js by config.views).
 *
 * It keeps, in one cache, only what quick entry needs offline: the quick entry page, its
 * bundle (the user's guides and units, the campaign's rules: campaign/offline.py), the
 * static files, and the page saying a connection is needed. Every request goes to the
 * network first, so what is kept is refreshed each time the phone is online; the cache
 * answers only when the network does not. Any other page asked for offline gets the
 * "cần kết nối mạng" page, never another unit's data, which is never kept. The cases typed
 * offline are not here: they wait in the page's storage (static/js/offline-entry.js). */
"use strict";

var CACHE = "vneid-offline-v1";
var QUICK = "/chien-dich/nhap-nhanh/";
var BUNDLE = "/chien-dich/nhap-nhanh/du-lieu/";
var OFFLINE = "/ngoai-tuyen/";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n !== CACHE; })
        .map(function (n) { return caches.delete(n); }));
    }).then(function () { return self.clients.claim(); })
  );
});

function kept(request) {
  return caches.open(CACHE).then(function (cache) { return cache.match(request, {ignoreSearch: true}); });
}

function keep(request, response) {
  if (response && response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
  }
  return response;
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(fetch(request).catch(function () {
      var page = url.pathname === QUICK ? kept(QUICK) : Promise.resolve(null);
      return page.then(function (answer) { return answer || kept(OFFLINE); });
    }));
    return;
  }
  if (url.pathname === BUNDLE) {
    event.respondWith(fetch(request).then(function (response) {
      // A signed-out answer (401) says so to the page; the bundle kept stays for offline use.
      return response.ok ? keep(BUNDLE, response) : response;
    }).catch(function () { return kept(BUNDLE).then(function (a) { return a || Response.error(); }); }));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(fetch(request).then(function (response) { return keep(request, response); })
      .catch(function () { return kept(request).then(function (a) { return a || Response.error(); }); }));
  }
});

/* The page asks, while online:
 * - "keep": keep a fresh copy of the quick entry page and of the static files it uses
 *   (a copy fetched here, so that no message shown on the page, a name just saved, is kept);
 * - "forget": at sign-out, drop everything kept but the offline page. */
self.addEventListener("message", function (event) {
  var data = event.data || {};
  var port = event.ports && event.ports[0];
  var done = function (answer) { if (port) port.postMessage(answer); };
  if (data.type === "keep") {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      var assets = (data.assets || []).filter(function (a) {
        return new URL(a, self.location.origin).origin === self.location.origin;
      });
      return Promise.all([
        fetch(QUICK, {credentials: "same-origin", redirect: "follow"}).then(function (response) {
          var page = new URL(response.url).pathname === QUICK;
          if (response.ok && page) return cache.put(QUICK, response);
          if (!page) return cache.delete(QUICK);  // signed out meanwhile: keep no page
        }),
        fetch(BUNDLE, {credentials: "same-origin"}).then(function (response) {
          if (response.ok) return cache.put(BUNDLE, response);
        }),
        cache.addAll(assets)
      ]);
    }).then(function () { done({kept: true}); }, function () { done({kept: false}); }));
  } else if (data.type === "forget") {
    event.waitUntil(caches.delete(CACHE).then(function () {
      return caches.open(CACHE).then(function (cache) { return cache.add(OFFLINE); });
    }).then(function () { done({forgotten: true}); }, function () { done({forgotten: false}); }));
  }
});
