// A file the API serves only with the ID token (a report's HTML) opened in a tab of its own.
//
// A blob: URL would do it, but its document inherits this page's CSP: no inline style, so the
// report would show unstyled. Instead the tab opens berkas/<id>/<name> at once (in the tap, so no
// popup blocker refuses it), the service worker holds that navigation, and this page hands it the
// file when it has fetched it; the worker answers from memory, once, under a policy of its own
// (sw.js "Files opened in a tab"). Nothing is put in a cache.
import { h } from "./ui.js";

/** Can a file be opened in a tab here (a service worker controls this page)? */
export function canOpenInTab() {
  return Boolean(globalThis.navigator?.serviceWorker?.controller);
}

function newId() {
  if (globalThis.crypto?.randomUUID) return crypto.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
}

/**
 * Opens `name` in a new tab with what `load()` resolves to (a Blob). Call it from the tap itself.
 * Resolves true when the tab got the file, false when it could not be opened (no service worker,
 * a popup blocker): the caller then offers the download. Rejects with load()'s error (the tab
 * then says the file could not be read).
 */
export async function openInTab(name, load) {
  const worker = globalThis.navigator?.serviceWorker?.controller;
  if (!worker) return false;
  const id = newId();
  const address = new URL(`berkas/${id}/${encodeURIComponent(name)}`, document.baseURI);
  const tab = window.open(address.href, "_blank");
  if (!tab) return false;
  try {
    const blob = await load();
    worker.postMessage({ type: "file", id, blob });
    return true;
  } catch (error) {
    worker.postMessage({ type: "file", id, error: error?.detail ?? error?.message ?? String(error) });
    throw error;
  }
}

/** Saves a Blob under `name` (the browser's download). */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
