// The service worker: the app shell from its cache, so the app opens and works without a signal.
// config.json is read from the network first (a deployment's settings) and from the cache when
// offline. Calls to the API, Cognito and S3 go to other origins and pass untouched: nothing
// personal is ever put in a cache here (what waits to be sent is in IndexedDB, see js/outbox.js).
// `make web` (scripts/web_assets.py) rewrites the next two lines from the files of web/.
const VERSION = "01c78c0822ac";
const SHELL = ["./", "app.css", "icons/icon-192.png", "icons/icon-512.png", "icons/icon-maskable-512.png", "icons/icon.svg", "icons/tab-add.svg", "icons/tab-claim.svg", "icons/tab-home.svg", "icons/tab-more.svg", "icons/tab-people.svg", "index.html", "js/api.js", "js/app.js", "js/auth.js", "js/file-tab.js", "js/format.js", "js/idb-store.js", "js/ktp.js", "js/main.js", "js/nik.js", "js/outbox.js", "js/photo.js", "js/places.js", "js/reference-data.js", "js/report-words.js", "js/screens/claim-new.js", "js/screens/claim.js", "js/screens/claims.js", "js/screens/correction.js", "js/screens/death.js", "js/screens/farmer-edit.js", "js/screens/farmer.js", "js/screens/farmers.js", "js/screens/home.js", "js/screens/login.js", "js/screens/menu.js", "js/screens/outbox.js", "js/screens/parts.js", "js/screens/pay.js", "js/screens/receipt.js", "js/screens/refunds.js", "js/screens/register.js", "js/screens/report.js", "js/screens/send-now.js", "js/screens/verify.js", "js/sender.js", "js/ui.js", "js/upload.js", "manifest.webmanifest"];
const SHELL_CACHE = `sutasoma-shell-${VERSION}`;
const CONFIG_CACHE = "sutasoma-config";
const CONFIG_TIMEOUT_MS = 4000;

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL.map((url) => new Request(url, { cache: "reload" })))),
      // The page read config.json before this worker existed: keep a copy for the first offline start.
      caches.open(CONFIG_CACHE).then((cache) => cache.add(new Request("config.json", { cache: "no-store" }))),
    ]).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("sutasoma-shell-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  const file = url.pathname.slice(new URL(self.registration.scope).pathname.length).match(FILE_PATH);
  if (file) {
    event.respondWith(serveFile(file[1]));
    return;
  }
  if (url.pathname.endsWith("/config.json")) {
    event.respondWith(networkFirst(request));
    return;
  }
  event.respondWith(cacheFirst(request));
});

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request, { ignoreSearch: true });
  if (hit) return hit;
  if (request.mode === "navigate") {
    const index = await cache.match("./");
    if (index) return index;
  }
  return fetch(request);
}

async function networkFirst(request) {
  const cache = await caches.open(CONFIG_CACHE);
  try {
    const response = await Promise.race([
      fetch(request, { cache: "no-store" }),
      new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), CONFIG_TIMEOUT_MS)),
    ]);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (error) {
    const hit = await cache.match(request);
    if (hit) return hit;
    throw error;
  }
}

// ------------------------------------------------------------ Files opened in a tab (js/file-tab.js)
// The page fetched the file with its ID token and posts it here as {type: "file", id, blob}; the
// tab it opened asks for berkas/<id>/<name>. The file is answered from memory, once, never cached,
// with a policy of its own: the file's inline styles, no script, sandboxed (an opaque origin: no
// access to the app's storage or tokens).
const FILE_PATH = /^berkas\/([\w-]{8,64})\/[^/]+$/;
const FILE_WAIT_MS = 30_000;
const FILE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox";
const files = new Map(); // id -> {promise, settle}
const served = new Set(); // ids already answered: a reload of the tab says so at once

function fileSlot(id) {
  let slot = files.get(id);
  if (!slot) {
    let settle;
    const promise = new Promise((resolve) => (settle = resolve));
    slot = { promise, settle };
    files.set(id, slot);
    setTimeout(() => {
      settle({ error: "waktu habis" });
      files.delete(id);
    }, FILE_WAIT_MS);
  }
  return slot;
}

self.addEventListener("message", (event) => {
  const { type, id, blob, error } = event.data ?? {};
  if (type !== "file" || typeof id !== "string" || !FILE_PATH.test(`berkas/${id}/x`)) return;
  const slot = fileSlot(id);
  slot.settle(blob instanceof Blob ? { blob } : { error: String(error ?? "tidak ada berkas") });
  // Kept alive until the tab has it (or the wait is over).
  event.waitUntil(Promise.race([slot.promise, new Promise((resolve) => setTimeout(resolve, FILE_WAIT_MS))]));
});

async function serveFile(id) {
  if (served.has(id)) return fileMessage("Berkas ini sudah ditutup.");
  const got = await fileSlot(id).promise;
  files.delete(id);
  served.add(id);
  if (!got.blob) return fileMessage(`Berkas tidak dapat dibaca (${got.error}).`);
  return new Response(got.blob, {
    headers: {
      "Content-Type": got.blob.type || "text/html; charset=utf-8",
      "Content-Security-Policy": FILE_POLICY,
      "Cache-Control": "no-store",
      "Referrer-Policy": "no-referrer",
      "X-Content-Type-Options": "nosniff",
    },
  });
}

function fileMessage(text) {
  return new Response(`${text}\nBuka lagi dari aplikasi SUTASOMA (Laporan bulanan, Berkas).\n`, {
    status: 404,
    headers: { "Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store", "Content-Security-Policy": FILE_POLICY },
  });
}
