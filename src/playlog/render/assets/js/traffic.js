// Web traffic from access logs: the `traffic` page, and the same panels in the
// period report when its window has requests (docs/html.md lists the keys read).

const TRAFFIC_TOTALS = [
  ["requests", "Requests", fmtInt, false],
  ["visitors", "Visitors", fmtInt, false],
  ["bandwidth", "Bandwidth", fmtBytes, false],
  ["not_found", "Not found", fmtInt, true],
  ["static_requests", "Static files", fmtInt, false],
  ["bot_requests", "Bot requests", fmtInt, false],
  ["quarantined", "Unreadable lines", fmtInt, true],
];

// The traffic object of a report, when its window has requests.
function webTrafficOf(d) {
  const t = d.traffic || d.web_traffic;
  return t && t.totals && t.totals.requests ? t : null;
}

function previousTrafficTotals(t) {
  return t.previous_totals || (t.previous && t.previous.totals) || t.previous || null;
}

// A value of by_day / by_hour: a number of requests, or {requests, visitors, bandwidth}.
function measureOf(v, key) {
  if (isNum(v)) return key === "requests" ? v : 0;
  return v && isNum(v[key]) ? v[key] : 0;
}

function statusColor(code, t) {
  const c = String(code).charAt(0);
  return { 2: t.series[1], 3: t.series[4], 4: t.series[2], 5: t.series[3] }[c] || t.faint;
}

function pathTable(id, rows, withBandwidth) {
  const columns = [
    { key: "path", label: "Path", cls: "name", barOf: "requests" },
    { key: "requests", label: "Requests", num: true },
    { key: "visitors", label: "Visitors", num: true },
  ];
  if (withBandwidth) {
    columns.push({ key: "bandwidth", label: "Bandwidth", num: true, narrow: true,
                   render: (r) => fmtBytes(r.bandwidth) });
  }
  return table(id, columns, rows || [], { key: (r) => r.path, empty: "None in this window." });
}

function trafficSections(t, title) {
  const totals = t.totals || {};
  const previous = previousTrafficTotals(t);
  const change = t.change || null;
  const anyBefore = Boolean(previous && previous.requests);
  const figures = TRAFFIC_TOTALS.filter(([key]) => key in totals).map(
    ([key, label, format, lowerIsBetter]) => previousKpi({ label, lowerIsBetter,
      figure: `traffic.${key}` }, totals, previous, change, key, format, anyBefore));
  const byDay = t.by_day || {};
  const labels = days(byDay);
  const perDay = labels.length ? lineChart(labels, [
    { label: "requests", values: labels.map((k) => measureOf(byDay[k], "requests")) },
    { label: "visitors", values: labels.map((k) => measureOf(byDay[k], "visitors")),
      axis: "y2", fill: false },
  ], { label: fmtDay, aria: "requests per day" }) : emptyNote();
  const hours = Object.fromEntries(Array.from({ length: 24 }, (_, h) => [fmtHour(h),
    measureOf((t.by_hour || {})[String(h)], "requests")]));
  const bars = (key, heading, opts = {}) => (t[key] && Object.keys(t[key]).length
    ? panel(heading, barChart(t[key], { label: "requests", name: (k) => k, ...opts }),
      { span: opts.span || 4 }) : null);
  const panels = [
    kpis(figures),
    panel("Requests and visitors per day", perDay, { span: 8 }),
    panel("By hour of day", barChart(hours, { vertical: true, keepOrder: true, name: (k) => k,
      label: "requests", limit: 24, height: 260 }), { span: 4 }),
    panel("Top pages", pathTable("table-top-paths", t.top_paths, true), { span: 6 }),
    panel("Top static files", pathTable("table-top-static", t.top_static, true), { span: 6 }),
    panel("Not found", pathTable("table-not-found", t.not_found, false), { span: 6 }),
    bars("status_codes", "Status codes", { color: (k, th) => statusColor(k, th), keepOrder: true,
                                          span: 6 }),
    bars("referrers", "Referrers", { colorIndex: 1 }),
    bars("sources", "Sources", { colorIndex: 1, name: sourceName }),
    bars("browsers", "Browsers", { colorIndex: 4 }),
    bars("os", "Operating systems", { colorIndex: 4 }),
    bars("device_types", "Devices", { colorIndex: 4, name: titleCase }),
    bars("vhosts", "Virtual hosts", { colorIndex: 5 }),
    bars("bots", "Crawlers", { colorIndex: 2, span: 4 }),
  ].filter(Boolean);
  const out = [section(title || "Requests", ...panels)];
  if (t.countries && Object.keys(t.countries).length) {
    out.push(section("Visitors' countries", ...countriesPanels(t.countries, "requests")));
  }
  if (previous) {
    const rows = TRAFFIC_TOTALS.filter(([key]) => key in totals).map(
      ([key, label, format, lowerIsBetter]) => ({ label, format, lowerIsBetter,
        now: totals[key], before: anyBefore ? previous[key] : undefined,
        change: (change || {})[key] }));
    out.push(section("Previous window", comparisonPanel("table-traffic-comparison", rows,
      t.previous_window, 12)));
  }
  return out;
}

function drawTraffic(t, meta) {
  return { eyebrow: "Web traffic", title: "Requests, visitors and pages",
           subtitle: fmtWindow(t.window || meta.window), sections: trafficSections(t) };
}
