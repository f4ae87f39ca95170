// The overview: a card per file, most uncertain first, with counts in tracks for a video.

import { el, picture } from "./api.js";

const thumbs = new Map(); // file id -> blob URL
let observer = null;

function thumb(img) {
  const id = img.dataset.thumb;
  if (thumbs.has(id)) { img.src = thumbs.get(id); return; }
  picture(`/api/files/${id}/thumb.jpg`).then((url) => { thumbs.set(id, url); img.src = url; }, () => {});
}

function state(f) {
  if (f.status === "failed") return el("span", { class: "failed" }, `failed: ${f.error}`);
  if (f.status !== "ready") return f.status;
  const unit = f.kind === "video" ? "track" : "face";
  const parts = [el("span", {}, `${f.faces} ${unit}${f.faces === 1 ? "" : "s"} · `),
    f.unsure ? el("span", { class: "unsure" }, `${f.unsure} unsure`) : el("span", {}, "all sure")];
  if (f.reviewed) parts.push(el("span", {}, " · reviewed ✓"));
  if (f.missing) parts.push(el("span", { class: "failed" }, " · input missing"));
  return el("span", {}, ...parts);
}

export function renderOverview(view, files) {
  observer = observer || new IntersectionObserver((entries) => {
    for (const entry of entries) if (entry.isIntersecting) { thumb(entry.target); observer.unobserve(entry.target); }
  }, { rootMargin: "300px" });
  const cards = files.map((f) => {
    const name = f.path.split("/").pop();
    const open = () => { if (f.status === "ready") location.hash = `#/file/${f.id}/0`; };
    const img = f.status === "ready" ? el("img", { alt: name, "data-thumb": f.id }) : el("div", { class: "noimg" });
    if (f.status === "ready") observer.observe(img);
    return el("div", { class: `card${f.reviewed ? " reviewed" : ""}`, "data-file": f.id, onclick: open },
      img, el("div", { class: "name", title: f.path }, name),
      el("div", { class: "meta" }, `${f.kind}${f.kind === "video" ? `, ${f.frames} frames` : ""} · `, state(f)));
  });
  view.replaceChildren(el("div", { class: "grid", id: "overview" }, ...cards));
}
