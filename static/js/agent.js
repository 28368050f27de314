/*
 * The voice agent page: speech in (SpeechRecognition, where the browser has it, with its top five
 * hypotheses sent along), replies spoken (speechSynthesis) unless muted, a hands-free mode that
 * listens again after each spoken reply until goodbye or silence, and an offline queue: turns said
 * without signal are kept with the time they were said and replayed in order when it returns
 * (the server asks again for anything high-impact). The page works without this file: the text
 * box posts a form.
 */
(function () {
  "use strict";
  var MUTED = "techflow.agent.muted";
  var HANDS_FREE = "techflow.agent.handsfree";
  var QUEUE = "techflow.agent.queue";
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var synth = window.speechSynthesis;
  var form = document.getElementById("composer");
  var input = document.getElementById("agent-text");
  var mic = document.getElementById("agent-mic");
  var status = document.getElementById("mic-status");
  var queuedBox = document.getElementById("queued");
  var speakSwitch = document.getElementById("speak-switch");
  var speakBox = document.getElementById("speak-replies");
  var handsFreeSwitch = document.getElementById("handsfree-switch");
  var handsFreeBox = document.getElementById("hands-free");
  if (!form || !input) return;

  function stored(key) {
    try { return localStorage.getItem(key); } catch (e) { return null; }
  }
  function store(key, value) {
    try { localStorage.setItem(key, value); } catch (e) { /* private mode */ }
  }
  function muted() { return stored(MUTED) === "1"; }
  function handsFree() { return !!(Recognition && handsFreeBox && handsFreeBox.checked); }

  function speak(text, then) {
    if (!text || !synth || muted()) { if (then) then(); return; }
    synth.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang === "en" ? "en-US" : document.documentElement.lang;
    if (then) { utterance.onend = then; utterance.onerror = then; }
    synth.speak(utterance);
  }

  function toEnd() {
    var main = document.querySelector("main");
    if (main) main.scrollTop = main.scrollHeight;
  }

  function showLatest() {
    // The page scrolls above the dock: its end is the latest line.
    toEnd();
    var said = document.getElementById("speak");
    if (!said || said.dataset.done) return;
    said.dataset.done = "1"; // htmx reports a swap more than once: speak each reply once
    var ended = said.dataset.ended === "1";
    if (ended && handsFreeBox) { handsFreeBox.checked = false; store(HANDS_FREE, "0"); }
    var again = function () { if (handsFree() && !ended && !recognition) listen(); };
    if (said.dataset.speak) speak(said.dataset.speak, again);
  }

  if (synth && speakSwitch && speakBox) {
    speakSwitch.hidden = false;
    speakBox.checked = !muted();
    speakBox.addEventListener("change", function () {
      store(MUTED, speakBox.checked ? "0" : "1");
      if (!speakBox.checked) synth.cancel();
    });
  }
  if (Recognition && handsFreeSwitch && handsFreeBox) {
    handsFreeSwitch.hidden = false;
    handsFreeBox.checked = stored(HANDS_FREE) === "1";
    handsFreeBox.addEventListener("change", function () {
      store(HANDS_FREE, handsFreeBox.checked ? "1" : "0");
      if (handsFreeBox.checked && !recognition) listen();
      if (!handsFreeBox.checked && recognition) recognition.stop();
    });
  }

  function setAlternatives(list) {
    Array.prototype.forEach.call(form.querySelectorAll('input[name="alternative"]'), function (el) { el.remove(); });
    (list || []).forEach(function (text) {
      var el = document.createElement("input");
      el.type = "hidden"; el.name = "alternative"; el.value = text;
      form.appendChild(el);
    });
  }

  function submit() {
    if (!input.value.trim()) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  var recognition = null;
  function setListening(on) {
    if (!mic) return;
    mic.classList.toggle("listening", on);
    mic.setAttribute("aria-label", on ? "Stop listening" : "Speak a command");
    status.textContent = on ? (handsFree() ? "Listening (hands-free)…" : "Listening…") : "";
  }

  function listen() {
    if (recognition) { recognition.stop(); return; }
    if (synth) synth.cancel();
    recognition = new Recognition();
    recognition.lang = "en-US";
    recognition.interimResults = true;
    recognition.maxAlternatives = 5;
    recognition.onresult = function (event) {
      var text = "", final = false, others = [];
      for (var i = event.resultIndex; i < event.results.length; i++) {
        text += event.results[i][0].transcript;
        if (event.results[i].isFinal) {
          final = true;
          for (var j = 1; j < event.results[i].length; j++) others.push(event.results[i][j].transcript);
        }
      }
      input.value = text;
      if (final) { setAlternatives(others); recognition.stop(); submit(); }
    };
    recognition.onerror = function (event) {
      var blocked = event.error === "not-allowed" || event.error === "service-not-allowed";
      if (event.error === "no-speech" && handsFree()) {
        // Silence ends the conversation: hands-free goes quiet until the technician taps again.
        handsFreeBox.checked = false;
        store(HANDS_FREE, "0");
        status.textContent = "I stopped listening. Tap the microphone to talk again.";
        return;
      }
      status.textContent = blocked ? "The microphone is blocked: type instead." : (event.error === "no-speech" ? "I didn't hear anything." : "");
    };
    recognition.onend = function () { recognition = null; setListening(false); };
    try {
      recognition.start();
      setListening(true);
    } catch (e) {
      recognition = null;
      setListening(false);
    }
  }

  if (Recognition && mic) {
    mic.hidden = false;
    mic.addEventListener("click", listen);
    if (/[?&]listen=1\b/.test(window.location.search)) listen();
  }

  function freshKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // Plain-http servers have no randomUUID; a v4-shaped key from getRandomValues will do.
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function resetComposer() {
    var key = form.querySelector('input[name="turn_key"]');
    if (key) key.value = freshKey();
    input.value = "";
    setAlternatives([]);
  }

  // The offline queue: what was said without signal, with when it was said, replayed in order.
  function queue() {
    try { return JSON.parse(stored(QUEUE) || "[]"); } catch (e) { return []; }
  }
  function showQueue() {
    var n = queue().length;
    if (queuedBox) queuedBox.textContent = n ? n + (n === 1 ? " thing you said is" : " things you said are") + " waiting for signal." : "";
  }
  function enqueue(turn) {
    var all = queue();
    all.push(turn);
    store(QUEUE, JSON.stringify(all.slice(-20)));
    showQueue();
    status.textContent = "No signal: I'll send that when you're back online.";
    speak("No signal. I'll send that when you're back online.");
  }
  function currentTurn() {
    return {
      text: input.value.trim(),
      alternatives: Array.prototype.map.call(form.querySelectorAll('input[name="alternative"]'), function (el) { return el.value; }),
      said_at: new Date().toISOString(),
      key: (form.querySelector('input[name="turn_key"]') || {}).value || freshKey(),
    };
  }

  var replaying = false;
  function replay() {
    var pending = queue();
    if (replaying || !pending.length || !navigator.onLine) return;
    replaying = true;
    var csrf = form.querySelector('input[name="csrfmiddlewaretoken"]').value;
    var replies = [], lastHtml = null;
    function next(i) {
      if (i >= pending.length) return finish();
      var turn = pending[i], body = new FormData();
      body.append("csrfmiddlewaretoken", csrf);
      body.append("text", turn.text);
      (turn.alternatives || []).forEach(function (a) { body.append("alternative", a); });
      body.append("said_at", turn.said_at);
      body.append("replayed", "1");
      body.append("turn_key", turn.key);
      fetch(form.getAttribute("action"), { method: "POST", body: body, headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          lastHtml = html;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var reply = doc.getElementById("reply");
          if (reply && reply.dataset.reply) replies.push(reply.dataset.reply);
          store(QUEUE, JSON.stringify(queue().slice(1)));
          showQueue();
          next(i + 1);
        })
        .catch(function () { replaying = false; showQueue(); });
    }
    function finish() {
      replaying = false;
      if (lastHtml) {
        var doc = new DOMParser().parseFromString(lastHtml, "text/html");
        ["conversation", "suggestions"].forEach(function (id) {
          var fresh = doc.getElementById(id), old = document.getElementById(id);
          if (fresh && old) { fresh.removeAttribute("hx-swap-oob"); old.replaceWith(fresh); if (window.htmx) htmx.process(fresh); }
        });
      }
      var said = document.getElementById("speak");
      if (said) said.dataset.speak = "";
      var summary = "Back online. I sent " + pending.length + (pending.length === 1 ? " thing" : " things") +
        " you said while offline. " + replies.join(" ");
      status.textContent = "Back online: sent " + pending.length + " queued.";
      var box = document.getElementById("reply");
      if (box) { box.textContent = summary; box.hidden = false; }
      toEnd();
      speak(summary);
    }
    next(0);
  }

  var sending = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt !== form) return;
    sending = currentTurn();
    if (!navigator.onLine) {
      event.preventDefault();
      enqueue(sending);
      resetComposer();
    }
  });
  document.body.addEventListener("htmx:sendError", function (event) {
    if (event.detail.elt === form && sending) {
      enqueue(sending);
      resetComposer();
      return;
    }
    status.textContent = "No signal: that was not sent. Try again when you are back online.";
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "conversation") {
      // The composer stays on the page: its next message is a new action.
      resetComposer();
      showLatest();
    }
  });
  window.addEventListener("online", replay);
  showQueue();
  replay();
  showLatest();
})();
