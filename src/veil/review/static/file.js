// One file: the picture with its boxes (zoom and pan), the panel, the timeline of tracks, the keys.
// Boxes come in windows of frames around the one shown, so a ten-minute video costs what a clip does;
// pictures are fetched ahead while the reviewer steps or plays.

import { api, ApiError, el, PictureCache, showError } from "./api.js";

const BACK = 10, AHEAD = 40;      // the window of frames whose boxes the page holds
const PREFETCH = 3;               // frames fetched ahead of the one shown
const MAX_LANES = 60;
const view = () => document.getElementById("view");
const pictures = new PictureCache(24);
let cur = null; // {id, meta, frame, win, focus, selected:Set, track, preview, version, zoom, playing}

export function currentFile() { return cur; }
export function closeFile() { stop(); cur = null; pictures.clear(); }

export async function openFile(id, frame) {
  if (cur && cur.id === id) { await setFrame(frame); return; }
  stop();
  cur = null; // no key acts on the file being left while the next one loads
  pictures.clear();
  const meta = await api("GET", `/api/files/${id}`);
  cur = { id, meta, frame: Math.max(0, Math.min(frame, meta.frames - 1)), win: null, focus: null,
    selected: new Set(), laneTracks: new Set(), picks: 0, track: null, preview: false, version: 0, zoom: 1, playing: false, stage: null };
  await loadWindow(true);
  render();
}

async function loadWindow(force) {
  const { frame, meta } = cur;
  if (!force && cur.win && frame >= cur.win.first && frame <= cur.win.last &&
      (frame - cur.win.first >= 5 || cur.win.first === 0) && (cur.win.last - frame >= 10 || cur.win.last === meta.frames - 1)) return;
  const first = Math.max(0, frame - BACK), last = Math.min(meta.frames - 1, frame + AHEAD);
  const id = cur.id;
  const win = await api("GET", `/api/files/${id}/window?first=${first}&last=${last}`);
  if (cur && cur.id === id) cur.win = win;
}

/** After a change: the counts, the window and the anonymised preview are fetched again. */
async function refresh() {
  const [meta] = await Promise.all([api("GET", `/api/files/${cur.id}`), loadWindow(true)]);
  cur.meta = meta;
  cur.version += 1;
  render();
}

async function change(method, path, body) {
  try {
    const result = await api(method, `/api/files/${cur.id}${path}`, body);
    await refresh();
    return result;
  } catch (error) {
    showError(error.message);
    await refresh().catch(() => {});
    return null;
  }
}

export async function setFrame(frame) {
  frame = Math.max(0, Math.min(cur.meta.frames - 1, frame));
  if (frame === cur.frame && cur.win) return;
  cur.frame = frame;
  history.replaceState(null, "", `#/file/${cur.id}/${frame}`);
  await loadWindow(false);
  if (cur.focus && !facesNow().some((f) => f.id === cur.focus.id)) {
    const same = cur.focus.track != null && facesNow().find((f) => f.track === cur.focus.track);
    cur.focus = same || null;
    cur.selected = new Set(same ? [same.id] : []);
  }
  render();
}

const facesNow = () => (cur.win.faces[String(cur.frame)] || []);
const frameUrl = (frame) => `/api/files/${cur.id}/frame/${frame}.jpg?preview=${cur.preview ? 1 : 0}` +
  (cur.preview ? `&v=${cur.version}` : "");
const timeOf = (frame) => cur.win.times[frame - cur.win.first] ?? 0;
const video = () => cur.meta.kind === "video";

// -- the view -----------------------------------------------------------------------------------------
function render() {
  const stage = stageElements();
  const parts = [toolbar()];
  if (video()) parts.push(transport());
  parts.push(el("div", { class: "layout" }, stage.box, panel()));
  if (video()) parts.push(timeline());
  view().replaceChildren(...parts);
  layoutStage();
  drawBoxes();
  showPicture();
}

