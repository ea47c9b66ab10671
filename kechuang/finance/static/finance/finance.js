/* Finance board and score history charts, from json_script blocks (no inline scripts under the CSP). */
(function () {
  "use strict";
  function draw() {
    if (typeof echarts === "undefined") return;
    var node = document.getElementById("fin-board-data");
    if (node) {
      var d = JSON.parse(node.textContent);
      var loans = document.getElementById("fin-chart-loans");
      if (loans) {
        echarts.init(loans).setOption({
          animation: false, tooltip: { trigger: "axis" }, legend: { top: 0 },
          grid: { left: 60, right: 20, top: 40, bottom: 30 },
          xAxis: { type: "category", data: d.months }, yAxis: { type: "value" },
          series: [
            { name: d.lukedai_label, type: "bar", stack: "loans", data: d.lukedai },
            { name: d.rd_loan_label, type: "bar", stack: "loans", data: d.rd_loan }
          ]
        });
      }
      var dist = document.getElementById("fin-chart-scores");
      if (dist) {
        echarts.init(dist).setOption({
          animation: false, tooltip: { trigger: "axis" },
          grid: { left: 50, right: 20, top: 20, bottom: 30 },
          xAxis: { type: "category", data: d.bands }, yAxis: { type: "value", minInterval: 1 },
          series: [{ type: "bar", data: d.band_counts }]
        });
      }
    }
    var hist = document.getElementById("fin-score-history");
    if (hist) {
      var h = JSON.parse(document.getElementById("fin-history-data").textContent);
      echarts.init(hist).setOption({
        animation: false, tooltip: { trigger: "axis" },
        grid: { left: 40, right: 20, top: 20, bottom: 30 },
        xAxis: { type: "category", data: h.dates }, yAxis: { type: "value", min: 0, max: 100 },
        series: [{ type: "line", data: h.totals }]
      });
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw); else draw();
})();
