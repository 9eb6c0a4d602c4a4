// Laporan bulanan (coordinators, admin): the month's evaluation as the BPP meeting of the 5th saw
// it and every revision since (GET /reports/{period}[?version=N]), the current month's provisional
// preview, and the files (CSV, XLSX, the HTML opened in a tab). CONTRACT.md "Reports" r2.
import { ApiError } from "../api.js";
import { openInTab, saveBlob } from "../file-tab.js";
import { addMonths, currentPeriod, percent, period, rupiah, thousands } from "../format.js";
import {
  bestText,
  changesTitle,
  countChange,
  fieldChange,
  fileName,
  madeAt,
  otherMonthWords,
  provisionalBanner,
  rateChange,
  rupiahChange,
  targetText,
  versionChoices,
  versionLine,
} from "../report-words.js";
import { ask, clear, field, h, notice, select, toast } from "../ui.js";
import { staleNote } from "./parts.js";

const MONTHS_BACK = 12;

function tile(label, value, sub) {
  return h(
    "div",
    { class: "figure" },
    h("span", { class: "figure-value" }, value),
    h("span", { class: "figure-label" }, label),
    sub ? h("span", { class: "figure-sub" }, sub) : null,
  );
}

/** The four figures the meeting talks about, as tiles; the rest as a compact list. */
function figures(row, provisional) {
  const vs = row.vs_last_month;
  const sinceLast = (text) => (text ? `${text} dari bulan lalu` : null);
  const line = (label, value, hint) =>
    h("div", { class: "fact" }, h("dt", {}, label, hint ? h("span", { class: "fact-hint" }, hint) : null), h("dd", {}, value));
  return [
    h(
      "div",
      { class: "figures" },
      tile("Aktif", thousands(row.active), sinceLast(countChange(vs?.active))),
      tile("Tunggakan", thousands(row.arrears), "1–3 bulan belum bayar"),
      tile("Tidak membayar", thousands(row.not_paying), "> 2 bulan sejak daftar, belum pernah bayar"),
      tile("Iuran terkumpul", rupiah(row.contributions_collected), sinceLast(rupiahChange(vs?.contributions_collected))),
    ),
    h(
      "dl",
      { class: "report-facts" },
      provisional ? line("Jatuh tempo", thousands(row.due), "bulan ini belum dibayar") : null,
      line("Nonaktif", thousands(row.lapsed)),
      line("Berakhir", thousands(row.ended), "meninggal atau ditolak BPJS"),
      line("Terdaftar", thousands(row.registered)),
      line("Baru bulan ini", thousands(row.new_registrations)),
      line("Iuran seharusnya", rupiah(row.contributions_due)),
      line("Klaim diajukan", `JKK ${row.claims_submitted.JKK} · JKM ${row.claims_submitted.JKM}`),
      line("Klaim diproses", thousands(row.claims_in_progress)),
      line("Klaim dibayar", rupiah(row.claims_amount.JKK + row.claims_amount.JKM)),
      line("Pengembalian belum diserahkan", `${thousands(row.refunds_open)} · ${rupiah(row.refunds_open_amount)}`),
      line("Pengembalian diserahkan", `${thousands(row.refunds_settled)} · ${rupiah(row.refunds_settled_amount)}`),
    ),
  ];
}

function rateBlock(row) {
  const change = rateChange(row.vs_last_month?.collection_rate);
  return h(
    "div",
    { class: "rate" },
    h("span", { class: "rate-label" }, "Kolektibilitas"),
    h("span", { class: "rate-value" }, percent(row.collection_rate)),
    h(
      "span",
      { class: ["rate-change", `change-${change.tone}`] },
      change.arrow
        ? [h("span", { "aria-hidden": "true" }, `${change.arrow} `), h("span", { class: "visually-hidden" }, `${change.word} `), `${change.amount} dari bulan lalu`]
        : change.text,
    ),
  );
}