function toolbar() {
  const { meta } = cur;
  return el("div", { class: "toolbar" },
    el("button", { onclick: () => { location.hash = "#/"; }, title: "all files (Esc Esc)" }, "← all files"),
    el("button", { id: "prev-file", onclick: () => otherFile(-1), title: "previous file ([)" }, "‹"),
    el("strong", { id: "file-name", title: meta.path }, meta.path.split("/").pop()),
    el("button", { id: "next-file", onclick: () => otherFile(1), title: "next file (])" }, "›"),
    el("span", { class: "counts" }, `${meta.faces} ${video() ? "track" : "face"}${meta.faces === 1 ? "" : "s"} · `,
      el("span", { class: meta.unsure ? "unsure" : "" }, `${meta.unsure} unsure`)),
    el("label", {}, el("input", { type: "checkbox", id: "preview", checked: cur.preview || null,
      onchange: togglePreview }), " anonymised (P)"),
    el("label", {}, el("input", { type: "checkbox", id: "reviewed", checked: meta.reviewed || null,
      onchange: (e) => setReviewed(e.target.checked) }), " reviewed (R)"),
    el("button", { id: "reviewed-next", onclick: reviewedNext, title: "Shift+R" }, "reviewed, next"),
    el("span", { class: "spacer" }),
    el("button", { id: "undo", onclick: undo, disabled: !meta.can_undo || null, title: "Ctrl+Z" }, "↶ undo"),
    el("button", { id: "redo", onclick: redo, disabled: !meta.can_redo || null, title: "Ctrl+Shift+Z" }, "↷ redo"),
    el("button", { id: "zoom-out", onclick: () => zoomBy(1 / 1.25), title: "−" }, "−"),
    el("button", { id: "zoom-fit", onclick: () => setZoom(1), title: "0" }, `${Math.round(cur.zoom * 100)}%`),
    el("button", { id: "zoom-in", onclick: () => zoomBy(1.25), title: "+" }, "+"));
}

function transport() {
  const { meta, frame } = cur;
  return el("div", { class: "toolbar" },
    el("button", { id: "prev", onclick: () => setFrame(frame - 1), title: "←" }, "◀"),
    el("button", { id: "play", onclick: togglePlay, title: "Space" }, cur.playing ? "❚❚" : "▶ play"),
    el("button", { id: "next", onclick: () => setFrame(frame + 1), title: "→" }, "▶"),
    el("input", { type: "range", id: "scrubber", min: 0, max: meta.frames - 1, value: frame,
      onchange: (e) => setFrame(Number(e.target.value)) }),
    el("span", { id: "frame-number" }, `frame ${frame} / ${meta.frames - 1} · ${timeOf(frame).toFixed(2)} s`),
    el("button", { id: "next-unsure", onclick: nextUnsure, title: "N" }, "next unsure (N)"));
}

// -- the picture: zoom (wheel, + - 0) and pan (drag with Alt or the middle button, or scroll) ------
function stageElements() {
  if (cur.stage && cur.stage.file === cur.id) return cur.stage;
  const { width, height } = cur.meta;
  const img = el("img", { id: "frame", draggable: "false", alt: "" });
  const svg = el("svg:svg", { id: "overlay", viewBox: `0 0 ${width} ${height}`, preserveAspectRatio: "none" });
  const inner = el("div", { class: "inner" }, img, svg);
  const box = el("div", { class: "stage", id: "stage" }, inner);
  box.addEventListener("wheel", (e) => { e.preventDefault(); zoomBy(Math.pow(1.0015, -e.deltaY), e); }, { passive: false });
  attachPan(box);
  attachDrawing(svg);
  cur.stage = { file: cur.id, box, inner, img, svg };
  return cur.stage;
}

function fitScale() {
  const { box } = cur.stage;
  const width = box.clientWidth || 800, height = box.clientHeight || 600;
  return Math.min(width / cur.meta.width, height / cur.meta.height);
}

function layoutStage() {
  cur.stage.box.style.overflow = cur.zoom > 1 ? "auto" : "hidden"; // no scrollbars when it fits
  const scale = fitScale() * cur.zoom;
  cur.stage.inner.style.width = `${Math.round(cur.meta.width * scale)}px`;
  cur.stage.inner.style.height = `${Math.round(cur.meta.height * scale)}px`;
}

function setZoom(zoom, event) {
  const { box } = cur.stage;
  const rect = box.getBoundingClientRect();
  const cx = event ? event.clientX - rect.left : box.clientWidth / 2;
  const cy = event ? event.clientY - rect.top : box.clientHeight / 2;
  const x = (box.scrollLeft + cx) / cur.zoom, y = (box.scrollTop + cy) / cur.zoom;
  cur.zoom = Math.max(1, Math.min(16, zoom));
  layoutStage();
  box.scrollLeft = x * cur.zoom - cx;
  box.scrollTop = y * cur.zoom - cy;
  const label = document.getElementById("zoom-fit");
  if (label) label.textContent = `${Math.round(cur.zoom * 100)}%`;
}
const zoomBy = (factor, event) => setZoom(cur.zoom * factor, event);

