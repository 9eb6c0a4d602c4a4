// The monthly report in words (CONTRACT.md "Reports" r2): versions, kolektibilitas in points
// against last month, the target and the best BPP, what a revision changed. No DOM here: the
// node tests read it (web/tests/report.test.js); js/screens/report.js lays it out.
import { dateTime, percent, period, rupiah, thousands } from "./format.js";

/** Who made a version: the 5th-of-month schedule is "jadwal", else the admin's username. */
export const SCHEDULE = "jadwal";

/** A difference of two rates (fractions) in percentage points: 0.021 -> "2,1 poin". */
export function points(difference) {
  const value = Math.abs(Number(difference) * 100);
  return `${value.toFixed(1).replace(".", ",")} poin`;
}

/** Rounded to what is shown (one decimal of a point): is there a difference at all? */
function sign(difference) {
  const tenths = Math.round(Number(difference) * 1000);
  return Math.sign(tenths);
}

/**
 * Kolektibilitas against last month (`vs_last_month.collection_rate`, a difference of fractions):
 * {arrow, word, amount, text, tone}; `text` as the card shows it ("▲ 2,1 poin"), `word` ("naik",
 * "turun") for screen readers in place of the arrow.
 */
export function rateChange(difference) {
  if (difference === null || difference === undefined) {
    return { arrow: "", word: "", amount: "", text: "bulan lalu tidak ada data", tone: "none" };
  }
  const s = sign(difference);
  if (s === 0) return { arrow: "", word: "", amount: "", text: "sama dengan bulan lalu", tone: "same" };
  const up = s > 0;
  const arrow = up ? "▲" : "▼";
  return { arrow, word: up ? "naik" : "turun", amount: points(difference), text: `${arrow} ${points(difference)}`, tone: up ? "up" : "down" };
}

/** A count against last month: +3 -> "▲ 3", -2 -> "▼ 2", 0 -> "= 0"; null -> "". */
export function countChange(difference) {
  if (difference === null || difference === undefined) return "";
  const n = Number(difference);
  if (n === 0) return "= 0";
  return `${n > 0 ? "▲" : "▼"} ${thousands(Math.abs(n))}`;
}

/** Rupiah against last month: "▲ Rp 36.800". */
export function rupiahChange(difference) {
  if (difference === null || difference === undefined) return "";
  const n = Number(difference);
  if (n === 0) return "= Rp 0";
  return `${n > 0 ? "▲" : "▼"} ${rupiah(Math.abs(n))}`;
}

/** The BPP's target: "Target 90,0 % · tercapai" / "Target 90,0 % · kurang 8,7 poin" / not set. */
export function targetText(row) {
  if (row.target === null || row.target === undefined) return "Target: belum ditetapkan";
  const short = row.target - row.collection_rate;
  const where = sign(short) <= 0 ? "tercapai" : `kurang ${points(short)}`;
  return `Target ${percent(row.target)} · ${where}`;
}

/**
 * How far the BPP is from the best one (`gap_to_best`, only in a coordinator's copy; the rank 1 BPP
 * is the best whoever reads). Null when there is nothing to say (a preview, no best BPP).
 */
export function bestText(row, best) {
  if (row.rank === 1) return "BPP terbaik bulan ini";
  if (row.gap_to_best === null || row.gap_to_best === undefined || !best) return null;
  if (sign(row.gap_to_best) <= 0) return `Kolektibilitas setara BPP terbaik ${best.kecamatan_name}`;
  return `Tertinggal ${points(row.gap_to_best)} dari BPP terbaik ${best.kecamatan_name}`;
}

/** "dibuat oleh jadwal" (the 5th-of-month run) or "dibuat oleh <admin>". */
export function madeBy(report) {
  const who = report.generated_by || SCHEDULE;
  return who === SCHEDULE ? "dibuat oleh jadwal (tanggal 5)" : `dibuat oleh ${who}`;
}

/** The version line: "Versi 2 · dibuat oleh admin · menggantikan versi 1". */
export function versionLine(report) {
  if (report.provisional) return `Versi ${report.version} · pratinjau sementara · ${madeBy(report)}`;
  const parts = [`Versi ${report.version}`, madeBy(report)];
  if (report.supersedes) parts.push(`menggantikan versi ${report.supersedes}`);
  return parts.join(" · ");
}

export function madeAt(report) {
  return `Dibuat ${dateTime(report.generated_at)}`;
}

/** The version picker's choices, newest first: [value, label]; `evaluated` is the meeting's
 * version (the first after the month ended; null while the month runs), versions before it are
 * previews. */
