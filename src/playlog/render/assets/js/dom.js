// DOM building blocks: sections, panels, key figures, facts and sortable tables.
// Text always goes in as textContent: nothing from the data is parsed as HTML.

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style") node.style.cssText = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function section(title, ...panels) {
  return el("section", { class: "section" },
    el("h2", { class: "section-title" }, title),
    el("div", { class: "grid" }, ...panels));
}

// A panel: heading, optional note, body. opts.span: 4, 6, 8 or 12 (of 12 columns).
function panel(title, body, opts = {}) {
  return el("article", { class: `panel span-${opts.span || 12}`, id: opts.id },
    el("h2", null, title),
    opts.note ? el("p", { class: "note" }, opts.note) : null,
    body);
}

function emptyNote(text) {
  return el("p", { class: "empty" }, text || "Nothing in this window.");
}

// A key figure. figure names the metric (data-figure) and value is the raw number
// (data-value), so a script reads the page's numbers without parsing locale text.
function kpi(k) {
  const sub = [];
  const changed = fmtChange(k.change);
  if (changed) {
    const goodWhenUp = !k.lowerIsBetter;
    const dir = k.change > 0 ? "up" : k.change < 0 ? "down" : "flat";
    const tone = dir === "flat" ? "flat" : (dir === "up") === goodWhenUp ? "up" : "down";
    sub.push(el("span", { class: `delta ${tone}`, "data-change": k.change }, changed), " vs ");
    sub.push(k.previousText);
  } else if (k.previousText !== undefined) {
    sub.push(k.hadBefore ? `previous: ${k.previousText}` : "no data before");
  } else if (k.sub) {
    sub.push(k.sub);
  }
  return el("div", { class: "kpi", "data-figure": k.figure,
                     "data-value": k.value === null || k.value === undefined ? "" : k.value },
    el("div", { class: "kpi-label" }, k.label),
    el("div", { class: "kpi-value" }, k.text),
    sub.length ? el("div", { class: "kpi-sub" }, ...sub) : null);
}

function kpis(list) {
  return el("div", { class: "kpis" }, list.map(kpi));
}

function facts(pairs) {
  return el("dl", { class: "facts" },
    pairs.flatMap(([term, value, figure]) => [
      el("dt", null, term),
      el("dd", figure ? { "data-figure": figure } : null, value)]));
}

const sortState = {};

// columns: [{key, label, num, render(row) → node/text, value(row) → sort value,
//            barOf (a key whose share of its largest value is drawn behind the cell)}]
function table(id, columns, rows, opts = {}) {
  if (!rows || !rows.length) return emptyNote(opts.empty);
  // A column with `barOf: key` draws the share of that column's largest value behind it.
  const maxes = {};
  for (const c of columns.filter((c) => c.barOf)) {
    maxes[c.barOf] = Math.max(...rows.map((r) => Number(r[c.barOf]) || 0), 0);
  }
  const head = el("tr", null, columns.map((c, i) => el("th", {
    class: [c.num ? "num" : "", c.narrow ? "hide-narrow" : ""].join(" ").trim() || null,
    scope: "col", "data-col": i },
  c.sortable === false ? c.label : el("button", { type: "button" }, c.label))));
  const body = el("tbody", null, rows.map((row) => el("tr",
    { "data-key": opts.key ? opts.key(row) : null },
    columns.map((c) => cell(c, row, maxes)))));
  const node = el("table", { id, "data-rows": rows.length }, el("thead", null, head), body);
  head.addEventListener("click", (ev) => {
    const th = ev.target.closest("th");
    if (!th || !th.querySelector("button")) return;
    const col = Number(th.dataset.col);
    const prev = sortState[id];
    const dir = prev && prev.col === col && prev.dir === "descending" ? "ascending" : "descending";
    sortState[id] = { col, dir };
    applySort(node, columns);
  });
  if (sortState[id]) applySort(node, columns);
  return el("div", { class: "table-wrap" }, node);
}

function sortValue(c, row) {
  return c.value ? c.value(row) : row[c.key];
}

function cell(c, row, maxes) {
  const raw = sortValue(c, row);
  const shown = c.render ? c.render(row) : c.num ? fmtInt(raw) : raw;
  const attrs = {
    class: [c.num ? "num" : "", c.cls || "", c.narrow ? "hide-narrow" : "",
            c.barOf ? "bar-cell" : ""].join(" ").trim() || null,
    "data-value": raw === null || raw === undefined ? "" : raw,
    "data-col-key": c.key,
  };
  if (c.barOf && maxes[c.barOf] > 0) {
    const share = (Number(row[c.barOf]) || 0) / maxes[c.barOf] * 100;
    attrs.style = `--share:${share.toFixed(1)}%`;
  }
  return el("td", attrs, c.barOf ? el("div", { class: "bar-content" }, shown) : shown);
}

function applySort(node, columns) {
  const { col, dir } = sortState[node.id];
  const column = columns[col];
  const body = node.tBodies[0];
  const rows = Array.from(body.rows);
  const key = (tr) => {
    const v = tr.cells[col].dataset.value;
    return column.num ? (v === "" ? -Infinity : Number(v)) : v.toLowerCase();
  };
  rows.sort((a, b) => {
    const x = key(a);
    const y = key(b);
    const order = x < y ? -1 : x > y ? 1 : 0;
    return dir === "ascending" ? order : -order;
  });
  body.append(...rows);
  for (const th of node.tHead.rows[0].cells) th.removeAttribute("aria-sort");
  node.tHead.rows[0].cells[col].setAttribute("aria-sort", dir);
}

// The column of a track: title and artist from the catalog, else the id.
function trackCell(row) {
  const name = row.title || row.track_id;
  const id = row.title ? el("span", { class: "id" }, row.track_id) : null;
  return el("div", null,
    el("span", { class: "name" }, name),
    row.artist || id ? el("span", { class: "by" }, row.artist || "", id) : null);
}