const panning = (event) => event.button === 1 || (event.button === 0 && event.altKey);
function attachPan(box) {
  box.addEventListener("mousedown", (event) => {
    if (!panning(event)) return;
    event.preventDefault();
    event.stopPropagation();
    const start = { x: event.clientX, y: event.clientY, left: box.scrollLeft, top: box.scrollTop };
    const move = (e) => { box.scrollLeft = start.left - (e.clientX - start.x); box.scrollTop = start.top - (e.clientY - start.y); };
    const up = () => { window.removeEventListener("mousemove", move); window.removeEventListener("mouseup", up); };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  }, true);
}

async function showPicture() {
  const { img } = cur.stage;
  const frame = cur.frame, id = cur.id, key = frameUrl(frame);
  if (img.dataset.key === key) { markShown(); return; }
  try {
    const url = await pictures.get(key);
    if (!cur || cur.id !== id || cur.frame !== frame) return;
    img.onload = () => { img.dataset.key = key; img.dataset.frame = String(frame); markShown(); };
    img.src = url;
  } catch (error) {
    showError(error.message);
  }
  if (video()) for (let i = 1; i <= PREFETCH && frame + i < cur.meta.frames; i++) pictures.get(frameUrl(frame + i));
}

function markShown() { cur.stage.box.dataset.shown = `${cur.id}/${cur.frame}`; }

// -- boxes ------------------------------------------------------------------------------------------
function boxClass(face) {
  const kind = face.origin === "manual" ? "manual" : face.action;
  return `box ${kind} ${face.action}` + (face.origin === "filled" ? " filled" : "") +
    (face.unsure ? " unsure" : "") + (cur.selected.has(face.id) ? " selected" : "");
}

function drawBoxes() {
  const { svg } = cur.stage;
  svg.replaceChildren();
  for (const face of facesNow()) {
    const [x1, y1, x2, y2] = face.box;
    const rect = el("svg:rect", { class: boxClass(face), x: x1, y: y1, width: x2 - x1, height: y2 - y1,
      "data-face": face.id, "data-track": face.track ?? "" });
    rect.append(el("svg:title", {}, `${face.origin} ${face.id}` + (face.score != null ? ` · ${face.score}` : "") +
      (face.track != null ? ` · track ${face.track}` : "") + (face.unsure ? " · unsure" : "")));
    rect.addEventListener("mousedown", (e) => {
      if (e.button !== 0 || panning(e)) return;
      e.stopPropagation();
      select(face, e.shiftKey);
      if (!e.shiftKey) startDrag(e, face, "move");
    });
    svg.append(rect);
    if (cur.focus && cur.focus.id === face.id && cur.selected.size === 1) {
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
    if (event.button !== 0 || panning(event)) return;
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
      draft.remove();
      if (Math.abs(p.x - start.x) < 4 || Math.abs(p.y - start.y) < 4) { select(null); return; }
      const box = [Math.min(start.x, p.x), Math.min(start.y, p.y), Math.max(start.x, p.x), Math.max(start.y, p.y)];
      const track = cur.track != null && video() ? cur.track : null;
      const picked = cur.picks;
      const result = await change("POST", "/boxes", { frame: cur.frame, box, track });
      if (result && cur.picks === picked) { // the reviewer has not picked another box meanwhile
        cur.track = result.track;
        const drawn = facesNow().find((f) => f.id === result.track);
        cur.focus = drawn || null;
        cur.selected = new Set(drawn ? [drawn.id] : []);
        render();
      }
    };
    window.addEventListener("mousemove", move);
    window.addEventListener("mouseup", up);
  });
}

function startDrag(event, face, mode) {
  const { svg } = cur.stage;
  const start = svgPoint(svg, event);
  const box = [...face.box];
  const rect = svg.querySelector(`rect[data-face="${CSS.escape(face.id)}"]`);
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
    if (moved) await change("PATCH", `/faces/${face.id}`, { box, frame: cur.frame });
  };
  window.addEventListener("mousemove", move);
  window.addEventListener("mouseup", up);
}

