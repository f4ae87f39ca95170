// veil review: the overview of every file and the view of one; routing, progress, export, help.
// Plain ES modules, no build step; every change goes to the server at once (it journals it).

import { api, ApiError, el, showError, TOKEN } from "./api.js";
import { closeFile, onKey, openFile } from "./file.js";
import { renderOverview } from "./overview.js";

const view = document.getElementById("view");
let status = { files: [], detect: {}, export: {}, filters: [] };

// -- progress and export ----------------------------------------------------------------------------
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
    : e.error ? `export failed: ${e.error}` : e.report ? `exported ${e.report.files.length} files` +
      (e.report.errors.length ? `, ${e.report.errors.length} failed` : "") : "";
  if (route().name === "overview") showOverview();
}

async function exportAll() {
  try {
    await api("POST", "/api/export", {});
  } catch (error) {
    if (!(error instanceof ApiError && error.data && error.data.unreviewed)) { showError(error.message); return; }
    if (!confirm(`${error.message}\n\n${error.data.unreviewed.slice(0, 10).join("\n")}`)) return;
    await api("POST", "/api/export", { force: true }).catch((again) => showError(again.message));
  }
  await poll();
}

// -- routing ------------------------------------------------------------------------------------------
function route() {
  const match = location.hash.match(/^#\/file\/([\w-]+)(?:\/(\d+))?/);
  return match ? { name: "file", id: match[1], frame: Number(match[2] || 0) } : { name: "overview" };
}

let shownOverview = "";
function showOverview() {
  const key = JSON.stringify(status.files);
  if (key === shownOverview && document.getElementById("overview")) return; // nothing new: keep the DOM
  shownOverview = key;
  renderOverview(view, status.files);
}

async function show() {
  const r = route();
  if (r.name === "file") {
    await openFile(r.id, r.frame).catch((error) => { showError(error.message); location.hash = "#/"; });
  } else {
    closeFile();
    shownOverview = "";
    await poll();
  }
}

// -- help and keys ------------------------------------------------------------------------------------
const KEYS = [
  ["drag", "draw a box around a face veil missed (in a video: a keyframe of a track)"],
  ["click / Shift+click", "select a box / add it to the selection"],
  ["Del", "delete the selected boxes (in a video: in this frame; several: asks first)"],
  ["Shift+Del", "delete the whole track (asks first)"], ["K", "keep visible / hide"],
  ["M", "merge the two selected tracks"], ["Ctrl+Z / Ctrl+Shift+Z", "undo / redo (kept across reloads)"],
  ["← →", "previous / next frame"], ["Space", "play / pause"],
  ["N", "next unsure track or face"], ["[ ]", "previous / next file"], ["R", "reviewed on / off"],
  ["Shift+R", "reviewed, then the next file"], ["P", "original / anonymised"],
  ["wheel, + −, 0", "zoom at the pointer, in, out, fit"], ["Alt+drag", "pan (or the middle button)"],
  ["Esc", "deselect; start a new track"],
  ["?", "this help"],
];

function toggleHelp() {
  const help = document.getElementById("help");
  if (!help.hidden) { help.hidden = true; return; }
  help.replaceChildren(el("div", { class: "help-box" }, el("h3", {}, "Keys"),
    el("table", {}, ...KEYS.map(([key, what]) => el("tr", {}, el("td", {}, el("kbd", {}, key)), el("td", {}, what)))),
    el("button", { onclick: () => { help.hidden = true; } }, "close (Esc)")));
  help.hidden = false;
}

document.addEventListener("keydown", async (event) => {
  const tag = event.target.tagName;
  if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA") return;
  const help = document.getElementById("help");
  if (event.key === "?") { event.preventDefault(); toggleHelp(); return; }
  if (event.key === "Escape" && !help.hidden) { help.hidden = true; return; }
  if (event.key === "Backspace") { event.preventDefault(); return; } // never deletes, never navigates
  if (route().name !== "file") return;
  if (event.key === " " || event.key.startsWith("Arrow")) event.preventDefault();
  try {
    if (await onKey(event)) event.preventDefault();
  } catch (error) {
    showError(error.message);
  }
});

document.getElementById("export").addEventListener("click", exportAll);
document.getElementById("help-button").addEventListener("click", toggleHelp);
window.addEventListener("hashchange", show);

if (!TOKEN) {
  view.replaceChildren(el("p", { class: "failed" },
    "This page needs the token in the URL veil review printed in its terminal: open that URL."));
} else {
  setInterval(poll, 1000);
  show();
}
