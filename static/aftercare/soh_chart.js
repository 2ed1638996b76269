// The SOH trend chart of the EV panel on the vehicle page (docs/DOMAIN.md §17.4), drawn with the
// vendored ECharts once htmx has loaded the panel. Data comes from a json_script element; no inline script.
(function () {
  "use strict";
  function draw(root) {
    var nodes = (root || document).querySelectorAll("[data-soh-chart]:not([data-drawn])");
    nodes.forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-soh-chart"));
      if (!source || typeof echarts === "undefined") { return; }
      var data = JSON.parse(source.textContent);
      el.setAttribute("data-drawn", "1");
      el.style.height = "260px";
      var chart = echarts.init(el, null, { renderer: "canvas" });
      chart.on("finished", function () { el.setAttribute("data-rendered", "1"); });
      var soh = data.points.map(function (p) { return p[1]; });
      var low = Math.min.apply(null, soh.concat([data.warranty])) - 5;
      chart.setOption({
        animation: false,
        grid: { left: 40, right: 16, top: 28, bottom: 28 },
        legend: { top: 0, textStyle: { fontSize: 11 } },
        tooltip: { trigger: "axis" },
        xAxis: { type: "time" },
        yAxis: { type: "value", min: Math.floor(low), max: 100, name: "%" },
        series: [
          { name: data.labels.soh, type: "scatter", data: data.points, symbolSize: 7 },
          { name: data.labels.fit, type: "line", data: data.fit, showSymbol: false, lineStyle: { type: "dashed" },
            markLine: { symbol: "none", silent: true, data: [
              { name: data.labels.service, yAxis: data.service, lineStyle: { color: "#f0ad4e" },
                label: { position: "insideEndTop", formatter: data.labels.service + " {c}%" } },
              { name: data.labels.warranty, yAxis: data.warranty, lineStyle: { color: "#d9534f" },
                label: { position: "insideEndTop", formatter: data.labels.warranty + " {c}%" } }
            ] } }
        ]
      });
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSettle", function (event) { draw(event.target); });
})();
