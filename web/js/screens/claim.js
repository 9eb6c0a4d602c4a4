// One claim: the estimate, its documents as photos, and its status as a timeline (with BPJS's
// reason when it rejects, and "Ajukan ulang" to file it again for the same incident).
import { CLAIM_STATUS, OUTCOME, RELATIONSHIP, date, dateTime, rupiah } from "../format.js";
import { shrinkPhoto } from "../photo.js";
import { uploadPresigned } from "../upload.js";
import { h, notice, toast } from "../ui.js";
import { backLink, definition, refileHref, staleNote } from "./parts.js";

const PATH = ["SUBMITTED", "VERIFIED", "SENT_TO_BPJS", "APPROVED", "PAID"];

export function timeline(claim) {
  const events = claim.history ?? [];
  const reached = new Map(events.map((e) => [e.status, e]));
  const steps = claim.status === "REJECTED" ? [...PATH.slice(0, 3), "REJECTED"] : PATH;
  return h(
    "ol",
    { class: "timeline", "aria-label": "Status klaim" },
    steps.map((status) => {
      const event = reached.get(status);
      const current = claim.status === status;
      return h(
        "li",
        { class: ["step", event ? "done" : "todo", current ? "current" : null, status === "REJECTED" ? "rejected" : null], "aria-current": current ? "step" : undefined },
        h("span", { class: "step-title" }, CLAIM_STATUS[status] ?? status),
        event ? h("span", { class: "step-sub" }, `${dateTime(event.at)} · ${event.by}`) : h("span", { class: "step-sub" }, "belum"),
        event?.reason ? h("span", { class: "step-reason" }, `Alasan: ${event.reason}`) : null,
      );
    }),
  );
}

export function estimate(claim) {
  const est = claim.estimated_benefit;
  if (!est) return null;
  return h(
    "div",
    { class: "estimate" },
    est.total
      ? h("p", { class: "estimate-total" }, "Perkiraan santunan tunai ", h("strong", {}, rupiah(est.total)))
      : h("p", { class: "estimate-total" }, "Tanpa santunan sekaligus: biaya dan santunan bulanan sesuai rincian."),
    h(
      "ul",
      { class: "estimate-items" },
      est.items.map((i) => h("li", {}, h("span", {}, i.name), " ", h("span", { class: "amount" }, i.amount !== null ? rupiah(i.amount) : i.code === "JKK_PERMANENT_DISABILITY" ? "menunggu persentase" : "sesuai biaya"), h("span", { class: "hint block" }, i.rule))),
    ),
    h("p", { class: "hint" }, "Perkiraan; jumlah akhir ditetapkan BPJS Ketenagakerjaan."),
  );
}

// The server checks each file once it is in storage (JPEG/PNG/PDF, not nearly empty): a second or
// two after the upload the claim says whether it counts.
async function checked(app, claimId, docType, before) {
  for (let i = 0; i < 40; i += 1) {
    const claim = await app.api.get(`/claims/${claimId}`);
    const doc = claim.documents.find((d) => d.doc_type === docType);
    if (doc && (doc.uploaded_at !== before.uploaded_at || doc.refused?.object_key !== before.refused?.object_key)) return doc;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return null;
}

function documentStatus(doc) {
  if (doc.status === "REFUSED" && !doc.uploaded) return `Ditolak: ${doc.refused?.reason ?? "berkas tidak sah"}`;
  return doc.uploaded ? "Terunggah" : doc.required ? "Belum ada" : "Tidak wajib";
}

function documentRow(app, claim, doc, refresh) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", class: "visually-hidden", id: `doc-${doc.doc_type}` });
  const status = h("span", { class: "doc-status", role: "status" }, documentStatus(doc));
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    status.textContent = "Mengunggah…";
    try {
      const photo = await shrinkPhoto(file);
      const target = await app.api.post(`/claims/${claim.claim_id}/documents`, { doc_type: doc.doc_type, content_type: "image/jpeg" });
      await uploadPresigned(target, photo, "image/jpeg", `${doc.doc_type}.jpg`);
      status.textContent = "Memeriksa…";
      const result = await checked(app, claim.claim_id, doc.doc_type, doc);
      toast(result && !result.uploaded ? `${doc.name} ditolak: ${result.refused?.reason ?? ""}` : `${doc.name} terunggah.`);
      refresh();
    } catch (error) {
      status.textContent = error.detail ?? error.message;
    } finally {
      input.value = "";
    }
  });
  const canUpload = claim.status === "SUBMITTED";
  return h(
    "li",
    { class: ["doc", doc.uploaded ? "uploaded" : "missing"] },
    h("span", { class: "doc-name" }, doc.name),
    status,
    canUpload ? [h("label", { for: input.id, class: "button secondary small" }, doc.uploaded ? "Ganti foto" : "Foto"), input] : null,
  );
}

