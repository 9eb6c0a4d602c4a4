// Laporan bulanan (coordinators, admin): the month's evaluation as the BPP meeting of the 5th
// sees it (GET /reports/{period}), and its files (CSV, XLSX, printable HTML).
import { ApiError } from "../api.js";
import { addMonths, currentPeriod, percent, period, rupiah } from "../format.js";
import { clear, field, h, notice, select, toast } from "../ui.js";
import { staleNote } from "./parts.js";

function figures(row) {
  const cell = (label, value) => h("div", { class: "figure" }, h("span", { class: "figure-value" }, value), h("span", { class: "figure-label" }, label));
  return h(
    "div",
    { class: "figures" },
    cell("Terdaftar", String(row.registered)),
    cell("Baru bulan ini", String(row.new_registrations)),
    cell("Aktif", String(row.active)),
    cell("Tunggakan", String(row.arrears)),
    cell("Nonaktif", String(row.lapsed)),
    cell("Tingkat bayar", percent(row.collection_rate)),
    cell("Iuran terkumpul", rupiah(row.contributions_collected)),
    cell("Iuran seharusnya", rupiah(row.contributions_due)),
    cell("Klaim diajukan", `JKK ${row.claims_submitted.JKK} · JKM ${row.claims_submitted.JKM}`),
    cell("Klaim dibayar", rupiah(row.claims_amount.JKK + row.claims_amount.JKM)),
  );
}

async function download(app, periodValue, type, status) {
  status.textContent = `Mengunduh ${type.toUpperCase()}…`;
  try {
    const blob = await app.api.blob(`/reports/${periodValue}/files/${type}`);
    const url = URL.createObjectURL(blob);
    const link = h("a", { href: url, download: `sutasoma-${periodValue}.${type}` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    status.textContent = `Berkas ${type.toUpperCase()} diunduh.`;
  } catch (error) {
    status.textContent = error.detail ?? error.message;
  }
}

export async function render({ app, query, go }) {
  const last = addMonths(currentPeriod(), -1);
  const chosen = /^\d{4}-\d{2}$/.test(query.periode ?? "") ? query.periode : last;
  const choices = Array.from({ length: 13 }, (_, i) => addMonths(currentPeriod(), -i)).map((p) => [p, `${period(p, true)}${p === currentPeriod() ? " (berjalan)" : ""}`]);
  const picker = select(choices, { value: chosen, name: "periode" });
  picker.addEventListener("change", () => go(`/laporan?periode=${picker.value}`));
  const head = [h("h1", {}, "Laporan bulanan"), h("div", { class: "filters" }, field("Bulan", picker))];

  let report;
  try {
    report = await app.api.get(`/reports/${chosen}`);
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) {
      const box = h("div", {});
      const make =
        app.session.role === "admin"
          ? h(
              "button",
              {
                type: "button",
                class: "primary wide",
                onclick: async () => {
                  try {
                    await app.api.post(`/reports/${chosen}`, undefined);
                    toast("Laporan dibuat.");
                    go(`/laporan?periode=${chosen}&t=${Date.now()}`);
                  } catch (e) {
                    clear(box).append(notice("error", e.detail ?? e.message));
                  }
                },
              },
              "Buat laporan sekarang",
            )
          : null;
      return h("section", {}, ...head, notice("info", `Laporan ${period(chosen, true)} belum dibuat. Laporan dibuat otomatis tanggal 5 pukul 08.00 WITA.`), make, box);
    }
    throw error;
  }

  const mine = report.rows.filter((r) => !app.session.kecamatan || r.kecamatan_code === app.session.kecamatan);
  const status = h("p", { class: "hint", role: "status" });
  const agents = (report.agents ?? []).filter((a) => !app.session.kecamatan || a.kecamatan_code === app.session.kecamatan);
  return h(
    "section",
    { class: "report" },
    ...head,
    staleNote(report),
    report.provisional ? notice("info", "Bulan berjalan: angka sementara, tanpa peringkat.") : null,
    mine.map((row) =>
      h(
        "article",
        { class: "card" },
        h("h2", {}, `BPP ${row.kecamatan_name}`, row.rank ? h("span", { class: "rank" }, ` · peringkat ${row.rank} dari 8`) : null),
        figures(row),
      ),
    ),
    report.best_bpp ? h("p", { class: "best" }, `BPP terbaik ${period(report.period, true)}: ${report.best_bpp.kecamatan_name}`) : null,
    agents.length
      ? h(
          "table",
          { class: "lines" },
          h("caption", {}, "Per penyuluh"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Penyuluh"), h("th", { scope: "col" }, "Daftar"), h("th", { scope: "col" }, "Bayar"), h("th", { scope: "col" }, "Terkumpul"))),
          h("tbody", {}, agents.map((a) => h("tr", {}, h("td", {}, a.username), h("td", {}, String(a.registrations)), h("td", {}, String(a.payments)), h("td", {}, rupiah(a.collections_amount))))),
        )
      : null,
    h("h2", {}, "Berkas"),
    h(
      "div",
      { class: "actions-grid" },
      ["csv", "xlsx", "html"].map((type) => h("button", { type: "button", class: "secondary", onclick: () => download(app, chosen, type, status) }, type.toUpperCase())),
    ),
    status,
    h("p", { class: "hint" }, `Dibuat ${report.generated_at?.slice(0, 16).replace("T", " ")} UTC${report.version ? ` · versi ${report.version}` : ""}.`),
  );
}
