// Daftar baru: a farmer from the KTP. The NIK is checked as it is typed, by the server's rules
// (nik.js), and fills the birth date and sex; villages are the agent's kecamatan's. The
// registration goes through the outbox: sent at once when there is a signal, kept otherwise.
import { RELATIONSHIP, date, todayWita } from "../format.js";
import { ageOn, mismatches, parseNik } from "../nik.js";
import { shrinkPhoto } from "../photo.js";
import { kecamatanList, kecamatanName, villageName, villagesOf } from "../places.js";
import { ktpChecked, ktpResultWords } from "../ktp.js";
import { clear, field, fill, h, notice, select, showProblem } from "../ui.js";
import { sendNow } from "./send-now.js";

export const PHONE = /^(\+62|62|0)8[0-9]{7,12}$/;
export const COMMODITIES = ["padi", "jagung", "kakao", "kedelai", "kacang tanah", "sayuran", "buah", "ternak", "perikanan"];

export const CONSENT_TEXT =
  "Saya setuju data pribadi saya (NIK, nama, tanggal lahir, alamat, nomor HP, ahli waris dan foto KTP) " +
  "diproses oleh Dinas Pertanian Kabupaten Soppeng dan BPJS Ketenagakerjaan untuk pendaftaran, " +
  "pembayaran iuran dan klaim jaminan kecelakaan kerja dan kematian, sesuai UU 27/2022 tentang " +
  "Pelindungan Data Pribadi. Data disimpan selama saya menjadi peserta dan dapat saya minta untuk dilihat " +
  "atau diperbaiki melalui penyuluh.";

/** The heirs' rows (`existing` filled in: Ubah data petani) and the button that adds one. */
export function heirList(existing = []) {
  const heirs = h("div", { class: "heirs" }, existing.map((heir) => heirRow((r) => r.remove(), heir)));
  const addHeir = h("button", { type: "button", class: "secondary" }, "+ Tambah ahli waris");
  addHeir.addEventListener("click", () => {
    const row = heirRow((r) => r.remove());
    heirs.append(row);
    row.querySelector("input")?.focus();
  });
  return { heirs, addHeir };
}

/** One heir's row (filled in with `heir` when it is given: Ubah data petani). */
export function heirRow(onRemove, heir = null) {
  const name = h("input", { name: "heir-name", autocomplete: "off", value: heir?.full_name ?? "" });
  const relationship = select(
    Object.entries(RELATIONSHIP).filter(([k]) => k !== "self"),
    { name: "heir-relationship", value: heir?.relationship ?? "spouse" },
  );
  const phone = h("input", { name: "heir-phone", type: "tel", inputmode: "tel", autocomplete: "off", value: heir?.phone ?? "" });
  const nameField = field("Nama", name);
  const phoneField = field("No. HP (boleh kosong)", phone);
  const row = h(
    "fieldset",
    { class: "heir" },
    h("legend", {}, "Ahli waris"),
    nameField,
    field("Hubungan", relationship),
    phoneField,
    h("button", { type: "button", class: "link danger", onclick: () => onRemove(row) }, "Hapus ahli waris"),
  );
  row.check = () => {
    const heir = row.read();
    nameField.setError(heir.full_name.length < 2 ? "Isi nama ahli waris." : "");
    phoneField.setError(heir.phone && !PHONE.test(heir.phone) ? "Nomor HP Indonesia, mis. 081234567890." : "");
    return heir.full_name.length >= 2 && (!heir.phone || PHONE.test(heir.phone));
  };
  row.read = () => {
    const heir = { full_name: name.value.trim(), relationship: relationship.value };
    if (phone.value.trim()) heir.phone = phone.value.trim();
    return heir;
  };
  return row;
}

