// Beranda: today's worklist by section (GET /agents/me/worklist, refunds included as
// `refunds_to_return`), narrowed to one village. Claims BPJS rejected wait here with BPJS's reason
// until filed again.
import { date, dayWita, period, periods, rupiah } from "../format.js";
import { kecamatanList, kecamatanName, villageName, villagesOf } from "../places.js";
import { field, h, notice, select } from "../ui.js";
import { coverageChip, refileHref, staleNote } from "./parts.js";

function farmerRow(item) {
  const when =
    item.days_left === null || item.days_left === undefined
      ? ""
      : item.days_left < 0
        ? ` (lewat ${-item.days_left} hari)`
        : item.days_left === 0
          ? " (hari ini)"
          : ` (${item.days_left} hari lagi)`;
  const what = item.periods_due?.length ? `tagih ${periods(item.periods_due)}` : "iuran pertama";
  return h(
    "li",
    { class: "row" },
    h(
      "a",
      { href: `#/petani/${item.farmer_id}`, class: "row-main", title: item.action_text },
      h("span", { class: "row-title" }, item.full_name),
      h("span", { class: "row-sub" }, item.village_name || villageName(item.village_code)),
      h(
        "span",
        { class: "row-meta" },
        coverageChip(item.coverage),
        ` ${what}`,
        item.act_by ? ` · batas ${date(item.act_by)}${when}` : null,
      ),
    ),
    h(
      "a",
      {
        href: `#/petani/${item.farmer_id}/bayar?bulan=${Math.max(1, item.periods_due?.length || 1)}`,
        class: "row-action",
      },
      h("span", { class: "amount" }, rupiah(item.amount_due)),
      h("span", {}, "Bayar"),
      h("span", { class: "visually-hidden" }, ` untuk ${item.full_name}`),
    ),
  );
}

function claimRow(item) {
  return h(
    "li",
    { class: "row" },
    h(
      "a",
      { href: `#/klaim/${item.claim_id}`, class: "row-main" },
      h("span", { class: "row-title" }, `${item.type} · ${item.full_name}`),
      h("span", { class: "row-sub" }, `${item.village_name} · kejadian ${date(item.incident_date)}`),
      h("span", { class: "row-meta" }, item.action_text),
    ),
  );
}

function rejectedRow(item) {
  return h(
    "li",
    { class: "rejected" },
    h("p", { class: "row-title" }, `${item.type} · ${item.full_name}`),
    h("p", { class: "row-sub" }, `${item.village_name || villageName(item.village_code)} · kejadian ${date(item.incident_date)} · ditolak ${dayWita(item.rejected_at)}`),
    h("p", { class: "reject-reason" }, h("span", { class: "reject-reason-label" }, "Alasan BPJS"), item.rejection_reason),
    h(
      "div",
      { class: "actions-row" },
      h("a", { href: refileHref(item), class: "button primary" }, "Ajukan ulang", h("span", { class: "visually-hidden" }, ` klaim ${item.full_name}`)),
      h("a", { href: `#/klaim/${item.claim_id}`, class: "button secondary" }, "Lihat klaim", h("span", { class: "visually-hidden" }, ` ${item.full_name}`)),
    ),
  );
}

function refundRow(item) {
  return h(
    "li",
    { class: "row" },
    h(
      "a",
      { href: `#/pengembalian?id=${item.refund_id}`, class: "row-main" },
      h("span", { class: "row-title" }, item.full_name),
      h("span", { class: "row-sub" }, item.village_name || villageName(item.village_code)),
      h("span", { class: "row-meta" }, `${rupiah(item.amount)} dikembalikan · ${periods(item.periods)} · ${REFUND_REASON[item.reason] ?? item.reason}`),
    ),
  );
}

export const REFUND_REASON = {
  REGISTRATION_REJECTED: "pendaftaran ditolak BPJS",
  PAID_AFTER_DEATH: "iuran setelah meninggal",
  POSTING_REFUSED: "iuran ditolak BPJS",
};

function section(id, title, hint, items, row) {
  return h(
    "section",
    { class: "worklist-section", id, "aria-labelledby": `${id}-h` },
    h("h2", { id: `${id}-h` }, title, h("span", { class: "count" }, ` (${items.length})`)),
    h("p", { class: "hint" }, hint),
    items.length ? h("ul", { class: "rows" }, items.map(row)) : h("p", { class: "empty" }, "Tidak ada."),
  );
}

