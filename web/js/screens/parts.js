// Pieces several screens share.
import { coverageWords, dateTime } from "../format.js";
import { h, notice } from "../ui.js";

/** Coverage in words and colour (the colour never alone: the words are always there). */
export function coverageChip(coverage) {
  const cov = coverageWords(coverage);
  return h("span", { class: ["chip", `tone-${cov.tone}`] }, cov.words);
}

/** "Data terakhir dimuat …" when an answer came from this session's memory while offline. */
export function staleNote(data) {
  if (!data?.stale) return null;
  return notice("info", "Tanpa sinyal: data yang tampil adalah data terakhir yang dimuat.");
}

export function backLink(href, label = "Kembali") {
  return h("a", { href, class: "back" }, h("span", { "aria-hidden": "true" }, "‹ "), label);
}

export function definition(rows) {
  return h(
    "dl",
    { class: "facts" },
    rows
      .filter(([, value]) => value !== undefined && value !== null && value !== "")
      .map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]),
  );
}

export function offlineBlock(app, what) {
  if (navigator.onLine) return null;
  return notice("info", `Tanpa sinyal: ${what} memerlukan jaringan. Coba lagi saat ada sinyal.`);
}

export function capturedAt(item) {
  return `dicatat ${dateTime(item.captured_at)}`;
}

/** The claim form filled in to file a rejected claim again (same farmer, type and incident date). */
export function refileHref(claim) {
  const q = new URLSearchParams({ ulang: claim.claim_id, jenis: claim.type, tanggal: String(claim.incident_date).slice(0, 10) });
  return `#/petani/${claim.farmer_id}/klaim?${q}`;
}

/** The farmer of each claim waiting for verification (claim_id -> {full_name, village_name}).
 *  GET /claims names only the claimant; the worklist's `claims_waiting_for_documents` (the
 *  kecamatan's SUBMITTED claims) carries the farmer's name without reading the farmer's record
 *  (which would be an audited NIK read per claim). Empty when it cannot be read (an admin has no
 *  kecamatan of their own, or no signal). */
export async function claimFarmers(app) {
  if (app.session?.role === "admin") return new Map();
  const worklist = await app.api.get("/agents/me/worklist").catch(() => null);
  return new Map((worklist?.claims_waiting_for_documents ?? []).map((c) => [c.claim_id, c]));
}
