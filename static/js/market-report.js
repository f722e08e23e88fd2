/* Market report charts (Apache ECharts, vendored, as on the dashboard): price ranges (lowest to highest, the
   median marked), the stock trend and competitor presence, drawn from the JSON the page embeds with json_script.
   The tables under each chart carry the same figures for screen readers and for printing. */
(function () {
  "use strict";
  var node = document.getElementById("market-data");
  if (!node || typeof echarts === "undefined") { return; }
  var data = JSON.parse(node.textContent);
  function percent(value) { return value === null || value === undefined ? "—" : (value * 100).toFixed(1) + " %"; }
  function number(text) { return text === null ? null : Number(text); }
  document.querySelectorAll(".kam-chart[data-chart]").forEach(function (box) {
    var kind = box.dataset.chart;
    if (kind === "prices") { box.style.height = Math.max(160, 36 * Number(box.dataset.rows || 1) + 60) + "px"; }
    var chart = echarts.init(box, null, { renderer: "svg" });
    if (kind === "prices") {
      var p = data.prices;
      var low = p.low.map(number), high = p.high.map(number);
      chart.setOption({
        grid: { left: 8, right: 24, top: 28, bottom: 8, containLabel: true },
        legend: { top: 0, data: [data.names.range, data.names.median] },
        tooltip: {
          trigger: "axis", axisPointer: { type: "shadow" },
          formatter: function (items) {
            var i = items[0].dataIndex;
            var esc = echarts.format.encodeHTML;  // names are typed by people: never markup
            return esc(p.labels[i]) + "<br>" + esc(data.names.low) + ": " + p.low[i] + "<br>" + esc(data.names.median) + ": " +
              p.median[i] + "<br>" + esc(data.names.high) + ": " + p.high[i];
          }
        },
        xAxis: { type: "value", scale: true },
        yAxis: { type: "category", inverse: true, data: p.labels, axisLabel: { width: 140, overflow: "truncate" } },
        series: [
          { type: "bar", stack: "range", silent: true, itemStyle: { color: "transparent" }, data: low },
          { type: "bar", stack: "range", name: data.names.range, barMaxWidth: 18, barMinHeight: 2,
            data: high.map(function (h, i) {
              return { value: h - low[i], itemStyle: { color: p.ours[i] ? "#0d6efd" : "#fd7e14", opacity: 0.45 } };
            }) },
          { type: "scatter", name: data.names.median, symbol: "diamond", symbolSize: 12, itemStyle: { color: "#212529" },
            data: p.median.map(number) }
        ]
      });
    } else if (kind === "stock") {
      chart.setOption({
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis" },
        legend: { top: 0, type: "scroll" },
        xAxis: { type: "category", boundaryGap: true, data: data.months },
        yAxis: { type: "value" },
        series: data.stock.map(function (s) {
          return { type: "line", name: s.name, data: s.values, connectNulls: false, showSymbol: true, showAllSymbol: true, symbolSize: 7 };
        })
      });
    } else if (kind === "presence") {
      chart.setOption({
        grid: { left: 8, right: 16, top: 40, bottom: 8, containLabel: true },
        tooltip: { trigger: "axis", valueFormatter: percent },
        legend: { top: 0, type: "scroll" },
        xAxis: { type: "category", data: data.months },
        yAxis: { type: "value", max: 1, axisLabel: { formatter: function (v) { return (v * 100).toFixed(0) + "%"; } } },
        series: data.presence.map(function (s) { return { type: "bar", name: s.name, data: s.values }; })
      });
    }
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
