/* Office pages: polls that wait for the typist, filters, and moving cards on the dispatch board. */
(function () {
  "use strict";

  // A poll must never swap away a form someone is typing into, nor a card being dragged.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const source = event.detail.elt;
    if (!source || !source.hasAttribute("data-poll")) return;
    const region = source.closest("[data-live]") || source;
    const active = document.activeElement;
    const busy =
      saving ||
      document.body.classList.contains("board-busy") ||
      (active && region.contains(active) && active.matches("input, textarea, select")) ||
      region.querySelector("details[open], form.dirty");
    if (busy) event.preventDefault();
  });
  document.addEventListener("input", function (event) {
    const form = event.target.closest && event.target.closest("form");
    if (form) form.classList.add("dirty");
  });

  // Filter forms: leave empty fields out of the URL, so a bookmarked filter reads cleanly.
  document.addEventListener("htmx:configRequest", function (event) {
    if (event.detail.verb !== "get" || !event.detail.elt.matches("form.filters")) return;
    const params = event.detail.parameters;
    for (const key of Array.from(Object.keys(params))) {
      if (params[key] === "") delete params[key];
    }
  });

  // Dispatch board ---------------------------------------------------------------------
  let picked = null; // the card being moved by keyboard/button
  let saving = false; // a move or a resize is on its way: no poll until it is answered

  function board() {
    return document.getElementById("board");
  }

  // A move or a resize, answered with the board region. Sent from the grid, not from the polled
  // region: htmx drops a request from an element whose own request (a poll) is still in flight, so a
  // move made while the board was refreshing was silently lost. The poll in flight is cancelled too,
  // so its older answer cannot land after this one and wipe out the message.
  function post(url, values) {
    const live = document.getElementById("board-live");
    if (live) htmx.trigger(live, "htmx:abort");
    saving = true;
    const done = function () {
      saving = false;
    };
    return htmx
      .ajax("POST", url, { source: board(), target: "#board-live", swap: "outerHTML", values: values })
      .then(done, done);
  }

  // overrides: what the dispatcher confirmed to book anyway ("window", "skills").
  function move(card, slot, overrides) {
    const root = board();
    if (!root || !card || !slot) return;
    const values = {
      work_order: card.dataset.id,
      version: card.dataset.version,
      technician: slot.dataset.technician || "",
      start: slot.dataset.start || "",
      keep_time: slot.dataset.keepTime || "",
      view: root.dataset.view,
      date: root.dataset.date,
      page: root.dataset.page || "",
    };
    (overrides || []).forEach(function (what) {
      if (what === "window") values.override_window = "on";
      if (what === "skills") values.override_skills = "on";
    });
    post(root.dataset.moveUrl, values);
  }

  function endPick() {
    picked = null;
    document.body.classList.remove("board-picking", "board-busy");
    document.querySelectorAll(".wo-card.picked").forEach((c) => c.classList.remove("picked"));
    const status = document.getElementById("board-pick-status");
    if (status) status.textContent = "";
  }

  document.addEventListener("dragstart", function (event) {
    const card = event.target.closest && event.target.closest(".wo-card[draggable=true]");
    if (!card) return;
    event.dataTransfer.setData("text/plain", card.dataset.id);
    event.dataTransfer.effectAllowed = "move";
    document.body.classList.add("board-busy");
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function (event) {
    document.body.classList.remove("board-busy");
    document.querySelectorAll(".dragging").forEach((c) => c.classList.remove("dragging"));
    document.querySelectorAll(".slot.over").forEach((s) => s.classList.remove("over"));
  });
  document.addEventListener("dragover", function (event) {
    const slot = event.target.closest && event.target.closest(".slot");
    if (!slot) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    slot.classList.add("over");
  });
  document.addEventListener("dragleave", function (event) {
    const slot = event.target.closest && event.target.closest(".slot");
    if (slot && !slot.contains(event.relatedTarget)) slot.classList.remove("over");
  });
  document.addEventListener("drop", function (event) {
    const slot = event.target.closest && event.target.closest(".slot");
    if (!slot) return;
    event.preventDefault();
    slot.classList.remove("over");
    const id = event.dataTransfer.getData("text/plain");
    const card = document.querySelector('.wo-card[data-id="' + id + '"]');
    document.body.classList.remove("board-busy");
    move(card, slot, []);
  });

  document.addEventListener("click", function (event) {
    const pick = event.target.closest && event.target.closest("[data-pick]");
    if (pick) {
      const card = pick.closest(".wo-card");
      if (picked === card) return endPick();
      endPick();
      picked = card;
      card.classList.add("picked");
      document.body.classList.add("board-picking", "board-busy");
      const status = document.getElementById("board-pick-status");
      if (status) status.textContent = "Moving #" + card.dataset.id + ": choose a slot (Esc to stop).";
      const first = document.querySelector(".slot .place");
      if (first) first.focus();
      return;
    }
    const place = event.target.closest && event.target.closest(".place");
    if (place && picked) {
      const card = picked;
      endPick();
      move(card, place.closest(".slot"), []);
      return;
    }
    const confirm = event.target.closest && event.target.closest("[data-override]");
    if (confirm) {
      const card = document.querySelector('.wo-card[data-id="' + confirm.dataset.id + '"]');
      const slot = {
        dataset: {
          technician: confirm.dataset.technician,
          start: confirm.dataset.start,
          keepTime: "",
        },
      };
      const overrides = (confirm.dataset.override || "window").split(" ");
      move(card || { dataset: { id: confirm.dataset.id, version: confirm.dataset.version } }, slot, overrides);
    }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && picked) endPick();
  });

  // Changing a card's length: drag its right edge (or arrow keys then Enter on the edge) --------
  const QUARTER = 15;
  let sizing = null; // {card, handle, x, quarter, minutes, from}

  function showLength(card, minutes) {
    card.style.setProperty("--q", String(minutes / QUARTER));
    card.style.setProperty("--p", String(minutes / QUARTER));
    const label = card.querySelector(".length");
    if (label) {
      const h = Math.floor(minutes / 60);
      const m = minutes % 60;
      label.textContent = h ? h + " h" + (m ? " " + m + " min" : "") : m + " min";
    }
  }

  function clampMinutes(minutes) {
    return Math.max(QUARTER, Math.min(12 * 60, minutes));
  }

  function resize(card, minutes) {
    const root = board();
    if (!root || !card) return;
    post(root.dataset.resizeUrl, {
      work_order: card.dataset.id,
      version: card.dataset.version,
      minutes: String(minutes),
      view: root.dataset.view,
      date: root.dataset.date,
      page: root.dataset.page || "",
    });
  }

  function startSizing(handle) {
    const card = handle.closest(".wo-card");
    const slot = card.closest(".slot");
    const from = parseInt(card.dataset.minutes || "120", 10);
    sizing = { card: card, handle: handle, quarter: slot.offsetWidth / 4, from: from, minutes: from };
    card.draggable = false;
    card.classList.add("resizing");
    document.body.classList.add("board-busy");
  }

  function endSizing(post) {
    if (!sizing) return;
    const s = sizing;
    sizing = null;
    document.body.classList.remove("board-busy");
    s.card.classList.remove("resizing");
    s.card.draggable = true;
    if (post && s.minutes !== s.from) {
      resize(s.card, s.minutes);
    } else {
      showLength(s.card, s.from);
      s.card.style.removeProperty("--q");
      s.card.style.removeProperty("--p");
    }
  }

  document.addEventListener("pointerdown", function (event) {
    const handle = event.target.closest && event.target.closest("[data-resize]");
    if (!handle) return;
    event.preventDefault();
    startSizing(handle);
    sizing.x = event.clientX;
    sizing.pointer = true;
    handle.setPointerCapture && handle.setPointerCapture(event.pointerId);
  });
  document.addEventListener("pointermove", function (event) {
    if (!sizing || !sizing.pointer) return;
    const steps = Math.round((event.clientX - sizing.x) / sizing.quarter);
    sizing.minutes = clampMinutes(sizing.from + steps * QUARTER);
    showLength(sizing.card, sizing.minutes);
  });
  document.addEventListener("pointerup", function () {
    if (sizing && sizing.pointer) endSizing(true);
  });
  document.addEventListener("keydown", function (event) {
    const handle = event.target.closest && event.target.closest("[data-resize]");
    if (!handle) return;
    if (event.key === "ArrowRight" || event.key === "ArrowLeft") {
      event.preventDefault();
      if (!sizing) startSizing(handle);
      const step = event.key === "ArrowRight" ? QUARTER : -QUARTER;
      sizing.minutes = clampMinutes(sizing.minutes + step);
      showLength(sizing.card, sizing.minutes);
    } else if (event.key === "Enter" && sizing) {
      event.preventDefault();
      endSizing(true);
    } else if (event.key === "Escape" && sizing) {
      endSizing(false);
    }
  });
  document.addEventListener("dragstart", function (event) {
    if (sizing) event.preventDefault();
  });
})();
