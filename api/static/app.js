// Cairn's web page: the artifacts of this server, one artifact's files and verification, and its
// lineage as an SVG graph (ancestors left, descendants right; artifact nodes are links).
// Plain JS on the server's own REST v1 routes: nothing loaded from elsewhere.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const NODE_W = 190, NODE_H = 42, COL_GAP = 250, ROW_GAP = 64, PAD = 24, SKIP_DROP = 18;

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function svgEl(tag, attrs = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.detail || `${url}: HTTP ${response.status}`);
  return body;
}

function size(bytes) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (bytes >= 1024 && i < units.length - 1) { bytes /= 1024; i++; }
  return `${i ? bytes.toFixed(1) : bytes} ${units[i]}`;
}

function artifactLink(cid, text) {
  return el("a", { href: `#/a/${cid}` }, text);
}

async function showList(view) {
  const rows = await getJSON("/v1/artifacts");
  const body = el("tbody");
  for (const a of rows.slice().reverse()) {
    body.append(el("tr", { "data-cid": a.cid },
      el("td", {}, artifactLink(a.cid, a.name)), el("td", {}, a.version ?? "—"),
      el("td", {}, el("span", { class: "kind" }, a.kind)), el("td", { class: "cid" }, a.cid),
      el("td", {}, size(a.bytes)), el("td", {}, a.file_count)));
  }
  const head = el("tr", {}, ...["Name", "Version", "Kind", "CID", "Size", "Files"].map((h) => el("th", {}, h)));
  view.replaceChildren(el("h1", {}, `Artifacts (${rows.length})`),
    rows.length ? el("table", { id: "artifacts" }, el("thead", {}, head), body)
                : el("p", { class: "muted" }, "Nothing published here yet: cairn publish PATH --name N --version V"));
}

async function showArtifact(view, ref) {
  const a = await getJSON(`/v1/artifacts/${encodeURIComponent(ref)}`);
  document.title = `${a.name}${a.version ? "@" + a.version : ""} · Cairn`;
  const state = el("span", { id: "verify-state", class: "badge pending" }, "verifying…");
  const files = el("tbody");
  for (const f of a.files) {
    const href = `/v1/artifacts/${a.cid}/files/${f.path.split("/").map(encodeURIComponent).join("/")}`;
    files.append(el("tr", {}, el("td", {}, el("a", { href }, f.path)), el("td", {}, size(f.size)),
      el("td", { class: "cid" }, f.cid)));
  }
  const facts = el("dl", {},
    el("dt", {}, "CID"), el("dd", { class: "cid" }, a.cid),
    el("dt", {}, "Kind"), el("dd", {}, a.kind),
    el("dt", {}, "Size"), el("dd", {}, `${size(a.bytes)} in ${a.file_count} files`),
    el("dt", {}, "License"), el("dd", {}, a.license ?? "—"),
    el("dt", {}, "Publisher"), el("dd", { class: "cid" }, a.publisher),
    el("dt", {}, "Verification"), el("dd", {}, state));
  const graph = el("div", { id: "graph" }, el("p", { class: "muted" }, "Loading lineage…"));
  view.replaceChildren(
    el("p", {}, el("a", { href: "#/" }, "← all artifacts")),
    el("h1", { id: "artifact-title" }, `${a.name}${a.version ? "@" + a.version : ""}`), facts,
    el("h2", {}, "Lineage"), graph,
    el("h2", {}, `Files (${a.files.length})`),
    el("table", { id: "files" }, el("thead", {}, el("tr", {}, el("th", {}, "Path"), el("th", {}, "Size"),
      el("th", {}, "CID"))), files));
  await Promise.all([verify(a.cid, state), drawLineage(a.cid, graph)]);
}

async function verify(cid, state) {
  try {
    const report = await getJSON(`/v1/verify/${cid}`);
    state.className = `badge ${report.ok ? "ok" : "failed"}`;
    state.textContent = report.ok
      ? `verified: ${report.blocks_checked} blocks (${size(report.bytes_checked)}) re-hashed, `
        + `${report.signers.length} signatures valid, anchor ${report.anchor}`
      : `FAILED: ${report.failures.join("; ")}`;
  } catch (error) {
    state.className = "badge failed";
    state.textContent = `not verified: ${error.message}`;
  }
}

