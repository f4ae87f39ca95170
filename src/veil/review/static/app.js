// veil review: the overview of every file, and a photo / video view to fix face boxes.
// Plain ES module, no build step; every change goes to the server at once (it saves it).

const TOKEN = document.querySelector('meta[name="veil-token"]').content;
const view = document.getElementById("view");
const SVG = "http://www.w3.org/2000/svg";

async function api(method, path, body) {
  const options = { method, headers: { "X-Veil-Token": TOKEN } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// -- status, progress and export ---------------------------------------------------------
let status = { files: [], detect: {}, export: {}, filters: [] };

async function poll() {
  try {
    status = await api("GET", "/api/status");
  } catch (error) {
    document.getElementById("progress").textContent = `lost the server: ${error.message}`;
    return;
  }
  const d = status.detect;
  document.getElementById("progress").textContent = d.running
    ? `detecting ${d.done + 1} of ${d.total}` + (d.frames ? ` (frame ${d.frame} of ${d.frames})` : "")
    : "";
  const e = status.export;
  document.getElementById("export-status").textContent = e.running
    ? `exporting ${e.done} of ${e.total}`
    : e.error ? `export failed: ${e.error}` : e.report ? `exported ${e.report.files.length} files` : "";
  if (route().name === "overview") renderOverview();
}
document.getElementById("export").addEventListener("click", () => api("POST", "/api/export").then(poll));
setInterval(poll, 1000);

// -- routing ------------------------------------------------------------------------------
function route() {
  const match = location.hash.match(/^#\/file\/([\w-]+)(?:\/(\d+))?/);
  return match ? { name: "file", id: match[1], frame: Number(match[2] || 0) } : { name: "overview" };
}
window.addEventListener("hashchange", show);

async function show() {
  const r = route();
  if (r.name === "file") await openFile(r.id, r.frame);
  else { current = null; await poll(); renderOverview(); }
}

// -- overview -----------------------------------------------------------------------------
let shownOverview = "";

function renderOverview() {
  const key = JSON.stringify(status.files);
  if (key === shownOverview && document.getElementById("overview")) return; // nothing new: keep the DOM
  shownOverview = key;
  const cards = status.files.map((f) => {
    const name = f.path.split("/").pop();
    const state = f.status === "ready"
      ? `${f.faces} face${f.faces === 1 ? "" : "s"} · ` +
        (f.unsure ? `<span class="unsure">${f.unsure} unsure</span>` : "all sure") +
        (f.reviewed ? " · reviewed ✓" : "")
      : f.status === "failed" ? `<span class="failed">failed: ${f.error}</span>` : f.status;
    const card = el("div", { class: `card${f.reviewed ? " reviewed" : ""}`, "data-file": f.id,
      onclick: () => { if (f.status === "ready") location.hash = `#/file/${f.id}/0`; } },
      f.status === "ready" ? el("img", { src: `/api/files/${f.id}/thumb.jpg`, alt: name }) : el("div"),
      el("div", { class: "name", title: f.path }, name));
    const meta = el("div", { class: "meta" });
    meta.innerHTML = `${f.kind}${f.kind === "video" ? `, ${f.frames} frames` : ""} · ${state}`;
    card.append(meta);
    return card;
  });
  view.replaceChildren(el("div", { class: "grid", id: "overview" }, ...cards));
}

// -- one file -------------------------------------------------------------------------------
let current = null; // {id, data, frame, selected, preview, track}

async function openFile(id, frame) {
  const data = await api("GET", `/api/files/${id}`);
  const keep = current && current.id === id ? current : { selected: null, preview: false, track: null, version: 0 };
  current = { ...keep, id, data, frame: Math.min(frame, data.frames - 1) };
  renderFile();
}

async function reload() {
  current.data = await api("GET", `/api/files/${current.id}`);
  current.version += 1; // the anonymised preview changes with the faces
  renderFile();
}

function goTo(frame) {
  frame = Math.max(0, Math.min(current.data.frames - 1, frame));
  location.hash = `#/file/${current.id}/${frame}`;
}

function facesNow() {
  return current.data.faces[String(current.frame)] || [];
}

function renderFile() {
  const { data, frame } = current;
  const video = data.kind === "video";
  // The same picture is kept (not fetched again) while only the boxes change; it keeps its
  // shape while it loads, so boxes never sit on a zero-size stage.
  const version = current.preview ? `&v=${current.version}` : "";
  const src = `/api/files/${data.id}/frame/${frame}.jpg?preview=${current.preview ? 1 : 0}${version}`;
  const old = document.getElementById("frame");
  const img = old && old.dataset.src === src ? old : el("img", { id: "frame", draggable: "false",
    style: `aspect-ratio: ${data.width} / ${data.height}`, src, "data-src": src });
  const svg = el("svg:svg", { id: "overlay", viewBox: `0 0 ${data.width} ${data.height}`,
    preserveAspectRatio: "none" });
  const stage = el("div", { class: "stage", style: `max-width: calc(75vh * ${data.width / data.height})` }, img, svg);
  drawBoxes(svg);
  attachDrawing(svg);

  const toolbar = el("div", { class: "toolbar" },
    el("button", { onclick: () => { location.hash = "#/"; } }, "← all files"),
    el("strong", {}, data.path.split("/").pop()),
    el("label", {}, el("input", { type: "checkbox", id: "preview", checked: current.preview || null,
      onchange: () => togglePreview() }), " anonymised"),
    el("label", {}, el("input", { type: "checkbox", id: "reviewed", checked: data.reviewed || null,
      onchange: (e) => setReviewed(e.target.checked) }), " reviewed"));
  const parts = [toolbar];
  if (video) {
    parts.push(el("div", { class: "toolbar" },
      el("button", { id: "prev", onclick: () => goTo(frame - 1) }, "◀"),
      el("input", { type: "range", id: "scrubber", min: 0, max: data.frames - 1, value: frame,
        onchange: (e) => goTo(Number(e.target.value)) }),
      el("button", { id: "next", onclick: () => goTo(frame + 1) }, "▶"),
      el("span", { id: "frame-number" }, `frame ${frame} / ${data.frames - 1}` +
        ` · ${(data.times[frame] ?? 0).toFixed(2)} s`),
      el("button", { id: "next-uncertain", onclick: nextUncertain }, "next uncertain (N)")));
  }
  parts.push(el("div", { class: "layout" }, stage, panel()));
  if (video) parts.push(timeline());
  view.replaceChildren(...parts);
}

function boxClass(face) {
  const kind = face.origin === "manual" ? "manual" : face.action;
  const selected = current.selected === face.id ? " selected" : "";
  return `box ${kind} ${face.action}${face.origin === "filled" ? " filled" : ""}${selected}`;
}

function drawBoxes(svg) {
  for (const face of facesNow()) {
    const [x1, y1, x2, y2] = face.box;
    const rect = el("svg:rect", { class: boxClass(face), x: x1, y: y1, width: x2 - x1, height: y2 - y1,
      "data-face": face.id, "data-track": face.track ?? "" });
    rect.addEventListener("mousedown", (e) => { e.stopPropagation(); select(face); startDrag(e, face, "move"); });
    svg.append(rect);
    if (current.selected === face.id) {
      const size = Math.max(6, Math.min(x2 - x1, y2 - y1) / 8);
      for (const [cx, cy, corner] of [[x1, y1, "nw"], [x2, y1, "ne"], [x1, y2, "sw"], [x2, y2, "se"]]) {
        const handle = el("svg:rect", { class: "handle", x: cx - size / 2, y: cy - size / 2, width: size,
          height: size, "data-corner": corner });
        handle.addEventListener("mousedown", (e) => { e.stopPropagation(); startDrag(e, face, corner); });
        svg.append(handle);
      }
    }
  }
}

function svgPoint(svg, event) {
  const point = svg.createSVGPoint();
  point.x = event.clientX;
  point.y = event.clientY;
  return point.matrixTransform(svg.getScreenCTM().inverse());
}

function attachDrawing(svg) {
  svg.addEventListener("mousedown", (event) => {
    const start = svgPoint(svg, event);
    const draft = el("svg:rect", { class: "draft", x: start.x, y: start.y, width: 0, height: 0 });
    svg.append(draft);
    const move = (e) => {
      const p = svgPoint(svg, e);
      draft.setAttribute("x", Math.min(p.x, start.x));
      draft.setAttribute("y", Math.min(p.y, start.y));
      draft.setAttribute("width", Math.abs(p.x - start.x));
      draft.setAttribute("height", Math.abs(p.y - start.y));
    };
    const up = async (e) => {
      window.removeEventListener("mousemove", move);
      window.removeEventListener("mouseup", up);
      const p = svgPoint(svg, e);
      const box = [start.x, start.y, p.x, p.y];
      draft.remove();
      if (Math.abs(p.x - start.x) < 4 || Math.abs(p.y - start.y) < 4) { select(null); return; }
      const track = current.track != null && current.data.kind === "video" ? current.track : null;
      const result = await api("POST", `/api/files/${current.id}/boxes`, { frame: current.frame, box, track });
      current.selected = result.track;
      current.track = result.track;
      await reload();
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  });
}

function startDrag(event, face, mode) {
  const svg = document.getElementById("overlay");
  const start = svgPoint(svg, event);
  const box = [...face.box];
  const rect = svg.querySelector(`rect[data-face="${face.id}"]`);
  let moved = false;
  const move = (e) => {
    const p = svgPoint(svg, e);
    const dx = p.x - start.x, dy = p.y - start.y;
    moved = moved || Math.abs(dx) + Math.abs(dy) > 2;
    const b = [...face.box];
    if (mode === "move") { b[0] += dx; b[2] += dx; b[1] += dy; b[3] += dy; }
    if (mode.includes("w")) b[0] += dx;
    if (mode.includes("e")) b[2] += dx;
    if (mode.includes("n")) b[1] += dy;
    if (mode.includes("s")) b[3] += dy;
    box.splice(0, 4, Math.min(b[0], b[2]), Math.min(b[1], b[3]), Math.max(b[0], b[2]), Math.max(b[1], b[3]));
    rect.setAttribute("x", box[0]); rect.setAttribute("y", box[1]);
    rect.setAttribute("width", box[2] - box[0]); rect.setAttribute("height", box[3] - box[1]);
  };
  const up = async () => {
    window.removeEventListener("mousemove", move);
    window.removeEventListener("mouseup", up);
    if (moved) {
      await api("PATCH", `/api/files/${current.id}/faces/${face.id}`, { box, frame: current.frame });
      await reload();
    }
  };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
}

function selectedFace() {
  return facesNow().find((f) => f.id === current.selected) || null;
}

function select(face) {
  current.selected = face ? face.id : null;
  if (face && face.origin === "manual") current.track = face.track;
  else if (!face) current.track = null;
  renderFile();
}

function panel() {
  const face = selectedFace();
  const legend = el("div", { class: "legend" });
  legend.innerHTML = '<span style="background:var(--hide)"></span>hidden ' +
    '<span style="background:var(--keep)"></span>kept <span style="background:var(--manual)"></span>added by hand';
  const parts = [el("h3", {}, `${facesNow().length} face(s) in this ${current.data.kind === "video" ? "frame" : "photo"}`), legend];
  if (current.track != null && current.data.kind === "video") {
    parts.push(el("p", {}, `Drawing adds keyframes to track ${current.track}: boxes between two keyframes are interpolated. Esc starts a new track.`));
  }
  if (!face) {
    parts.push(el("p", {}, "Drag on the picture to add a face veil missed. Click a box to select it."));
    return el("div", { class: "panel", id: "panel" }, ...parts);
  }
  const filter = el("select", { id: "filter", onchange: (e) => setFilter(face, e.target.value) },
    ...["", ...status.filters].map((name) => el("option", { value: name, selected: (face.filter || "") === name || null },
      name || `default (${current.data.filter})`)));
  parts.push(
    el("h3", {}, `${face.origin} face ${face.id}` + (face.score !== null ? ` · score ${face.score}` : "")),
    el("div", { class: "row" }, el("button", { id: "toggle-keep", onclick: () => toggleKeep(face) },
      face.action === "hide" ? "Keep visible (K)" : "Hide (K)"), filter),
    el("div", { class: "row" }, el("button", { id: "delete-face", onclick: () => deleteFace(face, false) }, "Delete (Del)")));
  if (face.track != null && current.data.kind === "video") {
    const from = el("input", { type: "number", id: "cut-from", value: current.frame, style: "width:5em" });
    const to = el("input", { type: "number", id: "cut-to", value: current.frame, style: "width:5em" });
    parts.push(
      el("div", { class: "row" }, el("button", { id: "delete-track", onclick: () => deleteFace(face, true) },
        `Delete track ${face.track}`)),
      el("div", { class: "row" }, "frames", from, "to", to, el("button", { id: "delete-range",
        onclick: () => deleteRange(face, Number(from.value), Number(to.value)) }, "Delete")));
  }
  return el("div", { class: "panel", id: "panel" }, ...parts);
}

// In a video a face is one frame of a person's track: keep/hide and the filter apply to the track.
async function setFace(face, fields) {
  if (face.track != null && current.data.kind === "video") {
    await api("POST", `/api/files/${current.id}/tracks/${face.track}`, fields);
  } else {
    await api("PATCH", `/api/files/${current.id}/faces/${face.id}`, fields);
  }
  await reload();
}

const toggleKeep = (face) => setFace(face, { action: face.action === "hide" ? "keep" : "hide" });
const setFilter = (face, name) => setFace(face, { filter: name }); // "": the run's filter

async function deleteFace(face, wholeTrack) {
  if (wholeTrack && face.track != null && face.origin !== "manual") {
    await api("POST", `/api/files/${current.id}/tracks/${face.track}`, { delete: true });
  } else {
    await api("DELETE", `/api/files/${current.id}/faces/${face.origin === "manual" ? face.track : face.id}`);
  }
  current.selected = null;
  if (face.origin === "manual") current.track = null;
  await reload();
}

async function deleteRange(face, first, last) {
  await api("POST", `/api/files/${current.id}/tracks/${face.track}`, { delete: true, first, last });
  current.selected = null;
  await reload();
}

async function setReviewed(value) {
  await api("POST", `/api/files/${current.id}/reviewed`, { reviewed: value });
  await reload();
}

function togglePreview() {
  current.preview = !current.preview;
  renderFile();
}

function nextUncertain() {
  const later = current.data.uncertain.find((f) => f > current.frame);
  goTo(later !== undefined ? later : (current.data.uncertain[0] ?? current.frame));
}

function timeline() {
  const { frames, tracks, uncertain } = current.data;
  const lane = 10;
  const svg = el("svg:svg", { id: "timeline", viewBox: `0 0 ${frames} ${(tracks.length + 1) * lane + 4}`,
    preserveAspectRatio: "none", height: Math.min(400, (tracks.length + 1) * 12 + 6) });
  for (const f of uncertain) svg.append(el("svg:rect", { class: "mark", x: f, y: 0, width: 1, height: lane - 2 }));
  tracks.forEach((track, i) => {
    // one bar per run of consecutive frames: the gaps between runs are where the track was lost
    let start = null;
    const runs = [];
    track.frames.forEach((f, j) => {
      if (start === null) start = f;
      if (track.frames[j + 1] !== f + 1) { runs.push([start, f]); start = null; }
    });
    for (const [a, b] of runs) {
      const cls = `lane ${track.origin === "manual" ? "manual" : "detected"}${track.id === current.track ? " sel" : ""}`;
      svg.append(el("svg:rect", { class: cls, x: a, y: (i + 1) * lane, width: b - a + 1, height: lane - 2,
        "data-track": track.id }));
    }
  });
  svg.append(el("svg:line", { class: "now", x1: current.frame + 0.5, x2: current.frame + 0.5, y1: 0,
    y2: (tracks.length + 1) * lane + 4 }));
  svg.addEventListener("click", (e) => {
    const p = svgPoint(svg, e);
    goTo(Math.floor(p.x));
  });
  return el("div", { class: "timeline" }, el("div", {}, `tracks (${tracks.length}); orange: uncertain frames`), svg);
}

// -- keyboard -----------------------------------------------------------------------------
document.addEventListener("keydown", async (event) => {
  if (!current || event.target.tagName === "INPUT" || event.target.tagName === "SELECT") return;
  const face = selectedFace();
  const key = event.key;
  if ((key === "Delete" || key === "Backspace") && face) await deleteFace(face, event.shiftKey);
  else if ((key === "k" || key === "K") && face) await toggleKeep(face);
  else if (key === "p" || key === "P") togglePreview();
  else if (key === "ArrowLeft") goTo(current.frame - 1);
  else if (key === "ArrowRight") goTo(current.frame + 1);
  else if (key === "n" || key === "N") nextUncertain();
  else if (key === "r" || key === "R") await setReviewed(!current.data.reviewed);
  else if (key === "Escape") { current.track = null; select(null); }
  else return;
  event.preventDefault();
});

show();
