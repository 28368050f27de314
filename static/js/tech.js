/* TechFlow technician pages.
 * - Every action form gets the phone's location (when the technician allowed it).
 * - Actions taken offline wait in IndexedDB ("N waiting") with the time they were tapped, and
 *   are replayed in order when the connection returns: on the 'online' event and on every page
 *   load, so no Background Sync is needed. The server records each at its tap time (within the
 *   bounds of fieldops/state.py). A duplicate tap is saved once. After a replay the phone says
 *   how many were sent and, for each one refused, why; a refused replay is never dropped.
 * - Offline, a step on the job page advances the screen to the next step by the page's offline
 *   plan (fieldops.state's rules, sent by the server), so a whole job can be done in a dead zone.
 * The pages work without this file: it only adds to plain form posts.
 */
(function () {
  "use strict";
  var DB_NAME = "techflow-tech";
  var STORE = "actions";
  var REFUSED = "techflow-refused";
  var SENT = "techflow-sent";
  // Not part of what an action does (fieldops.forms._NOT_THE_PAYLOAD): ignored when comparing taps.
  var NOT_PAYLOAD = ["csrfmiddlewaretoken", "idempotency_key", "latitude", "longitude", "accuracy", "tapped_at"];
  // Two identical taps of a form that is not a step (a note, a part) within this time are one.
  var SAME_TAP_MS = 60000;
  var coords = null;
  var replaying = false;

  // IndexedDB: one store of queued actions, in the order they were taken.
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(STORE, { keyPath: "id", autoIncrement: true });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }
  function withStore(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = fn(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request && request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }
  // Only the signed-in technician's own actions: a shared phone never replays someone else's.
  function queued() {
    var me = document.body.dataset.tech;
    return withStore("readonly", function (s) { return s.getAll(); }).then(function (items) {
      return items.filter(function (item) { return !item.tech || item.tech === me; });
    });
  }
  function enqueue(item) { return withStore("readwrite", function (s) { return s.add(item); }); }
  function dequeue(id) { return withStore("readwrite", function (s) { return s.delete(id); }); }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }
  function setField(form, name, value) {
    var input = form.querySelector('input[name="' + name + '"]');
    if (input) input.value = value;
  }
  function isAction(form) {
    // A photo form is queued by record.js, with its file.
    return form instanceof HTMLFormElement && form.method.toLowerCase() === "post" &&
      !form.hasAttribute("data-photo-form") && !!form.querySelector('input[name="idempotency_key"]');
  }
  function fillLocation(form) {
    if (!coords) return;
    setField(form, "latitude", coords.latitude.toFixed(6));
    setField(form, "longitude", coords.longitude.toFixed(6));
    setField(form, "accuracy", String(Math.round(coords.accuracy || 0)));
  }
  function freshKeys() {
    document.querySelectorAll('input[name="idempotency_key"]').forEach(function (input) { input.value = uuid(); });
  }

  function showCount() {
    return queued().then(function (items) {
      var badge = document.getElementById("queue-status");
      if (!badge) return;
      badge.hidden = items.length === 0;
      badge.textContent = items.length + " waiting";
    }).catch(function () {});
  }
  function showOnline() {
    var banner = document.getElementById("offline-banner");
    if (banner) banner.hidden = navigator.onLine;
  }
  function report(lines, title, ok) {
    var box = document.getElementById("replay-report");
    if (!box || (!lines.length && !title)) return;
    box.hidden = false;
    box.classList.toggle("replay-ok", !!ok);
    box.textContent = "";
    var head = document.createElement("div");
    head.textContent = title;
    box.appendChild(head);
    lines.forEach(function (line) {
      var div = document.createElement("div");
      div.textContent = line;
      box.appendChild(div);
    });
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "btn btn-light w-100";
    ok.textContent = "OK";
    ok.addEventListener("click", function () { sessionStorage.removeItem(REFUSED); box.hidden = true; });
    box.appendChild(ok);
  }
  function plural(n, word) { return n + " " + word + (n === 1 ? "" : "s"); }
  // What the last replay did: "3 saved actions sent", and each refusal with its reason.
  function showReplayed() {
    var refused = JSON.parse(sessionStorage.getItem(REFUSED) || "[]");
    var sent = parseInt(sessionStorage.getItem(SENT) || "0", 10);
    sessionStorage.removeItem(SENT);
    if (!sent && !refused.length) return;
    var title = sent ? plural(sent, "saved action") + " sent" : "";
    if (refused.length) {
      title = (title ? title + ". " : "") + "Not done: the office system refused " +
        (refused.length === 1 ? "this saved action" : "these saved actions");
    }
    report(refused, title, !refused.length);
  }

  function payloadOf(body) {
    var params = new URLSearchParams(body);
    NOT_PAYLOAD.forEach(function (name) { params.delete(name); });
    params.sort();
    return params.toString();
  }
  function clockText(ms) {
    return new Date(ms).toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
  }

  // Offline, the job page moves on to the next step as the server would (the page's offline plan).
  function advance(form, at) {
    var box = form.closest && form.closest("[data-offline-plan]");
    var step = form.dataset.step;
    if (!box || !step) return;
    var plan = JSON.parse(box.dataset.offlinePlan || "{}");
    var rule = (plan.steps || {})[step];
    if (!rule) return;
    plan.state = rule.to;
    if (rule.closes) plan.open = false;
    box.dataset.offlinePlan = JSON.stringify(plan);
    box.querySelectorAll("form[data-step]").forEach(function (other) {
      var r = plan.steps[other.dataset.step];
      other.hidden = !(r && r.in.indexOf(plan.state) !== -1 && (!r.open || plan.open));
    });
    box.querySelectorAll(".lead-text").forEach(function (p) { p.hidden = true; });
    var saved = box.querySelector(".saved-line");
    if (saved) {
      saved.textContent = form.dataset.label + " saved on the phone at " + clockText(at) + ".";
      saved.hidden = false;
    }
    var panel = box.closest("#panel") || document;
    var badge = panel.querySelector(".state-badge");
    if (badge && plan.labels && plan.labels[plan.state]) badge.textContent = plan.labels[plan.state];
    // The order's status as the server will set it: in progress from travel, completed by Complete.
    var status = document.getElementById("order-status");
    if (status && plan.statuses) {
      if (rule.closes) {
        status.textContent = plan.statuses.completed;
        status.className = "badge status-completed";
      } else if (plan.open && plan.state !== "on_shift") {
        status.textContent = plan.statuses.in_progress + " · " + plan.labels[plan.state];
        status.className = "badge status-in_progress";
      }
    }
    var since = panel.querySelector(".since");
    if (since) since.textContent = "since " + clockText(at) + " (saved on the phone)";
  }

  function queueForm(form, submitter) {
    fillLocation(form);
    // The button tapped is part of what was meant (a checklist's Yes or No).
    var data = submitter ? new FormData(form, submitter) : new FormData(form);
    var item = {
      url: form.action,
      body: new URLSearchParams(data).toString(),
      label: form.dataset.label || "Action",
      tech: document.body.dataset.tech,
      page: location.pathname,
      at: Date.now()
    };
    var banner = document.getElementById("offline-banner");
    return queued().then(function (items) {
      var same = items.filter(function (other) {
        return other.url === item.url && payloadOf(other.body) === payloadOf(item.body) &&
          (form.dataset.step || item.at - other.at < SAME_TAP_MS);
      });
      if (same.length) {
        // An impatient second tap: the first one is already saved.
        if (banner) {
          banner.textContent = item.label + " is already saved on the phone.";
          banner.hidden = false;
        }
        return showCount();
      }
      return saveForm(form, item);
    });
  }
  function saveForm(form, item) {
    return enqueue(item).then(function () {
      // The next tap on this form is a new action, not a repeat of the saved one.
      setField(form, "idempotency_key", uuid());
      form.querySelectorAll("textarea").forEach(function (t) { t.value = ""; });
      advance(form, item.at);
      var banner = document.getElementById("offline-banner");
      if (banner) {
        banner.textContent = item.label + " saved on the phone. It is sent when you're back online.";
        banner.hidden = false;
      }
      return showCount();
    });
  }

  // Replay the queue in order; stop at the first one the network or a sign-in blocks.
  function replay() {
    if (replaying || !navigator.onLine) return Promise.resolve();
    replaying = true;
    var sent = 0;
    var done = 0;
    var refused = [];
    var blocked = false;
    return queued().then(function (items) {
      return items.reduce(function (chain, item) {
        return chain.then(function (go) {
          if (!go) return false;
          var body;
          if (item.file) {
            // A photo (record.js): its fields and the resized image, as the form would send them.
            body = new FormData();
            Object.keys(item.fields).forEach(function (name) { body.append(name, item.fields[name]); });
            body.append("file", item.file, item.name || "photo.jpg");
          } else {
            body = new URLSearchParams(item.body);
          }
          body.set("csrfmiddlewaretoken", csrfToken());
          // Recorded at the time it was tapped, not when it arrives.
          if (item.at) body.set("tapped_at", String(Math.round(item.at)));
          return fetch(item.url, {
            method: "POST",
            body: body,
            credentials: "same-origin",
            headers: { "X-Replay": "1", "X-CSRFToken": csrfToken() }
          }).then(function (response) {
            // 503: the server can't reach its database yet; keep this and the rest for later.
            if (response.status === 503) return false;
            var type = response.headers.get("Content-Type") || "";
            if (type.indexOf("application/json") === -1) { blocked = true; return false; }
            return response.json().then(function (answer) {
              if (!answer.ok) refused.push(item.label + ": " + answer.message + " (tapped at " + clockText(item.at) + ")");
              else done += 1;
              sent += 1;
              return dequeue(item.id).then(function () { return true; });
            });
          }, function () { return false; });
        });
      }, Promise.resolve(true));
    }).then(function () {
      replaying = false;
      if (refused.length) {
        var before = JSON.parse(sessionStorage.getItem(REFUSED) || "[]");
        sessionStorage.setItem(REFUSED, JSON.stringify(before.concat(refused)));
      }
      if (done) sessionStorage.setItem(SENT, String(parseInt(sessionStorage.getItem(SENT) || "0", 10) + done));
      if (blocked) report(["Sign in again to send the actions waiting on this phone."], "Not sent yet");
      if (sent) { location.reload(); return; }
      showCount();
    }, function () { replaying = false; });
  }

  // record.js queues photos here too: one queue, replayed in order, online or not.
  window.techflowQueue = {
    add: function (item) {
      item.tech = document.body.dataset.tech;
      item.page = location.pathname;
      item.at = Date.now();
      return enqueue(item).then(showCount).then(replay);
    },
    uuid: uuid,
    fillLocation: fillLocation
  };

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && /\/logout\/$/.test(form.action) && navigator.serviceWorker &&
        navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage({ type: "clear" });
    }
    if (!isAction(form)) return;
    fillLocation(form);
    if (navigator.onLine) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    queueForm(form, event.submitter);
  }, true);

  document.addEventListener("htmx:sendError", function (event) {
    // The phone thought it was online but the request never arrived: keep it for later.
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (form && isAction(form) && (event.detail.requestConfig || {}).verb === "post") queueForm(form);
  });
  document.addEventListener("htmx:responseError", function (event) {
    // The server is up but its database is not (503): nothing was done, so keep the action.
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (event.detail.xhr && event.detail.xhr.status === 503 && form && isAction(form) &&
        (event.detail.requestConfig || {}).verb === "post") queueForm(form);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    // The server answered (done, refused or a conflict): that key is spent, the next tap is a new action.
    var elt = event.detail.elt;
    var form = elt && elt.closest && elt.closest("form");
    var xhr = event.detail.xhr;
    if (form && isAction(form) && xhr && xhr.status > 0 && document.contains(form)) {
      setField(form, "idempotency_key", uuid());
    }
  });
  window.addEventListener("pageshow", function (event) {
    // A page restored from the back-forward cache carries keys already used.
    if (event.persisted) freshKeys();
  });
  document.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("form").forEach(fillLocation);
  });
  document.addEventListener("click", function (event) {
    var close = event.target.closest && event.target.closest('[data-bs-dismiss="alert"]');
    if (close) close.closest(".alert").remove();
  });
  window.addEventListener("online", function () { showOnline(); replay(); });
  window.addEventListener("offline", showOnline);

  function start() {
    showOnline();
    showReplayed();
    // A page read from the phone's cache carries keys already used: make them new.
    if (!navigator.onLine) freshKeys();
    showCount().then(replay);
    // Retry what is waiting (a photo upload that failed half-way) while the page stays open.
    setInterval(function () { if (navigator.onLine) replay(); }, 30000);
    if (navigator.geolocation) {
      navigator.geolocation.getCurrentPosition(function (position) {
        coords = position.coords;
        document.querySelectorAll("form").forEach(fillLocation);
      }, function () { coords = null; }, { enableHighAccuracy: true, maximumAge: 60000, timeout: 15000 });
    }
    var sw = document.body.dataset.sw;
    if (sw && "serviceWorker" in navigator) {
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data && event.data.type === "queued") showCount();
      });
      navigator.serviceWorker.register(sw, { scope: "/tech/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        // Keep today's pages and what they load on the phone for reading offline.
        var urls = [location.pathname, "/tech/"];
        document.querySelectorAll("a[data-today]").forEach(function (a) { urls.push(a.getAttribute("href")); });
        document.querySelectorAll('link[rel="stylesheet"], link[rel="manifest"], link[rel="icon"]').forEach(function (l) {
          urls.push(l.getAttribute("href"));
        });
        document.querySelectorAll("script[src]").forEach(function (s) { urls.push(s.getAttribute("src")); });
        if (registration.active && navigator.onLine) registration.active.postMessage({ type: "cache", urls: urls });
      }).catch(function () {});
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
