// The reports page's charts, drawn with the vendored Chart.js from the numbers the page's
// tables show (the json_script "report-data"). No inline script: the page's CSP allows none.
(function () {
  "use strict";

  const PALETTE = ["#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#d63384", "#ffc107", "#0dcaf0", "#6c757d"];

  function colour(i) {
    return PALETTE[i % PALETTE.length];
  }

  function draw(id, config) {
    const canvas = document.getElementById(id);
    if (!canvas || typeof window.Chart === "undefined") return;
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    canvas.chart = new window.Chart(canvas, config);
    canvas.dataset.drawn = "true";
  }

  function start() {
    // The technician search belongs to a form of its own so that it is not sent with the period;
    // Enter in it must not submit that form (it would reload the page with the search alone).
    const search = document.getElementById("picker-search");
    if (search) search.addEventListener("submit", function (event) { event.preventDefault(); });
    const source = document.getElementById("report-data");
    if (!source) return;
    const data = JSON.parse(source.textContent);

    draw("chart-jobs", {
      type: "bar",
      data: {
        labels: data.days,
        datasets: data.jobs.map((series, i) => ({ label: series.label, data: series.data, backgroundColor: colour(i) })),
      },
      options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
    });

    draw("chart-calls", {
      type: "bar",
      data: {
        labels: data.days,
        datasets: [
          { label: "Answered", data: data.calls.answered, backgroundColor: "#198754" },
          { label: "Missed or voicemail", data: data.calls.missed, backgroundColor: "#dc3545" },
        ],
      },
      options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
    });

    draw("chart-rates", {
      type: "bar",
      data: {
        labels: data.technicians,
        datasets: Object.keys(data.rates).map((name, i) => ({ label: name, data: data.rates[name], backgroundColor: colour(i) })),
      },
      options: { scales: { y: { beginAtZero: true, max: 100 } } },
    });

    draw("chart-types", {
      type: "bar",
      data: {
        labels: data.job_types,
        datasets: [
          { label: "Average hours on site", data: data.on_site_hours, backgroundColor: "#0d6efd", yAxisID: "hours" },
          { label: "Parts cost", data: data.parts_cost, backgroundColor: "#fd7e14", yAxisID: "cost" },
        ],
      },
      options: {
        scales: {
          hours: { type: "linear", position: "left", beginAtZero: true },
          cost: { type: "linear", position: "right", beginAtZero: true, grid: { drawOnChartArea: false } },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
