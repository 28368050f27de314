/* The one htmx error convention, office and phone alike (techflow/ARCHITECTURE.md, "htmx answers").
 * A refusal or bad input answers 400, 409 or 422 with the region it came from re-rendered and the
 * message in it: swap it like a success. 204 means "nothing changed" (the polls). Any other 4xx
 * (403, 404, 405) or a 5xx leaves the page as it was and raises htmx:responseError. */
(function () {
  "use strict";
  htmx.config.responseHandling = [
    { code: "204", swap: false },
    { code: "[23]..", swap: true },
    { code: "400|409|422", swap: true, error: false },
    { code: "[45]..", swap: false, error: true },
  ];
})();