export async function render({ app, go }) {
  const session = app.session;
  const today = todayWita();
  const minAge = app.config.min_registration_age ?? 17;
  const maxAge = app.config.max_registration_age ?? 65;

  const nik = h("input", { name: "nik", inputmode: "numeric", autocomplete: "off", maxlength: 16, pattern: "[0-9]*" });
  const nikInfo = h("p", { class: "nik-info", role: "status", "aria-live": "polite" });
  const fullName = h("input", { name: "full_name", autocomplete: "off", autocapitalize: "words" });
  const birth = h("input", { name: "birth_date", type: "date", max: today });
  const sex = select(
    [
      ["", "Pilih"],
      ["M", "Laki-laki"],
      ["F", "Perempuan"],
    ],
    { name: "sex" },
  );
  const phone = h("input", { name: "phone", type: "tel", inputmode: "tel", autocomplete: "off", placeholder: "08…" });
  const kecamatanOptions = session.kecamatan ? [[session.kecamatan, kecamatanName(session.kecamatan)]] : kecamatanList().map((k) => [k.code, k.name]);
  const kecamatan = select(kecamatanOptions, { name: "kecamatan_code", value: session.kecamatan ?? "73.12.01", disabled: Boolean(session.kecamatan) });
  const village = select([], { name: "village_code" });
  const fillVillages = () => {
    clear(village).append(
      h("option", { value: "" }, "Pilih desa/kelurahan"),
      ...villagesOf(kecamatan.value).map((v) => h("option", { value: v.code }, villageName(v.code))),
    );
  };
  fillVillages();
  kecamatan.addEventListener("change", fillVillages);
  const address = h("input", { name: "address", autocomplete: "off", placeholder: "Dusun, RT/RW" });
  const commodity = h("input", { name: "commodity", list: "commodities", autocomplete: "off", value: "padi" });
  const commodities = h("datalist", { id: "commodities" }, COMMODITIES.map((c) => h("option", { value: c })));
  const income = h("input", { name: "monthly_income", type: "number", inputmode: "numeric", min: 1000000, step: 1000, value: 1000000 });
  const consent = h("input", { name: "consent", type: "checkbox", id: "consent" });

  const photoInput = h("input", { type: "file", accept: "image/*", capture: "environment", id: "ktp-photo", class: "visually-hidden" });
  const photoPreview = h("div", { class: "photo-preview" });
  const photoStatus = h("p", { class: "hint", role: "status" }, "Foto KTP dari kamera; diperkecil di HP sampai ≤ 1 MB.");
  let photo = null;
  photoInput.addEventListener("change", async () => {
    const file = photoInput.files?.[0];
    if (!file) return;
    photoStatus.textContent = "Memperkecil foto…";
    try {
      photo = await shrinkPhoto(file);
      const url = URL.createObjectURL(photo);
      clear(photoPreview).append(h("img", { src: url, alt: "Foto KTP yang akan dikirim", width: 160, height: 100 }));
      photoStatus.textContent = `Foto siap: ${Math.round(photo.size / 1024)} KB.`;
    } catch (error) {
      photo = null;
      photoStatus.textContent = error.message;
    }
  });

  const { heirs, addHeir } = heirList();

  const fields = {
    nik: field("NIK (16 digit dari KTP)", nik, { required: true }),
    full_name: field("Nama lengkap sesuai KTP", fullName, { required: true }),
    birth_date: field("Tanggal lahir", birth, { hint: "Terisi dari NIK." }),
    sex: field("Jenis kelamin", sex, { hint: "Terisi dari NIK (tanggal lahir perempuan + 40)." }),
    phone: field("No. HP petani", phone, { required: true }),
    kecamatan_code: field("Kecamatan", kecamatan),
    village_code: field("Desa/kelurahan", village, { required: true }),
    address: field("Alamat", address, { required: true }),
    commodity: field("Komoditas utama", commodity, { required: true }),
    monthly_income: field("Penghasilan per bulan (Rp)", income, { hint: "Paling sedikit Rp 1.000.000; iuran JKK 1 % dari penghasilan." }),
    consent: h("div", {}),
  };
  fields.nik.append(nikInfo);

  const checkNik = () => {
    const value = nik.value.replace(/\s+/g, "");
    if (!value) {
      nikInfo.textContent = "";
      fields.nik.setError("");
      return null;
    }
    if (/^[0-9]*$/.test(value) && value.length < 16) {
      fields.nik.setError("");
      nikInfo.textContent = `${value.length}/16 digit`;
      return null;
    }
    const parsed = parseNik(value, today);
    if (!parsed.ok) {
      fields.nik.setError(parsed.message);
      nikInfo.textContent = "";
      return null;
    }
    fields.nik.setError("");
    const age = ageOn(parsed.birthDate, today);
    const ageNote = age < minAge || age > maxAge ? ` — di luar usia ${minAge}–${maxAge} tahun, tidak dapat didaftarkan` : "";
    nikInfo.textContent = `NIK sah: ${parsed.sex === "F" ? "perempuan" : "laki-laki"}, lahir ${date(parsed.birthDate)}, usia ${age} tahun${ageNote}.`;
    nikInfo.classList.toggle("warn", Boolean(ageNote));
    return parsed;
  };
  nik.addEventListener("input", () => {
    const parsed = checkNik();
    if (parsed) {
      birth.value = parsed.birthDate;
      sex.value = parsed.sex;
      fields.birth_date.setError("");
      fields.sex.setError("");
    }
  });
  const checkIdentity = () => {
    const parsed = checkNik();
    if (!parsed) return;
    const errors = mismatches(parsed, birth.value || null, sex.value || null);
    fields.birth_date.setError(errors.birth_date ?? "");
    fields.sex.setError(errors.sex ?? "");
  };
  birth.addEventListener("change", checkIdentity);
  sex.addEventListener("change", checkIdentity);

  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, "Simpan pendaftaran");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    fields.nik,
    fields.full_name,
    h("div", { class: "pair" }, fields.birth_date, fields.sex),
    fields.phone,
    session.kecamatan ? null : fields.kecamatan_code,
    fields.village_code,
    fields.address,
    fields.commodity,
    commodities,
    fields.monthly_income,
    h("h2", {}, "Ahli waris"),
    h("p", { class: "hint" }, "Yang menerima santunan bila peserta meninggal."),
    heirs,
    addHeir,
    h("h2", {}, "Foto KTP"),
    h("div", { class: "photo-field" }, h("label", { for: "ktp-photo", class: "button secondary" }, "Ambil foto KTP"), photoInput, photoStatus, photoPreview),
    h("h2", {}, "Persetujuan"),
    h("p", { class: "consent-text", id: "consent-text" }, CONSENT_TEXT),
    h(
      "div",
      { class: "check" },
      consent,
      h("label", { for: "consent" }, "Petani telah mendengar dan menyetujui pernyataan di atas."),
    ),
    box,
    submit,
  );
  consent.setAttribute("aria-describedby", "consent-text");

  const validate = () => {
    const problems = [];
    for (const f of Object.values(fields)) f.setError?.("");
    const parsed = parseNik(nik.value.replace(/\s+/g, ""), today);
    if (!parsed.ok) fields.nik.setError(parsed.message), problems.push("nik");
    else {
      const errors = mismatches(parsed, birth.value || null, sex.value || null);
      if (errors.birth_date) fields.birth_date.setError(errors.birth_date), problems.push("birth_date");
      if (errors.sex) fields.sex.setError(errors.sex), problems.push("sex");
      const age = ageOn(birth.value || parsed.birthDate, today);
      if (age < minAge || age > maxAge) fields.nik.setError(`Usia ${age} tahun: pendaftaran untuk usia ${minAge}–${maxAge} tahun.`), problems.push("nik");
    }
    if (fullName.value.trim().length < 2) fields.full_name.setError("Isi nama sesuai KTP."), problems.push("full_name");
    if (!PHONE.test(phone.value.trim())) fields.phone.setError("Nomor HP Indonesia, mis. 081234567890."), problems.push("phone");
    if (!village.value) fields.village_code.setError("Pilih desa/kelurahan."), problems.push("village_code");
    if (address.value.trim().length < 3) fields.address.setError("Isi alamat (dusun, RT/RW)."), problems.push("address");
    if (commodity.value.trim().length < 2) fields.commodity.setError("Isi komoditas."), problems.push("commodity");
    const money = Number(income.value || 1000000);
    if (!Number.isInteger(money) || money < 1000000 || money % 1000) fields.monthly_income.setError("Paling sedikit 1.000.000, dalam ribuan."), problems.push("monthly_income");
    for (const row of heirs.querySelectorAll("fieldset.heir")) {
      if (!row.check()) problems.push("heirs");
    }
    if (!consent.checked) problems.push("consent");
    return problems;
  };

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    const problems = validate();
    if (problems.length) {
      box.append(notice("error", problems.includes("consent") && problems.length === 1 ? "Persetujuan petani diperlukan." : "Periksa isian yang ditandai."));
      form.querySelector("[aria-invalid=true]")?.focus();
      return;
    }
    const body = {
      nik: nik.value.replace(/\s+/g, ""),
      full_name: fullName.value.trim(),
      birth_date: birth.value,
      sex: sex.value,
      phone: phone.value.trim(),
      kecamatan_code: kecamatan.value,
      village_code: village.value,
      address: address.value.trim(),
      commodity: commodity.value.trim().toLowerCase(),
      monthly_income: Number(income.value || 1000000),
      heirs: [...heirs.querySelectorAll("fieldset.heir")].map((row) => row.read()),
      consent: true,
    };
    submit.disabled = true;
    submit.textContent = "Menyimpan…";
    try {
      const item = await app.outbox.capture({
        kind: "register",
        label: `Pendaftaran ${body.full_name}`,
        summary: { name: body.full_name, village: villageName(body.village_code), photo: Boolean(photo) },
        body,
        photo,
      });
      const outcome = await sendNow(app, item);
      if (outcome.state === "sent") {
        const farmer = outcome.result;
        // The KTP photo counts once the server has checked it: wait for that, then say which.
        const ktpBox = h("div", { class: "ktp-check" }, photo ? notice("info", "Memeriksa foto KTP…") : notice("error", "Tanpa foto KTP: ambil fotonya dari halaman petani."));
        if (photo) {
          ktpChecked(app.api, farmer.farmer_id, null, farmer.ktp_object_key ?? null)
            .then((result) => {
              const words = ktpResultWords(result);
              fill(ktpBox, notice(words.kind, words.text));
            })
            .catch((error) => fill(ktpBox, notice("info", `Foto KTP terkirim; hasil pemeriksaan belum dapat dibaca (${error.detail ?? error.message}).`)));
        }
        clear(form.parentNode).append(
          h("h1", {}, "Terdaftar"),
          notice("success", `${body.full_name} terdaftar. BPJS akan mengonfirmasi kepesertaan.`),
          ktpBox,
          h(
            "div",
            { class: "actions-grid" },
            h("a", { href: `#/petani/${farmer.farmer_id}/bayar`, class: "button primary" }, "Bayar iuran pertama"),
            h("a", { href: `#/petani/${farmer.farmer_id}`, class: "button secondary" }, "Buka data petani"),
            h("button", { type: "button", class: "secondary", onclick: () => go("/daftar") }, "Daftar petani lain"),
          ),
        );
      } else if (outcome.state === "refused") {
        await app.outbox.discard(item.id);
        showProblem(outcome.problem, fields, box);
        if (outcome.problem?.farmer_id) {
          box.append(h("a", { href: `#/petani/${outcome.problem.farmer_id}`, class: "button secondary" }, "Buka petani yang sudah terdaftar"));
        }
      } else {
        clear(form.parentNode).append(
          h("h1", {}, "Tersimpan di HP"),
          notice("info", `Pendaftaran ${body.full_name} menunggu dikirim: terkirim otomatis saat ada sinyal.`),
          h(
            "div",
            { class: "actions-grid" },
            h("a", { href: "#/kirim", class: "button secondary" }, "Lihat yang menunggu dikirim"),
            h("button", { type: "button", class: "primary", onclick: () => go("/daftar") }, "Daftar petani lain"),
          ),
        );
      }
    } catch (error) {
      box.append(notice("error", error.message));
    } finally {
      submit.disabled = false;
      submit.textContent = "Simpan pendaftaran";
    }
  });

  return h("section", { class: "register" }, h("h1", {}, "Daftar baru"), h("p", { class: "lead" }, "Dari KTP, di rumah petani."), form);
}