function bppCard(row, report, rankedCount) {
  const best = bestText(row, report.best_bpp);
  const rank = row.rank ? ` · peringkat ${row.rank}${rankedCount ? ` dari ${rankedCount}` : ""}` : "";
  return h(
    "article",
    { class: ["card", "bpp", row.rank === 1 ? "highlight" : null], "aria-labelledby": `bpp-${row.kecamatan_code}` },
    h("h2", { id: `bpp-${row.kecamatan_code}` }, `BPP ${row.kecamatan_name}`, rank ? h("span", { class: "rank" }, rank) : null),
    rateBlock(row),
    h("p", { class: ["target", row.target === null || row.target === undefined ? "unset" : null] }, targetText(row)),
    best ? h("p", { class: ["best-gap", row.rank === 1 ? "is-best" : null] }, best) : null,
    figures(row, report.provisional),
  );
}

function changesSection(report) {
  if (!report.supersedes) return null;
  const list = report.changes ?? [];
  return h(
    "section",
    { class: "changes", "aria-labelledby": "changes-h" },
    h("h2", { id: "changes-h" }, changesTitle(report)),
    list.length
      ? list.map((bpp) =>
          h(
            "div",
            { class: "change-bpp" },
            h("h3", {}, `BPP ${bpp.kecamatan_name}`),
            h(
              "ul",
              { class: "change-list" },
              bpp.fields.map((f) => {
                const c = fieldChange(f);
                return h("li", {}, h("span", { class: "change-field" }, c.label), " ", h("span", { class: "change-values" }, `${c.before} → ${c.after}`));
              }),
            ),
          ),
        )
      : h("p", { class: "empty" }, "Tidak ada angka yang berubah."),
  );
}

/** An admin's overview of the 8 BPP before their cards (which follow in the same order). */
function overview(rows, provisional) {
  const vs = (row) => {
    const c = rateChange(row.vs_last_month?.collection_rate);
    return c.arrow ? `${c.arrow} ${c.amount}` : c.tone === "same" ? "=" : "–";
  };
  return h(
    "table",
    { class: ["lines", "overview"] },
    h("caption", {}, provisional ? "Kolektibilitas per BPP (tanpa peringkat)" : "Peringkat BPP"),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, provisional ? "BPP" : "# BPP"), h("th", { scope: "col" }, "Kolektibilitas"), h("th", { scope: "col" }, "Bulan lalu")),
    ),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h("tr", {}, h("td", {}, provisional ? row.kecamatan_name : `${row.rank ?? "–"}. ${row.kecamatan_name}`), h("td", {}, percent(row.collection_rate)), h("td", {}, vs(row))),
      ),
    ),
  );
}

/** Ranked BPP first, best first; the unranked (no members, or a preview) after, in code order. */
function byRank(a, b) {
  return (a.rank ?? 99) - (b.rank ?? 99) || a.kecamatan_code.localeCompare(b.kecamatan_code);
}

/** "koordinator.lalabata" may break after its dot on a narrow screen, not inside a word. */
function breakable(username) {
  return username.split(".").flatMap((part, i) => (i ? [".", h("wbr"), part] : [part]));
}

function agentsTable(agents) {
  if (!agents.length) return null;
  return h(
    "table",
    { class: ["lines", "agents"] },
    h("caption", {}, "Per penyuluh"),
    h(
      "thead",
      {},
      h("tr", {}, h("th", { scope: "col" }, "Penyuluh"), h("th", { scope: "col" }, "Daftar"), h("th", { scope: "col" }, "Bayar"), h("th", { scope: "col" }, "Terkumpul")),
    ),
    h(
      "tbody",
      {},
      agents.map((a) =>
        h(
          "tr",
          {},
          h("td", {}, h("span", { class: "agent-name" }, a.full_name || a.username), a.full_name && a.full_name !== a.username ? h("span", { class: "agent-user" }, breakable(a.username)) : null),
          h("td", {}, thousands(a.registrations)),
          h("td", {}, thousands(a.payments)),
          h("td", {}, rupiah(a.collections_amount)),
        ),
      ),
    ),
  );
}

