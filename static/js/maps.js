// Maps with Leaflet (static/vendor/leaflet): the dispatch map (fieldops/dispatch_map.html) and the
// customer form's pin (dispatch/customer_form.html). Pins are divIcons styled by classes in
// office.css, so they draw with no tiles at all (offline, or a tile server that fails); nothing
// here writes a style attribute or inline markup (the CSP allows neither).
(function () {
  "use strict";

  function baseMap(element, options) {
    var center = (element.dataset.center || "40.7128,-74.0060").split(",").map(Number);
    var map = L.map(element, Object.assign({ zoomControl: true }, options || {})).setView(center, 11);
    if (element.dataset.tileUrl) {
      L.tileLayer(element.dataset.tileUrl, {
        maxZoom: 19,
        attribution: element.dataset.attribution || "",
      }).addTo(map);
    }
    return map;
  }

  function pin(className, label) {
    return L.divIcon({ className: "map-pin " + className, iconSize: [18, 18], iconAnchor: [9, 9], html: "" });
  }

  function text(tag, value, className) {
    var el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  // The dispatch map --------------------------------------------------------------------------

  function showCard(job) {
    var card = document.getElementById("map-card");
    if (!card) return;
    card.querySelector("[data-map-card-empty]").hidden = true;
    var box = card.querySelector("[data-map-card]");
    box.hidden = false;
    var link = box.querySelector("[data-map-card-link]");
    link.href = job.url;
    link.textContent = "#" + job.id + " " + job.title;
    var body = box.querySelector("[data-map-card-body]");
    body.replaceChildren(
      text("div", job.customer),
      text("div", job.address, "text-body-secondary"),
      text("div", [job.status_label, job.time, job.technician || "Unassigned"].filter(Boolean).join(" · ")),
    );
    var open = text("a", "Open work order", "btn btn-sm btn-primary mt-2");
    open.href = job.url;
    body.appendChild(open);
  }

  function dispatchMap(element) {
    var source = document.getElementById(element.dataset.dataId);
    var data = JSON.parse(source.textContent);
    var map = baseMap(element);
    var bounds = [];
    function add(marker, point) {
      marker.addTo(map);
      bounds.push(point);
      return marker;
    }
    // Route colours (SVG stroke attributes, not styles).
    var colours = ["#0d6efd", "#6f42c1", "#d63384", "#fd7e14", "#20c997", "#6c757d", "#198754", "#0dcaf0"];
    var legend = document.getElementById("map-routes");
    data.technicians.forEach(function (tech, index) {
      if (tech.route.length > 1) {
        L.polyline(tech.route, { className: "map-route", color: colours[index % colours.length], weight: 3, opacity: 0.8 })
          .bindTooltip(tech.name + "'s route today")
          .addTo(map);
        if (legend) {
          var item = text("li", " " + tech.name + (tech.last_seen ? " · seen " + tech.last_seen : ""));
          item.prepend(text("span", "", "map-swatch map-route-swatch-" + (index % colours.length)));
          legend.appendChild(item);
          legend.closest("[hidden]") && (legend.closest("[hidden]").hidden = false);
        }
      }
      if (tech.home) {
        add(L.marker(tech.home, { icon: pin("map-pin-home", tech.name + " home"), title: tech.name + " (home base)", keyboard: true }), tech.home);
      }
      if (tech.last_position) {
        add(
          L.marker(tech.last_position, {
            icon: pin("map-pin-technician", tech.name),
            title: tech.name + (tech.last_seen ? ", seen " + tech.last_seen : ""),
          }),
          tech.last_position,
        );
      }
    });
    function jobMarker(job, className) {
      var marker = L.marker(job.at, { icon: pin(className, job.title), title: "#" + job.id + " " + job.customer + " " + job.time });
      marker.on("click keypress", function () { showCard(job); });
      marker.on("add", function () {
        var el = marker.getElement();
        el.dataset.workOrder = job.id;
        el.setAttribute("aria-label", "Work order #" + job.id + ", " + job.customer);
      });
      add(marker, job.at);
    }
    data.jobs.forEach(function (job) { if (job.at) jobMarker(job, "map-pin-job map-pin-" + job.status); });
    data.unassigned.forEach(function (job) { jobMarker(job, "map-pin-job map-pin-unassigned"); });
    if (bounds.length) map.fitBounds(bounds, { padding: [30, 30], maxZoom: 14 });
  }

  // The customer form's pin -------------------------------------------------------------------

  function customerMap(element) {
    var form = element.closest("form");
    var lat = form.querySelector("[data-map-latitude]");
    var lng = form.querySelector("[data-map-longitude]");
    var status = document.getElementById("map-search-status");
    var map = baseMap(element);
    var marker = null;
    function place(point, zoom) {
      if (marker) marker.setLatLng(point);
      else {
        marker = L.marker(point, { icon: pin("map-pin-job map-pin-scheduled", "Customer"), draggable: true, title: "The customer's location" }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      }
      map.setView(point, zoom || Math.max(map.getZoom(), 15));
    }
    function write(point) {
      lat.value = point.lat.toFixed(6);
      lng.value = point.lng.toFixed(6);
    }
    if (lat.value && lng.value) place([Number(lat.value), Number(lng.value)], 15);
    map.on("click", function (event) { place(event.latlng); write(event.latlng); });
    [lat, lng].forEach(function (input) {
      input.addEventListener("change", function () {
        if (lat.value && lng.value && !isNaN(lat.value) && !isNaN(lng.value)) place([Number(lat.value), Number(lng.value)]);
      });
    });
    var search = form.querySelector("[data-map-search]");
    if (!search) return;
    var results = document.getElementById("map-search-results");
    search.addEventListener("click", function () {
      var address = form.querySelector("[name=address]").value;
      status.textContent = "Searching…";
      results.replaceChildren();
      fetch(element.dataset.geocodeUrl + "?q=" + encodeURIComponent(address), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
        .then(function (answer) {
          var body = answer[1];
          if (!answer[0]) { status.textContent = body.error || "The address search failed."; return; }
          if (!body.places.length) { status.textContent = "No place found for that address; place the pin on the map."; return; }
          status.textContent = body.places.length === 1 ? "Found it: check the pin." : "Pick the right place:";
          body.places.forEach(function (p, index) {
            var button = text("button", p.label, "list-group-item list-group-item-action small");
            button.type = "button";
            function choose() {
              results.querySelectorAll(".active").forEach(function (b) { b.classList.remove("active"); b.removeAttribute("aria-current"); });
              button.classList.add("active");
              button.setAttribute("aria-current", "true");
              place([p.latitude, p.longitude], 16);
              write({ lat: p.latitude, lng: p.longitude });
            }
            button.addEventListener("click", choose);
            results.appendChild(button);
            if (index === 0) choose();
          });
        })
        .catch(function () { status.textContent = "The address search failed; place the pin on the map."; });
    });
  }

  function start() {
    if (typeof L === "undefined") return;
    document.querySelectorAll("[data-dispatch-map]").forEach(dispatchMap);
    document.querySelectorAll("[data-customer-map]").forEach(customerMap);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
