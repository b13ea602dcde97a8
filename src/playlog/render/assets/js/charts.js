// Charts (Chart.js and its matrix and geo plugins), coloured from the page's CSS
// variables so that they follow the light or dark scheme and print in light.

const charts = [];

function cssVar(name) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function theme() {
  return {
    fg: cssVar("--fg"), muted: cssVar("--muted"), faint: cssVar("--faint"),
    grid: cssVar("--grid"), border: cssVar("--border"), surface: cssVar("--surface"),
    accent: cssVar("--accent"), heat0: cssVar("--heat-0"), font: cssVar("--font"),
    series: [1, 2, 3, 4, 5, 6].map((i) => cssVar(`--series-${i}`)),
  };
}

function applyDefaults(t) {
  const d = Chart.defaults;
  d.color = t.muted;
  d.borderColor = t.grid;
  d.font.family = t.font;
  d.font.size = 12;
  d.animation = false;
  d.responsive = true;
  d.maintainAspectRatio = false;
  d.plugins.legend.labels.boxWidth = 12;
  d.plugins.legend.labels.boxHeight = 12;
  d.plugins.tooltip.backgroundColor = t.fg;
  d.plugins.tooltip.titleColor = t.surface;
  d.plugins.tooltip.bodyColor = t.surface;
  d.plugins.tooltip.padding = 10;
  d.plugins.tooltip.cornerRadius = 8;
}

function destroyCharts() {
  while (charts.length) charts.pop().destroy();
}

// A chart container: the canvas is created when the page is drawn and the chart
// made once the container is in the document (Chart.js measures its parent).
function chartBox(make, opts = {}) {
  const canvas = el("canvas", { role: "img", "aria-label": opts.label || "chart" });
  const box = el("div", { class: `chart ${opts.size || ""}`.trim() }, canvas);
  box.dataset.pending = "1";
  box.makeChart = () => {
    const t = theme();
    charts.push(new Chart(canvas, make(t)));
    delete box.dataset.pending;
  };
  return box;
}

function makePendingCharts(root) {
  for (const box of root.querySelectorAll(".chart[data-pending]")) box.makeChart();
}

