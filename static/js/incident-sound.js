/* Office pages: a new emergency (the red pinned banner, #office-incidents, polled every 5 s) plays a
   short alert once per incident, made here with WebAudio: no media file, no inline script.

   - "Heard" incidents are kept in localStorage, so moving between office pages does not replay one;
     every new incident id plays once, and the banner stays until someone acknowledges it.
   - The bell button in the navigation mutes or unmutes the sound (localStorage "techflow.alertMuted").
   - A browser that blocks sound until the page is touched plays it at the first click or key.
   - body[data-alert-sounds] counts the alerts played, body[data-alert-sound] says the last outcome
     ("played", "muted", "waiting for a click", "unavailable"): what the browser tests read. */
(function () {
  "use strict";

  const HEARD = "techflow.alertHeard";
  const MUTED = "techflow.alertMuted";
  let audio = null;
  let waiting = false;

  function read(key, fallback) {
    try {
      const value = window.localStorage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (error) {
      return fallback;
    }
  }

  function write(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch (error) {
      /* private mode: the sound still plays, once per page */
    }
  }

  function report(outcome) {
    document.body.dataset.alertSound = outcome;
  }

  function beep(context) {
    // Three short two-tone pulses (about a second): clear over an office, not a siren.
    const start = context.currentTime + 0.05;
    for (let i = 0; i < 3; i += 1) {
      const at = start + i * 0.32;
      const tone = context.createOscillator();
      const gain = context.createGain();
      tone.type = "square";
      tone.frequency.setValueAtTime(880, at);
      tone.frequency.setValueAtTime(660, at + 0.12);
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.24);
      tone.connect(gain).connect(context.destination);
      tone.start(at);
      tone.stop(at + 0.26);
    }
    document.body.dataset.alertSounds = String(Number(document.body.dataset.alertSounds || 0) + 1);
    report("played");
  }

  function play() {
    if (read(MUTED, false)) {
      report("muted");
      return;
    }
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      report("unavailable");
      return;
    }
    audio = audio || new Context();
    if (audio.state === "running") {
      beep(audio);
      return;
    }
    audio.resume().then(function () {
      if (audio.state === "running") {
        beep(audio);
      } else {
        waiting = true;
        report("waiting for a click");
      }
    });
  }

  // Blocked until the page is touched: the first click or key plays what is waiting.
  function unblock() {
    if (!waiting) return;
    waiting = false;
    play();
  }
  document.addEventListener("click", unblock, true);
  document.addEventListener("keydown", unblock, true);

  function check() {
    const ids = Array.from(document.querySelectorAll("#office-incidents [data-incident]")).map(function (el) {
      return el.dataset.incident;
    });
    const heard = read(HEARD, []);
    const fresh = ids.filter(function (id) {
      return heard.indexOf(id) === -1;
    });
    if (!fresh.length) return;
    write(HEARD, heard.concat(fresh).slice(-100));
    play();
  }

  function showToggle() {
    const button = document.getElementById("alert-sound-toggle");
    if (!button) return;
    const muted = read(MUTED, false);
    button.hidden = false;
    button.setAttribute("aria-pressed", muted ? "true" : "false");
    button.title = muted ? "Emergency sound is off: turn it on" : "Emergency sound is on: mute it";
    button.querySelector(".bi").className = "bi " + (muted ? "bi-bell-slash" : "bi-bell-fill");
    button.querySelector(".alert-sound-label").textContent = muted ? "Sound off" : "Sound on";
  }

  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("#alert-sound-toggle");
    if (!button) return;
    write(MUTED, !read(MUTED, false));
    showToggle();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    if (document.getElementById("office-incidents")) check();
  });
  document.addEventListener("DOMContentLoaded", function () {
    showToggle();
    check();
  });
})();
