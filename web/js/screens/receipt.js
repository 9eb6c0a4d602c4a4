// Kuitansi: the receipt of a payment, to share (Web Share API, or a WhatsApp link to the farmer's
// number) and to print on a narrow receipt printer (app.css: @page 58 mm). A payment still in the
// outbox shows a provisional receipt without a number, replaced by the real one once it is sent.
import { dateTime, period, periods, rupiah } from "../format.js";
import { kecamatanName, villageName } from "../places.js";
import { h, notice } from "../ui.js";
import { backLink, coverageChip } from "./parts.js";

const BPJS_STATUS = { QUEUED: "dalam antrean ke BPJS", POSTED: "tercatat di BPJS", FAILED: "gagal dicatat BPJS: petugas menindaklanjuti" };

export function receiptText(payment, farmer) {
  return [
    "SUTASOMA · Tanda terima iuran BPJS Ketenagakerjaan (JKK + JKM)",
    `No. kuitansi: ${payment.receipt_number}`,
    `Peserta: ${farmer?.full_name ?? ""}${farmer?.kpj_number ? ` (KPJ ${farmer.kpj_number})` : ""}`,
    `Bulan: ${periods(payment.periods)} (${payment.periods.length} bulan)`,
    `Jumlah: ${rupiah(payment.amount)}`,
    `Diterima: ${dateTime(payment.paid_at)} oleh ${payment.collected_by}`,
    payment.coverage?.paid_through ? `Terlindungi s.d.: ${period(payment.coverage.paid_through, true)}` : null,
  ]
    .filter(Boolean)
    .join("\n");
}

/** wa.me wants the number in international form without +: 0812… -> 62812… */
export function whatsappLink(phone, text) {
  const digits = String(phone ?? "").replace(/[^0-9]/g, "");
  const number = digits.startsWith("0") ? `62${digits.slice(1)}` : digits;
  return `https://wa.me/${number.includes("*") ? "" : number}?text=${encodeURIComponent(text)}`;
}

