// The outbox: registrations, payments, deaths and refund settlements wait here, in IndexedDB,
// from the moment they are captured until the server has them. Every item carries the
// Idempotency-Key made at capture, so sending it again (after a lost answer, a reload, a crash)
// records it once. Items are sent in capture order; an item the server refuses stops the later
// items of the same farmer (in order per farmer) but not the others'; a network failure stops
// the round (the next `online` event, the timer or the button start another).
//
// Pure logic: the store (IndexedDB in the browser, a Map in web/tests) and `send` (HTTP, in
// sender.js) are handed in, so node --test runs it without a browser.

/** A fresh Idempotency-Key. */
export function newKey() {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  const bytes = globalThis.crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const KINDS = ["register", "payment", "death", "refund"];

// Outcomes `send` returns:
//   {status: "sent", result}                 the server has it: the item leaves the outbox
//   {status: "refused", problem}             the server said no (4xx): the item stays, with the message
//   {status: "confirm", problem, quote}      a payment whose quote went stale: confirm the new amount
//   {status: "retry", reason}                no answer (offline, timeout, 5xx, no session): try later

export class Outbox {
  /**
   * @param store   {all(), get(id), put(item), delete(id), clear()} (all async)
   * @param send    async (item, progress) => outcome; progress(patch) saves a step's result
   * @param owner   the user whose items these are (only theirs are listed and sent)
   * @param lock    runs a round under a lock shared by the app's tabs (navigator.locks)
   */
  constructor({ store, send, owner, onChange = () => {}, lock = (fn) => fn(), now = () => new Date() }) {
    this.store = store;
    this.send = send;
    this.owner = owner;
    this.onChange = onChange;
    this.lock = lock;
    this.now = now;
    this.running = null;
    this.sending = null; // id of the item on the wire, for the screen
    this.dirty = false;
    this.sent = []; // what this session sent: [{item, result}] (in memory only)
  }

  async items() {
    const all = await this.store.all();
    return all.filter((item) => item.owner === this.owner).sort((a, b) => a.seq - b.seq);
  }

  async count() {
    return (await this.items()).length;
  }

  /** Keep a captured operation; returns the stored item. */
  async capture({ kind, farmerKey, farmerId = null, label, summary = {}, body, photo = null, extra = {} }) {
    if (!KINDS.includes(kind)) throw new Error(`unknown outbox kind ${kind}`);
    const all = await this.store.all();
    const seq = all.reduce((max, item) => Math.max(max, item.seq), 0) + 1;
    const key = newKey();
    const item = {
      id: key,
      key,
      seq,
      owner: this.owner,
      kind,
      farmer_key: farmerKey ?? farmerId ?? key,
      farmer_id: farmerId,
      label,
      summary,
      body,
      photo,
      ...extra,
      state: "waiting",
      problem: null,
      quote: null,
      attempts: 0,
      last_error: null,
      captured_at: this.now().toISOString(),
    };
    await this.store.put(item);
    this.dirty = true;
    this.onChange();
    return item;
  }

  /** Send what waits. One round at a time (a second call joins the running one). */
  flush() {
    if (!this.running) {
      this.running = Promise.resolve()
        .then(() => this.lock(() => this.round()))
        .finally(() => {
          this.running = null;
          this.sending = null;
          this.onChange();
        });
    }
    return this.running;
  }

  async round() {
    const report = { sent: [], refused: [], stopped: null };
    do {
      this.dirty = false;
      const blocked = new Set();
      for (const listed of await this.items()) {
        if (blocked.has(listed.farmer_key)) continue;
        if (listed.state !== "waiting") {
          blocked.add(listed.farmer_key);
          continue;
        }
        // Read again: the item may have been discarded or changed since the list was read.
        const item = await this.store.get(listed.id);
        if (!item || item.state !== "waiting") {
          if (item) blocked.add(item.farmer_key);
          continue;
        }
        this.sending = item.id;
        this.onChange();
        let outcome;
        try {
          outcome = await this.send(item, async (patch) => {
            Object.assign(item, patch);
            await this.store.put(item);
          });
        } catch (error) {
          outcome = { status: "retry", reason: String(error?.message ?? error) };
        }
        this.sending = null;
        item.attempts += 1;
        if (outcome.status === "sent") {
          await this.store.delete(item.id);
          const done = { item: { ...item, photo: null }, result: outcome.result };
          this.sent.push(done);
          report.sent.push(done);
        } else if (outcome.status === "refused" || outcome.status === "confirm") {
          item.state = outcome.status;
          item.problem = outcome.problem ?? null;
          item.quote = outcome.quote ?? null;
          await this.store.put(item);
          blocked.add(item.farmer_key);
          report.refused.push({ item, problem: item.problem });
        } else {
          item.last_error = outcome.reason ?? "tidak terkirim";
          await this.store.put(item);
          report.stopped = item.last_error;
          this.onChange();
          return report;
        }
        this.onChange();
      }
    } while (this.dirty);
    return report;
  }

  /** A refused item back in the queue as it is (same key): the server decides again. */
  async retry(id) {
    const item = await this.store.get(id);
    if (!item) return;
    await this.store.put({ ...item, state: "waiting", problem: null, quote: null });
    this.onChange();
  }

  /** A payment refused for a stale quote, sent again for the new quote's months and amount.
   *  Another body needs another key (the same key with another body is IDEMPOTENCY_KEY_REUSED). */
  async confirmQuote(id) {
    const item = await this.store.get(id);
    if (!item || item.state !== "confirm" || !item.quote) return null;
    const quote = item.quote;
    const body = { ...item.body, months: quote.periods.length, amount: quote.amount };
    if (quote.first_period) body.first_period = quote.first_period;
    const key = newKey();
    const changed = {
      ...item,
      key,
      body,
      summary: { ...item.summary, amount: quote.amount, periods: quote.periods },
      state: "waiting",
      problem: null,
      quote: null,
    };
    await this.store.put(changed);
    this.dirty = true;
    this.onChange();
    return changed;
  }

  async discard(id) {
    await this.store.delete(id);
    this.onChange();
  }

  /** Everything gone (Keluar). */
  async clear() {
    await this.store.clear();
    this.sent = [];
    this.onChange();
  }
}

/** A store in memory with the IndexedDB store's interface (tests; a browser without IndexedDB). */
export function memoryStore() {
  const items = new Map();
  const copy = (value) => (value === undefined ? undefined : structuredClone(value));
  return {
    async all() {
      return [...items.values()].map(copy);
    },
    async get(id) {
      return copy(items.get(id));
    },
    async put(item) {
      items.set(item.id, copy(item));
    },
    async delete(id) {
      items.delete(id);
    },
    async clear() {
      items.clear();
    },
  };
}
