// Pengembalian: money to give back (rejected registration, months paid after death, a
// contribution BPJS refused), settled by saying to whom and when the cash went back
// (CONTRACT r2 GET /refunds, POST /refunds/{id}/settle). Settlements go through the outbox.
import { ApiError } from "../api.js";
import { dateTime, periods, rupiah } from "../format.js";
import { clear, field, h, notice, select } from "../ui.js";
import { REFUND_REASON } from "./home.js";
import { staleNote } from "./parts.js";
import { sendNow } from "./send-now.js";

function settleForm(app, refund, farmer, done) {
  const suggestions = [farmer?.full_name, ...(farmer?.heirs ?? []).map((x) => x.full_name)].filter(Boolean);
  const to = h("input", { name: "returned_to", autocomplete: "off", list: `to-${refund.refund_id}`, value: suggestions[0] ?? "" });
  const list = h("datalist", { id: `to-${refund.refund_id}` }, suggestions.map((s) => h("option", { value: s })));
  const f = field("Dikembalikan kepada", to, { required: true, hint: "Petani atau ahli warisnya, yang menerima uang tunai." });
  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, `Uang ${rupiah(refund.amount)} sudah dikembalikan`);
  const form = h("form", { class: "stack", novalidate: true }, f, list, box, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    if (to.value.trim().length < 2) {
      f.setError("Isi nama penerima.");
      return;
    }
    submit.disabled = true;
    try {
      const item = await app.outbox.capture({
        kind: "refund",
        farmerId: refund.farmer_id,
        label: `Pengembalian ${rupiah(refund.amount)} · ${farmer?.full_name ?? ""}`,
        summary: { name: farmer?.full_name, amount: refund.amount },
        body: { returned_to: to.value.trim(), returned_at: app.serverNow() },
        extra: { refund_id: refund.refund_id },
      });
      const outcome = await sendNow(app, item);
      if (outcome.state === "refused") {
        await app.outbox.discard(item.id);
        box.append(notice("error", outcome.problem?.detail ?? "Ditolak server."));
      } else {
        done(outcome.state === "sent" ? "Tercatat dikembalikan." : "Tersimpan di HP; terkirim saat ada sinyal.");
      }
    } catch (error) {
      box.append(notice("error", error.message));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render({ app, query, go }) {
  const status = query.status === "SETTLED" ? "SETTLED" : "OPEN";
  const unavailable = () => h("section", {}, h("h1", {}, "Pengembalian"), notice("info", "Daftar pengembalian belum tersedia di server."));
  if (app.routeMissing("GET /refunds")) return unavailable();
  let data;
  try {
    data = await app.api.get("/refunds", { status });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      app.markMissing("GET /refunds");
      return unavailable();
    }
    throw error;
  }
  const farmers = new Map(
    await Promise.all(
      [...new Set(data.items.map((r) => r.farmer_id))].map(async (id) => [id, await app.api.get(`/farmers/${id}`).catch(() => null)]),
    ),
  );
  const waiting = new Set((await app.outbox.items()).filter((i) => i.kind === "refund").map((i) => i.refund_id));
  const tabs = select(
    [
      ["OPEN", "Belum dikembalikan"],
      ["SETTLED", "Sudah dikembalikan"],
    ],
    { value: status, name: "status" },
  );
  tabs.addEventListener("change", () => go(`/pengembalian?status=${tabs.value}`));

  const cards = data.items.map((refund) => {
    const farmer = farmers.get(refund.farmer_id);
    const card = h(
      "article",
      { class: ["card", query.id === refund.refund_id ? "highlight" : null], id: `r-${refund.refund_id}` },
      h("h2", {}, `${rupiah(refund.amount)} · ${farmer?.full_name ?? "Petani"}`),
      h("p", {}, `${periods(refund.periods)} · ${REFUND_REASON[refund.reason] ?? refund.reason}`),
      h("p", { class: "hint" }, `Sejak ${dateTime(refund.created_at)}`),
      h("a", { href: `#/petani/${refund.farmer_id}`, class: "button secondary" }, "Buka data petani"),
    );
    if (refund.status === "SETTLED") {
      card.append(h("p", {}, `Dikembalikan kepada ${refund.returned_to} · ${dateTime(refund.settled_at)}`));
    } else if (waiting.has(refund.refund_id)) {
      card.append(notice("info", "Penyelesaian menunggu dikirim."));
    } else {
      card.append(settleForm(app, refund, farmer, (message) => clear(card).append(h("h2", {}, rupiah(refund.amount)), notice("success", message))));
    }
    return card;
  });

  return h(
    "section",
    {},
    h("h1", {}, "Pengembalian"),
    h("p", { class: "lead" }, "Iuran yang harus dikembalikan tunai kepada petani atau ahli waris."),
    staleNote(data),
    h("div", { class: "filters" }, field("Tampilkan", tabs)),
    cards.length ? cards : notice("info", status === "OPEN" ? "Tidak ada uang yang harus dikembalikan." : "Belum ada pengembalian."),
  );
}