function receiptCard(payment, farmer) {
  return h(
    "article",
    { class: "receipt", "aria-label": "Kuitansi" },
    h("p", { class: "receipt-org" }, "SUTASOMA · Kabupaten Soppeng"),
    h("p", { class: "receipt-title" }, "Tanda terima iuran BPJS Ketenagakerjaan"),
    h("p", { class: "receipt-number" }, payment.receipt_number),
    h(
      "dl",
      { class: "receipt-facts" },
      h("dt", {}, "Peserta"),
      h("dd", {}, farmer?.full_name ?? "–"),
      farmer?.kpj_number ? [h("dt", {}, "KPJ"), h("dd", {}, farmer.kpj_number)] : null,
      farmer ? [h("dt", {}, "Desa"), h("dd", {}, `${villageName(farmer.village_code)}, ${kecamatanName(farmer.kecamatan_code)}`)] : null,
      h("dt", {}, "Program"),
      h("dd", {}, "JKK + JKM (Bukan Penerima Upah)"),
    ),
    h(
      "table",
      { class: "lines" },
      h("caption", { class: "visually-hidden" }, "Rincian per bulan"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Bulan"), h("th", { scope: "col" }, "Iuran"))),
      h("tbody", {}, (payment.lines ?? []).map((l) => h("tr", {}, h("td", {}, period(l.period)), h("td", {}, rupiah(l.amount))))),
      h("tfoot", {}, h("tr", {}, h("th", { scope: "row" }, "Jumlah"), h("td", {}, rupiah(payment.amount)))),
    ),
    h(
      "dl",
      { class: "receipt-facts" },
      h("dt", {}, "Diterima"),
      h("dd", {}, dateTime(payment.paid_at)),
      h("dt", {}, "Petugas"),
      h("dd", {}, payment.collected_by),
      h("dt", {}, "Perlindungan"),
      h("dd", {}, coverageChip(payment.coverage), payment.coverage?.paid_through ? ` s.d. ${period(payment.coverage.paid_through)}` : null),
      h("dt", {}, "BPJS"),
      h("dd", {}, BPJS_STATUS[payment.bpjs_status] ?? payment.bpjs_status),
    ),
    h("p", { class: "receipt-foot" }, "Simpan tanda terima ini. Iuran jatuh tempo tanggal 15 setiap bulan."),
  );
}

export async function render({ app, params, query, go }) {
  const ref = params.ref;
  const farmerId = query.petani;
  let payment = app.receipts.get(ref) ?? app.outbox.sent.find((s) => s.item.id === ref)?.result ?? null;
  const waiting = payment ? null : await app.outbox.store.get(ref);
  if (!payment && !waiting && farmerId) {
    const list = await app.api.get(`/farmers/${farmerId}/payments`, { limit: 50 });
    payment = list.items.find((p) => p.payment_id === ref) ?? null;
  }
  const farmer = farmerId ? await app.api.get(`/farmers/${farmerId}`).catch(() => null) : null;

  if (!payment && waiting) {
    // Replaced by the real receipt as soon as the outbox sends it.
    const off = app.on(() => {
      const done = app.outbox?.sent.find((s) => s.item.id === ref);
      if (done) {
        off();
        app.receipts.set(done.result.payment_id, done.result);
        go(`/kuitansi/${done.result.payment_id}?petani=${farmerId ?? done.result.farmer_id}`);
      }
    });
    window.addEventListener("hashchange", off, { once: true });
    const s = waiting.summary ?? {};
    return h(
      "section",
      {},
      backLink(farmerId ? `#/petani/${farmerId}` : "#/", farmer?.full_name ?? "Kembali"),
      h("h1", {}, "Kuitansi sementara"),
      notice(
        waiting.state === "waiting" ? "info" : "error",
        waiting.state === "waiting"
          ? "Pembayaran tersimpan di HP dan menunggu dikirim. Nomor kuitansi muncul setelah terkirim."
          : waiting.problem?.detail ?? "Pembayaran perlu tindakan.",
      ),
      h(
        "article",
        { class: "receipt provisional", "aria-label": "Kuitansi sementara" },
        h("p", { class: "receipt-org" }, "SUTASOMA · Kabupaten Soppeng"),
        h("p", { class: "receipt-title" }, "Tanda terima sementara (belum terkirim)"),
        h(
          "dl",
          { class: "receipt-facts" },
          h("dt", {}, "Peserta"),
          h("dd", {}, s.name ?? "–"),
          h("dt", {}, "Bulan"),
          h("dd", {}, periods(s.periods)),
          h("dt", {}, "Jumlah"),
          h("dd", {}, rupiah(s.amount)),
          h("dt", {}, "Dicatat"),
          h("dd", {}, dateTime(waiting.captured_at)),
          h("dt", {}, "Kode"),
          h("dd", {}, waiting.key.slice(0, 8)),
        ),
      ),
      h("div", { class: "actions-grid no-print" }, h("a", { href: "#/kirim", class: "button secondary" }, "Lihat yang menunggu dikirim")),
    );
  }
  if (!payment) {
    return h("section", {}, h("h1", {}, "Kuitansi"), notice("error", "Kuitansi tidak ditemukan."));
  }

  const text = receiptText(payment, farmer);
  const share = h("button", { type: "button", class: "primary" }, "Bagikan");
  share.addEventListener("click", async () => {
    if (navigator.share) {
      try {
        await navigator.share({ title: `Kuitansi ${payment.receipt_number}`, text });
        return;
      } catch (error) {
        if (error?.name === "AbortError") return;
      }
    }
    window.open(whatsappLink(farmer?.phone, text), "_blank", "noopener");
  });
  return h(
    "section",
    { class: "receipt-screen" },
    h("div", { class: "no-print" }, backLink(`#/petani/${payment.farmer_id}`, farmer?.full_name ?? "Petani")),
    h("h1", { class: "no-print" }, "Kuitansi"),
    notice("success", `Iuran ${rupiah(payment.amount)} tercatat.`),
    receiptCard(payment, farmer),
    h(
      "div",
      { class: "actions-grid no-print" },
      share,
      h("a", { href: whatsappLink(farmer?.phone, text), class: "button secondary", target: "_blank", rel: "noopener" }, "Kirim lewat WhatsApp"),
      h("button", { type: "button", class: "secondary", onclick: () => window.print() }, "Cetak"),
    ),
  );
}
