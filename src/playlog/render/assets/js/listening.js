// Pages of the listening side: the period report, one track, one user, top tracks.
// Each page function takes (data, meta) and returns {eyebrow, title, subtitle, sections}.

function days(byDay) {
  return Object.keys(byDay || {}).sort();
}

function hoursOf(byHour) {
  return Array.from({ length: 24 }, (_, h) => (byHour || {})[String(h)] || 0);
}

// A total with its change against the previous window. `anyBefore`: whether that
// window had data at all (then a 0 there is a real 0, else "no data before").
function previousKpi(k, totals, previous, change, key, format, anyBefore) {
  return {
    ...k, figure: k.figure || key, value: totals[key], text: format(totals[key]),
    change: change ? change[key] : null,
    hadBefore: anyBefore ?? Boolean(previous && previous[key]),
    previousText: previous ? format(previous[key]) : undefined,
  };
}

const LISTEN_TOTALS = [
  ["total_plays", "Plays", fmtInt, false],
  ["unique_listeners", "Listeners", fmtInt, false],
  ["total_duration_played_ms", "Listening time", fmtDuration, false],
  ["average_completion_rate", "Completion", fmtPct, false],
  ["skip_rate", "Skip rate", fmtPct, true],
  ["error_rate", "Error rate", fmtPct, true],
];

function listeningKpis(d) {
  const totals = d.totals || {};
  const anyBefore = Boolean(d.previous_totals && d.previous_totals.total_plays);
  return kpis(LISTEN_TOTALS.map(([key, label, format, lowerIsBetter]) => previousKpi(
    { label, lowerIsBetter }, totals, d.previous_totals, d.change, key, format, anyBefore)));
}

// This window against the previous one, metric by metric.
function comparisonPanel(id, rows, previousWin, span) {
  const note = previousWin ? `Previous window: ${fmtWindow(previousWin)}` : null;
  const body = table(id, [
    { key: "label", label: "", sortable: false },
    { key: "now", label: "Now", num: true, sortable: false, render: (r) => r.format(r.now) },
    { key: "before", label: "Before", num: true, sortable: false,
      render: (r) => r.format(r.before) },
    { key: "change", label: "Change", num: true, sortable: false, render: (r) => {
      const text = fmtChange(r.change);
      if (!text) return r.before ? "–" : "new";
      const up = r.change > 0;
      const tone = r.change === 0 ? "flat" : up !== Boolean(r.lowerIsBetter) ? "up" : "down";
      return el("span", { class: `delta ${tone}` }, text);
    } },
  ], rows);
  return panel("Compared with the previous window", body, { span: span || 4, note });
}

function listeningComparison(d) {
  // Without plays before, the previous rates mean nothing: shown as "–".
  const before = d.previous_totals && d.previous_totals.total_plays ? d.previous_totals : {};
  const rows = LISTEN_TOTALS.map(([key, label, format, lowerIsBetter]) => ({
    label, format, lowerIsBetter, now: (d.totals || {})[key],
    before: before[key], change: (d.change || {})[key] }));
  return comparisonPanel("table-comparison", rows, d.previous_window);
}

function perDayPanel(d, byDay, opts = {}) {
  const labels = days(byDay);
  if (!labels.length) return panel(opts.title || "Plays per day", emptyNote(), { span: opts.span });
  const series = [{ label: "plays", values: labels.map((k) => byDay[k]) }];
  const time = opts.timeByDay;
  if (time && Object.keys(time).length) {
    // In hours, so that the axis gets round steps.
    series.push({ label: "listening time", values: labels.map((k) => (time[k] || 0) / 3600000),
                  axis: "y2", format: (h) => `${fmtDec(h)} h`, fill: false });
  }
  return panel(opts.title || (series.length > 1 ? "Plays and listening time per day"
                                                : "Plays per day"),
  lineChart(labels, series, { label: fmtDay, aria: "plays per day" }),
  { span: opts.span || 8, note: opts.note });
}

function hourPanel(byHour, span, label) {
  const values = hoursOf(byHour);
  const counts = Object.fromEntries(values.map((v, h) => [fmtHour(h), v]));
  return panel("By hour of day", barChart(counts, {
    vertical: true, keepOrder: true, name: (k) => k, label: label || "plays", height: 340,
    limit: 24 }), { span: span || 4 });
}

function trackColumns() {
  return [
    { key: "rank", label: "#", num: true, cls: "rank" },
    { key: "title", label: "Track", render: trackCell, barOf: "total_plays",
      value: (r) => `${r.title || ""} ${r.artist || ""} ${r.track_id}` },
    { key: "total_plays", label: "Plays", num: true },
    { key: "unique_listeners", label: "Listeners", num: true },
    { key: "total_duration_played_ms", label: "Time", num: true,
      render: (r) => fmtDuration(r.total_duration_played_ms), narrow: true },
    { key: "average_completion_rate", label: "Completion", num: true,
      render: (r) => fmtPct(r.average_completion_rate), narrow: true },
    { key: "skip_rate", label: "Skips", num: true, render: (r) => fmtPct(r.skip_rate), narrow: true },
  ];
}

