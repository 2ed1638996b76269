// Report charts (templates/reports/_chart.html): ECharts from static/vendor/echarts, large type for a
// wall screen; before printing each chart is redrawn at the paper's width, after printing back.
(function () {
  "use strict";
  var charts = [];

  function option(data, big) {
    var font = big ? 18 : 14;
    var pct = data.percent ? "{value}%" : "{value}";
    var base = {
      textStyle: { fontSize: font },
      animation: false,
      legend: { top: 0, textStyle: { fontSize: font } },
      tooltip: { trigger: data.kind === "pie" ? "item" : "axis", textStyle: { fontSize: font } },
      grid: { left: 16, right: 24, top: 48, bottom: 16, containLabel: true },
      color: ["#0d6efd", "#198754", "#fd7e14", "#6f42c1", "#dc3545", "#20c997", "#6c757d"],
    };
    if (data.kind === "pie") {
      base.series = [{
        type: "pie", radius: ["35%", "70%"],
        label: { fontSize: font, formatter: "{b}: {d}%" },
        data: data.categories.map(function (name, i) { return { name: name, value: data.series[0].data[i] }; }),
      }];
      return base;
    }
    base.xAxis = { type: "category", data: data.categories, axisLabel: { fontSize: font } };
    base.yAxis = { type: "value", axisLabel: { fontSize: font, formatter: pct } };
    base.series = data.series.map(function (s) {
      return {
        name: s.name, type: data.kind, data: s.data, connectNulls: true,
        lineStyle: { width: 3 }, symbolSize: 8,
        label: { show: data.categories.length <= 12, position: "top", fontSize: font - 2 },
      };
    });
    return base;
  }

  function draw() {
    if (!window.echarts) { return; }
    document.querySelectorAll("[data-echart]").forEach(function (el) {
      if (el.dataset.drawn) { return; }
      var source = document.getElementById(el.dataset.echart);
      if (!source) { return; }
      var data = JSON.parse(source.textContent);
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option(data, window.innerWidth >= 1600));
      el.dataset.drawn = "1";
      charts.push(chart);
    });
  }

  function resize() { charts.forEach(function (c) { c.resize(); }); }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
  window.addEventListener("resize", resize);
  window.addEventListener("beforeprint", resize);
  window.addEventListener("afterprint", resize);
  if (document.readyState !== "loading") { draw(); }
})();
