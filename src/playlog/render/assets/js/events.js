// Pages of the event-page side: one event page, its periods, top event pages,
// and the event section of the period report.

// views → clicks → ticket clicks, each step as a share of the views.
function funnelPanel(views, clicks, tickets, span) {
  const steps = [["Views", views], ["Clicks", clicks], ["Ticket clicks", tickets]];
  const counts = Object.fromEntries(steps);
  const chart = views ? barChart(counts, { keepOrder: true, name: (k) => k, label: "records",
    color: (_k, t, i) => t.series[[0, 1, 2][i]] }) : emptyNote("No views in this window.");
  const rate = (a, b) => (b ? fmtPct(a / b) : "–");
  const notes = el("div", { class: "funnel-steps" },
    el("span", null, "Clicks per view ", el("b", { "data-figure": "click_through" },
      rate(clicks, views))),
    el("span", null, "Ticket clicks per view ", el("b", { "data-figure": "ticket_conversion" },
      rate(tickets, views))),
    el("span", null, "Ticket clicks per click ", el("b", null, rate(tickets, clicks))));
  return panel("From views to tickets", el("div", null, chart, notes), { span: span || 6 });
}

function eventColumns() {
  return [
    { key: "rank", label: "#", num: true, cls: "rank" },
    { key: "event_id", label: "Event page", cls: "name", barOf: "total_views" },
    { key: "total_views", label: "Views", num: true },
    { key: "total_unique_views", label: "Unique", num: true },
    { key: "total_clicks", label: "Clicks", num: true },
    { key: "total_ticket_clicks", label: "Tickets", num: true, narrow: true },
    { key: "total_shares", label: "Shares", num: true, narrow: true },
    { key: "total_favorites", label: "Favourites", num: true, narrow: true },
    { key: "total_external_clicks", label: "External", num: true, narrow: true },
  ];
}

function topEventsTable(rows) {
  return table("table-top-events", eventColumns(), rows, {
    key: (r) => r.event_id, empty: "No event-page records in this window." });
}

const EVENT_TOTALS = [
  ["total_views", "Views"], ["total_unique_views", "Unique views"], ["total_clicks", "Clicks"],
  ["total_ticket_clicks", "Ticket clicks"], ["total_shares", "Shares"],
  ["total_favorites", "Favourites"], ["total_external_clicks", "External clicks"],
];

function eventsSection(d) {
  const e = d.events || {};
  const figures = EVENT_TOTALS.map(([key, label]) => ({
    figure: `events.${key}`, label, value: e[key], text: fmtInt(e[key]) }));
  return section("Event pages", kpis(figures),
    funnelPanel(e.total_views, e.total_clicks, e.total_ticket_clicks, 4),
    panel("Traffic sources", barChart(d.traffic_sources, { label: "records", name: sourceName,
      colorIndex: 1 }), { span: 4 }),
    panel("Devices", barChart(d.device_types, { label: "records", colorIndex: 4 }), { span: 4 }),
    panel("Top event pages", topEventsTable(d.top_events), { span: 12 }));
}

const SOURCE_NAMES = { duckduckgo: "DuckDuckGo", youtube: "YouTube", linkedin: "LinkedIn",
                       tiktok: "TikTok", reddit: "Reddit" };

function sourceName(k) {
  return SOURCE_NAMES[k] || (/\./.test(k) ? k : titleCase(k));
}

