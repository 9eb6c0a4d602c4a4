// The outbox: capture order, exactly-once sending with the key made at capture, order per farmer,
// refusals and stale quotes, persistence across a "reload" (a new Outbox on the same store).
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox, memoryStore, newKey } from "../js/outbox.js";

/** A fake server: records every request, answers by a rule; keys replayed give the same answer. */
function fakeServer(rule = () => ({ status: "sent" })) {
  const seen = [];
  const answered = new Map();
  const recorded = [];
  async function send(item, progress) {
    seen.push({ kind: item.kind, key: item.key, farmer: item.farmer_key, body: item.body });
    if (answered.has(item.key)) return answered.get(item.key);
    const outcome = await rule(item, progress, seen.length);
    if (outcome.status === "sent") {
      recorded.push(item.key);
      outcome.result ??= { id: `srv-${recorded.length}`, key: item.key };
      answered.set(item.key, outcome);
    }
    return outcome;
  }
  return { send, seen, recorded };
}

function outbox(store, server, owner = "agen.lalabata") {
  return new Outbox({ store, send: server.send, owner });
}

test("a key per capture, kept until sent; sent in capture order; the outbox empties", async () => {
  const store = memoryStore();
  const server = fakeServer();
  const box = outbox(store, server);
  const a = await box.capture({ kind: "register", label: "A", body: { nik: "1" } });
  const b = await box.capture({ kind: "payment", farmerId: "F2", label: "B", body: { months: 1, amount: 8400 } });
  assert.notEqual(a.key, b.key);
  assert.equal(await box.count(), 2);
  const report = await box.flush();
  assert.deepEqual(server.seen.map((s) => s.key), [a.key, b.key]);
  assert.equal(report.sent.length, 2);
  assert.equal(await box.count(), 0);
  assert.deepEqual(box.sent.map((s) => s.item.id), [a.id, b.id]);
});

test("nothing lost on reload: a new Outbox on the same store sends what waited, with its keys", async () => {
  const store = memoryStore();
  const offline = fakeServer(() => ({ status: "retry", reason: "Tidak ada sinyal." }));
  const first = outbox(store, offline);
  const a = await first.capture({ kind: "register", label: "A", body: { nik: "1" } });
  const b = await first.capture({ kind: "payment", farmerId: "F2", label: "B", body: { months: 3, amount: 25200 } });
  const stopped = await first.flush();
  assert.equal(stopped.stopped, "Tidak ada sinyal.");
  assert.equal(offline.seen.length, 1, "the round stops at the first item without an answer");

  const online = fakeServer();
  const reloaded = outbox(store, online);
  const items = await reloaded.items();
  assert.deepEqual(items.map((i) => [i.key, i.attempts]), [[a.key, 1], [b.key, 0]]);
  await reloaded.flush();
  assert.deepEqual(online.recorded, [a.key, b.key]);
  assert.equal(await reloaded.count(), 0);
});

test("exactly once: an answer lost after the server recorded it is replayed with the same key", async () => {
  const store = memoryStore();
  let calls = 0;
  const server = fakeServer();
  const lossy = {
    async send(item, progress) {
      calls += 1;
      const outcome = await server.send(item, progress);
      if (calls === 1) return { status: "retry", reason: "timeout" }; // recorded, answer lost
      return outcome;
    },
  };
  const box = new Outbox({ store, send: lossy.send, owner: "u" });
  const item = await box.capture({ kind: "payment", farmerId: "F1", label: "P", body: { months: 1, amount: 8400 } });
  await box.flush();
  assert.equal(await box.count(), 1);
  await box.flush();
  assert.equal(await box.count(), 0);
  assert.deepEqual(server.recorded, [item.key], "recorded once");
  assert.deepEqual(server.seen.map((s) => s.key), [item.key, item.key], "sent twice with one key");
});

test("in order per farmer: a refused item holds back that farmer's later items, not the others'", async () => {
  const store = memoryStore();
  const server = fakeServer((item) =>
    item.label === "P1" ? { status: "refused", problem: { status: 409, code: "FARMER_LAPSED", detail: "Kepesertaan nonaktif." } } : { status: "sent" },
  );
  const box = outbox(store, server);
  const p1 = await box.capture({ kind: "payment", farmerId: "F1", label: "P1", body: {} });
  await box.capture({ kind: "death", farmerId: "F1", label: "D1", body: {} });
  const p2 = await box.capture({ kind: "payment", farmerId: "F2", label: "P2", body: {} });
  const report = await box.flush();
  assert.deepEqual(server.seen.map((s) => s.farmer), ["F1", "F2"]);
  assert.deepEqual(report.sent.map((s) => s.item.id), [p2.id]);
  const left = await box.items();
  assert.deepEqual(left.map((i) => [i.label, i.state]), [["P1", "refused"], ["D1", "waiting"]]);
  assert.equal(left[0].problem.detail, "Kepesertaan nonaktif.");

  // Another round: still held back. Discard the refused one: the next goes.
  await box.flush();
  assert.equal(server.seen.length, 2);
  await box.discard(p1.id);
  await box.flush();
  assert.deepEqual(server.seen.map((s) => s.key).slice(-1), [left[1].key]);
  assert.equal(await box.count(), 0);
});