async function drawLineage(cid, box) {
  const [up, down] = await Promise.all(["up", "down"].map((d) => getJSON(`/v1/lineage/${cid}?direction=${d}`)));
  const nodes = new Map();
  for (const n of up.nodes) nodes.set(n.cid, { ...n, column: -n.depth });
  for (const n of down.nodes) if (!nodes.has(n.cid)) nodes.set(n.cid, { ...n, column: n.depth });
  const seen = new Set();
  const edges = [...up.edges, ...down.edges].filter((e) => {
    const key = `${e.child} ${e.parent} ${e.relation}`;
    return !seen.has(key) && seen.add(key);
  });
  placeColumns(nodes, edges, new Set(up.nodes.map((n) => n.cid).filter((c) => c !== cid)));
  const columns = new Map();
  for (const n of [...nodes.values()].sort((x, y) => x.label.localeCompare(y.label))) {
    if (!columns.has(n.column)) columns.set(n.column, []);
    columns.get(n.column).push(n);
  }
  const minCol = Math.min(...columns.keys()), maxCol = Math.max(...columns.keys());
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const width = (maxCol - minCol) * COL_GAP + NODE_W + 2 * PAD;
  const height = (tallest - 1) * ROW_GAP + NODE_H + 2 * PAD + SKIP_DROP;
  for (const [col, list] of columns) {
    const top = PAD + ((tallest - list.length) * ROW_GAP) / 2;
    list.forEach((n, i) => { n.x = PAD + (col - minCol) * COL_GAP; n.y = top + i * ROW_GAP; });
  }
  const svg = svgEl("svg", { id: "lineage", width, height, viewBox: `0 0 ${width} ${height}`, role: "img" });
  const marker = svgEl("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7,
    markerHeight: 7, orient: "auto" });
  marker.append(svgEl("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8a93a6" }));
  const defs = svgEl("defs");
  defs.append(marker);
  svg.append(defs);
  for (const e of edges) {  // from what was used to what was made of it: left to right
    const from = nodes.get(e.parent), to = nodes.get(e.child);
    if (!from || !to) continue;
    const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2, x2 = to.x, y2 = to.y + NODE_H / 2, mid = (x1 + x2) / 2;
    // An edge that skips a column passes under the nodes between, not through them.
    const low = Math.max(from.y, to.y) + NODE_H + 2 * SKIP_DROP;
    const d = to.column - from.column > 1
      ? `M${x1},${y1} C${x1 + 60},${low} ${x2 - 60},${low} ${x2},${y2}`
      : `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`;
    const path = svgEl("path", { class: "edge", d,
      "marker-end": "url(#arrow)", "data-relation": e.relation });
    svg.append(path);
  }
  for (const n of nodes.values()) {
    const isArtifact = n.type === "artifact";
    const classes = `node ${n.type}${n.cid === cid ? " current" : ""}`;
    const node = isArtifact ? svgEl("a", { href: `#/a/${n.cid}`, class: classes }) : svgEl("g", { class: classes });
    node.setAttribute("data-cid", n.cid);
    const title = svgEl("title");
    title.textContent = `${n.type} ${n.cid}`;
    const label = svgEl("text", { x: n.x + 10, y: n.y + 17 });
    label.textContent = isArtifact ? n.label : `run: ${n.kind ?? n.label}`;
    const sub = svgEl("text", { x: n.x + 10, y: n.y + 33, "font-size": 10 });
    sub.textContent = `${isArtifact ? n.kind + " · " : ""}${n.cid.slice(0, 8)}…${n.cid.slice(-6)}`;
    node.append(title, svgEl("rect", { x: n.x, y: n.y, width: NODE_W, height: NODE_H, rx: 6 }), label, sub);
    svg.append(node);
  }
  box.replaceChildren(svg, el("p", { class: "muted" },
    `${nodes.size} records: ${up.nodes.length - 1} ancestors (left), ${down.nodes.length - 1} descendants (right).`));
}

// Every edge runs left to right: an ancestor sits left of all it was used for, a descendant right
// of all it was made from (a dataset that fed both a run and its model goes left of the run).
function placeColumns(nodes, edges, ancestors) {
  for (let round = 0, moved = true; moved && round <= nodes.size; round++) {
    moved = false;
    for (const e of edges) {
      const parent = nodes.get(e.parent), child = nodes.get(e.child);
      if (!parent || !child || parent.column < child.column) continue;
      if (ancestors.has(parent.cid)) parent.column = child.column - 1;
      else child.column = parent.column + 1;
      moved = true;
    }
  }
}

async function route() {
  const view = document.getElementById("view");
  const match = location.hash.match(/^#\/a\/(.+)$/);
  try {
    await (match ? showArtifact(view, decodeURIComponent(match[1])) : showList(view));
    document.body.dataset.ready = location.hash || "#/";
  } catch (error) {
    view.replaceChildren(el("p", { class: "error", id: "error" }, error.message));
    document.body.dataset.ready = "error";
  }
}

window.addEventListener("hashchange", () => { delete document.body.dataset.ready; route(); });
route();
