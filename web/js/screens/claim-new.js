// Ajukan klaim: JKK (work accident) or JKM (death) for one farmer. Filed while there is a
// signal (the estimate and the list of documents come from the server); one Idempotency-Key per
// form, so a second tap after a lost answer files nothing twice.
// ?ulang=<claim_id> (&jenis=&tanggal=): filing again a claim BPJS rejected: the same type and
// incident date (fixed), the rest filled in from the rejected claim, sent as `previous_claim_id`.
import { ApiError } from "../api.js";
import { OUTCOME, RELATIONSHIP, date, oneLine, todayWita } from "../format.js";
import { newKey } from "../outbox.js";
import { clear, field, h, notice, select, showProblem } from "../ui.js";
import { backLink, offlineBlock } from "./parts.js";

/** The rejected claim to file again, or what the address says of it when it cannot be read. */
async function rejectedClaim(app, query, farmerId) {
  if (!/^[0-9A-Za-z-]{10,64}$/.test(query.ulang ?? "")) return null;
  const claim = await app.api.get(`/claims/${query.ulang}`).catch(() => null);
  if (claim && claim.farmer_id === farmerId) return claim;
  const type = ["JKK", "JKM"].includes(query.jenis) ? query.jenis : null;
  const day = /^\d{4}-\d{2}-\d{2}$/.test(query.tanggal ?? "") ? query.tanggal : null;
  return type && day ? { claim_id: query.ulang, type, incident_date: day, status: "REJECTED" } : null;
}

/** The claim a refusal names: a duplicate's or a death benefit's holder (`claim_id`), or the newer
 * claim of "… sudah diajukan ulang sebagai klaim <id>."; a link to it. */
function namedClaimLink(error, label) {
  const found = error?.problem?.claim_id ?? /sebagai klaim ([0-9A-Za-z-]{10,64})/.exec(error?.detail ?? "")?.[1];
  return found ? h("a", { href: `#/klaim/${found}`, class: "button secondary wide" }, label) : null;
}