test("a refused item sent again on 'Coba lagi' keeps its key", async () => {
  const store = memoryStore();
  let refuse = true;
  const server = fakeServer(() => (refuse ? { status: "refused", problem: { detail: "no" } } : { status: "sent" }));
  const box = outbox(store, server);
  const item = await box.capture({ kind: "refund", farmerId: "F1", label: "R", body: { returned_to: "Baso" } });
  await box.flush();
  refuse = false;
  await box.retry(item.id);
  await box.flush();
  assert.deepEqual(server.recorded, [item.key]);
});

test("a stale quote: confirming the new amount sends another body under a new key", async () => {
  const store = memoryStore();
  const fresh = { periods: ["2027-01", "2027-02", "2027-03"], first_period: "2027-01", amount: 50400, lines: [] };
  const server = fakeServer((item) =>
    item.body.first_period === "2026-12"
      ? { status: "confirm", problem: { status: 409, code: "QUOTE_STALE", detail: "Kutipan iuran sudah berubah." }, quote: fresh }
      : { status: "sent" },
  );
  const box = outbox(store, server);
  const item = await box.capture({
    kind: "payment",
    farmerId: "F1",
    label: "P",
    summary: { amount: 42000 },
    body: { months: 3, amount: 42000, first_period: "2026-12", paid_at: "2026-12-06T01:00:00Z" },
  });
  await box.flush();
  const [waiting] = await box.items();
  assert.equal(waiting.state, "confirm");
  assert.equal(waiting.quote.amount, 50400);
  const confirmed = await box.confirmQuote(item.id);
  assert.notEqual(confirmed.key, item.key);
  assert.deepEqual(confirmed.body, { months: 3, amount: 50400, first_period: "2027-01", paid_at: "2026-12-06T01:00:00Z" });
  await box.flush();
  assert.deepEqual(server.recorded, [confirmed.key]);
  assert.equal(await box.count(), 0);
});

test("a multi-step item saves each step's result: a registration is not sent again after its photo failed", async () => {
  const store = memoryStore();
  let uploads = 0;
  const server = fakeServer(async (item, progress) => {
    if (!item.farmer_id) await progress({ farmer_id: "F9" });
    uploads += 1;
    if (uploads === 1) return { status: "retry", reason: "upload: no signal" };
    return { status: "sent", result: { farmer_id: item.farmer_id } };
  });
  const box = outbox(store, server);
  await box.capture({ kind: "register", label: "A", body: { nik: "1" }, photo: { bytes: 3 } });
  await box.flush();
  const [half] = await box.items();
  assert.equal(half.farmer_id, "F9");
  const reloaded = outbox(store, server);
  await reloaded.flush();
  assert.equal(await reloaded.count(), 0);
  assert.equal(reloaded.sent[0].result.farmer_id, "F9");
});

test("one round at a time; an item captured during a round is sent in the same round", async () => {
  const store = memoryStore();
  let release;
  const gate = new Promise((resolve) => (release = resolve));
  let captureDuring;
  const server = fakeServer(async (item, _p, n) => {
    if (n === 1) {
      captureDuring = box.capture({ kind: "payment", farmerId: "F2", label: "late", body: {} });
      await gate;
    }
    return { status: "sent" };
  });
  const box = outbox(store, server);
  await box.capture({ kind: "payment", farmerId: "F1", label: "first", body: {} });
  const one = box.flush();
  const two = box.flush();
  assert.equal(one, two, "a second flush joins the running round");
  release();
  await one;
  await captureDuring;
  assert.deepEqual(server.seen.map((s) => s.farmer), ["F1", "F2"]);
  assert.equal(await box.count(), 0);
});

test("a send that throws is a retry, not a loss", async () => {
  const store = memoryStore();
  const box = new Outbox({
    store,
    owner: "u",
    send: async () => {
      throw new Error("boom");
    },
  });
  await box.capture({ kind: "death", farmerId: "F1", label: "D", body: {} });
  const report = await box.flush();
  assert.equal(report.stopped, "boom");
  assert.equal(await box.count(), 1);
});

test("each user sees and sends only their own items; Keluar clears everything", async () => {
  const store = memoryStore();
  const server = fakeServer();
  const mine = outbox(store, server, "agen.lalabata");
  const theirs = outbox(store, server, "agen.ganra");
  await mine.capture({ kind: "register", label: "mine", body: {} });
  await theirs.capture({ kind: "register", label: "theirs", body: {} });
  assert.deepEqual((await mine.items()).map((i) => i.label), ["mine"]);
  await mine.flush();
  assert.deepEqual((await theirs.items()).map((i) => i.label), ["theirs"]);
  await theirs.clear();
  assert.deepEqual(await store.all(), []);
});

test("keys are UUIDs, different every time", () => {
  const keys = new Set(Array.from({ length: 200 }, newKey));
  assert.equal(keys.size, 200);
  for (const key of keys) assert.match(key, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
