// Boot: read the embedded JSON, draw the page of its kind, redraw when the colour
// scheme changes or the page is printed, and in live mode re-fetch and redraw.

const PAGES = {
  "report": drawReport,
  "track": drawTrack,
  "user": drawUser,
  "event": drawEvent,
  "event-periods": drawEventPeriods,
  "top-tracks": drawTopTracks,
  "top-events": drawTopEvents,
  "realtime": drawRealtime,
  "traffic": drawTraffic,
};

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

const state = { data: readJson("playlog-data"), meta: readJson("playlog-meta") || {} };

function draw() {
  const meta = state.meta;
  const page = PAGES[meta.kind];
  if (!page) throw new Error(`playlog: no page for kind ${meta.kind}`);
  destroyCharts();
  applyDefaults(theme());
  const view = page(state.data, meta);
  document.getElementById("page-kind").textContent = view.eyebrow;
  document.getElementById("page-title").textContent = view.title;
  document.getElementById("page-subtitle").textContent = view.subtitle || "";
  const main = document.getElementById("page");
  main.replaceChildren(...view.sections);
  makePendingCharts(main);
  document.getElementById("colophon").textContent =
    `Made by playlog ${meta.version || ""} on ${fmtDateTime(meta.generated_at, "UTC")} UTC. ` +
    "The numbers are those of the report's --format json, embedded in this page " +
    "(element #playlog-data).";
  document.documentElement.dataset.ready = "1";
}

// Printing: light colours, charts redrawn at the paper's width; back after.
function printing(on) {
  if (on) document.documentElement.dataset.print = "1";
  else delete document.documentElement.dataset.print;
  draw();
}

function watchScheme() {
  const scheme = window.matchMedia("(prefers-color-scheme: dark)");
  scheme.addEventListener("change", draw);
  window.addEventListener("beforeprint", () => printing(true));
  window.addEventListener("afterprint", () => printing(false));
}

// Live mode: the same JSON again from the read API every `every` seconds. The API
// URL takes the page's own query string (so `/?days=30&tz=Europe/Paris` asks the
// API for that window, and an `access_token` goes along); a bearer token comes from
// the page's settings or from `#token=` in its address.
function liveToken(live) {
  if (live.token) return live.token;
  const m = /(?:^|[#&])token=([^&]+)/.exec(window.location.hash);
  return m ? decodeURIComponent(m[1]) : null;
}

function liveUrl(live, days) {
  const url = new URL(live.url, window.location.href);
  for (const [key, value] of new URLSearchParams(window.location.search)) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  }
  if (days) url.searchParams.set("days", days);
  return url;
}

// The window's length in whole days, when it is one (a --days window).
function windowDays(data, meta) {
  const win = (data && data.window) || meta.window;
  if (!win || !win.from) return null;
  const days = (new Date(win.to) - new Date(win.from)) / 86400000;
  return Number.isInteger(days) ? String(days) : null;
}

function startLive() {
  const live = state.meta.live;
  if (!live) return;
  const status = document.getElementById("live-status");
  const select = document.getElementById("live-days");
  const token = liveToken(live);
  const days = liveUrl(live).searchParams.get("days") || windowDays(state.data, state.meta);
  document.getElementById("live").hidden = false;
  if (days && ![...select.options].some((o) => o.value === days)) {
    select.append(el("option", { value: days }, `${days} days`));
  }
  if (days) select.value = days;
  else select.parentElement.hidden = true;
  const every = Math.max(1, Number(live.every) || 30);
  let timer = null;
  const shown = () => new Date().toLocaleTimeString(undefined,
    { hour: "2-digit", minute: "2-digit", second: "2-digit" });
  status.textContent = `Live · every ${every} s`;
  async function refresh() {
    clearTimeout(timer);
    try {
      const headers = { Accept: "application/json" };
      if (token) headers.Authorization = `Bearer ${token}`;
      const answer = await fetch(liveUrl(live, days && select.value), { headers,
                                                                         cache: "no-store" });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      state.data = await answer.json();
      state.meta = { ...state.meta, generated_at: new Date().toISOString() };
      draw();
      status.classList.remove("failed");
      status.textContent = `Live · updated ${shown()}`;
    } catch (err) {
      status.classList.add("failed");
      status.textContent = `Refresh failed (${err.message}) · retrying in ${every} s`;
    }
    timer = setTimeout(refresh, every * 1000);
  }
  select.addEventListener("change", () => {
    const page = new URL(window.location.href);
    page.searchParams.set("days", select.value);
    window.history.replaceState(null, "", page);
    refresh();
  });
  timer = setTimeout(refresh, every * 1000);
}

draw();
watchScheme();
startLive();
