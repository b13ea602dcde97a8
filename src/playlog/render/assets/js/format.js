// Numbers, durations, dates and names as a person reads them (the viewer's locale).

const NUM = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const DEC = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const COMPACT = new Intl.NumberFormat(undefined, { notation: "compact", maximumFractionDigits: 1 });
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
let regionNames = null;
try {
  regionNames = new Intl.DisplayNames(undefined, { type: "region" });
} catch (e) {
  regionNames = null;
}

function isNum(v) {
  return typeof v === "number" && Number.isFinite(v);
}

function fmtInt(v) {
  return isNum(v) ? NUM.format(v) : "–";
}

function fmtCompact(v) {
  return isNum(v) ? (Math.abs(v) < 10000 ? NUM.format(v) : COMPACT.format(v)) : "–";
}

function fmtDec(v) {
  return isNum(v) ? DEC.format(v) : "–";
}

// A fraction in [0, 1] as a percentage.
function fmtPct(v, digits = 1) {
  if (!isNum(v)) return "–";
  return (v * 100).toLocaleString(undefined, {
    minimumFractionDigits: digits, maximumFractionDigits: digits }) + " %";
}

// Milliseconds as the two largest units: "115 h 11 min", "5 min 17 s", "2.3 s".
function fmtDuration(ms) {
  if (!isNum(ms)) return "–";
  const s = ms / 1000;
  if (s < 60) return DEC.format(s) + " s";
  const total = Math.round(s);
  const d = Math.floor(total / 86400);
  const h = Math.floor((total % 86400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (d > 0) return `${NUM.format(d)} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  return `${m} min ${sec} s`;
}

function fmtBytes(n) {
  if (!isNum(n)) return "–";
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return (i === 0 ? NUM.format(v) : DEC.format(v)) + " " + units[i];
}

// A relative change (0.12 = +12 %); null when the previous window had nothing.
function fmtChange(c) {
  if (!isNum(c)) return null;
  const pct = c * 100;
  const text = Math.abs(pct) >= 100 ? NUM.format(pct) : DEC.format(pct);
  return (pct > 0 ? "+" : pct < 0 ? "" : "±") + text + " %";
}

function fmtHour(h) {
  if (h === null || h === undefined || h === "") return "–";
  const n = Number(h);
  return String(n).padStart(2, "0") + ":00";
}

function parseTime(iso) {
  if (!iso) return null;
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? null : t;
}

function zoneOptions(tz) {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return { timeZone: tz };
  } catch (e) {
    return { timeZone: "UTC" };
  }
}

function fmtDate(iso, tz) {
  const t = parseTime(iso);
  if (!t) return "–";
  return t.toLocaleDateString(undefined, {
    ...zoneOptions(tz), day: "numeric", month: "short", year: "numeric" });
}

function fmtDateTime(iso, tz) {
  const t = parseTime(iso);
  if (!t) return "–";
  return t.toLocaleString(undefined, {
    ...zoneOptions(tz), day: "numeric", month: "short", year: "numeric",
    hour: "2-digit", minute: "2-digit" });
}

// "22 Oct – 20 Nov 2026": a half-open window [from, to) shown by its days.
function fmtWindow(win) {
  if (!win) return "";
  const tz = win.tz || "UTC";
  if (!win.from) return "All time until " + fmtDateTime(win.to, tz);
  const last = new Date(new Date(win.to).getTime() - 1).toISOString();
  const from = fmtDate(win.from, tz);
  const to = fmtDate(last, tz);
  const zone = tz === "UTC" ? "UTC" : tz;
  return (from === to ? from : `${from} – ${to}`) + ` (${zone})`;
}

// "2026-11-14" → "Sat 14 Nov" (a calendar day: no time zone shift).
function fmtDay(day) {
  const t = new Date(day + "T00:00:00Z");
  if (Number.isNaN(t.getTime())) return day;
  return t.toLocaleDateString(undefined, {
    timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
}

function countryName(code) {
  if (!code || code === "unknown") return "Unknown";
  if (regionNames && /^[A-Z]{2}$/.test(code)) {
    try {
      return regionNames.of(code) || code;
    } catch (e) {
      return code;
    }
  }
  return code;
}

function titleCase(s) {
  const text = String(s).replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}
