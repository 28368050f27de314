/* TechFlow technician service worker (scope /tech/).
 * Pages: network first, the last copy from the cache when offline.
 * Static files: from the cache, refreshed in the background.
 * A plain form post that cannot reach the server is kept in IndexedDB (the same queue
 * tech.js replays) and the technician is sent back to the page they were on.
 */
"use strict";
var CACHE = "techflow-tech-v1";
var DB_NAME = "techflow-tech";
var STORE = "actions";

function enqueue(item) {
  return new Promise(function (resolve, reject) {
    var request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = function () {
      request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
    };
    request.onerror = function () { reject(request.error); };
    request.onsuccess = function () {
      var db = request.result;
      var tx = db.transaction(STORE, "readwrite");
      tx.objectStore(STORE).add(item);
      tx.oncomplete = function () { db.close(); resolve(); };
      tx.onerror = function () { db.close(); reject(tx.error); };
    };
  });
}

function tellPages(message) {
  return self.clients.matchAll().then(function (clients) {
    clients.forEach(function (client) { client.postMessage(message); });
  });
}

function networkFirst(request) {
  return fetch(request).then(function (response) {
    // 200 only: a 202 "being prepared" page (the service report) is never kept for offline.
    if (response.status === 200 && !response.redirected && response.type === "basic") {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(request.url, copy); });
    }
    return response;
  }, function () {
    return caches.match(request.url).then(function (cached) {
      return cached || caches.match("/tech/").then(function (home) {
        return home || new Response(
          "<!doctype html><meta name=viewport content='width=device-width'><h1>Offline</h1>" +
          "<p>This page was not saved on the phone. <a href='/tech/'>My day</a></p>",
          { headers: { "Content-Type": "text/html; charset=utf-8" } });
      });
    });
  });
}

function cacheFirst(request) {
  return caches.match(request).then(function (cached) {
    var fresh = fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(request, copy); });
      }
      return response;
    });
    return cached || fresh;
  });
}

function postOrQueue(request) {
  var copy = request.clone();
  return fetch(request).catch(function () {
    return copy.text().then(function (body) {
      var back = request.referrer || "/tech/";
      return enqueue({ url: request.url, body: body, label: "Action", page: new URL(back).pathname, at: Date.now() })
        .then(function () { return tellPages({ type: "queued" }); })
        .then(function () { return Response.redirect(back, 303); });
    });
  });
}

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return name !== CACHE; }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "cache") {
    event.waitUntil(caches.open(CACHE).then(function (cache) {
      return Promise.all((data.urls || []).map(function (url) {
        return fetch(url, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(url, response);
        }).catch(function () {});
      }));
    }));
  } else if (data.type === "clear") {
    event.waitUntil(caches.delete(CACHE));
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method === "POST") {
    // htmx and replays are fetches: the page handles their failure itself.
    if (request.mode === "navigate") event.respondWith(postOrQueue(request));
    return;
  }
  if (request.method !== "GET") return;
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(cacheFirst(request));
  } else if (request.mode === "navigate" && url.pathname.indexOf("/tech/") === 0) {
    event.respondWith(networkFirst(request));
  }
});

/* Web Push (dispatch/push.py): an urgent office message while the page is closed. */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data && event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "TechFlow", {
    body: data.body || "",
    tag: data.tag || "techflow",
    data: { url: data.url || "/tech/" },
    requireInteraction: true,
    vibrate: [400, 150, 400, 150, 400],
    icon: "/static/icons/icon-192.png"
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/tech/";
  event.waitUntil(self.clients.matchAll({ type: "window" }).then(function (clients) {
    for (var i = 0; i < clients.length; i++) {
      if (new URL(clients[i].url).pathname.indexOf("/tech/") === 0 && "navigate" in clients[i]) {
        return clients[i].navigate(url).then(function (client) { return client && client.focus(); });
      }
    }
    return self.clients.openWindow(url);
  }));
});
