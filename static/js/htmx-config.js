/* The one htmx error convention, office and phone alike (techflow/ARCHITECTURE.md, "htmx answers").
 * A refusal or bad input answers 400, 409 or 422 with the region it came from re-rendered and the
 * message in it: swap it like a success. 204 means "nothing changed" (the polls). Any other 4xx
 * (403, 404, 405) or a 5xx leaves the page as it was and raises htmx:responseError.
 *
 * The Content-Security-Policy allows no inline script and no eval: htmx evaluates nothing
 * (allowEval off: no hx-on, no trigger filters, no js: values) and injects no <style> of its own
 * (its indicator styles are in techflow.css). Behaviour lives in static files, bound by data-*
 * attributes below. */
(function () {
  "use strict";
  htmx.config.allowEval = false;
  htmx.config.allowScriptTags = false;
  htmx.config.includeIndicatorStyles = false;
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400|409|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];

  // Polls (hx-trigger "every ...") wait while the tab is hidden. Here, not in a trigger filter
  // ("every 5s[document.visibilityState=='visible']"): a filter is evaluated JavaScript, which
  // allowEval off refuses with htmx:evalDisallowedError on every poll.
  document.addEventListener("htmx:beforeRequest", function (event) {
    const source = event.detail.elt;
    const trigger = (source && source.getAttribute("hx-trigger")) || "";
    if (/\bevery\b/.test(trigger) && document.visibilityState !== "visible") event.preventDefault();
  });

  // data-clear="#region": a click empties that region (closing a panel), instead of following the link.
  document.addEventListener("click", function (event) {
    const button = event.target.closest && event.target.closest("[data-clear]");
    if (button) {
      event.preventDefault();
      const region = document.querySelector(button.getAttribute("data-clear"));
      if (region) region.replaceChildren();
    }
    const printer = event.target.closest && event.target.closest("[data-print]");
    if (printer) window.print();
  });

  // data-clear-after-request="#region": an htmx form that empties a region once it has been answered.
  document.addEventListener("htmx:afterRequest", function (event) {
    const form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("[data-clear-after-request]");
    if (!form) return;
    const region = document.querySelector(form.getAttribute("data-clear-after-request"));
    if (region) region.replaceChildren();
  });

  // data-change-after-swap: an element whose content htmx swapped tells its listeners it changed.
  document.addEventListener("htmx:afterSwap", function (event) {
    const target = event.detail.target;
    if (target && target.hasAttribute && target.hasAttribute("data-change-after-swap")) {
      target.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
})();
