// Start: the service worker, config.json, the session, then the screen the address names.
import { app } from "./app.js";
import { loadSession } from "./auth.js";
import { clear, h, notice } from "./ui.js";
// Screens are loaded when first shown: a first visit downloads the sign-in screen, not all of them.
const ROUTES = [
  ["/masuk", () => import("./screens/login.js"), { public: true }],
  ["/", () => import("./screens/home.js")],
  ["/petani", () => import("./screens/farmers.js")],
  ["/petani/:id", () => import("./screens/farmer.js")],
  ["/petani/:id/bayar", () => import("./screens/pay.js")],
  ["/petani/:id/klaim", () => import("./screens/claim-new.js")],
  ["/petani/:id/kematian", () => import("./screens/death.js")],
  ["/petani/:id/ubah", () => import("./screens/farmer-edit.js")],
  ["/petani/:id/koreksi", () => import("./screens/correction.js"), { coordinator: true }],
  ["/daftar", () => import("./screens/register.js")],
  ["/kuitansi/:ref", () => import("./screens/receipt.js")],
  ["/klaim", () => import("./screens/claims.js")],
  ["/klaim/:id", () => import("./screens/claim.js")],
  ["/verifikasi", () => import("./screens/claims.js"), { verify: true, coordinator: true }],
  ["/verifikasi/:id", () => import("./screens/verify.js"), { coordinator: true }],
  ["/pengembalian", () => import("./screens/refunds.js")],
  ["/laporan", () => import("./screens/report.js"), { coordinator: true }],
  ["/kirim", () => import("./screens/outbox.js")],
  ["/menu", () => import("./screens/menu.js")],
];

function match(path) {
  const parts = path.split("/").filter(Boolean);
  for (const [pattern, load, options = {}] of ROUTES) {
    const want = pattern.split("/").filter(Boolean);
    if (want.length !== parts.length) continue;
    const params = {};
    if (want.every((w, i) => (w.startsWith(":") ? ((params[w.slice(1)] = decodeURIComponent(parts[i])), true) : w === parts[i]))) {
      return { load, params, options };
    }
  }
  return null;
}

function currentPath() {
  const hash = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = hash.split("?");
  return { path, query: Object.fromEntries(new URLSearchParams(search)) };
}

export function go(path) {
  if (location.hash === `#${path}`) render();
  else location.hash = `#${path}`;
}

const TABS = {
  agent: [
    ["/", "Beranda", "home"],
    ["/petani", "Petani", "people"],
    ["/daftar", "Daftar", "add"],
    ["/klaim", "Klaim", "claim"],
    ["/menu", "Lainnya", "more"],
  ],
  coordinator: [
    ["/", "Beranda", "home"],
    ["/petani", "Petani", "people"],
    ["/daftar", "Daftar", "add"],
    ["/verifikasi", "Verifikasi", "claim"],
    ["/menu", "Lainnya", "more"],
  ],
};

function renderChrome(path) {
  const nav = document.getElementById("tabs");
  const signedIn = Boolean(app.session);
  nav.hidden = !signedIn;
  document.body.classList.toggle("signed-in", signedIn);
  if (!signedIn) return;
  const tabs = app.isCoordinator() ? TABS.coordinator : TABS.agent;
  clear(nav);
  for (const [href, label, icon] of tabs) {
    const active = href === "/" ? path === "/" : path === href || path.startsWith(`${href}/`);
    nav.append(
      h(
        "a",
        { href: `#${href}`, class: ["tab", `tab-${icon}`], "aria-current": active ? "page" : undefined },
        h("span", { class: "tab-icon", "aria-hidden": "true" }),
        h("span", { class: "tab-label" }, label),
      ),
    );
  }
}