function select(face, add) {
  cur.picks += 1;
  if (!add) cur.laneTracks = new Set();
  if (!face) { cur.focus = null; cur.selected = new Set(); render(); return; }
  if (add) {
    if (cur.selected.has(face.id)) cur.selected.delete(face.id); else cur.selected.add(face.id);
  } else cur.selected = new Set([face.id]);
  cur.focus = face;
  if (face.origin === "manual") cur.track = face.track;
  render();
}

const selectedFaces = () => facesNow().filter((f) => cur.selected.has(f.id));
const selectedTracks = () => [...new Set([...selectedFaces().map((f) => f.track), ...cur.laneTracks]
  .filter((t) => t != null))];

// -- the panel --------------------------------------------------------------------------------------
function panel() {
  const face = cur.focus && facesNow().find((f) => f.id === cur.focus.id);
  const legend = el("div", { class: "legend" },
    el("span", { class: "swatch hide" }), "hidden ", el("span", { class: "swatch keep" }), "kept ",
    el("span", { class: "swatch manual" }), "added by hand ", el("span", { class: "swatch unsure" }), "unsure");
  const parts = [el("h3", {}, `${facesNow().length} face(s) in this ${video() ? "frame" : "photo"}`), legend];
  if (cur.track != null && video()) {
    parts.push(el("p", {}, `Drawing adds keyframes to track ${cur.track}; boxes between keyframes are interpolated. Esc starts a new track.`));
  }
  const chosen = selectedFaces();
  const tracks = selectedTracks();
  if (tracks.length === 2) {
    parts.push(el("div", { class: "row" }, el("button", { id: "merge", onclick: mergeSelected },
      `Merge track ${tracks[1]} into ${tracks[0]} (M)`)));
  }
  if (chosen.length > 1) {
    parts.push(el("h3", {}, `${chosen.length} selected`),
      el("div", { class: "row" },
        el("button", { id: "keep-selected", onclick: () => bulkSelected("keep") }, "Keep"),
        el("button", { id: "hide-selected", onclick: () => bulkSelected("hide") }, "Hide"),
        el("button", { id: "delete-selected", onclick: () => bulkSelected("delete") }, "Delete")));
  } else if (face) {
    const filter = el("select", { id: "filter", onchange: (e) => setFace(face, { filter: e.target.value }) },
      ...["", ...cur.meta.filters].map((name) => el("option", { value: name, selected: (face.filter || "") === name || null },
        name || `default (${cur.meta.filter})`)));
    parts.push(
      el("h3", {}, `${face.origin} face ${face.id}` + (face.score != null ? ` · score ${face.score}` : "") +
        (face.unsure ? " · unsure" : "")),
      el("div", { class: "row" }, el("button", { id: "toggle-keep", onclick: () => toggleKeep(face) },
        face.action === "hide" ? "Keep visible (K)" : "Hide (K)"), filter),
      el("div", { class: "row" }, el("button", { id: "delete-face", onclick: () => deleteFace(face, false) },
        video() && face.origin !== "manual" ? "Delete in this frame (Del)" : "Delete (Del)")));
    if (face.track != null && video()) {
      const from = el("input", { type: "number", id: "cut-from", value: cur.frame, class: "narrow" });
      const to = el("input", { type: "number", id: "cut-to", value: cur.frame, class: "narrow" });
      parts.push(
        el("div", { class: "row" }, el("button", { id: "delete-track", onclick: () => deleteFace(face, true) },
          `Delete track ${face.track} (Shift+Del)`)),
        el("div", { class: "row" }, "frames", from, "to", to, el("button", { id: "delete-range",
          onclick: () => change("POST", `/tracks/${face.track}`, { delete: true, first: Number(from.value), last: Number(to.value) }) }, "Delete")));
    }
  } else {
    parts.push(el("p", {}, "Drag on the picture to add a face veil missed. Click a box to select it, Shift+click to select more."));
  }
  const below = el("input", { type: "number", id: "bulk-below", min: 0, max: 1, step: 0.05, value: 0.5, class: "narrow" });
  parts.push(el("div", { class: "row bulk" }, "Delete every", video() ? " track" : " box", " scoring under", below,
    el("button", { id: "bulk-delete", onclick: () => bulkBelow(Number(below.value)) }, "Delete…")));
  return el("div", { class: "panel", id: "panel" }, ...parts);
}