export async function render({ app, params, query = {}, go }) {
  const id = params.id;
  const [farmer, previous] = await Promise.all([app.api.get(`/farmers/${id}`), rejectedClaim(app, query, id)]);
  const key = newKey();
  const type = select(
    [
      ["JKK", "JKK — kecelakaan kerja"],
      ["JKM", "JKM — meninggal bukan karena kecelakaan kerja"],
    ],
    { name: "type" },
  );
  const incident = h("input", { type: "date", name: "incident_date", max: todayWita() });
  const description = h("textarea", { name: "description", rows: 3, placeholder: "Apa yang terjadi, di mana, saat bekerja apa" });
  const location_ = h("input", { name: "location", autocomplete: "off", placeholder: "Sawah/kebun, desa" });
  const outcome = select(Object.entries(OUTCOME), { name: "outcome", value: "treatment" });
  const road = h("input", { type: "checkbox", name: "road_accident", id: "road" });
  const claimantName = h("input", { name: "claimant_name", autocomplete: "off" });
  const relationship = select(Object.entries(RELATIONSHIP), { name: "relationship", value: "self" });
  const phone = h("input", { name: "claimant_phone", type: "tel", inputmode: "tel", autocomplete: "off", value: farmer.phone });
  const bank = h("input", { name: "bank_name", autocomplete: "off", placeholder: "mis. BRI" });
  const account = h("input", { name: "bank_account", inputmode: "numeric", autocomplete: "off" });

  const fields = {
    type: field("Jenis klaim", type),
    incident_date: field("Tanggal kejadian", incident, { required: true, hint: "Kecelakaan dilaporkan dalam 2 × 24 jam." }),
    description: field("Kronologi singkat", description, { required: true }),
    location: field("Lokasi", location_),
    outcome: field("Akibat", outcome),
    road_accident: h("div", { class: "check" }, road, h("label", { for: "road" }, "Kecelakaan lalu lintas (perlu laporan polisi)")),
    "claimant.full_name": field("Nama pengaju (peserta atau ahli waris)", claimantName, { required: true }),
    "claimant.relationship": field("Hubungan dengan peserta", relationship),
    "claimant.phone": field("No. HP pengaju", phone, { required: true }),
    "claimant.bank_name": field("Bank", bank),
    "claimant.bank_account": field("No. rekening", account, { hint: "6–20 angka." }),
  };
  fields.claimant = fields["claimant.full_name"];

  const syncType = () => {
    const jkk = type.value === "JKK";
    fields.outcome.hidden = !jkk;
    fields.road_accident.hidden = !jkk;
    if (!jkk && relationship.value === "self") {
      const heir = farmer.heirs?.[0];
      relationship.value = heir?.relationship ?? "spouse";
      if (heir && !claimantName.value) claimantName.value = heir.full_name;
    }
    if (jkk && !claimantName.value) claimantName.value = farmer.full_name;
  };
  if (previous) {
    // The same incident: type and date as BPJS saw them; the rest as filed, to be corrected.
    type.value = previous.type;
    type.disabled = true;
    incident.value = String(previous.incident_date).slice(0, 10);
    incident.readOnly = true;
    description.value = previous.description ?? "";
    location_.value = previous.location ?? "";
    if (previous.outcome && OUTCOME[previous.outcome]) outcome.value = previous.outcome;
    const who = previous.claimant;
    if (who) {
      claimantName.value = who.full_name ?? "";
      if (RELATIONSHIP[who.relationship]) relationship.value = who.relationship;
      if (/^\d{8,15}$/.test(who.phone ?? "")) phone.value = who.phone;
      bank.value = who.bank_name ?? "";
      if (/^\d{6,20}$/.test(who.bank_account ?? "")) account.value = who.bank_account; // masked: typed again
    }
  }
  type.addEventListener("change", syncType);
  syncType();

  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, previous ? "Ajukan ulang klaim" : "Ajukan klaim");
  const refiling = previous
    ? h(
        "div",
        { class: "refile-note", role: "note" },
        h("p", {}, h("strong", {}, `Pengajuan ulang klaim ${previous.type} yang ditolak BPJS`), ` (kejadian ${date(previous.incident_date)}).`),
        previous.rejection_reason ? h("p", { class: "reject-reason" }, h("span", { class: "reject-reason-label" }, "Alasan BPJS"), previous.rejection_reason) : null,
        h("p", { class: "hint" }, "Perbaiki penyebabnya (mis. kronologi, rekening, lalu foto dokumen yang benar). Jenis dan tanggal kejadian sama dengan klaim yang ditolak."),
        previous.status && previous.status !== "REJECTED" ? notice("error", "Klaim itu tidak berstatus ditolak BPJS: hanya klaim yang ditolak yang dapat diajukan ulang.") : null,
      )
    : null;
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    offlineBlock(app, "mengajukan klaim"),
    refiling,
    Object.entries(fields)
      .filter(([name]) => name !== "claimant")
      .map(([name, f]) => (name === "claimant.full_name" ? [h("h2", {}, "Pengaju"), f] : f)),
    box,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    if (!incident.value || oneLine(description.value).length < 5 || claimantName.value.trim().length < 2) {
      box.append(notice("error", "Isi tanggal kejadian, kronologi (minimal 5 huruf) dan nama pengaju."));
      return;
    }
    const claimant = { full_name: claimantName.value.trim(), relationship: relationship.value, phone: phone.value.trim() };
    if (bank.value.trim()) claimant.bank_name = bank.value.trim();
    if (account.value.trim()) claimant.bank_account = account.value.trim();
    const body = {
      farmer_id: id,
      type: type.value,
      incident_date: incident.value,
      description: oneLine(description.value),
      claimant,
    };
    if (location_.value.trim()) body.location = location_.value.trim();
    if (previous) body.previous_claim_id = previous.claim_id;
    if (type.value === "JKK") {
      body.outcome = outcome.value;
      body.road_accident = road.checked;
    }
    submit.disabled = true;
    try {
      const created = await app.api.post("/claims", body, { idempotencyKey: key });
      go(`/klaim/${created.claim_id}`);
    } catch (error) {
      showProblem(error.problem ?? { detail: error.message }, fields, box);
      if (error instanceof ApiError && (error.status === 409 || (previous && error.status === 422))) {
        const link = namedClaimLink(error, previous ? "Buka klaim yang baru" : "Buka klaim yang sudah ada");
        if (link) box.append(link);
      }
    } finally {
      submit.disabled = false;
    }
  });

  return h("section", {}, backLink(`#/petani/${id}`, farmer.full_name), h("h1", {}, previous ? "Ajukan ulang klaim" : "Ajukan klaim"), form);
}