function topTracksTable(rows) {
  return table("table-top-tracks", trackColumns(), rows, {
    key: (r) => r.track_id, empty: "No plays in this window." });
}

function topUsersTable(rows) {
  return table("table-top-users", [
    { key: "rank", label: "#", num: true, cls: "rank" },
    { key: "user_id", label: "Listener", cls: "name", barOf: "total_listening_time_ms" },
    { key: "total_listening_time_ms", label: "Time", num: true,
      render: (r) => fmtDuration(r.total_listening_time_ms) },
    { key: "tracks_played", label: "Plays", num: true },
    { key: "unique_tracks", label: "Tracks", num: true, narrow: true },
  ], rows, { key: (r) => r.user_id, empty: "No identified listeners in this window." });
}

function drawReport(d) {
  const sections = [
    section("Listening", listeningKpis(d),
      perDayPanel(d, d.plays_by_day, { timeByDay: d.listening_time_by_day }),
      listeningComparison(d),
      panel("When people listen", heatmap(d.plays_by_weekday_hour || {}),
        { span: 8, note: `Plays by weekday and hour (${(d.window || {}).tz || "UTC"})` }),
      hourPanel(d.plays_by_hour, 4),
      panel("Top tracks", topTracksTable(d.top_tracks), { span: 12 }),
      panel("Top listeners", topUsersTable(d.top_users), { span: 6, note: "By listening time" }),
      panel("Platforms and quality", el("div", { class: "stack" },
        el("h3", null, "Platform"), barChart(d.platform_distribution, { label: "plays" }),
        el("h3", null, "Quality"),
        barChart(d.quality_distribution, { label: "plays", colorIndex: 1 })), { span: 6 }),
      ...countriesPanels(d.geographic_distribution, "plays")),
  ];
  sections.push(eventsSection(d));
  const web = webTrafficOf(d);
  if (web) sections.push(...trafficSections(web, "Web traffic"));
  return { eyebrow: "Listening report", title: "Plays, listeners and event pages",
           subtitle: fmtWindow(d.window), sections };
}

function drawTrack(d, meta) {
  const totals = [
    { figure: "plays", label: "Plays", value: d.total_plays, text: fmtInt(d.total_plays) },
    { figure: "listeners", label: "Listeners", value: d.unique_listeners,
      text: fmtInt(d.unique_listeners) },
    { figure: "listening_time_ms", label: "Listening time", value: d.total_duration_played_ms,
      text: fmtDuration(d.total_duration_played_ms) },
    { figure: "completion", label: "Completion", value: d.average_completion_rate,
      text: fmtPct(d.average_completion_rate) },
    { figure: "skip_rate", label: "Skip rate", value: d.skip_rate, text: fmtPct(d.skip_rate) },
    { figure: "virality", label: "Virality", value: d.virality_score,
      text: fmtPct(d.virality_score), sub: "listeners per play" },
    { figure: "peak_concurrent", label: "Peak concurrent", value: d.peak_concurrent_listeners,
      text: fmtInt(d.peak_concurrent_listeners), sub: "listeners at once" },
    { figure: "peak_hour", label: "Peak hour", value: d.peak_listening_hour,
      text: fmtHour(d.peak_listening_hour) },
  ];
  return {
    eyebrow: "Track",
    title: d.title || d.track_id,
    subtitle: [d.artist, d.title ? d.track_id : null, fmtWindow(meta.window)]
      .filter(Boolean).join(" · "),
    sections: [section("Listening", kpis(totals),
      perDayPanel(d, d.plays_by_day, { span: 8 }),
      hourPanel(d.plays_by_hour, 4),
      panel("Platforms", barChart(d.platform_distribution, { label: "plays" }), { span: 6 }),
      panel("Quality", barChart(d.quality_distribution, { label: "plays", colorIndex: 1 }),
        { span: 6 }),
      ...countriesPanels(d.geographic_distribution, "plays"))],
  };
}

