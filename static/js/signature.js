/* TechFlow signature pad: a canvas the customer signs with a finger, mouse or pen (pointer events).
 * On submit the drawing goes into the form's hidden "signature" field as a PNG data: URL;
 * an empty pad is not sent. The server checks the PNG again (record_services.job_sign_off).
 */
(function () {
  "use strict";
  function setUp(form) {
    var canvas = form.querySelector("canvas.signature-pad");
    var hidden = form.querySelector('input[name="signature"]');
    var hint = form.querySelector(".signature-hint");
    var ctx = canvas.getContext("2d");
    var drawing = false;
    var inked = false;
    var last = null;

    ctx.lineWidth = 3.2;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#111";

    function point(event) {
      var box = canvas.getBoundingClientRect();
      return {
        x: (event.clientX - box.left) * (canvas.width / box.width),
        y: (event.clientY - box.top) * (canvas.height / box.height)
      };
    }
    canvas.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      canvas.setPointerCapture(event.pointerId);
      drawing = true;
      last = point(event);
      ctx.beginPath();
      ctx.arc(last.x, last.y, ctx.lineWidth / 2, 0, Math.PI * 2);
      ctx.fillStyle = ctx.strokeStyle;
      ctx.fill();
      inked = true;
      if (hint) hint.hidden = true;
    });
    canvas.addEventListener("pointermove", function (event) {
      if (!drawing) return;
      event.preventDefault();
      var p = point(event);
      ctx.beginPath();
      ctx.moveTo(last.x, last.y);
      ctx.lineTo(p.x, p.y);
      ctx.stroke();
      last = p;
    });
    // The field holds the drawing after every stroke, so whoever reads the form (tech.js's
    // offline queue reads it first) gets the signature.
    function stop() {
      if (drawing) hidden.value = canvas.toDataURL("image/png");
      drawing = false;
      last = null;
    }
    canvas.addEventListener("pointerup", stop);
    canvas.addEventListener("pointercancel", stop);

    form.querySelector("[data-signature-clear]").addEventListener("click", function () {
      ctx.clearRect(0, 0, canvas.width, canvas.height);
      inked = false;
      hidden.value = "";
      if (hint) hint.hidden = false;
    });
    form.addEventListener("submit", function (event) {
      if (!inked) {
        event.preventDefault();
        if (hint) { hint.hidden = false; hint.textContent = "Please sign here first"; }
      }
    });
    form.dataset.signatureReady = "true"; // the pad takes strokes from here on
  }
  function start() {
    document.querySelectorAll("form[data-signature-form]").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
