/* The phone hearing the office (fieldops/live.py): the header's poll swaps in what is new; this
 * file makes an urgent message felt and heard, and offers Web Push for when the page is closed.
 * Nothing here is needed to read a message: the banner is plain HTML. */
(function () {
  "use strict";
  var SEEN = "techflow-urgent-seen";
  var audio = null;

  // Browsers play sound only after the person touched the page: get the audio ready on the first touch.
  function unlockAudio() {
    if (audio || !(window.AudioContext || window.webkitAudioContext)) return;
    try { audio = new (window.AudioContext || window.webkitAudioContext)(); } catch (e) { audio = null; }
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true, capture: true });
  document.addEventListener("keydown", unlockAudio, { once: true, capture: true });

  function beep() {
    if (!audio) return;
    try {
      if (audio.state === "suspended") audio.resume();
      [0, 0.35, 0.7].forEach(function (at) {
        var osc = audio.createOscillator();
        var gain = audio.createGain();
        osc.frequency.value = 880;
        gain.gain.value = 0.25;
        osc.connect(gain);
        gain.connect(audio.destination);
        osc.start(audio.currentTime + at);
        osc.stop(audio.currentTime + at + 0.25);
      });
    } catch (e) { /* no sound: the banner and the vibration remain */ }
  }

  function seen() {
    try { return JSON.parse(localStorage.getItem(SEEN) || "[]"); } catch (e) { return []; }
  }
  function remember(id) {
    var ids = seen().filter(function (x) { return x !== id; });
    ids.push(id);
    try { localStorage.setItem(SEEN, JSON.stringify(ids.slice(-50))); } catch (e) { /* private mode */ }
  }

  // A new urgent message: vibrate and sound once per message, whichever page shows it first.
  function alertIfNew() {
    var banner = document.getElementById("urgent-banner");
    var id = banner && banner.dataset.urgentId;
    if (!id || seen().indexOf(id) !== -1) return;
    remember(id);
    banner.classList.add("urgent-new");
    if (navigator.vibrate) navigator.vibrate([400, 150, 400, 150, 400]);
    beep();
    document.dispatchEvent(new CustomEvent("techflow:urgent", { detail: { id: id } }));
  }

  function urlBase64ToUint8Array(text) {
    var padded = (text + "===".slice((text.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }
  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // Web Push: offered where the server has VAPID keys and the browser can, until this phone subscribed.
  function offerPush() {
    var live = document.getElementById("tech-live");
    var key = live && live.dataset.vapid;
    if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !window.Notification) return;
    if (Notification.permission === "denied") return;
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (existing) {
        if (existing) return;
        document.querySelectorAll(".push-enable").forEach(function (button) {
          button.hidden = false;
          button.dataset.push = "offered";
          button.onclick = function () { subscribe(registration, key, live.dataset.pushUrl, button); };
        });
      });
    }).catch(function () {});
  }
  // Each way it can fail says so in words; none leaves a raw browser error on the button.
  var UNAVAILABLE = "Notifications unavailable on this phone: urgent messages still show while the app is open.";
  function pushState(button, state, text) {
    button.dataset.push = state;
    button.textContent = text;
    button.disabled = state !== "offered";
    // Unavailable or blocked is a fact to read, not a greyed-out button.
    button.classList.toggle("push-note", state !== "offered");
  }
  function subscribe(registration, key, url, button) {
    var stage = "permission";
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") throw new Error("Notifications are blocked for this site.");
      stage = "subscribe";
      return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: urlBase64ToUint8Array(key) });
    }).then(function (subscription) {
      stage = "server";
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
        body: JSON.stringify(subscription.toJSON())
      });
    }).then(function (response) {
      if (!response.ok) throw new Error("The server did not keep the subscription: try again later.");
      document.querySelectorAll(".push-enable").forEach(function (b) { b.hidden = true; b.dataset.push = "subscribed"; });
    }).catch(function (error) {
      // No push service in this browser (or it refused): unavailable, not an error to read.
      if (stage === "subscribe") pushState(button, "unavailable", UNAVAILABLE);
      else if (stage === "permission") pushState(button, "blocked", "Notifications are blocked for this site.");
      else pushState(button, "offered", (error && error.message) || "Could not turn on alerts: try again.");
    });
  }

  document.addEventListener("DOMContentLoaded", function () { alertIfNew(); offerPush(); });
  // htmx:load fires for every element a swap brings in, out-of-band ones too.
  document.addEventListener("htmx:load", function (event) {
    var el = event.detail && event.detail.elt;
    if (el && (el.id === "urgent-banner" || (el.querySelector && el.querySelector("#urgent-banner")))) alertIfNew();
  });
})();