export function versionChoices(latest, evaluated = null) {
  const choices = [];
  for (let v = latest; v >= 1; v -= 1) {
    const stage = v === evaluated ? "rapat tanggal 5" : evaluated === null || v < evaluated ? "pratinjau" : null;
    const notes = [v === latest ? "terbaru" : null, stage].filter(Boolean);
    choices.push([String(v), `Versi ${v}${notes.length ? ` (${notes.join(", ")})` : ""}`]);
  }
  return choices;
}

/** The name the server gives the file of this version ("-sementara" for a preview). */
export function fileName(report, type) {
  const suffix = report.provisional ? `v${report.version}-sementara` : `v${report.version}`;
  return `sutasoma-${report.period}-${suffix}.${type}`;
}

/** The figures a revision compares (sutasoma.reports.revisions.COMPARED), in Bahasa. */
export const FIELD_LABELS = {
  registered: "Terdaftar",
  new_registrations: "Pendaftar baru",
  active: "Aktif",
  arrears: "Tunggakan",
  lapsed: "Nonaktif",
  not_started: "Belum pernah bayar",
  not_paying: "Tidak membayar (> 2 bulan)",
  ended: "Berakhir",
  contributions_due: "Iuran seharusnya",
  contributions_collected: "Iuran terkumpul",
  payments: "Pembayaran",
  collection_rate: "Kolektibilitas",
  due: "Belum jatuh tempo",
  "claims_submitted.JKK": "Klaim JKK diajukan",
  "claims_submitted.JKM": "Klaim JKM diajukan",
  "claims_amount.JKK": "Klaim JKK dibayar BPJS (Rp)",
  "claims_amount.JKM": "Klaim JKM dibayar BPJS (Rp)",
  "claims_paid.JKK": "Klaim JKK dibayar",
  "claims_paid.JKM": "Klaim JKM dibayar",
  claims_in_progress: "Klaim diproses",
  refunds_open: "Pengembalian belum diserahkan",
  refunds_open_amount: "Nilai pengembalian belum diserahkan",
  refunds_settled: "Pengembalian diserahkan",
  refunds_settled_amount: "Nilai pengembalian diserahkan",
  rank: "Peringkat",
};

const MONEY = new Set([
  "contributions_due", "contributions_collected", "refunds_open_amount", "refunds_settled_amount",
  "claims_amount.JKK", "claims_amount.JKM",
]);

/** One value of a changed field as people read it. */
export function fieldValue(name, value) {
  if (value === null || value === undefined) return name === "rank" ? "tanpa peringkat" : "–";
  if (name === "collection_rate") return percent(value);
  if (MONEY.has(name)) return rupiah(value);
  if (typeof value === "number") return thousands(value);
  return String(value);
}

/** A changed field: {label, before, after} ("Aktif", "0", "1"). */
export function fieldChange(change) {
  return {
    label: FIELD_LABELS[change.field] ?? change.field,
    before: fieldValue(change.field, change.before),
    after: fieldValue(change.field, change.after),
  };
}

/** The heading of the changes: "Perubahan dari versi 1". */
export function changesTitle(report) {
  return `Perubahan dari versi ${report.supersedes}`;
}

/** The provisional banner: the current month, or an ended month that so far has only its preview. */
export function provisionalBanner(report, current) {
  const title = "SEMENTARA — bulan berjalan, belum dievaluasi";
  if (report.period === current) {
    return {
      title,
      text: `Angka ${period(report.period, true)} masih dapat berubah sampai akhir bulan. Tanpa peringkat dan tanpa BPP terbaik; laporan resmi dibuat tanggal 5 bulan berikutnya.`,
    };
  }
  return {
    title: "SEMENTARA — pratinjau saat bulan berjalan, belum dievaluasi",
    text: `Laporan resmi ${period(report.period, true)} belum dibuat: yang tampil adalah pratinjau, tanpa peringkat.`,
  };
}

/** Why a month asked for in the link is not the one shown (only this month and the 12 before). */
export function otherMonthWords(asked, current, shown) {
  const valid = /^\d{4}-(0[1-9]|1[0-2])$/.test(asked);
  const name = valid ? period(asked, true) : `"${asked}"`;
  const why = !valid ? "bukan bulan yang dikenal" : asked > current ? "belum berakhir" : "di luar 12 bulan terakhir";
  return `Laporan ${name} tidak dapat dibuka di sini (${why}); yang tampil ${period(shown, true)}.`;
}
