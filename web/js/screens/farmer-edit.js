// Ubah data petani: phone, address, village, commodity, income and heirs (PATCH /farmers/{id};
// agent, coordinator, admin of the kecamatan). The record is read with its ETag and written back
// with If-Match: if someone changed it meanwhile (412 PRECONDITION_FAILED) the screen loads the
// current record and says so. Online only: the outbox does not carry edits.
import { NetworkError } from "../api.js";
import { addMonths, period, rupiah } from "../format.js";
import { villageName, villagesOf } from "../places.js";
import { clear, field, fill, h, notice, select, showProblem, toast } from "../ui.js";
import { backLink } from "./parts.js";
import { COMMODITIES, PHONE, heirList } from "./register.js";

/** DOMAIN: income changes apply from the next month not yet paid; months already paid keep theirs. */
export function incomeFrom(coverage) {
  const paid = coverage?.paid_through;
  if (!paid) return "Penghasilan baru berlaku mulai bulan yang belum dibayar (pembayaran pertama).";
  return `Penghasilan baru berlaku mulai ${period(addMonths(paid, 1), true)}, bulan pertama yang belum dibayar. Bulan yang sudah dibayar (s.d. ${period(paid, true)}) tetap memakai penghasilan saat dibayar.`;
}

const sameHeirs = (a, b) => JSON.stringify(a.map((x) => [x.full_name, x.relationship, x.phone ?? null])) === JSON.stringify(b.map((x) => [x.full_name, x.relationship, x.phone ?? null]));

function form(app, farmer, etag, reload, go) {
  const phone = h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", value: farmer.phone });
  const village = select(
    villagesOf(farmer.kecamatan_code).map((v) => [v.code, villageName(v.code)]),
    { name: "village_code", value: farmer.village_code },
  );
  const address = h("input", { name: "address", autocomplete: "off", value: farmer.address });
  const commodity = h("input", { name: "commodity", list: "commodities-edit", autocomplete: "off", value: farmer.commodity });
  const income = h("input", { name: "monthly_income", type: "number", inputmode: "numeric", min: 1000000, step: 1000, value: farmer.monthly_income });
  const { heirs, addHeir } = heirList(farmer.heirs);
  const fields = {
    phone: field("No. HP petani", phone, { required: true }),
    village_code: field("Desa/kelurahan", village, { required: true }),
    address: field("Alamat", address, { required: true }),
    commodity: field("Komoditas utama", commodity, { required: true }),
    monthly_income: field("Penghasilan per bulan (Rp)", income, { hint: `Sekarang ${rupiah(farmer.monthly_income)}. ${incomeFrom(farmer.coverage)}` }),
  };
  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, "Simpan perubahan");
  const el = h(
    "form",
    { class: "stack", novalidate: true },
    fields.phone,
    fields.village_code,
    fields.address,
    fields.commodity,
    h("datalist", { id: "commodities-edit" }, COMMODITIES.map((c) => h("option", { value: c }))),
    fields.monthly_income,
    h("h2", {}, "Ahli waris"),
    h("p", { class: "hint" }, "Yang menerima santunan bila peserta meninggal."),
    heirs,
    addHeir,
    box,
    submit,
  );

  el.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    for (const f of Object.values(fields)) f.setError("");
    const problems = [];
    if (!PHONE.test(phone.value.trim())) fields.phone.setError("Nomor HP Indonesia, mis. 081234567890."), problems.push("phone");
    if (address.value.trim().length < 3) fields.address.setError("Isi alamat (dusun, RT/RW)."), problems.push("address");
    if (commodity.value.trim().length < 2) fields.commodity.setError("Isi komoditas."), problems.push("commodity");
    const money = Number(income.value);
    if (!Number.isInteger(money) || money < 1000000 || money % 1000) fields.monthly_income.setError("Paling sedikit 1.000.000, dalam ribuan."), problems.push("monthly_income");
    const rows = [...heirs.querySelectorAll("fieldset.heir")];
    for (const row of rows) if (!row.check()) problems.push("heirs");
    if (problems.length) {
      box.append(notice("error", "Periksa isian yang ditandai."));
      el.querySelector("[aria-invalid=true]")?.focus();
      return;
    }
    const body = {};
    if (phone.value.trim() !== farmer.phone) body.phone = phone.value.trim();
    if (village.value !== farmer.village_code) body.village_code = village.value;
    if (address.value.trim() !== farmer.address) body.address = address.value.trim();
    if (commodity.value.trim().toLowerCase() !== farmer.commodity) body.commodity = commodity.value.trim().toLowerCase();
    if (money !== farmer.monthly_income) body.monthly_income = money;
    const newHeirs = rows.map((row) => row.read());
    if (!sameHeirs(newHeirs, farmer.heirs)) body.heirs = newHeirs;
    if (!Object.keys(body).length) {
      box.append(notice("info", "Tidak ada yang berubah."));
      return;
    }
    submit.disabled = true;
    submit.textContent = "Menyimpan…";
    try {
      await app.api.patch(`/farmers/${farmer.farmer_id}`, body, { ifMatch: etag });
      toast(body.monthly_income ? `Data petani tersimpan. ${incomeFrom(farmer.coverage)}` : "Data petani tersimpan.");
      go(`/petani/${farmer.farmer_id}`);
    } catch (error) {
      submit.disabled = false;
      submit.textContent = "Simpan perubahan";
      if (error.status === 412) {
        await reload(notice("error", "Data petani ini baru saja diubah orang lain. Data terbaru sudah dimuat: periksa isiannya, lalu simpan lagi."));
      } else if (error instanceof NetworkError) {
        box.append(notice("error", "Tanpa sinyal: perubahan belum tersimpan. Perubahan data petani hanya dapat disimpan saat ada sinyal."));
      } else {
        showProblem(error.problem ?? { detail: error.detail ?? error.message }, fields, box);
      }
    }
  });
  return el;
}

export async function render({ app, params, go }) {
  const id = params.id;
  const section = h("section", { class: "farmer-edit" });
  const reload = async (note = null) => {
    const { data: farmer, etag } = await app.api.request("GET", `/farmers/${id}`, { withEtag: true });
    fill(
      section,
      backLink(`#/petani/${id}`, farmer.full_name),
      h("h1", {}, "Ubah data petani"),
      h("p", { class: "lead" }, farmer.full_name),
      note,
      navigator.onLine ? null : notice("info", "Tanpa sinyal: perubahan hanya dapat disimpan saat ada sinyal."),
      h("p", { class: "hint" }, "Nama, NIK, tanggal lahir dan jenis kelamin diperbaiki oleh koordinator (Koreksi data diri)."),
      form(app, farmer, etag, reload, go),
    );
    section.scrollIntoView?.({ block: "start" });
  };
  await reload();
  return section;
}
