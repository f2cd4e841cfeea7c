// Small hand-written charts: SVG columns drawn at the container's real width (so text stays legible on a
// phone), and horizontal bar tables that are ordinary HTML tables. Every chart has its numbers as a table.

import { h, s, uid } from "./dom.js";
import { t } from "./i18n.js";

function niceStep(max, target, integer) {
  if (max <= 0) return 1;
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normal = raw / magnitude;
  const step = (normal <= 1 ? 1 : normal <= 2 ? 2 : normal <= 2.5 ? 2.5 : normal <= 5 ? 5 : 10) * magnitude;
  return integer ? Math.max(1, Math.ceil(step)) : step;
}

/** About how wide a label is at 12px: CJK characters are square, Latin ones about half as wide. */
function textWidth(text) {
  let width = 0;
  for (const ch of String(text)) width += ch.charCodeAt(0) > 0x2e7f ? 12 : 7;
  return width;
}

function legend(series) {
  return h("ul", { class: "legend", "aria-hidden": "true" },
    series.map((item) => h("li", null, h("span", { class: ["swatch", item.className] }), item.name)));
}

function dataTable(categoryHeader, categories, series) {
  return h("details", { class: "chart-data" },
    h("summary", null, t("dataTable")),
    h("div", { class: "table-wrap" },
      h("table", { class: "data" },
        h("thead", null, h("tr", null, h("th", { scope: "col" }, categoryHeader),
          series.map((item) => h("th", { scope: "col", class: "num" }, item.name)))),
        h("tbody", null, categories.map((category, i) => h("tr", null,
          h("th", { scope: "row" }, category),
          series.map((item) => h("td", { class: "num" }, item.labels[i]))))))));
}

/**
 * Columns by category (e.g. year), one column per series in each group.
 * series: [{name, className, values: number[] (for drawing), labels: string[] (for reading)}]
 */
export function columnChart({ title, description, categories, series, formatTick, categoryHeader, integer = false }) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  const host = h("div", { class: "chart-host" });
  const heading = h("h3", { id: titleId, class: "chart-title" }, title);

  function draw(available) {
    const width = Math.max(260, Math.floor(available));
    const height = width < 520 ? 220 : 260;
    const values = series.flatMap((item) => item.values);
    const max = Math.max(0, ...values);
    const step = niceStep(max || 1, 4, integer);
    const top = Math.max(step, Math.ceil(max / step) * step);
    const ticks = [];
    for (let v = 0; v <= top + step / 1000; v += step) ticks.push(v);
    const tickLabels = ticks.map(formatTick);
    const left = 10 + Math.max(...tickLabels.map(textWidth));
    const right = 8;
    const upper = 12;
    const lower = 26;
    const plotWidth = width - left - right;
    const plotHeight = height - upper - lower;
    const band = plotWidth / Math.max(1, categories.length);
    const every = Math.max(1, Math.ceil((Math.max(...categories.map(textWidth)) + 10) / band));
    const y = (v) => upper + plotHeight - (v / top) * plotHeight;

    const svg = s("svg", {
      class: "chart-svg", width, height, viewBox: `0 0 ${width} ${height}`, role: "img",
      "aria-labelledby": `${titleId} ${descId}`, focusable: "false",
    }, s("desc", { id: descId }, description));
    for (const [i, v] of ticks.entries()) {
      svg.appendChild(s("line", { class: "grid", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
      svg.appendChild(s("text", { class: "tick", x: left - 6, y: y(v) + 4, "text-anchor": "end" }, tickLabels[i]));
    }
    const group = band * 0.74;
    const barWidth = group / series.length;
    categories.forEach((category, i) => {
      const x0 = left + i * band + (band - group) / 2;
      series.forEach((item, k) => {
        const value = item.values[i] || 0;
        const barTop = y(value);
        svg.appendChild(s("rect", {
          class: ["bar", item.className], x: x0 + k * barWidth, y: barTop,
          width: Math.max(1, barWidth - 1), height: Math.max(0, upper + plotHeight - barTop),
        }, s("title", null, `${category} ${item.name}: ${item.labels[i]}`)));
      });
      if (i % every === 0) {
        svg.appendChild(s("text", { class: "tick", x: left + i * band + band / 2, y: height - 8, "text-anchor": "middle" },
          category));
      }
    });
    svg.appendChild(s("line", { class: "axis", x1: left, x2: width - right, y1: y(0), y2: y(0) }));
    host.replaceChildren(svg);
  }

  let drawn = 0;
  const observer = new ResizeObserver((entries) => {
    const width = Math.floor(entries[0].contentRect.width);
    if (width > 0 && Math.abs(width - drawn) > 2) {
      drawn = width;
      draw(width);
    }
  });
  observer.observe(host);
  queueMicrotask(() => {
    if (!drawn) draw(host.clientWidth || 600);
  });

  return h("figure", { class: "chart", "aria-labelledby": titleId },
    heading, legend(series), host, dataTable(categoryHeader, categories, series));
}

/**
 * A horizontal bar chart that is an HTML table: label, bar and number in each row.
 * rows: [{label, value (number), display (text), href?}]
 */
export function barTable({ title, labelHeader, valueHeader, rows, headingLevel = "h3", className }) {
  const titleId = uid("bars");
  const max = Math.max(1, ...rows.map((row) => row.value));
  const total = rows.reduce((sum, row) => sum + row.value, 0);
  return h("figure", { class: ["chart", "bar-chart", className], "aria-labelledby": titleId },
    h(headingLevel, { id: titleId, class: "chart-title" }, title),
    rows.length === 0 ? h("p", { class: "muted" }, t("chartNoData")) :
      h("table", { class: "bar-table", "aria-labelledby": titleId },
        h("thead", null, h("tr", null,
          h("th", { scope: "col" }, labelHeader),
          h("th", { scope: "col", class: "num" }, valueHeader))),
        h("tbody", null, rows.map((row) => h("tr", null,
          h("th", { scope: "row" }, row.href ? h("a", { href: row.href }, row.label) : row.label),
          h("td", { class: "bar-cell" },
            h("span", { class: "bar-track", "aria-hidden": "true" },
              h("span", { class: "bar-fill", style: { "--w": `${(row.value / max) * 100}%` } })),
            h("span", { class: "num" }, row.display ?? String(row.value),
              total > 0 ? h("span", { class: "visually-hidden" }, ` (${Math.round((row.value / total) * 1000) / 10}%)`) : null)))))));
}