// -- changes ----------------------------------------------------------------------------------------
async function setFace(face, fields) {
  if (face.track != null && video()) await change("POST", `/tracks/${face.track}`, fields);
  else await change("PATCH", `/faces/${face.id}`, fields);
}
const toggleKeep = (face) => setFace(face, { action: face.action === "hide" ? "keep" : "hide" });

async function deleteFace(face, wholeTrack) {
  if (wholeTrack && face.track != null) {
    const row = cur.win.tracks.find((t) => t.id === face.track);
    const frames = row ? row.frames : "all its";
    if (!confirm(`Delete track ${face.track} (${frames} frames)? Ctrl+Z undoes it.`)) return;
    await change("POST", `/tracks/${face.track}`, { delete: true });
  } else {
    await change("DELETE", `/faces/${face.origin === "manual" ? face.track : face.id}`);
  }
  if (cur.focus && cur.focus.id !== face.id) return; // another box was picked meanwhile
  cur.focus = null;
  cur.selected = new Set();
  if (face.origin === "manual") cur.track = null;
  render();
}

// Deleting a selection deletes those boxes (in a video, in this frame), as Del does for one;
// keeping or hiding it acts on their tracks, as K does.
async function bulkSelected(action) {
  const chosen = selectedFaces();
  const byTrack = action !== "delete" && video();
  const tracks = byTrack ? [...new Set(chosen.map((f) => f.track).filter((t) => typeof t === "number"))] : [];
  const faces = chosen.filter((f) => !(byTrack && typeof f.track === "number"))
    .map((f) => (f.origin === "manual" ? f.track : f.id));
  if (action === "delete" && !confirm(`Delete the ${chosen.length} selected boxes${video() ? " in this frame" : ""}?`)) return;
  await change("POST", "/bulk", { action, faces: [...new Set(faces)], tracks });
  cur.selected = new Set();
  cur.focus = null;
  render();
}

async function bulkBelow(below) {
  if (!confirm(`Delete every ${video() ? "track" : "box"} scoring under ${below} in this file? Ctrl+Z undoes it.`)) return;
  const result = await change("POST", "/bulk", { action: "delete", below });
  if (result) showError(`deleted ${result.changed}`, "info");
}

async function mergeSelected() {
  const tracks = selectedTracks();
  if (tracks.length !== 2) {
    showError("select two tracks to merge: Shift+click their boxes, or a box and another track's lane");
    return;
  }
  await change("POST", "/merge", { into: tracks[0], other: tracks[1] });
  cur.selected = new Set();
  cur.laneTracks = new Set();
  render();
}

async function undo() { await change("POST", "/undo"); }
async function redo() { await change("POST", "/redo"); }

async function setReviewed(value) { await change("POST", "/reviewed", { reviewed: value }); }

async function reviewedNext() {
  if (!cur.meta.reviewed) await setReviewed(true);
  await otherFile(1);
}

async function otherFile(step) {
  const { files } = await api("GET", "/api/status");
  const ready = files.filter((f) => f.status === "ready");
  const here = ready.findIndex((f) => f.id === cur.id);
  const next = ready[(here + step + ready.length) % ready.length];
  if (next && next.id !== cur.id) location.hash = `#/file/${next.id}/0`;
}

function togglePreview() { cur.preview = !cur.preview; render(); }

async function nextUnsure() {
  const key = cur.focus ? String(cur.focus.track ?? cur.focus.id) : "";
  try {
    const unit = await api("GET", `/api/files/${cur.id}/next?frame=${cur.frame}&key=${encodeURIComponent(key)}&unsure=1`);
    await setFrame(unit.frame);
    const face = facesNow().find((f) => (unit.track != null ? f.track === unit.track : f.id === unit.face));
    if (face) select(face, false);
  } catch (error) {
    showError(error instanceof ApiError && error.status === 404 ? "nothing unsure left in this file" : error.message);
  }
}

// -- playing ----------------------------------------------------------------------------------------
function stop() { if (cur) cur.playing = false; }

async function togglePlay() {
  if (!video()) return;
  cur.playing = !cur.playing;
  render();
  const id = cur.id, period = 1000 / (cur.meta.fps || 25);
  while (cur && cur.id === id && cur.playing && cur.frame < cur.meta.frames - 1) {
    const started = performance.now();
    await pictures.get(frameUrl(cur.frame + 1)).catch(() => {});
    await setFrame(cur.frame + 1);
    await new Promise((done) => setTimeout(done, Math.max(0, period - (performance.now() - started))));
  }
  if (cur && cur.id === id && cur.playing) { cur.playing = false; render(); }
}

