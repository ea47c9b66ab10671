/* Technology market dashboard: two ECharts from the json_script block (no inline scripts under the CSP). */
(function () {
  "use strict";
  function draw() {
    var node = document.getElementById("tm-dashboard-data");
    if (!node || typeof echarts === "undefined") return;
    var data = JSON.parse(node.textContent);
    var L = data.labels, S = data.series;
    var activity = document.getElementById("tm-chart-activity");
    var turnover = document.getElementById("tm-chart-turnover");
    var axis = { type: "category", data: data.months };
    if (activity) {
      echarts.init(activity).setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 40, right: 20, top: 40, bottom: 30 },
        xAxis: axis,
        yAxis: { type: "value", minInterval: 1 },
        series: [
          { name: L.achievements, type: "bar", stack: "posted", data: S.achievements },
          { name: L.demands, type: "bar", stack: "posted", data: S.demands },
          { name: L.matches, type: "line", data: S.matches }
        ]
      });
    }
    if (turnover) {
      echarts.init(turnover).setOption({
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 50, right: 50, top: 40, bottom: 30 },
        xAxis: axis,
        yAxis: [{ type: "value", minInterval: 1 }, { type: "value" }],
        series: [
          { name: L.contracts, type: "bar", data: S.contracts },
          { name: L.turnover_wan, type: "line", yAxisIndex: 1, data: S.turnover_wan }
        ]
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