async function renderBadge() {
  const badge = document.getElementById("outbox-badge");
  const net = document.getElementById("net");
  net.textContent = navigator.onLine ? "Terhubung" : "Tanpa sinyal";
  net.classList.toggle("offline", !navigator.onLine);
  if (!app.outbox) {
    badge.hidden = true;
    return;
  }
  const items = await app.outbox.items();
  const stuck = items.filter((i) => i.state !== "waiting").length;
  badge.hidden = items.length === 0;
  badge.textContent = `Menunggu dikirim (${items.length})`;
  badge.classList.toggle("attention", stuck > 0);
  badge.setAttribute("aria-label", stuck ? `Menunggu dikirim (${items.length}), ${stuck} perlu tindakan` : badge.textContent);
}

let renderCount = 0;

async function render() {
  const view = document.getElementById("view");
  const { path, query } = currentPath();
  const found = match(path);
  if (!app.session && !found?.options.public) {
    if (path !== "/masuk") {
      location.replace("#/masuk");
      return;
    }
  }
  if (app.session && path === "/masuk") {
    location.replace("#/");
    return;
  }
  renderChrome(path);
  const ticket = ++renderCount;
  clear(view);
  if (!found) {
    view.append(h("h1", {}, "Halaman tidak ada"), h("p", {}, h("a", { href: "#/" }, "Kembali ke beranda")));
    return;
  }
  if (found.options.coordinator && !app.isCoordinator()) {
    view.append(h("h1", {}, "Khusus koordinator"), notice("info", "Layar ini untuk koordinator BPP."));
    return;
  }
  view.append(h("p", { class: "loading", role: "status" }, "Memuat…"));
  let node;
  try {
    const screen = await found.load();
    node = await screen.render({ app, params: found.params, query, options: found.options, go });
  } catch (error) {
    node = h(
      "section",
      {},
      h("h1", {}, "Terjadi kesalahan"),
      notice("error", error?.detail ?? error?.message ?? String(error), { label: "Coba lagi", run: () => render() }),
    );
  }
  if (ticket !== renderCount) return; // the user went elsewhere meanwhile
  clear(view);
  view.append(node);
  const title = view.querySelector("h1");
  document.title = title ? `${title.textContent} · SUTASOMA` : "SUTASOMA";
  if (!found.options.public) view.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

function registerWorker() {
  if (!("serviceWorker" in navigator)) return;
  // The CSP requires Trusted Types for script URLs: one policy, which knows one URL.
  const policy = globalThis.trustedTypes?.createPolicy("sutasoma", {
    createScriptURL: (url) => {
      if (url === "sw.js") return url;
      throw new TypeError(`script URL refused: ${url}`);
    },
  });
  navigator.serviceWorker.register(policy ? policy.createScriptURL("sw.js") : "sw.js").catch(() => {});
}

async function loadConfig() {
  const response = await fetch("config.json", { cache: "no-store" });
  if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
  const config = await response.json();
  config.cognito_endpoint ??= `https://cognito-idp.${config.region}.amazonaws.com/`;
  return config;
}

async function main() {
  // The service worker after the first screen is up: its caching of the shell must not slow it.
  if (document.readyState === "complete") registerWorker();
  else window.addEventListener("load", registerWorker, { once: true });
  try {
    app.config = await loadConfig();
  } catch (error) {
    const view = document.getElementById("view");
    clear(view).append(
      h("h1", {}, "Aplikasi belum dikonfigurasi"),
      notice("error", `Berkas config.json tidak dapat dibaca (${error.message}).`, { label: "Muat ulang", run: () => location.reload() }),
    );
    return;
  }
  app.on(() => renderBadge());
  window.addEventListener("online", () => {
    renderBadge();
    app.flush();
  });
  window.addEventListener("offline", () => renderBadge());
  window.addEventListener("hashchange", render);
  // A link to the screen already shown (the Daftar tab after a registration) starts it afresh.
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("a[href^='#/']");
    if (link && link.getAttribute("href") === location.hash && !event.defaultPrevented) render();
  });
  const session = loadSession();
  if (session) app.start(session);
  renderBadge();
  await render();
}

main();