// -- the timeline: a labelled lane per track in the window; a click selects the track -------------
function timeline() {
  const { win } = cur;
  const span = win.last - win.first + 1;
  const tracks = win.tracks.slice(0, MAX_LANES);
  const focusTrack = cur.focus ? cur.focus.track : null;
  const lanes = tracks.map((track) => {
    const svg = el("svg:svg", { class: "lane-bars", viewBox: `0 0 ${span} 1`, preserveAspectRatio: "none" });
    for (const [a, b] of track.runs) {
      svg.append(el("svg:rect", { class: `lane ${track.origin}${track.unsure ? " unsure" : ""}`,
        x: a - win.first, y: 0, width: b - a + 1, height: 1 }));
    }
    svg.append(el("svg:rect", { class: "now", x: cur.frame - win.first, y: 0, width: 0.3, height: 1 }));
    svg.addEventListener("click", (e) => {
      const p = svgPoint(svg, e);
      pickTrack(track, win.first + Math.floor(p.x));
    });
    const picked = track.id === focusTrack || cur.laneTracks.has(track.id);
    const label = el("button", { class: `lane-label${track.unsure ? " unsure" : ""}${picked ? " sel" : ""}`,
      "data-track": track.id, title: `${track.frames} frames, ${track.detections} detections, best ${track.max_score ?? "-"}`,
      onclick: (e) => (e.shiftKey ? addLane(track) : pickTrack(track, Math.max(track.first, Math.min(track.last, cur.frame)))) },
      `${track.origin === "manual" ? "" : "t"}${track.id}${track.unsure ? " ?" : ""}`);
    return el("div", { class: `lane-row${track.id === focusTrack ? " sel" : ""}` }, label, svg);
  });
  const more = win.tracks.length > MAX_LANES ? ` (first ${MAX_LANES} shown)` : "";
  return el("div", { class: "timeline", id: "timeline" },
    el("div", {}, `tracks in frames ${win.first}–${win.last}: ${win.tracks.length}${more}; ? marks unsure ones`),
    ...lanes);
}

function addLane(track) { // Shift+click on a lane: that track joins the selection (to merge it)
  if (cur.laneTracks.has(track.id)) cur.laneTracks.delete(track.id); else cur.laneTracks.add(track.id);
  render();
}

async function pickTrack(track, frame) {
  const inside = track.runs.some(([a, b]) => frame >= a && frame <= b);
  await setFrame(inside ? frame : track.first);
  const face = facesNow().find((f) => f.track === track.id);
  if (face) select(face, false);
}

// -- keys -------------------------------------------------------------------------------------------
export async function onKey(event) {
  if (!cur || !cur.win) return false;
  const key = event.key, ctrl = event.ctrlKey || event.metaKey;
  const face = cur.focus && facesNow().find((f) => f.id === cur.focus.id);
  if (key === " ") { if (video() && !event.repeat) await togglePlay(); }
  else if (ctrl && (key === "z" || key === "Z")) await (event.shiftKey ? redo() : undo());
  else if (ctrl && (key === "y" || key === "Y")) await redo();
  else if (ctrl) return false;
  else if (key === "Delete" && selectedFaces().length > 1) await bulkSelected("delete");
  else if (key === "Delete" && face) await deleteFace(face, event.shiftKey);
  else if ((key === "k" || key === "K") && face) await toggleKeep(face);
  else if (key === "m" || key === "M") await mergeSelected();
  else if (key === "p" || key === "P") togglePreview();
  else if (key === "ArrowLeft") { stop(); await setFrame(cur.frame - 1); }
  else if (key === "ArrowRight") { stop(); await setFrame(cur.frame + 1); }
  else if (key === "n" || key === "N") await nextUnsure();
  else if (key === "R") await reviewedNext();
  else if (key === "r") await setReviewed(!cur.meta.reviewed);
  else if (key === "]") await otherFile(1);
  else if (key === "[") await otherFile(-1);
  else if (key === "+" || key === "=") zoomBy(1.25);
  else if (key === "-") zoomBy(1 / 1.25);
  else if (key === "0") setZoom(1);
  else if (key === "Escape") { cur.track = null; select(null); }
  else return false;
  return true;
}

window.addEventListener("resize", () => { if (cur && cur.stage) layoutStage(); });
