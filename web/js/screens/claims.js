// Klaim: the kecamatan's claims by status. As "Verifikasi klaim" (coordinators) it lists the
// claims waiting for verification with the farmer's name, marking those the coordinator filed
// (four eyes).
import { CLAIM_STATUS, date, rupiah } from "../format.js";
import { field, h, notice, select } from "../ui.js";
import { claimFarmers, staleNote } from "./parts.js";

export async function render({ app, query, options, go }) {
  const verifying = Boolean(options.verify);
  const status = verifying ? "SUBMITTED" : query.status ?? "";
  const [data, farmers] = await Promise.all([
    app.api.get("/claims", { status: status || undefined, limit: 50 }),
    verifying ? claimFarmers(app) : new Map(),
  ]);
  const me = app.session.username;

  const filter = verifying
    ? null
    : (() => {
        const s = select([["", "Semua"], ...Object.entries(CLAIM_STATUS)], { value: status, name: "status" });
        s.addEventListener("change", () => go(`/klaim${s.value ? `?status=${s.value}` : ""}`));
        return h("div", { class: "filters" }, field("Status", s));
      })();

  const rows = data.items.map((c) => {
    // Lists do not say which documents are uploaded (the API checks storage for one claim only).
    const needed = c.required_documents?.length ?? 0;
    const mine = c.created_by === me;
    const farmer = farmers.get(c.claim_id);
    return h(
      "li",
      { class: "row" },
      h(
        "a",
        { href: verifying ? `#/verifikasi/${c.claim_id}` : `#/klaim/${c.claim_id}`, class: "row-main" },
        farmer
          ? h("span", { class: "row-title" }, `${c.type} · ${farmer.full_name}`)
          : h("span", { class: "row-title" }, `${c.type} · kejadian ${date(c.incident_date)}`),
        farmer ? h("span", { class: "row-sub" }, `${farmer.village_name} · kejadian ${date(c.incident_date)}`) : null,
        h(
          "span",
          { class: "row-sub" },
          [
            c.claimant?.full_name ? (farmer ? `Pengaju: ${c.claimant.full_name}` : c.claimant.full_name) : null,
            c.estimated_benefit?.total ? `perkiraan ${rupiah(c.estimated_benefit.total)}` : null,
          ]
            .filter(Boolean)
            .join(" · "),
        ),
        h(
          "span",
          { class: "row-meta" },
          h("span", { class: ["chip", `claim-${c.status.toLowerCase()}`] }, CLAIM_STATUS[c.status] ?? c.status),
          c.status === "SUBMITTED" && needed ? ` · ${needed} dokumen diperlukan` : null,
          verifying && mine ? " · Anda pengajunya" : null,
        ),
      ),
    );
  });

  return h(
    "section",
    {},
    h("h1", {}, verifying ? "Verifikasi klaim" : "Klaim"),
    verifying ? h("p", { class: "lead" }, "Klaim yang menunggu verifikasi koordinator. Klaim yang Anda ajukan sendiri diverifikasi orang lain.") : null,
    staleNote(data),
    filter,
    rows.length ? h("ul", { class: "rows" }, rows) : notice("info", verifying ? "Tidak ada klaim yang menunggu verifikasi." : "Belum ada klaim."),
    verifying ? null : h("p", { class: "hint" }, "Klaim baru diajukan dari halaman petani."),
  );
}
