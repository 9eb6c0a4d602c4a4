// Words and numbers as a penyuluh reads them: Rupiah with dots, months in Bahasa Indonesia,
// coverage in the words of the worklist and the report (DOMAIN.md "Coverage").

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"];
const MONTHS_LONG = [
  "Januari", "Februari", "Maret", "April", "Mei", "Juni",
  "Juli", "Agustus", "September", "Oktober", "November", "Desember",
];

/** 12345 -> "12.345" (dots between thousands, as Rupiah and counts are written). */
/** A textarea's text as one line: the API refuses control characters (line breaks, tabs) in the
 * text people read (CONTRACT "Errors"), so every run of whitespace becomes one space. */
export function oneLine(text) {
  return String(text ?? "").replace(/\s+/g, " ").trim();
}

export function thousands(value) {
  const n = Math.round(Number(value));
  const digits = Math.abs(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  return n < 0 ? `-${digits}` : digits;
}

export function rupiah(amount) {
  if (amount === null || amount === undefined) return "–";
  return `Rp ${thousands(amount)}`;
}

/** "2026-11" -> "Nov 2026" (long: "November 2026"). */
export function period(value, long = false) {
  if (!value) return "–";
  const [y, m] = value.split("-").map(Number);
  return `${(long ? MONTHS_LONG : MONTHS)[m - 1]} ${y}`;
}

export function periods(list) {
  if (!list?.length) return "–";
  if (list.length === 1) return period(list[0]);
  return `${period(list[0])} – ${period(list[list.length - 1])}`;
}

/** "2026-12-06" -> "6 Des 2026" */
export function date(value) {
  if (!value) return "–";
  const [y, m, d] = value.slice(0, 10).split("-").map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** The day of an ISO timestamp in WITA ("2026-12-06T17:30:00Z" -> "7 Des 2026"); a date as it is. */
export function dayWita(value) {
  if (!value || !String(value).includes("T")) return date(value);
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return date(value);
  return date(todayWita(t.getTime()));
}

/** An ISO timestamp in WITA (UTC+8, no daylight saving): "6 Des 2026 14.05 WITA". */
export function dateTime(value) {
  if (!value) return "–";
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return value;
  const wita = new Date(t.getTime() + 8 * 3600 * 1000);
  const hh = String(wita.getUTCHours()).padStart(2, "0");
  const mm = String(wita.getUTCMinutes()).padStart(2, "0");
  return `${wita.getUTCDate()} ${MONTHS[wita.getUTCMonth()]} ${wita.getUTCFullYear()} ${hh}.${mm} WITA`;
}

/** Today's date in WITA as YYYY-MM-DD (business dates are WITA). */
export function todayWita(now = Date.now()) {
  return new Date(now + 8 * 3600 * 1000).toISOString().slice(0, 10);
}

export function currentPeriod(now = Date.now()) {
  return todayWita(now).slice(0, 7);
}

export function addMonths(value, n) {
  const [y, m] = value.split("-").map(Number);
  const index = y * 12 + (m - 1) + n;
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`;
}

export const COVERAGE = {
  NOT_STARTED: { words: "Belum bayar", tone: "none", hint: "Belum ada iuran: pembayaran pertama memulai perlindungan." },
  ACTIVE: { words: "Aktif", tone: "ok", hint: "Terlindungi bulan ini." },
  DUE: { words: "Jatuh tempo", tone: "due", hint: "Iuran bulan ini belum dibayar; batas tanggal 15." },
  ARREARS: { words: "Tunggakan", tone: "late", hint: "Ada iuran yang lewat tanggal 15; lunasi sebelum nonaktif." },
  LAPSED: { words: "Nonaktif", tone: "lapsed", hint: "Lebih dari 3 bulan menunggak: daftarkan kembali sebelum membayar." },
  ENDED: { words: "Berakhir", tone: "ended", hint: "Kepesertaan berakhir (meninggal atau ditolak BPJS)." },
};

export function coverageWords(coverage) {
  const info = COVERAGE[coverage?.state] ?? { words: coverage?.state ?? "–", tone: "none", hint: "" };
  const through = coverage?.paid_through ? `lunas s.d. ${period(coverage.paid_through)}` : null;
  return { ...info, through };
}

export const REGISTRATION = {
  PENDING: "Menunggu BPJS",
  CONFIRMED: "Terdaftar di BPJS",
  REJECTED: "Ditolak BPJS",
};

export const CLAIM_STATUS = {
  SUBMITTED: "Diajukan",
  VERIFIED: "Diverifikasi",
  SENT_TO_BPJS: "Dikirim ke BPJS",
  APPROVED: "Disetujui BPJS",
  REJECTED: "Ditolak BPJS",
  PAID: "Dibayar",
};

export const RELATIONSHIP = {
  self: "Peserta sendiri",
  spouse: "Suami/istri",
  child: "Anak",
  parent: "Orang tua",
  sibling: "Saudara kandung",
  other: "Lainnya",
};

export const OUTCOME = {
  treatment: "Perawatan",
  temporary_disability: "Tidak mampu bekerja sementara",
  permanent_disability: "Cacat tetap",
  death: "Meninggal dunia",
};

export function percent(fraction) {
  if (fraction === null || fraction === undefined) return "–";
  return `${(Number(fraction) * 100).toFixed(1).replace(".", ",")} %`;
}