export async function render({ app, params, go }) {
  const claim = await app.api.get(`/claims/${params.id}`);
  const refresh = () => go(`/klaim/${params.id}`);
  const missing = claim.documents.filter((d) => d.required && !d.uploaded).length;
  return h(
    "section",
    { class: "claim" },
    backLink(`#/petani/${claim.farmer_id}`, "Petani"),
    h("h1", {}, `Klaim ${claim.type}`),
    staleNote(claim),
    h("p", { class: "lead" }, h("span", { class: ["chip", `claim-${claim.status.toLowerCase()}`] }, CLAIM_STATUS[claim.status] ?? claim.status)),
    claim.rejection_reason ? notice("error", `Ditolak BPJS: ${claim.rejection_reason}`) : null,
    claim.status === "REJECTED" && claim.refiled_as
      ? h("p", { class: "hint" }, "Sudah diajukan ulang: ", h("a", { href: `#/klaim/${claim.refiled_as}` }, "buka klaim yang baru"), ".")
      : null,
    claim.status === "REJECTED" && !claim.refiled_as
      ? h(
          "div",
          { class: "refile" },
          h("p", { class: "hint" }, "Perbaiki penyebab penolakan, lalu ajukan ulang klaim untuk kejadian yang sama."),
          h("a", { href: refileHref(claim), class: "button primary wide" }, "Ajukan ulang"),
        )
      : null,
    claim.previous_claim_id
      ? h("p", { class: "hint" }, "Pengajuan ulang dari ", h("a", { href: `#/klaim/${claim.previous_claim_id}` }, "klaim yang ditolak BPJS"), ".")
      : null,
    (claim.warnings ?? []).map((w) => notice("info", w)),
    definition([
      ["Kejadian", date(claim.incident_date)],
      ["Akibat", claim.outcome ? OUTCOME[claim.outcome] ?? claim.outcome : null],
      ["Lokasi", claim.location],
      ["Kronologi", claim.description],
      ["Pengaju", claim.claimant ? `${claim.claimant.full_name} (${RELATIONSHIP[claim.claimant.relationship] ?? claim.claimant.relationship}) · ${claim.claimant.phone}` : null],
      ["Disetujui", claim.approved_amount ? rupiah(claim.approved_amount) : null],
      ["Dibayar", claim.paid_amount ? `${rupiah(claim.paid_amount)} · ${dateTime(claim.paid_at)}` : null],
    ]),
    estimate(claim),
    h("h2", {}, "Dokumen", h("span", { class: "count" }, missing ? ` (${missing} belum)` : " (lengkap)")),
    h("ul", { class: "docs" }, claim.documents.map((d) => documentRow(app, claim, d, refresh))),
    app.isCoordinator() && claim.status === "SUBMITTED"
      ? h("a", { href: `#/verifikasi/${claim.claim_id}`, class: "button primary wide" }, "Verifikasi klaim ini")
      : null,
    h("h2", {}, "Status"),
    timeline(claim),
  );
}
