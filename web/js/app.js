// The running app: configuration, the signed-in user, the API, the outbox; shared by the screens.
import { Api } from "./api.js";
import { forgetSession } from "./auth.js";
import { deleteDatabase, idbStore } from "./idb-store.js";
import { Outbox, memoryStore } from "./outbox.js";
import { makeSender } from "./sender.js";

const FLUSH_EVERY_MS = 30_000;
const MISSING_KEY = "sutasoma.missing-routes";
const MISSING_FOR_MS = 24 * 3600 * 1000;

export const app = {
  config: null,
  session: null,
  api: null,
  outbox: null,
  receipts: new Map(), // payment_id -> payment answered this session (memory only)
  listeners: new Set(),
  timer: null,

  on(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  },

  changed() {
    for (const listener of this.listeners) listener();
  },

  /** Routes this API answered 404 for (a server before CONTRACT r2): not asked again for a day.
   *  Kept in localStorage: it says nothing about anybody. */
  routeMissing(route) {
    const missing = JSON.parse(localStorage.getItem(MISSING_KEY) ?? "{}");
    return Date.now() - (missing[route] ?? 0) < MISSING_FOR_MS;
  },

  markMissing(route) {
    const missing = JSON.parse(localStorage.getItem(MISSING_KEY) ?? "{}");
    missing[route] = Date.now();
    localStorage.setItem(MISSING_KEY, JSON.stringify(missing));
  },

  get online() {
    return navigator.onLine;
  },

  isCoordinator() {
    return this.session?.role === "coordinator" || this.session?.role === "admin";
  },

  /** The server's time (from the token's iat) as ISO 8601: paid_at of work captured now. */
  serverNow() {
    const offset = this.session?.clockOffsetMs ?? 0;
    // Never ahead of the server: a paid_at in the future is refused (PAID_AT_INVALID).
    return new Date(Date.now() + Math.min(offset, 0) - 5_000).toISOString();
  },

  start(session) {
    this.session = session;
    const sessionRef = {
      get: () => this.session,
      set: (fresh) => {
        this.session = fresh;
      },
      expired: () => {
        this.session = null;
        forgetSession();
        location.hash = "#/masuk?berakhir=1"; // the sign-in screen says why
      },
    };
    this.api = new Api(this.config, sessionRef);
    const store = typeof indexedDB === "undefined" ? memoryStore() : idbStore();
    const lock = navigator.locks
      ? (fn) => navigator.locks.request("sutasoma-outbox", () => fn())
      : (fn) => fn();
    this.outbox = new Outbox({
      store,
      send: makeSender(this.api),
      owner: session.username,
      lock,
      onChange: () => this.changed(),
    });
    clearInterval(this.timer);
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS);
    this.flush();
    this.changed();
  },

  async flush() {
    if (!this.outbox || !navigator.onLine || !this.session) return null;
    const report = await this.outbox.flush();
    for (const { item, result } of report.sent) {
      if (item.kind === "payment" && result?.payment_id) this.receipts.set(result.payment_id, result);
    }
    return report;
  },

  /** Keluar: tokens, the outbox (with any personal data waiting in it) and the memory, all gone. */
  async signOut() {
    clearInterval(this.timer);
    this.timer = null;
    await this.outbox?.clear().catch(() => {});
    await deleteDatabase();
    this.api?.forget();
    this.receipts.clear();
    forgetSession();
    sessionStorage.clear();
    this.session = null;
    this.api = null;
    this.outbox = null;
    this.changed();
  },
};