/** The files of the version on screen: CSV and XLSX saved, the HTML opened in a tab or saved. */
function filesSection(app, report) {
  const status = h("p", { class: "hint file-status", role: "status" });
  const path = (type) => `/reports/${report.period}/files/${type}`;
  const query = (extra = {}) => {
    const q = new URLSearchParams(extra);
    if (!report.provisional) q.set("version", String(report.version));
    const text = q.toString();
    return text ? `?${text}` : "";
  };
  const save = async (type, extra) => {
    status.textContent = `Mengunduh ${type.toUpperCase()}…`;
    try {
      saveBlob(await app.api.blob(path(type) + query(extra)), fileName(report, type));
      status.textContent = `Berkas ${fileName(report, type)} diunduh.`;
    } catch (error) {
      status.textContent = error.detail ?? error.message;
    }
  };
  const open = async () => {
    status.textContent = "Membuka laporan HTML…";
    try {
      const opened = await openInTab(fileName(report, "html"), () => app.api.blob(path("html") + query()));
      if (opened) status.textContent = "Laporan HTML dibuka di tab baru.";
      else await save("html", { download: "1" });
    } catch (error) {
      status.textContent = error.detail ?? error.message;
    }
  };
  const button = (label, onclick, cls = "secondary") => h("button", { type: "button", class: cls, onclick }, label);
  return [
    h("h2", {}, "Berkas"),
    h(
      "div",
      { class: "actions-grid files" },
      button("Buka HTML", open, "primary"),
      button("Unduh HTML", () => save("html", { download: "1" })),
      button("Unduh CSV", () => save("csv")),
      button("Unduh XLSX", () => save("xlsx")),
    ),
    status,
  ];
}

/** Admin: a new version of an ended month (earlier ones stay), or the current month's preview. */
function adminSection(app, chosen, latest, go) {
  const current = currentPeriod();
  const box = h("div", {});
  const ended = chosen < current;
  const versions = latest && !latest.provisional ? latest.version : 0;
  const label = ended ? (versions ? "Buat ulang (versi baru)" : "Buat laporan sekarang") : latest ? "Perbarui pratinjau bulan berjalan" : "Pratinjau bulan berjalan";
  const explain = ended
    ? versions
      ? `Versi ${versions + 1} dibuat dari angka terbaru. ${versions === 1 ? "Versi 1 tetap" : `Versi 1–${versions} tetap`} tersimpan apa adanya.`
      : "Menjadi versi 1: yang dievaluasi rapat BPP."
    : "Angka sementara bulan berjalan, tanpa peringkat; tidak menjadi versi laporan.";
  const run = async () => {
    if (ended && versions) {
      const sure = await ask(
        `Buat versi ${versions + 1} laporan ${period(chosen, true)}? ${versions === 1 ? "Versi 1" : `Versi 1–${versions}`} tidak berubah dan tetap dapat dibaca; versi baru mencatat angka yang berubah.`,
        "Ya, buat versi baru",
      );
      if (!sure) return;
    }
    clear(box);
    try {
      const made = await app.api.post(`/reports/${chosen}`, undefined);
      toast(made.provisional ? "Pratinjau bulan berjalan dibuat." : `Versi ${made.version} laporan dibuat.`);
      go(`/laporan?periode=${chosen}`);
    } catch (error) {
      const message =
        error instanceof ApiError && error.code === "PERIOD_NOT_ENDED"
          ? `${error.detail ?? "Bulan ini belum dapat dilaporkan."} Pilih bulan yang sudah berjalan atau berakhir.`
          : (error.detail ?? error.message);
      box.append(notice("error", message));
    }
  };
  return h(
    "section",
    { class: "admin-actions", "aria-labelledby": "admin-h" },
    h("h2", { id: "admin-h" }, "Admin"),
    h("p", { class: "hint" }, explain),
    h("button", { type: "button", class: ended ? "primary wide" : "secondary wide", onclick: run }, label),
    box,
  );
}

async function read(app, chosen) {
  try {
    return { latest: await app.api.get(`/reports/${chosen}`) };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.code === "PERIOD_NOT_ENDED")) return { missing: error };
    throw error;
  }
}

