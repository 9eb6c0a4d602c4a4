// The farmer's KTP copy. A photo counts once the server has checked it, a second or two after the
// upload (docs/api.md "Uploads"): `ktp_uploaded_at` newer than before, or `ktp_refused` naming this
// upload (its `object_key`) with the reason in Bahasa Indonesia. Until then nothing is "stored".
import { dateTime } from "./format.js";

// Each look is a GET /farmers/{id}, an audited whole-NIK read: a few, further apart (~20 s in all).
const WAITS_MS = [400, 700, 1000, 1500, 2000, 3000, 4000, 4000, 4000];

/** Waits for the server's check of the upload `objectKey` (null: any refusal checked after the
 *  upload began). `before` is the farmer's `ktp_uploaded_at` before the upload.
 *  -> {state: "stored" | "refused" | "unchecked", farmer} */
export async function ktpChecked(api, farmerId, before, objectKey, { waits = WAITS_MS, since = null } = {}) {
  let farmer = null;
  for (let i = 0; i <= waits.length; i += 1) {
    farmer = await api.get(`/farmers/${farmerId}`);
    if (farmer.ktp_uploaded_at && farmer.ktp_uploaded_at !== before && (!before || farmer.ktp_uploaded_at > before)) {
      return { state: "stored", farmer };
    }
    const refused = farmer.ktp_refused;
    if (refused && (objectKey ? refused.object_key === objectKey : !since || refused.checked_at >= since)) {
      return { state: "refused", farmer };
    }
    if (i < waits.length) await new Promise((resolve) => setTimeout(resolve, waits[i]));
  }
  return { state: "unchecked", farmer };
}

/** What the result of an upload means, in words: {kind: notice kind, text}. */
export function ktpResultWords(result) {
  if (result.state === "stored") return { kind: "success", text: "Foto KTP tersimpan: sudah diperiksa server." };
  if (result.state === "refused") {
    return { kind: "error", text: `Foto KTP ditolak: ${result.farmer.ktp_refused.reason} Ambil foto KTP lagi.` };
  }
  return { kind: "info", text: "Foto KTP terkirim, tetapi server belum selesai memeriksanya. Buka data petani lagi sebentar lagi." };
}

/** The farmer's KTP copy as it stands: {kind, text}; a refused or missing copy said plainly. */
export function ktpStateWords(farmer) {
  const refused = farmer.ktp_refused;
  if (farmer.ktp_uploaded_at) {
    const stored = `Foto KTP tersimpan ${dateTime(farmer.ktp_uploaded_at)}.`;
    // Times are to the second: a refusal checked in the stored copy's second came after it.
    if (refused && refused.checked_at >= farmer.ktp_uploaded_at) {
      return { kind: "info", text: `${stored} Foto yang dikirim ${dateTime(refused.checked_at)} ditolak: ${refused.reason} Foto yang tersimpan tetap dipakai.` };
    }
    return { kind: "ok", text: stored };
  }
  if (refused) {
    return { kind: "error", text: `Foto KTP belum ada: foto yang dikirim ${dateTime(refused.checked_at)} ditolak: ${refused.reason} Ambil foto KTP lagi.` };
  }
  return { kind: "error", text: "Foto KTP belum ada." };
}