export async function render({ app, query, go }) {
  const session = app.session;
  const isAdmin = session.role === "admin";
  const kecamatan = isAdmin ? query.kec || "73.12.01" : session.kecamatan;
  const village = query.desa || "";

  const params = { village_code: village || undefined, kecamatan_code: isAdmin ? kecamatan : undefined };
  // The worklist's refunds follow the village filter like its other lists (GET /refunds cannot
  // narrow to a village, and does not name the farmer).
  const worklist = await app.api.get("/agents/me/worklist", params);

  const filters = h("div", { class: "filters" });
  if (isAdmin) {
    const kec = select(
      kecamatanList().map((k) => [k.code, k.name]),
      { value: kecamatan, name: "kec" },
    );
    kec.addEventListener("change", () => go(`/?kec=${kec.value}`));
    filters.append(field("Kecamatan", kec));
  }
  const villages = select([["", "Semua desa/kelurahan"], ...villagesOf(kecamatan).map((v) => [v.code, villageName(v.code)])], {
    value: village,
    name: "desa",
  });
  villages.addEventListener("change", () => go(`/?${new URLSearchParams({ ...(isAdmin ? { kec: kecamatan } : {}), ...(villages.value ? { desa: villages.value } : {}) })}`));
  filters.append(field("Desa/kelurahan", villages));

  const refundItems = worklist.refunds_to_return ?? [];
  const refundSection = worklist.refunds_to_return
    ? section("kembali", "Pengembalian", "Uang iuran yang harus dikembalikan kepada petani atau ahli waris.", refundItems, refundRow)
    : h(
        "section",
        { class: "worklist-section", id: "kembali", "aria-labelledby": "kembali-h" },
        h("h2", { id: "kembali-h" }, "Pengembalian"),
        notice("info", "Daftar pengembalian belum tersedia di server."),
      );

  const rejected = worklist.claims_rejected ?? [];
  const counts = [
    ["jatuh", "Jatuh tempo", worklist.due_this_month.length],
    ["tunggak", "Tunggakan", worklist.in_arrears.length],
    ["hampir", "Hampir nonaktif", worklist.about_to_lapse.length],
    ["dokumen", "Dokumen klaim", worklist.claims_waiting_for_documents.length],
    ["ditolak", "Klaim ditolak", rejected.length],
    ["kembali", "Pengembalian", refundItems.length],
  ];

  return h(
    "section",
    { class: "home" },
    h("h1", {}, "Beranda"),
    h(
      "p",
      { class: "lead" },
      `${kecamatanName(worklist.kecamatan_code)} · ${date(worklist.on)} · iuran ${period(worklist.period, true)}`,
    ),
    staleNote(worklist),
    filters,
    h(
      "nav",
      { class: "jump", "aria-label": "Bagian daftar kerja" },
      counts.map(([id, label, n]) =>
        h(
          "button",
          { type: "button", class: ["chip-button", n ? "has" : null], onclick: () => document.getElementById(id)?.scrollIntoView({ behavior: "smooth" }) },
          `${label} `,
          h("strong", {}, String(n)),
        ),
      ),
    ),
    section(
      "jatuh",
      "Jatuh tempo",
      "Iuran berikutnya perlu ditagih sebelum batasnya, atau iuran pertama petani yang sudah terdaftar di BPJS.",
      worklist.due_this_month,
      farmerRow,
    ),
    section("tunggak", "Tunggakan", "1–2 bulan lewat tanggal 15: tagih yang terlama dulu.", worklist.in_arrears, farmerRow),
    section(
      "hampir",
      "Hampir nonaktif",
      "3 bulan menunggak: tanpa pembayaran bulan ini kepesertaan berakhir.",
      worklist.about_to_lapse,
      farmerRow,
    ),
    section("dokumen", "Dokumen klaim", "Klaim yang menunggu foto dokumen.", worklist.claims_waiting_for_documents, claimRow),
    section(
      "ditolak",
      "Klaim ditolak BPJS",
      "Ditolak dalam 90 hari terakhir: perbaiki penyebabnya, lalu ajukan ulang untuk kejadian yang sama.",
      rejected,
      rejectedRow,
    ),
    refundSection,
  );
}
