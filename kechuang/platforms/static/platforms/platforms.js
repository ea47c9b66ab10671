/* Charts of the platform pages (data passed with json_script; CSP forbids inline scripts). */
(function () {
  "use strict";
  function read(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function boardChart() {
    var data = read("board-data");
    var node = document.getElementById("board-chart");
    if (!data || !node || typeof echarts === "undefined") return;
    var years = data.years.slice();
    data.forecast.forEach(function (p) { if (years.indexOf(p.year) < 0) years.push(p.year); });
    var counts = years.map(function (y) { var i = data.years.indexOf(y); return i < 0 ? null : data.counts[i]; });
    var forecast = years.map(function (y) {
      var p = data.forecast.filter(function (q) { return q.year === y; })[0];
      return p ? Math.round(p.value) : null;
    });
    var series = [
      { name: data.labels.count, type: "bar", data: counts, itemStyle: { color: "#2f6db5" } },
      { name: data.labels.forecast, type: "line", data: forecast, lineStyle: { type: "dashed" }, itemStyle: { color: "#d98b1e" } }
    ];
    if (data.target) {
      series.push({ name: data.labels.target, type: "line", data: years.map(function () { return data.target; }),
        symbol: "none", lineStyle: { color: "#c0392b" }, itemStyle: { color: "#c0392b" } });
    }
    echarts.init(node).setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: years }, yAxis: { type: "value" }, series: series
    });
  }
  function funnelChart() {
    var data = read("funnel-data");
    var node = document.getElementById("funnel-chart");
    if (!data || !node || typeof echarts === "undefined") return;
    echarts.init(node).setOption({
      tooltip: { trigger: "axis" }, legend: { top: 0 }, grid: { left: 50, right: 20, top: 40, bottom: 30 },
      xAxis: { type: "category", data: data.stages }, yAxis: { type: "value" },
      series: [
        { name: data.labels.now, type: "bar", data: data.now, itemStyle: { color: "#2f6db5" } },
        { name: data.labels.graduated, type: "bar", data: data.graduated, itemStyle: { color: "#6aa84f" } },
        { name: data.labels.hte, type: "bar", data: data.hte, itemStyle: { color: "#d98b1e" } }
      ]
    });
  }
  document.addEventListener("DOMContentLoaded", function () { boardChart(); funnelChart(); });
})();
