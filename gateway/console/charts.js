// Hand-written inline SVG charts: stacked bars per hour, and a line over samples.
"use strict";
const Charts = {};
const SVG = "http://www.w3.org/2000/svg";

Charts.el = (name, attrs, text) => {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
};

Charts.COLORS = { ok: "#2e8b57", error: "#c0392b", paid: "#2e8b57", failed: "#c0392b",
  pending: "#e6a23c", expired: "#8e8e8e" };

// rows: [{hour, series, count}] → bars per hour stacked by series.
Charts.stackedBars = (container, rows, seriesOrder) => {
  container.replaceChildren();
  const hours = [...new Set(rows.map((r) => r.hour))].sort();
  if (!hours.length) { container.textContent = "no data in this period"; return; }
  const totals = hours.map((h) => rows.filter((r) => r.hour === h).reduce((n, r) => n + r.count, 0));
  const max = Math.max(...totals, 1);
  const width = 640, height = 180, left = 36, bottom = 24;
  const bw = Math.max(4, Math.floor((width - left - 10) / hours.length) - 4);
  const svg = Charts.el("svg", { width, height, role: "img" });
  svg.appendChild(Charts.el("text", { x: 2, y: 12 }, String(max)));
  svg.appendChild(Charts.el("text", { x: 2, y: height - bottom }, "0"));
  hours.forEach((hour, i) => {
    let y = height - bottom;
    const x = left + i * (bw + 4);
    for (const series of seriesOrder) {
      const count = rows.filter((r) => r.hour === hour && r.series === series).reduce((n, r) => n + r.count, 0);
      if (!count) continue;
      const h = Math.max(1, Math.round((count / max) * (height - bottom - 16)));
      y -= h;
      const bar = Charts.el("rect", { x, y, width: bw, height: h, fill: Charts.COLORS[series] || "#5470c6" });
      bar.appendChild(Charts.el("title", {}, `${hour} ${series}: ${count}`));
      svg.appendChild(bar);
    }
    if (i % Math.ceil(hours.length / 8) === 0) {
      svg.appendChild(Charts.el("text", { x, y: height - 8 }, hour.slice(11, 16)));
    }
  });
  container.appendChild(svg);
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const series of seriesOrder) {
    const item = document.createElement("span");
    const swatch = document.createElement("i");
    swatch.style.background = Charts.COLORS[series] || "#5470c6";
    item.append(swatch, series);
    legend.appendChild(item);
  }
  container.appendChild(legend);
};

// samples: [{t: Date, value}] → a polyline.
Charts.line = (container, samples) => {
  container.replaceChildren();
  if (samples.length < 2) { container.textContent = "collecting samples…"; return; }
  const width = 640, height = 120, pad = 20;
  const max = Math.max(...samples.map((s) => s.value), 1);
  const t0 = samples[0].t, span = Math.max(samples[samples.length - 1].t - t0, 1);
  const points = samples.map((s) =>
    `${pad + ((s.t - t0) / span) * (width - 2 * pad)},${height - pad - (s.value / max) * (height - 2 * pad)}`);
  const svg = Charts.el("svg", { width, height, role: "img" });
  svg.appendChild(Charts.el("polyline", { points: points.join(" "), fill: "none", stroke: "#7a1f1f", "stroke-width": 2 }));
  svg.appendChild(Charts.el("text", { x: 2, y: 12 }, String(max)));
  svg.appendChild(Charts.el("text", { x: 2, y: height - 4 }, "0"));
  container.appendChild(svg);
};