function alpha(color, a) {
  // #rrggbb → rgba(); other CSS colours are returned as they are.
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1], 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${a})`;
}

// Ticks of a value axis; counts (the default format) get whole numbers only.
function axisTicks(format) {
  const ticks = { callback: (v) => (format || fmtCompact)(v), maxTicksLimit: 6 };
  if (!format || format === fmtCompact || format === fmtInt) ticks.precision = 0;
  return ticks;
}

// series: [{label, values, color (index), format, axis: "y" | "y2", fill}]
function lineChart(labels, series, opts = {}) {
  return chartBox((t) => {
    const scales = {
      x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkipPadding: 16 } },
      y: { beginAtZero: true, ticks: axisTicks(series[0].format),
           border: { display: false } },
    };
    if (series.some((s) => s.axis === "y2")) {
      const s2 = series.find((s) => s.axis === "y2");
      scales.y2 = { position: "right", beginAtZero: true, grid: { display: false },
                    ticks: axisTicks(s2.format), border: { display: false } };
    }
    return {
      type: "line",
      data: {
        labels: labels.map(opts.label || ((x) => x)),
        datasets: series.map((s, i) => {
          const c = t.series[s.color ?? i];
          return {
            label: s.label, data: s.values, yAxisID: s.axis || "y",
            borderColor: c, backgroundColor: alpha(c, 0.16), fill: s.fill ?? i === 0,
            tension: 0.3, borderWidth: 2, pointRadius: labels.length > 40 ? 0 : 2.5,
            pointHoverRadius: 4, pointBackgroundColor: c,
          };
        }),
      },
      options: {
        interaction: { mode: "index", intersect: false },
        scales,
        plugins: {
          legend: { display: series.length > 1, align: "end" },
          tooltip: { callbacks: { label: (ctx) => {
            const s = series[ctx.datasetIndex];
            return ` ${s.label}: ${(s.format || fmtInt)(ctx.parsed.y)}`;
          } } },
        },
      },
    };
  }, { label: opts.aria, size: opts.size });
}

// A distribution {name: count} as bars, largest first. Horizontal by default.
function barChart(counts, opts = {}) {
  const entries = Object.entries(counts || {}).filter(([, v]) => isNum(v));
  if (!opts.keepOrder) entries.sort((a, b) => b[1] - a[1]);
  const shown = entries.slice(0, opts.limit || 12);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  const vertical = opts.vertical;
  const box = chartBox((t) => ({
    type: "bar",
    data: {
      labels: shown.map(([k]) => (opts.name || titleCase)(k)),
      datasets: [{
        label: opts.label || "count",
        data: shown.map(([, v]) => v),
        backgroundColor: shown.map(([k], i) => opts.color ? opts.color(k, t, i)
                                                      : t.series[opts.colorIndex ?? 0]),
        borderRadius: 4, borderSkipped: false,
        maxBarThickness: vertical ? 28 : 20, categoryPercentage: 0.8, barPercentage: 0.9,
      }],
    },
    options: {
      indexAxis: vertical ? "x" : "y",
      scales: {
        [vertical ? "x" : "y"]: { grid: { display: false }, border: { display: false },
                                 ticks: { color: t.fg, autoSkip: vertical, maxRotation: 0,
                                          autoSkipPadding: 8 } },
        [vertical ? "y" : "x"]: { beginAtZero: true, border: { display: false },
                                 ticks: axisTicks(opts.format) },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => {
          const v = vertical ? ctx.parsed.y : ctx.parsed.x;
          const share = total ? ` (${fmtPct(v / total)})` : "";
          return ` ${(opts.format || fmtInt)(v)}${share}`;
        } } },
      },
    },
  }), { label: opts.aria || opts.label });
  if (!vertical) box.style.height = `${Math.max(120, shown.length * 30 + 36)}px`;
  else if (opts.height) box.style.height = `${opts.height}px`;
  return shown.length ? box : emptyNote();
}

// Ticks at whole cells of a matrix whose cells are centred on integers.
function ticksAt(values) {
  return (scale) => {
    scale.ticks = values.map((value) => ({ value }));
  };
}

// weekday name → 24 counts, as a weekday × hour grid.
function heatmap(grid, opts = {}) {
  const points = [];
  let max = 0;
  WEEKDAYS.forEach((day, y) => (grid[day] || []).forEach((v, x) => {
    points.push({ x, y, v });
    max = Math.max(max, v);
  }));
  const box = chartBox((t) => ({
    type: "matrix",
    data: {
      datasets: [{
        label: opts.label || "plays",
        data: points,
        backgroundColor: (ctx) => {
          const v = ctx.raw ? ctx.raw.v : 0;
          return v && max ? alpha(t.accent, 0.12 + 0.88 * (v / max)) : t.heat0;
        },
        borderWidth: 0,
        borderRadius: 3,
        width: ({ chart }) => ((chart.chartArea || {}).width || 0) / 24 - 2,
        height: ({ chart }) => ((chart.chartArea || {}).height || 0) / 7 - 2,
      }],
    },
    options: {
      scales: {
        x: { type: "linear", min: -0.5, max: 23.5, offset: false, grid: { display: false },
             border: { display: false }, afterBuildTicks: ticksAt([0, 3, 6, 9, 12, 15, 18, 21]),
             ticks: { callback: (v) => fmtHour(v), maxRotation: 0, autoSkip: false } },
        y: { type: "linear", min: -0.5, max: 6.5, reverse: true, offset: false,
             grid: { display: false }, border: { display: false },
             afterBuildTicks: ticksAt([0, 1, 2, 3, 4, 5, 6]),
             ticks: { callback: (v) => (WEEKDAYS[v] || "").slice(0, 3), color: t.fg,
                      autoSkip: false } },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: {
          title: (items) => {
            const r = items[0].raw;
            return `${WEEKDAYS[r.y]} ${fmtHour(r.x)}–${fmtHour((r.x + 1) % 24)}`;
          },
          label: (ctx) => ` ${fmtInt(ctx.raw.v)} ${opts.label || "plays"}`,
        } },
      },
    },
  }), { label: "weekday by hour heatmap", size: "tall" });
  const t = theme();
  const steps = [0, 0.25, 0.5, 0.75, 1].map((f) => el("i", {
    style: `background:${f ? alpha(t.accent, 0.12 + 0.88 * f) : t.heat0}` }));
  return el("div", null, box, el("div", { class: "legend", "aria-hidden": "true" },
    "fewer", ...steps, `more (up to ${fmtInt(max)})`));
}

let worldFeatures = null;

function world() {
  if (worldFeatures === null) {
    const node = document.getElementById("playlog-world");
    const topo = node ? JSON.parse(node.textContent) : null;
    worldFeatures = topo && typeof ChartGeo !== "undefined"
      ? ChartGeo.topojson.feature(topo, topo.objects.countries).features : [];
  }
  return worldFeatures;
}

// country code → count on a world map (equal-area projection).
function worldMap(counts, opts = {}) {
  const features = world();
  if (!features.length) return null;
  const values = counts || {};
  const max = Math.max(1, ...Object.values(values));
  return chartBox((t) => ({
    type: "choropleth",
    data: {
      labels: features.map((f) => f.properties.name),
      datasets: [{
        label: opts.label || "plays",
        data: features.map((f) => ({ feature: f, value: values[f.id] || 0 })),
        outline: features,
        borderColor: t.surface,
        borderWidth: 0.5,
        backgroundColor: (ctx) => {
          const v = ctx.raw ? ctx.raw.value : 0;
          return v ? alpha(t.accent, 0.2 + 0.8 * Math.sqrt(v / max)) : t.heat0;
        },
      }],
    },
    options: {
      showOutline: false,
      showGraticule: false,
      scales: {
        projection: { axis: "x", projection: "equalEarth" },
        color: { axis: "x", display: false },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: {
          label: (ctx) => ` ${ctx.raw.feature.properties.name}: ${fmtInt(ctx.raw.value)}`,
        } },
      },
    },
  }), { label: "world map", size: "map" });
}

// Countries: the map when the shapes are there, and the ranked bars beside it.
function countriesPanels(counts, label) {
  const map = worldMap(counts, { label });
  const bars = barChart(counts, { name: countryName, label, limit: 12 });
  const n = Object.keys(counts || {}).length;
  const note = `${fmtInt(n)} ${n === 1 ? "country" : "countries"}`;
  if (!map) return [panel("Countries", bars, { note })];
  return [panel("Where they are", map, { span: 8, note }), panel("Top countries", bars, { span: 4 })];
}
