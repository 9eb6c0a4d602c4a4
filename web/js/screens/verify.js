// Verifikasi klaim (coordinators): open every document (each opening is audited by the server,
// CONTRACT r2 GET /claims/{id}/documents/{doc_type}), then verify. Four eyes: the user who filed
// the claim cannot verify it (the server says SELF_VERIFICATION; the screen says so first).
import { CLAIM_STATUS, OUTCOME, RELATIONSHIP, date, rupiah } from "../format.js";
import { ask, clear, h, notice, toast } from "../ui.js";
import { backLink, claimFarmers, definition, staleNote } from "./parts.js";
import { estimate, timeline } from "./claim.js";

function kindOf(url) {
  const path = new URL(url).pathname.toLowerCase();
  if (path.endsWith(".pdf")) return "pdf";
  return "image";
}

export async function render({ app, params, go }) {
  const [claim, farmers] = await Promise.all([app.api.get(`/claims/${params.id}`), claimFarmers(app)]);
  const farmer = farmers.get(params.id);
  const mine = claim.created_by === app.session.username;
  const opened = new Set();
  const uploaded = claim.documents.filter((d) => d.uploaded);
  const missing = claim.documents.filter((d) => d.required && !d.uploaded);

  const docRows = claim.documents.map((doc) => {
    const viewer = h("div", { class: "doc-viewer" });
    const state = h("span", { class: "doc-status" }, doc.uploaded ? "Terunggah" : "Belum ada");
    const open = h("button", { type: "button", class: "secondary small", disabled: !doc.uploaded }, "Buka");
    open.addEventListener("click", async () => {
      open.disabled = true;
      clear(viewer);
      try {
        const link = await app.api.request("GET", `/claims/${claim.claim_id}/documents/${doc.doc_type}`);
        opened.add(doc.doc_type);
        state.textContent = "Dibuka";
        if (kindOf(link.download_url) === "pdf") {
          viewer.append(h("a", { href: link.download_url, target: "_blank", rel: "noopener", class: "button secondary" }, "Buka PDF"));
        } else {
          viewer.append(h("img", { src: link.download_url, alt: doc.name, class: "doc-image", width: 320, height: 240 }));
        }
      } catch (error) {
        viewer.append(notice("error", error.status === 404 && !error.code ? "Server belum dapat membuka dokumen (menunggu pembaruan server)." : error.detail ?? error.message));
      } finally {
        open.disabled = !doc.uploaded;
      }
    });
    return h("li", { class: ["doc", doc.uploaded ? "uploaded" : "missing"] }, h("span", { class: "doc-name" }, doc.name), state, open, viewer);
  });

  const box = h("div", { class: "form-status" });
  const percent = h("input", { type: "number", name: "disability_percent", min: 1, max: 100, inputmode: "numeric", id: "percent" });
  const needsPercent = claim.type === "JKK" && claim.outcome === "permanent_disability";
  const button = h("button", { type: "button", class: "primary wide", disabled: mine || missing.length > 0 || claim.status !== "SUBMITTED" }, "Verifikasi dan kirim ke BPJS");
  button.addEventListener("click", async () => {
    clear(box);
    const unopened = uploaded.filter((d) => !opened.has(d.doc_type));
    if (unopened.length) {
      const go_ = await ask(`${unopened.length} dokumen belum dibuka. Tetap verifikasi?`, "Tetap verifikasi", "Buka dulu");
      if (!go_) return;
    }
    let body;
    if (needsPercent) {
      const value = Number(percent.value);
      if (!Number.isInteger(value) || value < 1 || value > 100) {
        box.append(notice("error", "Isi persentase cacat tetap (1–100) dari tabel Permenaker 5/2021."));
        return;
      }
      body = { disability_percent: value };
    }
    button.disabled = true;
    try {
      const done = await app.api.post(`/claims/${claim.claim_id}/verify`, body);
      toast(`Klaim ${CLAIM_STATUS[done.status] ?? done.status}.`);
      go(`/klaim/${claim.claim_id}`);
    } catch (error) {
      box.append(notice("error", error.detail ?? error.message));
      button.disabled = false;
    }
  });

  return h(
    "section",
    { class: "verify" },
    backLink("#/verifikasi", "Verifikasi klaim"),
    h("h1", {}, `Verifikasi klaim ${claim.type}`),
    staleNote(claim),
    h("p", { class: "lead" }, h("span", { class: ["chip", `claim-${claim.status.toLowerCase()}`] }, CLAIM_STATUS[claim.status] ?? claim.status), ` · dicatat oleh ${claim.created_by}`),
    mine ? notice("error", "Anda yang mengajukan klaim ini. Verifikasi dilakukan koordinator lain atau admin (prinsip empat mata).") : null,
    missing.length ? notice("error", `Dokumen wajib belum lengkap: ${missing.map((d) => d.name).join(", ")}.`) : null,
    definition([
      ["Petani", h("a", { href: `#/petani/${claim.farmer_id}` }, farmer ? `${farmer.full_name}, ${farmer.village_name}` : "Buka data petani")],
      ["Kejadian", date(claim.incident_date)],
      ["Akibat", claim.outcome ? OUTCOME[claim.outcome] ?? claim.outcome : null],
      ["Kronologi", claim.description],
      ["Pengaju", claim.claimant ? `${claim.claimant.full_name} (${RELATIONSHIP[claim.claimant.relationship] ?? claim.claimant.relationship})` : null],
      ["Perkiraan", claim.estimated_benefit?.total ? rupiah(claim.estimated_benefit.total) : "sesuai biaya dan bulanan"],
    ]),
    h("h2", {}, "Dokumen"),
    h("ul", { class: "docs" }, docRows),
    estimate(claim),
    needsPercent ? h("div", { class: "field" }, h("label", { for: "percent" }, "Persentase cacat tetap (%)"), percent) : null,
    box,
    button,
    h("h2", {}, "Status"),
    timeline(claim),
  );
}
