// The real-time page: listeners at T and the activity of the hour before it.

function drawRealtime(d, meta) {
  const figures = [
    { figure: "current_listeners", label: "Listening now", value: d.current_listeners,
      text: fmtInt(d.current_listeners) },
    { figure: "streams_started_last_hour", label: "Streams started", value:
      d.streams_started_last_hour, text: fmtInt(d.streams_started_last_hour),
    sub: "in the last hour" },
    { figure: "bytes_served_last_hour", label: "Served", value: d.bytes_served_last_hour,
      text: fmtBytes(d.bytes_served_last_hour), sub: "in the last hour" },
    { figure: "error_rate_percentage", label: "Error rate", value: d.error_rate_percentage,
      text: isNum(d.error_rate_percentage) ? fmtPct(d.error_rate_percentage / 100) : "–",
      sub: "sessions ended in the last hour" },
    { figure: "average_buffer_health", label: "Buffer health", value: d.average_buffer_health,
      text: isNum(d.average_buffer_health) ? `${fmtDec(d.average_buffer_health)} / 100` : "–",
      sub: "average, last hour" },
  ];
  const tracks = table("table-top-tracks-now", [
    { key: "title", label: "Track", render: trackCell, barOf: "started_in_last_hour",
      value: (r) => `${r.title || ""} ${r.artist || ""} ${r.track_id}` },
    { key: "current_listeners", label: "Listening", num: true },
    { key: "started_in_last_hour", label: "Started", num: true },
  ], d.top_tracks_now || [], { key: (r) => r.track_id,
                               empty: "Nothing played in the last hour." });
  const at = meta.at || meta.generated_at;
  return {
    eyebrow: "Real time",
    title: "Listening now",
    subtitle: `At ${fmtDateTime(at, meta.tz || "UTC")} (${meta.tz || "UTC"}), ` +
      "and the hour before",
    sections: [section("Now", kpis(figures),
      panel("Top tracks", tracks, { span: 7, note: "Playing now or started in the last hour" }),
      panel("Quality", barChart(d.quality_distribution_now, { label: "listeners",
        colorIndex: 1 }), { span: 5, note: "Of the current listeners" }),
      ...countriesPanels(d.geographic_activity, "listeners"))],
  };
}
