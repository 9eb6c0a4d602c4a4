// Petani: search by name, NIK or KPJ; filters by village, coverage and registration status.
// The API's `q` matches names; a NIK or KPJ number is looked up in the kecamatan's list here,
// by the masked NIK (first four and last four digits) and the KPJ number, then the candidate's
// whole NIK is compared on its own record.
import { COVERAGE, REGISTRATION, periods } from "../format.js";
import { villageName, villagesOf } from "../places.js";
import { clear, field, h, notice, select } from "../ui.js";
import { coverageChip, staleNote } from "./parts.js";

const PAGE = 30;
const SCAN_PAGES = 20; // a NIK/KPJ lookup reads at most 20 pages of 100 farmers

function farmerRow(f) {
  return h(
    "li",
    { class: "row" },
    h(
      "a",
      { href: `#/petani/${f.farmer_id}`, class: "row-main" },
      h("span", { class: "row-title" }, f.full_name),
      h("span", { class: "row-sub" }, `${villageName(f.village_code)} · NIK ${f.nik_masked}${f.kpj_number ? ` · KPJ ${f.kpj_number}` : ""}`),
      h(
        "span",
        { class: "row-meta" },
        coverageChip(f.coverage),
        f.coverage?.paid_through && f.coverage.state !== "ENDED" ? ` lunas s.d. ${periods([f.coverage.paid_through])}` : null,
        f.registration_status !== "CONFIRMED" ? ` · ${REGISTRATION[f.registration_status] ?? f.registration_status}` : null,
      ),
    ),
  );
}

async function lookupNumber(api, digits, filters) {
  const found = [];
  let cursor;
  for (let page = 0; page < SCAN_PAGES; page += 1) {
    const data = await api.get("/farmers", { ...filters, limit: 100, cursor });
    for (const f of data.items) {
      const kpj = f.kpj_number && f.kpj_number.includes(digits);
      const nik = digits.length === 16 && f.nik_masked?.slice(0, 4) === digits.slice(0, 4) && f.nik_masked.slice(-4) === digits.slice(-4);
      if (kpj || nik) found.push({ farmer: f, nik });
    }
    cursor = data.next_cursor;
    if (!cursor) break;
  }
  const confirmed = [];
  for (const { farmer, nik } of found) {
    if (!nik) {
      confirmed.push(farmer);
      continue;
    }
    const whole = await api.get(`/farmers/${farmer.farmer_id}`);
    if (whole.nik === digits) confirmed.push(farmer);
  }
  return confirmed;
}

export async function render({ app, query, go }) {
  const kecamatan = app.session.kecamatan;
  const q = (query.q ?? "").trim();
  const filters = {
    village_code: query.desa || undefined,
    coverage_state: query.status || undefined,
    registration_status: query.bpjs || undefined,
  };

  const search = h("input", {
    type: "search",
    name: "q",
    value: q,
    placeholder: "Nama, NIK, atau KPJ",
    enterkeyhint: "search",
    autocomplete: "off",
  });
  const desa = select([["", "Semua"], ...villagesOf(kecamatan).map((v) => [v.code, villageName(v.code)])], {
    value: query.desa ?? "",
    name: "desa",
  });
  const status = select([["", "Semua"], ...Object.entries(COVERAGE).map(([k, v]) => [k, v.words])], {
    value: query.status ?? "",
    name: "status",
  });
  const bpjs = select([["", "Semua"], ...Object.entries(REGISTRATION)], { value: query.bpjs ?? "", name: "bpjs" });

  const apply = (event) => {
    event?.preventDefault();
    const next = new URLSearchParams();
    if (search.value.trim()) next.set("q", search.value.trim());
    if (desa.value) next.set("desa", desa.value);
    if (status.value) next.set("status", status.value);
    if (bpjs.value) next.set("bpjs", bpjs.value);
    go(`/petani${next.toString() ? `?${next}` : ""}`);
  };
  for (const control of [desa, status, bpjs]) control.addEventListener("change", apply);

  const more = h("details", { class: "more-filters", open: Boolean(query.desa || query.status || query.bpjs) });
  more.append(
    h("summary", {}, "Saring"),
    field("Desa/kelurahan", desa),
    field("Perlindungan", status),
    field("Status BPJS", bpjs),
  );
  const form = h(
    "form",
    { class: "search", role: "search", onsubmit: apply },
    field("Cari petani", search),
    h("button", { type: "submit", class: "primary" }, "Cari"),
  );

  const list = h("ul", { class: "rows" });
  const status_ = h("div", {});
  const body = h("div", {}, status_, list);

  if (/^\d{6,16}$/.test(q)) {
    const found = await lookupNumber(app.api, q, filters);
    if (!found.length) status_.append(notice("info", `Tidak ada petani dengan NIK atau KPJ ${q}.`));
    list.append(...found.map(farmerRow));
  } else {
    let cursor = null;
    const loadMore = h("button", { type: "button", class: "secondary wide" }, "Muat lagi");
    const load = async () => {
      loadMore.disabled = true;
      try {
        const data = await app.api.get("/farmers", { ...filters, q: q || undefined, limit: PAGE, cursor: cursor ?? undefined });
        if (data.stale) status_.replaceChildren(staleNote(data));
        list.append(...data.items.map(farmerRow));
        cursor = data.next_cursor;
        loadMore.hidden = !cursor;
        if (!list.children.length) status_.replaceChildren(notice("info", q ? `Tidak ada petani bernama "${q}".` : "Belum ada petani."));
      } catch (error) {
        clear(status_).append(notice("error", error.detail ?? error.message, { label: "Coba lagi", run: load }));
      } finally {
        loadMore.disabled = false;
      }
    };
    loadMore.addEventListener("click", load);
    await load();
    body.append(loadMore);
  }

  return h(
    "section",
    {},
    h("div", { class: "title-row" }, h("h1", {}, "Petani"), h("a", { href: "#/daftar", class: "button secondary small" }, "+ Daftar baru")),
    form,
    more,
    body,
  );
}
