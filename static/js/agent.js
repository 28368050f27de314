/*
 * The voice agent page: speech in (SpeechRecognition, where the browser has it), replies spoken
 * (speechSynthesis) unless muted. The page works without this file: the text box posts a form.
 */
(function () {
  "use strict";
  var MUTED = "techflow.agent.muted";
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var synth = window.speechSynthesis;
  var form = document.getElementById("composer");
  var input = document.getElementById("agent-text");
  var mic = document.getElementById("agent-mic");
  var status = document.getElementById("mic-status");
  var speakSwitch = document.getElementById("speak-switch");
  var speakBox = document.getElementById("speak-replies");
  if (!form || !input) return;

  function muted() {
    try { return localStorage.getItem(MUTED) === "1"; } catch (e) { return false; }
  }

  function speak(text) {
    if (!text || !synth || muted()) return;
    synth.cancel();
    var utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang === "en" ? "en-US" : document.documentElement.lang;
    synth.speak(utterance);
  }

  function showLatest() {
    // The dock covers the bottom of the page; the list leaves room for it, so the end is the latest line.
    window.scrollTo({ top: document.documentElement.scrollHeight, behavior: "instant" });
    var said = document.getElementById("speak");
    if (said && said.dataset.speak) speak(said.dataset.speak);
  }

  if (synth && speakSwitch && speakBox) {
    speakSwitch.hidden = false;
    speakBox.checked = !muted();
    speakBox.addEventListener("change", function () {
      try { localStorage.setItem(MUTED, speakBox.checked ? "0" : "1"); } catch (e) { /* private mode */ }
      if (!speakBox.checked) synth.cancel();
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
    status.textContent = on ? "Listening…" : "";
  }

  function listen() {
    if (recognition) { recognition.stop(); return; }
    if (synth) synth.cancel();
    recognition = new Recognition();
    recognition.lang = "en-US";
    recognition.interimResults = true;
    recognition.maxAlternatives = 1;
    recognition.onresult = function (event) {
      var text = "", final = false;
      for (var i = event.resultIndex; i < event.results.length; i++) {
        text += event.results[i][0].transcript;
        if (event.results[i].isFinal) final = true;
      }
      input.value = text;
      if (final) { recognition.stop(); submit(); }
    };
    recognition.onerror = function (event) {
      var blocked = event.error === "not-allowed" || event.error === "service-not-allowed";
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

  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "conversation") {
      // The composer stays on the page: its next message is a new action.
      var key = form.querySelector('input[name="turn_key"]');
      if (key) key.value = freshKey();
      input.value = "";
      showLatest();
    }
  });
  document.body.addEventListener("htmx:sendError", function () {
    status.textContent = "No signal: your words were not sent. Try again when you are back online.";
  });
  showLatest();
})();