function drawUser(d, meta) {
  const p = d.listening_patterns || {};
  const totals = [
    { figure: "listening_time_ms", label: "Listening time", value: d.total_listening_time_ms,
      text: fmtDuration(d.total_listening_time_ms) },
    { figure: "plays", label: "Plays", value: d.tracks_played, text: fmtInt(d.tracks_played) },
    { figure: "unique_tracks", label: "Different tracks", value: d.unique_tracks,
      text: fmtInt(d.unique_tracks) },
    { figure: "average_session_ms", label: "Average session", value: d.average_session_duration_ms,
      text: fmtDuration(d.average_session_duration_ms) },
    { figure: "completion", label: "Completion", value: p.completion_rate,
      text: fmtPct(p.completion_rate) },
    { figure: "discovery", label: "Discovery", value: d.discovery_rate,
      text: fmtPct(d.discovery_rate), sub: "different tracks per play" },
    { figure: "skip_rate", label: "Skip rate", value: d.skip_rate, text: fmtPct(d.skip_rate) },
  ];
  const genres = (d.favorite_genres || []).length
    ? el("ol", { class: "chips" }, d.favorite_genres.map((g) => el("li", null, titleCase(g))))
    : emptyNote("No genres in the catalog for these tracks.");
  const habits = facts([
    ["Peak hour", fmtHour(p.peak_listening_hour)],
    ["Most active hours", (d.most_active_hours || []).map(fmtHour).join(", ") || "–"],
    ["Binge listening", fmtPct(p.binge_listening_tendency), "binge"],
    ["Weekend vs weekday", isNum(p.weekend_vs_weekday_ratio)
      ? `${fmtDec(p.weekend_vs_weekday_ratio)} ×` : "–"],
    ["Time before a skip", fmtDuration(p.average_skip_time_ms)],
    ["Preferred quality", d.quality_preference ? titleCase(d.quality_preference) : "–"],
    ["Last activity", fmtDateTime(d.last_activity, (meta.window || {}).tz)],
  ]);
  return {
    eyebrow: "Listener",
    title: d.user_id,
    subtitle: fmtWindow(meta.window),
    sections: [section("Listening", kpis(totals),
      panel("Habits", habits, { span: 4 }),
      panel("Devices", barChart(d.device_preferences, { label: "sessions" }), { span: 4 }),
      panel("Favourite genres", genres, { span: 4, note: "By listening time" }),
      panel("Top tracks", userTracksTable(d.top_tracks), { span: 6, note: "By listening time" }),
      panel("Top artists", userArtistsTable(d.top_artists), { span: 6,
        note: "By listening time" }),
      panel("By day of week", barChart(d.plays_by_weekday || {}, {
        vertical: true, keepOrder: true, name: (k) => k.slice(0, 3), label: "plays",
        limit: 7 }), { span: 6, note: `Plays (${(meta.window || {}).tz || "UTC"})` }),
      hourPanel(d.plays_by_hour || {}, 6))],
  };
}

function userTracksTable(rows) {
  return table("table-user-tracks", [
    { key: "title", label: "Track", render: trackCell, barOf: "total_duration_played_ms",
      value: (r) => `${r.title || ""} ${r.artist || ""} ${r.track_id}` },
    { key: "total_plays", label: "Plays", num: true },
    { key: "total_duration_played_ms", label: "Time", num: true,
      render: (r) => fmtDuration(r.total_duration_played_ms) },
  ], rows || [], { key: (r) => r.track_id, empty: "No plays in this window." });
}

function userArtistsTable(rows) {
  return table("table-user-artists", [
    { key: "artist", label: "Artist", cls: "name", barOf: "total_duration_played_ms" },
    { key: "total_plays", label: "Plays", num: true },
    { key: "unique_tracks", label: "Tracks", num: true, narrow: true },
    { key: "total_duration_played_ms", label: "Time", num: true,
      render: (r) => fmtDuration(r.total_duration_played_ms) },
  ], rows || [], { key: (r) => r.artist, empty: "No artists in the catalog for these plays." });
}

function drawTopTracks(d, meta) {
  const list = (d && d.top_tracks) || [];
  const by = meta.by || "plays";
  const measure = { plays: "total_plays", listeners: "unique_listeners",
                    time: "total_duration_played_ms" }[by] || "total_plays";
  const counts = Object.fromEntries(list.map((r) => [r.track_id, r[measure]]));
  const names = Object.fromEntries(list.map((r) => [r.track_id, r.title || r.track_id]));
  const format = measure === "total_duration_played_ms" ? fmtDuration : fmtInt;
  const top = list[0];
  return {
    eyebrow: "Top tracks",
    title: top ? `${top.title || top.track_id} leads` : "Top tracks",
    subtitle: [fmtWindow(meta.window), `ranked by ${by === "time" ? "listening time" : by}`]
      .filter(Boolean).join(" · "),
    sections: [section("Tracks",
      panel(`By ${by === "time" ? "listening time" : by}`, barChart(counts, {
        name: (k) => names[k], label: by === "time" ? "listening time" : by, format,
        keepOrder: true,
        limit: 25 }), { span: 12 }),
      panel("Ranking", topTracksTable(list), { span: 12 }))],
  };
}
