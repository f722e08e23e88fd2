/* Dashboard charts (Apache ECharts, vendored): the ranking bar chart and the trend lines, drawn from the JSON
   the page embeds with json_script. The tables beside them carry the same figures for screen readers. */
(function () {
  "use strict";
  function data(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function percent(value) { return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + " %"; }
  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll(".kam-chart").forEach(function (node) {
      if (node.dataset.drawn) { return; }
      node.dataset.drawn = "1";
      if (node.dataset.height) { node.style.height = node.dataset.height + "px"; }  // CSSOM: allowed by the CSP
      var chart = echarts.init(node, null, { renderer: "svg" });
      if (node.dataset.chart === "ranking") {
        var ranking = data("ranking-data");
        if (!ranking) { return; }
        chart.setOption({
          grid: { left: 8, right: 48, top: 8, bottom: 8, containLabel: true },
          tooltip: { valueFormatter: percent },
          xAxis: { type: "value", axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } },
          yAxis: { type: "category", inverse: true, data: ranking.labels },
          series: [{ type: "bar", name: ranking.name, data: ranking.values,
                     label: { show: true, position: "right", formatter: function (p) { return percent(p.value); } },
                     markLine: { silent: true, symbol: "none", data: [{ xAxis: 1 }] } }]
        });
      } else if (node.dataset.chart === "trend") {
        var trend = data("trend-data");
        if (!trend) { return; }
        chart.setOption({
          grid: { left: 8, right: 8, top: 40, bottom: 8, containLabel: true },
          tooltip: { trigger: "axis" },
          legend: { top: 0 },
          xAxis: { type: "category", data: trend.labels },
          yAxis: [{ type: "value" }, { type: "value", axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } }],
          series: [
            { type: "bar", name: trend.names.sales, data: trend.sales },
            { type: "bar", name: trend.names.sales_year_ago, data: trend.sales_year_ago, itemStyle: { opacity: 0.45 } },
            { type: "line", name: trend.names.collection, yAxisIndex: 1, data: trend.collection, connectNulls: false }
          ]
        });
      }
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.body.addEventListener("htmx:afterSwap", function (event) { draw(event.target); });
})();
