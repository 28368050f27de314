/* TechFlow job record on the phone: photos.
 * A photo is resized on the phone (longest side 1600 px, JPEG) and queued in IndexedDB through
 * tech.js's queue (window.techflowQueue), which sends it at once when online and replays it,
 * in order and once (its idempotency key), when the connection returns.
 * Without this file the form is a plain multipart post of the original photo.
 */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var QUALITY = 0.8;

  function decode(file) {
    if (window.createImageBitmap) return createImageBitmap(file);
    return new Promise(function (resolve, reject) {
      var img = new Image();
      img.onload = function () { resolve(img); };
      img.onerror = reject;
      img.src = URL.createObjectURL(file);
    });
  }

  function resize(file) {
    if (!/^image\//.test(file.type)) return Promise.resolve(file);
    return decode(file).then(function (image) {
      var scale = Math.min(1, MAX_SIDE / Math.max(image.width, image.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(image.width * scale);
      canvas.height = Math.round(image.height * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) { resolve(blob || file); }, "image/jpeg", QUALITY);
      });
    }, function () { return file; });
  }

  function fieldsOf(form) {
    var fields = {};
    new FormData(form).forEach(function (value, name) {
      if (typeof value === "string") fields[name] = value;
    });
    return fields;
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-photo-form")) return;
    var queue = window.techflowQueue;
    var input = form.querySelector('input[type="file"]');
    if (!queue || !input || !input.files.length) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var file = input.files[0];
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
    queue.fillLocation(form);
    form.querySelector('input[name="taken_at"]').value = new Date().toISOString();
    var fields = fieldsOf(form);
    resize(file).then(function (blob) {
      return queue.add({ url: form.action, fields: fields, file: blob, name: "photo.jpg", label: "Photo" });
    }).then(function () {
      // The next photo is a new action.
      form.querySelector('input[name="idempotency_key"]').value = queue.uuid();
      input.value = "";
      var caption = form.querySelector('input[name="caption"]');
      if (caption) caption.value = "";
      if (button) button.disabled = false;
      var banner = document.getElementById("offline-banner");
      if (banner && !navigator.onLine) {
        banner.textContent = "Photo saved on the phone. It is sent when you're back online.";
        banner.hidden = false;
      }
    }, function () {
      // The phone could not keep it (storage full or private mode): send the form as it is.
      if (button) button.disabled = false;
      form.submit();
    });
  }, true);
})();
