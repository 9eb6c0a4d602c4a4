// NIK (the 16-digit KTP number) `PP KK SS DDMMYY NNNN`, parsed by the same rules as the server
// (layers/common/sutasoma/domain/nik.py: parse_nik, birth_date, reconcile_identity) and with the
// same messages. web/tests/nik_cases.json holds the cases both sides are tested on.
import { PROVINCE_CODES } from "./reference-data.js";

export const FEMALE_DAY_OFFSET = 40;

const PROVINCES = new Set(PROVINCE_CODES);

function pad(n, width = 2) {
  return String(n).padStart(width, "0");
}

function isRealDate(year, month, day) {
  if (month < 1 || month > 12 || day < 1) return false;
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}

/** ISO dates the six birth digits can mean, latest century first. */
function candidates(day, month, year2d) {
  const found = [];
  for (const century of [2000, 1900]) {
    const year = century + year2d;
    if (isRealDate(year, month, day)) found.push(`${year}-${pad(month)}-${pad(day)}`);
  }
  return found;
}

/**
 * parseNik("7312045708800003", "2026-12-06") ->
 *   {ok: true, nik, sex: "F", birthDate: "1980-08-17", candidates: [...], province, message: null}
 * or {ok: false, message: "NIK harus 16 digit, ..."} (the server's message for the same fault).
 * `today` (ISO date, WITA) picks the century of two-digit years: the latest reading not in the future.
 */
export function parseNik(raw, today) {
  const text = String(raw ?? "");
  const length = [...text].length; // code points, as Python's len()
  if (length !== 16) return fail(`NIK harus 16 digit, yang diberikan ${length} karakter.`);
  if (!/^[0-9]{16}$/.test(text)) return fail("NIK hanya boleh berisi angka.");
  const province = text.slice(0, 2);
  if (!PROVINCES.has(province)) return fail(`Kode provinsi ${province} pada NIK tidak dikenal.`);
  if (text.slice(2, 4) === "00" || text.slice(4, 6) === "00") {
    return fail("Kode kabupaten/kota dan kecamatan pada NIK tidak boleh 00.");
  }
  const encodedDay = Number(text.slice(6, 8));
  const month = Number(text.slice(8, 10));
  const year2d = Number(text.slice(10, 12));
  const sex = encodedDay > FEMALE_DAY_OFFSET ? "F" : "M";
  const day = sex === "F" ? encodedDay - FEMALE_DAY_OFFSET : encodedDay;
  if (text.slice(12) === "0000") return fail("Nomor urut pada NIK tidak boleh 0000.");
  const dates = candidates(day, month, year2d);
  if (dates.length === 0) return fail("Tanggal lahir pada NIK bukan tanggal yang sah.");
  const birthDate = dates.find((d) => d <= today) ?? dates[dates.length - 1];
  return { ok: true, nik: text, province, sex, birthDate, candidates: dates, message: null };
}

function fail(message) {
  return { ok: false, message };
}

/** The server's NIK_MISMATCH checks: field -> message, empty when birth date and sex agree. */
export function mismatches(parsed, birthDate, sex) {
  const errors = {};
  if (birthDate && !parsed.candidates.includes(birthDate)) {
    errors.birth_date = "Tanggal lahir tidak sesuai dengan NIK.";
  }
  if (sex && sex !== parsed.sex) {
    errors.sex = "Jenis kelamin tidak sesuai dengan NIK (tanggal lahir perempuan ditambah 40).";
  }
  return errors;
}

/** Whole years from an ISO birth date to an ISO date. */
export function ageOn(birthDate, onDate) {
  const [by, bm, bd] = birthDate.split("-").map(Number);
  const [y, m, d] = onDate.split("-").map(Number);
  return y - by - (m < bm || (m === bm && d < bd) ? 1 : 0);
}

/** `7312********0003`, as the server masks it. */
export function maskNik(value) {
  return value.slice(0, 4) + "*".repeat(Math.max(0, value.length - 8)) + value.slice(-4);
}