export async function render({ app, query, go }) {
  const current = currentPeriod();
  const choices = Array.from({ length: MONTHS_BACK + 1 }, (_, i) => addMonths(current, -i));
  const chosen = choices.includes(query.periode) ? query.periode : addMonths(current, -1);
  const wanted = /^[1-9]\d*$/.test(query.versi ?? "") ? Number(query.versi) : null;
  const isAdmin = app.session.role === "admin";

  const monthPicker = select(
    choices.map((p) => [p, `${period(p, true)}${p === current ? " (berjalan)" : ""}`]),
    { value: chosen, name: "periode" },
  );
  monthPicker.addEventListener("change", () => go(`/laporan?periode=${monthPicker.value}`));
  const filters = h("div", { class: "filters" }, field("Bulan", monthPicker));
  const head = [h("h1", {}, "Laporan bulanan"), filters];
  if (query.periode && query.periode !== chosen) head.push(notice("info", otherMonthWords(query.periode, current, chosen)));

  const { latest, missing } = await read(app, chosen);
  if (missing) {
    const text =
      missing.code === "PERIOD_NOT_ENDED"
        ? (missing.detail ?? `Laporan ${period(chosen, true)} belum dapat dibuat.`)
        : chosen === current
          ? `Belum ada pratinjau ${period(chosen, true)}. Laporan resmi dibuat otomatis tanggal 5 bulan berikutnya pukul 08.00 WITA.`
          : `Laporan ${period(chosen, true)} belum dibuat. Laporan dibuat otomatis tanggal 5 pukul 08.00 WITA.`;
    return h("section", { class: "report" }, ...head, notice("info", text), isAdmin && missing.status === 404 ? adminSection(app, chosen, null, go) : null);
  }

  let report = latest;
  let noSuchVersion = null;
  if (wanted && !latest.provisional && wanted !== latest.version) {
    try {
      report = await app.api.get(`/reports/${chosen}`, { version: wanted });
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
      noSuchVersion = wanted;
    }
  }

  if (!latest.provisional && latest.version > 1) {
    const versionPicker = select(versionChoices(latest.version, latest.provisional ? null : (latest.evaluated_version ?? 1)), { value: String(report.version), name: "versi" });
    versionPicker.addEventListener("change", () => go(`/laporan?periode=${chosen}&versi=${versionPicker.value}`));
    filters.append(field("Versi", versionPicker));
  }

  const own = (code) => !app.session.kecamatan || code === app.session.kecamatan;
  const rows = report.rows.filter((r) => own(r.kecamatan_code)).sort(byRank);
  const agents = (report.agents ?? []).filter((a) => own(a.kecamatan_code));
  const ranked = isAdmin ? report.rows.filter((r) => r.rank).length : 0;
  const banner = report.provisional ? provisionalBanner(report, current) : null;

  return h(
    "section",
    { class: "report" },
    ...head,
    staleNote(report),
    banner
      ? h("div", { class: "banner-provisional", role: "note" }, h("p", { class: "banner-title" }, banner.title), h("p", {}, banner.text))
      : null,
    noSuchVersion ? notice("info", `Versi ${noSuchVersion} tidak ada; yang tampil versi terbaru.`) : null,
    h("p", { class: "version-line" }, versionLine(report)),
    h("p", { class: "hint" }, madeAt(report)),
    !report.provisional && report.version < latest.version
      ? notice("info", `Ini versi ${report.version}, bukan yang terbaru (versi ${latest.version}). Angkanya tetap seperti saat dibuat.`, {
          label: "Lihat versi terbaru",
          run: () => go(`/laporan?periode=${chosen}`),
        })
      : null,
    // A coordinator's card names the best BPP already (being it, or the gap to it).
    report.best_bpp && (rows.length !== 1 || !bestText(rows[0], report.best_bpp))
      ? h("p", { class: "best" }, `BPP terbaik ${period(report.period, true)}: ${report.best_bpp.kecamatan_name}`)
      : null,
    rows.length > 1 ? overview(rows, report.provisional) : null,
    rows.map((row) => bppCard(row, report, ranked)),
    changesSection(report),
    agentsTable(agents),
    filesSection(app, report),
    isAdmin ? adminSection(app, chosen, latest, go) : null,
  );
}
