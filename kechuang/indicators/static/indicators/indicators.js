// Indicator charts (ECharts). Data comes from json_script blocks; no inline scripts (CSP).
(function () {
  "use strict";
  function data(id) {
    const node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function fmt(v) {
    if (v === null || v === undefined) return "—";
    const digits = Math.abs(v) >= 1000 ? 0 : 2;
    return Number(v).toLocaleString("zh-CN", { maximumFractionDigits: digits });
  }

  function detailChart() {
    const el = document.getElementById("indicator-chart");
    const d = data("indicator-chart-data");
    if (!el || !d || !window.echarts) return;
    const years = new Set();
    d.history.forEach((p) => years.add(p[0]));
    d.path.forEach((p) => years.add(p[0]));
    d.forecast.forEach((p) => years.add(p.year));
    const comparison = d.comparison || [];
    comparison.forEach((p) => years.add(p[0]));
    const axis = Array.from(years).sort((a, b) => a - b);
    const at = (pairs) => { const m = new Map(pairs); return axis.map((y) => (m.has(y) ? m.get(y) : null)); };
    const hist = at(d.history);
    const last = d.history.length ? d.history[d.history.length - 1] : null;
    const fc = d.forecast.map((f) => [f.year, f.value]);
    const lo = d.forecast.map((f) => [f.year, f.lower]);
    const band = d.forecast.map((f) => [f.year, f.upper - f.lower]);
    if (last && d.forecast.length) { fc.unshift(last); lo.unshift(last); band.unshift([last[0], 0]); }
    const series = [
      { name: d.labels.history, type: "line", data: hist, connectNulls: true, symbolSize: 6, lineStyle: { width: 2.5 }, itemStyle: { color: "#1f5fa8" } },
      { name: d.labels.path, type: "line", data: at(d.path), connectNulls: true, symbol: "none", lineStyle: { type: "dashed", color: "#2e7d32" }, itemStyle: { color: "#2e7d32" } },
      { name: d.labels.forecast, type: "line", data: at(fc), connectNulls: true, symbol: "emptyCircle", lineStyle: { type: "dotted", width: 2 }, itemStyle: { color: "#1f5fa8" } },
      { name: "lower", type: "line", data: at(lo), stack: "band", symbol: "none", lineStyle: { opacity: 0 }, connectNulls: true, tooltip: { show: false } },
      { name: d.labels.band, type: "line", data: at(band), stack: "band", symbol: "none", lineStyle: { opacity: 0 }, areaStyle: { color: "rgba(31,95,168,0.18)" }, connectNulls: true, itemStyle: { color: "rgba(31,95,168,0.35)" } },
    ];
    const legend = [d.labels.history, d.labels.path, d.labels.forecast, d.labels.band];
    const yAxis = [{ type: "value", name: d.unit, scale: true }];
    if (comparison.length) {
      // The province's published figures as a comparison line; on a right-hand axis when its scale differs (a
      // province counts ~20× the city's enterprises, while a share or an intensity compares directly).
      const own = d.history.map((p) => Math.abs(p[1])).concat(d.target !== null ? [Math.abs(d.target)] : []);
      const ownMax = own.length ? Math.max(...own) : 0;
      const theirs = Math.max(...comparison.map((p) => Math.abs(p[1])));
      const apart = ownMax > 0 && (theirs / ownMax > 3 || ownMax / theirs > 3);
      if (apart) yAxis.push({ type: "value", name: d.labels.comparison_axis + (d.unit ? " " + d.unit : ""), scale: true, splitLine: { show: false } });
      series.push({ name: d.labels.comparison, type: "line", data: at(comparison), yAxisIndex: apart ? 1 : 0, connectNulls: true, symbol: "diamond", symbolSize: 8, lineStyle: { type: "dashed", width: 1.5, color: "#8e5ea2" }, itemStyle: { color: "#8e5ea2" } });
      legend.push(d.labels.comparison);
    }
    if (d.target !== null) {
      series[0].markLine = { symbol: "none", lineStyle: { color: "#c62828", type: "dashed" }, label: { formatter: d.labels.target + " " + fmt(d.target) + d.unit, position: "insideEndTop" }, data: [{ yAxis: d.target }] };
    }
    const chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { data: legend, top: 4 },
      grid: { left: 60, right: yAxis.length > 1 ? 70 : 30, top: 40, bottom: 30 },
      xAxis: { type: "category", data: axis.map(String), boundaryGap: false },
      yAxis: yAxis,
      series: series,
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  function regionChart() {
    const el = document.getElementById("region-chart");
    const d = data("region-chart-data");
    if (!el || !d || !window.echarts) return;
    const labels = d.labels.slice().reverse();
    const values = d.values.slice().reverse();
    const allocations = d.allocations.slice().reverse();
    const series = [{ name: d.value_label, type: "bar", data: values, itemStyle: { color: "#1f5fa8" }, label: { show: true, position: "right", formatter: (p) => fmt(p.value) } }];
    if (allocations.some((v) => v !== null)) {
      series.push({ name: d.allocation_label, type: "scatter", data: allocations, symbol: "diamond", symbolSize: 12, itemStyle: { color: "#c62828" } });
    }
    const chart = window.echarts.init(el);
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", valueFormatter: fmt },
      legend: { top: 4 },
      grid: { left: 90, right: 60, top: 36, bottom: 20 },
      xAxis: { type: "value", name: d.unit },
      yAxis: { type: "category", data: labels },
      series: series,
    });
    el.dataset.ready = "1";
    window.addEventListener("resize", () => chart.resize());
  }

  document.addEventListener("DOMContentLoaded", () => { detailChart(); regionChart(); });
})();
