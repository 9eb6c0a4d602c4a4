// Menunggu dikirim: what waits in the outbox, what the server refused (with its message), and a
// button to send now. Refreshed whenever the outbox changes.
import { dateTime, periods, rupiah } from "../format.js";
import { ask, fill, h, notice } from "../ui.js";

const KIND = { register: "Pendaftaran", payment: "Iuran", death: "Kematian", refund: "Pengembalian" };

function itemCard(app, item) {
  const sending = app.outbox.sending === item.id;
  const state =
    item.state === "waiting"
      ? sending
        ? "Sedang dikirim…"
        : item.last_error
          ? `Menunggu sinyal (${item.attempts}× dicoba)`
          : "Menunggu dikirim"
      : item.state === "confirm"
        ? "Perlu konfirmasi jumlah baru"
        : "Ditolak server";
  const s = item.summary ?? {};
  const details = [
    item.kind === "payment" && s.amount ? `${rupiah(s.amount)} · ${periods(s.periods)}` : null,
    item.kind === "register" ? `${s.village ?? ""}${s.photo ? " · dengan foto KTP" : ""}${item.farmer_id ? " · sudah terdaftar, foto menunggu" : ""}` : null,
    item.kind === "death" && s.date ? `meninggal ${s.date}` : null,
  ].filter(Boolean);
  const actions = h("div", { class: "actions-row" });
  if (item.state === "confirm" && item.quote) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "primary",
          onclick: async () => {
            await app.outbox.confirmQuote(item.id);
            app.flush();
          },
        },
        `Terima ${rupiah(item.quote.amount)} (${periods(item.quote.periods)})`,
      ),
    );
  }
  if (item.state === "refused") {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "secondary",
          onclick: async () => {
            await app.outbox.retry(item.id);
            app.flush();
          },
        },
        "Coba lagi",
      ),
    );
  }
  if (!sending) {
    actions.append(
      h(
        "button",
        {
          type: "button",
          class: "secondary danger",
          onclick: async () => {
            if (await ask(`Hapus "${item.label}" dari HP? Catatan ini tidak akan dikirim.`, "Hapus", "Jangan")) {
              await app.outbox.discard(item.id);
            }
          },
        },
        "Hapus",
      ),
    );
  }
  return h(
    "li",
    { class: ["outbox-item", `state-${item.state}`], dataset: { id: item.id, kind: item.kind } },
    h("p", { class: "row-title" }, `${KIND[item.kind] ?? item.kind}: ${s.name ?? item.label}`),
    details.length ? h("p", { class: "row-sub" }, details.join(" · ")) : null,
    h("p", { class: "row-meta" }, h("span", { class: "outbox-state" }, state), ` · dicatat ${dateTime(item.captured_at)}`),
    item.problem?.detail ? h("p", { class: "problem", role: "alert" }, item.problem.detail) : null,
    (item.problem?.errors ?? []).length
      ? h("ul", { class: "problem-list" }, item.problem.errors.map((e) => h("li", {}, e.message)))
      : null,
    item.problem?.farmer_id ? h("a", { href: `#/petani/${item.problem.farmer_id}` }, "Buka petani yang sudah terdaftar") : null,
    actions,
  );
}

function sentCard({ item, result }) {
  const s = item.summary ?? {};
  const link =
    item.kind === "payment" && result?.payment_id
      ? h("a", { href: `#/kuitansi/${result.payment_id}?petani=${result.farmer_id}` }, `Kuitansi ${result.receipt_number}`)
      : result?.farmer_id
        ? h("a", { href: `#/petani/${result.farmer_id}` }, "Buka data petani")
        : null;
  return h("li", { class: "outbox-item state-sent" }, h("p", { class: "row-title" }, `${KIND[item.kind]}: ${s.name ?? item.label}`), h("p", { class: "row-meta" }, `Terkirim · dicatat ${dateTime(item.captured_at)}`), link);
}

export async function render({ app }) {
  const list = h("div", {});
  const draw = async () => {
    const items = await app.outbox.items();
    fill(
      list,
      items.length
        ? h("ul", { class: "outbox-list", "aria-label": "Menunggu dikirim" }, items.map((i) => itemCard(app, i)))
        : notice("success", "Semua catatan sudah terkirim."),
      app.outbox.sent.length
        ? [h("h2", {}, "Terkirim hari ini"), h("ul", { class: "outbox-list" }, app.outbox.sent.slice().reverse().map(sentCard))]
        : null,
    );
  };
  const off = app.on(draw);
  window.addEventListener("hashchange", off, { once: true });
  await draw();
  const send = h("button", { type: "button", class: "primary wide" }, "Kirim sekarang");
  const status = h("p", { class: "hint", role: "status" });
  send.addEventListener("click", async () => {
    if (!navigator.onLine) {
      status.textContent = "Tanpa sinyal: terkirim otomatis saat sinyal kembali.";
      return;
    }
    send.disabled = true;
    status.textContent = "Mengirim…";
    const report = await app.flush();
    send.disabled = false;
    status.textContent = report?.stopped
      ? `Belum semua terkirim: ${report.stopped}`
      : `${report?.sent.length ?? 0} terkirim${report?.refused.length ? `, ${report.refused.length} ditolak` : ""}.`;
  });
  return h(
    "section",
    { class: "outbox" },
    h("h1", {}, "Menunggu dikirim"),
    h("p", { class: "lead" }, "Pendaftaran, iuran, kematian dan pengembalian yang dicatat tanpa sinyal tersimpan di HP ini sampai terkirim, masing-masing satu kali."),
    send,
    status,
    list,
  );
}