function drawEvent(d, meta) {
  const tz = (meta.window || {}).tz;
  const figures = [
    ["views", "Views", d.total_views],
    ["unique_views", "Unique views", d.total_unique_views],
    ["clicks", "Clicks", d.total_clicks],
    ["ticket_clicks", "Ticket clicks", d.total_ticket_clicks],
    ["shares", "Shares", d.total_shares],
    ["favorites", "Favourites", d.total_favorites],
    ["external_clicks", "External clicks", d.total_external_clicks],
  ].map(([figure, label, value]) => ({ figure, label, value, text: fmtInt(value) }));
  figures.push({ figure: "time_on_page", label: "Time on page", value: d.avg_time_on_page_seconds,
                 text: fmtDuration((d.avg_time_on_page_seconds ?? NaN) * 1000), sub: "average" });
  figures.push({ figure: "bounce_rate", label: "Bounce rate", value: d.bounce_rate,
                 text: fmtPct(d.bounce_rate), sub: "views with nothing else" });
  const recent = {
    "24 hours": [d.views_24h, d.unique_views_24h],
    "7 days": [d.views_7d, d.unique_views_7d],
    "30 days": [d.views_30d, d.unique_views_30d],
  };
  const recentTable = table("table-recent", [
    { key: "span", label: "Last", sortable: false, barOf: "views" },
    { key: "views", label: "Views", num: true, sortable: false },
    { key: "unique", label: "Unique", num: true, sortable: false },
  ], Object.entries(recent).map(([span, [views, unique]]) => ({ span, views, unique })));
  return {
    eyebrow: "Event page",
    title: d.event_id,
    subtitle: fmtWindow(meta.window),
    sections: [section("Audience", kpis(figures),
      funnelPanel(d.total_views, d.total_clicks, d.total_ticket_clicks, 6),
      panel("Recent views", el("div", null, recentTable, facts([
        ["Peak hour", fmtHour(d.peak_hour)],
        ["Peak day", d.peak_day || "–"],
        ["First view", fmtDateTime(d.first_view_at, tz)],
        ["Last view", fmtDateTime(d.last_view_at, tz)],
      ])), { span: 6 }),
      panel("Traffic sources", barChart(d.traffic_sources, { label: "records",
        name: sourceName, colorIndex: 1 }), { span: 6 }),
      panel("Devices", barChart(d.device_types, { label: "records", colorIndex: 4 }),
        { span: 6 }))],
  };
}

function drawEventPeriods(d, meta) {
  const list = (d && d.periods) || [];
  const labels = list.map((r) => r.period);
  const chart = list.length ? lineChart(labels, [
    { label: "views", values: list.map((r) => r.total_views) },
    { label: "unique views", values: list.map((r) => r.total_unique_views), fill: false },
    { label: "clicks", values: list.map((r) => r.total_clicks), fill: false },
  ], { aria: "views per period" }) : emptyNote();
  const columns = [
    { key: "period", label: "Period", cls: "name", barOf: "total_views" },
    ...eventColumns().filter((c) => !["rank", "event_id"].includes(c.key)),
    { key: "avg_time_on_page_seconds", label: "Time on page", num: true, narrow: true,
      render: (r) => fmtDuration((r.avg_time_on_page_seconds ?? NaN) * 1000) },
    { key: "bounce_rate", label: "Bounce", num: true, narrow: true,
      render: (r) => fmtPct(r.bounce_rate) },
  ];
  const total = list.reduce((s, r) => s + (r.total_views || 0), 0);
  return {
    eyebrow: "Event page by period",
    title: meta.event_id || "Event page",
    subtitle: [fmtWindow(meta.window), meta.period ? `one row per ${meta.period}` : null]
      .filter(Boolean).join(" · "),
    sections: [section("Periods",
      kpis([{ figure: "views", label: "Views", value: total, text: fmtInt(total) },
            { figure: "periods", label: "Periods", value: list.length,
              text: fmtInt(list.length) }]),
      panel("Views per period", chart, { span: 12 }),
      panel("Periods", table("table-periods", columns, list, { key: (r) => r.period }),
        { span: 12 }))],
  };
}

function drawTopEvents(d, meta) {
  const list = (d && d.top_events) || [];
  const by = meta.by || "views";
  const measure = { views: "views", unique: "unique_views", clicks: "clicks" }[by] || "views";
  const counts = Object.fromEntries(list.map((r) => [r.event_id, r[`total_${measure}`]]));
  return {
    eyebrow: "Top event pages",
    title: list[0] ? `${list[0].event_id} leads` : "Top event pages",
    subtitle: [fmtWindow(meta.window), `ranked by ${measure.replace("_", " ")}`]
      .filter(Boolean).join(" · "),
    sections: [section("Event pages",
      panel(`By ${measure.replace("_", " ")}`, barChart(counts, { name: (k) => k,
        label: measure, keepOrder: true, limit: 25, colorIndex: 1 }), { span: 12 }),
      panel("Ranking", topEventsTable(list), { span: 12 }))],
  };
}
