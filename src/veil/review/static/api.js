// The token, the API and the pictures: every request carries the token in a header, never a cookie.
// The token comes from the URL veil printed; this tab keeps it in sessionStorage, which (unlike a
// cookie) belongs to this port alone, and the URL loses it at once.

const KEY = "veil-token";
const given = new URLSearchParams(location.search).get("token");
if (given) {
  sessionStorage.setItem(KEY, given);
  history.replaceState(null, "", location.pathname + location.hash);
}
export const TOKEN = sessionStorage.getItem(KEY) || "";

// -- errors: every failed request is shown on the page, not only in the console ------------------
let hideTimer = null;
export function showError(message, kind = "error") {
  const box = document.getElementById("error");
  box.className = kind;
  box.replaceChildren(el("span", {}, message),
    el("button", { onclick: () => { box.hidden = true; }, title: "dismiss" }, "×"));
  box.hidden = false;
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => { box.hidden = true; }, 10000);
}
window.addEventListener("unhandledrejection", (event) => {
  showError(event.reason && event.reason.message ? event.reason.message : String(event.reason));
});

export class ApiError extends Error {
  constructor(message, status, data) { super(message); this.status = status; this.data = data; }
}

export async function api(method, path, body) {
  const options = { method, headers: { "X-Veil-Token": TOKEN } };
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  const response = await fetch(path, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(data.error || `${response.status} ${response.statusText}`, response.status, data);
  return data;
}

// -- pictures: fetched with the header, shown as blob URLs (an <img src> cannot send a header) -----
export async function picture(path) {
  const response = await fetch(path, { headers: { "X-Veil-Token": TOKEN } });
  if (!response.ok) {
    const data = await response.json().catch(() => ({}));
    throw new ApiError(data.error || `${response.status} ${response.statusText}`, response.status, data);
  }
  return URL.createObjectURL(await response.blob());
}

/** A few pictures kept by key (recent frames, prefetched ones); the oldest are released. */
export class PictureCache {
  constructor(size) { this.size = size; this.items = new Map(); }
  get(key) {
    if (!this.items.has(key)) {
      const loading = picture(key);
      loading.catch(() => this.items.delete(key));
      this.items.set(key, loading);
      while (this.items.size > this.size) {
        const [oldest, url] = this.items.entries().next().value;
        this.items.delete(oldest);
        url.then((u) => URL.revokeObjectURL(u), () => {});
      }
    }
    return this.items.get(key);
  }
  clear() {
    for (const url of this.items.values()) url.then((u) => URL.revokeObjectURL(u), () => {});
    this.items.clear();
  }
}

// -- building the page: text goes in as text, never as HTML ----------------------------------------
const SVG = "http://www.w3.org/2000/svg";
export function el(tag, attrs = {}, ...children) {
  const node = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) if (child !== null && child !== undefined) node.append(child);
  return node;
}
