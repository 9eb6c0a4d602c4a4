// The monthly report in words (js/report-words.js): kolektibilitas in points against last month,
// the target, the gap to the best BPP, versions and what a revision changed.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dayWita, thousands } from "../js/format.js";
import {
  bestText,
  countChange,
  fieldChange,
  fileName,
  points,
  provisionalBanner,
  rateChange,
  rupiahChange,
  targetText,
  versionChoices,
  versionLine,
  otherMonthWords,
} from "../js/report-words.js";

test("a difference of rates is in percentage points, with a comma", () => {
  assert.equal(points(0.021), "2,1 poin");
  assert.equal(points(-0.0042), "0,4 poin");
  assert.equal(points(1), "100,0 poin");
  assert.equal(points(0.00049), "0,0 poin");
});

test("kolektibilitas against last month: up, down, the same, no data", () => {
  assert.deepEqual(rateChange(0.021), { arrow: "▲", word: "naik", amount: "2,1 poin", text: "▲ 2,1 poin", tone: "up" });
  assert.equal(rateChange(-0.5).text, "▼ 50,0 poin");
  assert.equal(rateChange(-0.5).word, "turun");
  // What rounds to 0,0 points is no change.
  assert.equal(rateChange(0.0004).tone, "same");
  assert.equal(rateChange(0).text, "sama dengan bulan lalu");
  assert.equal(rateChange(null).text, "bulan lalu tidak ada data");
  assert.equal(rateChange(undefined).tone, "none");
});

test("counts and Rupiah against last month", () => {
  assert.equal(countChange(3), "▲ 3");
  assert.equal(countChange(-1200), "▼ 1.200");
  assert.equal(countChange(0), "= 0");
  assert.equal(countChange(null), "");
  assert.equal(rupiahChange(36800), "▲ Rp 36.800");
  assert.equal(rupiahChange(-1000), "▼ Rp 1.000");
  assert.equal(thousands(-1234567), "-1.234.567");
});

test("the target: reached, short by some points, or not set", () => {
  assert.equal(targetText({ target: 0.9, collection_rate: 0.8125 }), "Target 90,0 % · kurang 8,8 poin");
  assert.equal(targetText({ target: 0.8, collection_rate: 0.8125 }), "Target 80,0 % · tercapai");
  assert.equal(targetText({ target: 0.8, collection_rate: 0.8 }), "Target 80,0 % · tercapai");
  assert.equal(targetText({ target: null, collection_rate: 0.5 }), "Target: belum ditetapkan");
});

test("the gap to the best BPP, or being it", () => {
  const best = { kecamatan_code: "73.12.04", kecamatan_name: "Lalabata", score: 1 };
  assert.equal(bestText({ rank: 1, gap_to_best: 0 }, best), "BPP terbaik bulan ini");
  assert.equal(bestText({ rank: 3, gap_to_best: 0.125 }, best), "Tertinggal 12,5 poin dari BPP terbaik Lalabata");
  assert.equal(bestText({ rank: 2, gap_to_best: 0 }, best), "Kolektibilitas setara BPP terbaik Lalabata");
  // An admin's copy has no gap; a preview has no best BPP.
  assert.equal(bestText({ rank: 4, gap_to_best: null }, best), null);
  assert.equal(bestText({ rank: null, gap_to_best: null }, null), null);
});

test("the version line: who made it and what it replaces", () => {
  assert.equal(versionLine({ version: 1, supersedes: null, generated_by: "jadwal" }), "Versi 1 · dibuat oleh jadwal (tanggal 5)");
  assert.equal(versionLine({ version: 3, supersedes: 2, generated_by: "admin" }), "Versi 3 · dibuat oleh admin · menggantikan versi 2");
  assert.equal(versionLine({ version: 2, provisional: true, generated_by: "admin" }), "Versi 2 · pratinjau sementara · dibuat oleh admin");
});

test("the version picker lists every version, newest first, the meeting's marked", () => {
  assert.deepEqual(versionChoices(3, 1), [
    ["3", "Versi 3 (terbaru)"],
    ["2", "Versi 2"],
    ["1", "Versi 1 (rapat tanggal 5)"],
  ]);
  assert.deepEqual(versionChoices(1, 1), [["1", "Versi 1 (terbaru, rapat tanggal 5)"]]);
  // A month previewed twice while it ran, then evaluated: the meeting's is version 3.
  assert.deepEqual(versionChoices(3, 3), [
    ["3", "Versi 3 (terbaru, rapat tanggal 5)"],
    ["2", "Versi 2 (pratinjau)"],
    ["1", "Versi 1 (pratinjau)"],
  ]);
  // The current month: every version is a preview.
  assert.deepEqual(versionChoices(2, null), [["2", "Versi 2 (terbaru, pratinjau)"], ["1", "Versi 1 (pratinjau)"]]);
});

test("a file is named as the server names it", () => {
  assert.equal(fileName({ period: "2026-11", version: 2 }, "csv"), "sutasoma-2026-11-v2.csv");
  assert.equal(fileName({ period: "2026-12", version: 1, provisional: true }, "html"), "sutasoma-2026-12-v1-sementara.html");
});

test("a revision's changed fields in Bahasa, values as people read them", () => {
  assert.deepEqual(fieldChange({ field: "collection_rate", before: 0, after: 0.5 }), { label: "Kolektibilitas", before: "0,0 %", after: "50,0 %" });
  assert.deepEqual(fieldChange({ field: "contributions_collected", before: 0, after: 36800 }), {
    label: "Iuran terkumpul",
    before: "Rp 0",
    after: "Rp 36.800",
  });
  assert.deepEqual(fieldChange({ field: "rank", before: 3, after: null }), { label: "Peringkat", before: "3", after: "tanpa peringkat" });
  assert.deepEqual(fieldChange({ field: "not_paying", before: 3, after: 2 }), { label: "Tidak membayar (> 2 bulan)", before: "3", after: "2" });
  // A field this app does not know yet is shown by its name, not dropped.
  assert.deepEqual(fieldChange({ field: "new_field", before: 1, after: 2 }), { label: "new_field", before: "1", after: "2" });
});

test("the provisional banner: the current month, or an ended month with only its preview", () => {
  assert.equal(provisionalBanner({ period: "2026-12" }, "2026-12").title, "SEMENTARA — bulan berjalan, belum dievaluasi");
  assert.match(provisionalBanner({ period: "2026-11" }, "2026-12").title, /^SEMENTARA — pratinjau/);
});

test("a timestamp's day is the day in WITA", () => {
  assert.equal(dayWita("2026-12-06T17:30:00Z"), "7 Des 2026");
  assert.equal(dayWita("2026-12-06T15:59:59Z"), "6 Des 2026");
  assert.equal(dayWita("2026-12-06"), "6 Des 2026");
});

test("a month asked for in the link but not in the picker is named, and why", () => {
  assert.equal(
    otherMonthWords("2027-01", "2026-12", "2026-11"),
    "Laporan Januari 2027 tidak dapat dibuka di sini (belum berakhir); yang tampil November 2026.",
  );
  assert.match(otherMonthWords("2025-10", "2026-12", "2026-11"), /Oktober 2025 .*di luar 12 bulan terakhir.*November 2026/);
  assert.match(otherMonthWords("2026-13", "2026-12", "2026-11"), /"2026-13" .*bukan bulan yang dikenal/);
});
