// Koreksi data diri (coordinator, admin): a typo in the name, birth date, sex or NIK, corrected
// with a reason (POST /farmers/{id}/corrections; DOMAIN: "corrected by a coordinator or admin with
// a reason"). The NIK is checked as at registration (nik.js: the server's rules and words), and
// the birth date and sex must agree with it. Online only.
import { NetworkError } from "../api.js";
import { date, oneLine, todayWita } from "../format.js";
import { mismatches, parseNik } from "../nik.js";
import { clear, field, h, notice, select, showProblem, toast } from "../ui.js";
import { backLink } from "./parts.js";

export async function render({ app, params, go }) {
  const id = params.id;
  const farmer = await app.api.get(`/farmers/${id}`);
  const today = todayWita();
  const nik = h("input", { name: "nik", inputmode: "numeric", autocomplete: "off", maxlength: 16, value: farmer.nik ?? "" });
  const nikInfo = h("p", { class: "nik-info", role: "status", "aria-live": "polite" });
  const fullName = h("input", { name: "full_name", autocomplete: "off", autocapitalize: "words", value: farmer.full_name });
  const birth = h("input", { name: "birth_date", type: "date", max: today, value: String(farmer.birth_date).slice(0, 10) });
  const sex = select(
    [
      ["M", "Laki-laki"],
      ["F", "Perempuan"],
    ],
    { name: "sex", value: farmer.sex },
  );
  const reason = h("textarea", { name: "reason", rows: 3, maxlength: 500, placeholder: "Mis. NIK salah ketik saat pendaftaran; dicocokkan dengan KTP asli" });
  const fields = {
    full_name: field("Nama lengkap sesuai KTP", fullName, { required: true }),
    nik: field("NIK (16 digit dari KTP)", nik, { required: true }),
    birth_date: field("Tanggal lahir", birth),
    sex: field("Jenis kelamin", sex, { hint: "Harus sesuai dengan NIK (tanggal lahir perempuan + 40)." }),
    reason: field("Alasan koreksi", reason, { required: true, hint: "5–500 karakter; disimpan bersama data petani." }),
  };
  fields.nik.append(nikInfo);

  // The registration screen's checks: the server's rules in the server's order, with its words.
  const check = () => {
    const errors = {};
    const parsed = parseNik(nik.value.replace(/\s+/g, ""), today);
    if (!parsed.ok) errors.nik = parsed.message;
    else Object.assign(errors, mismatches(parsed, birth.value || null, sex.value || null));
    nikInfo.textContent = parsed.ok ? `NIK sah: ${parsed.sex === "F" ? "perempuan" : "laki-laki"}, lahir ${date(parsed.birthDate)}.` : "";
    return { parsed, errors };
  };
  const showChecks = () => {
    const { errors } = check();
    fields.nik.setError(errors.nik ?? "");
    fields.birth_date.setError(errors.birth_date ?? "");
    fields.sex.setError(errors.sex ?? "");
  };
  nik.addEventListener("input", () => {
    const value = nik.value.replace(/\s+/g, "");
    if (/^[0-9]*$/.test(value) && value.length < 16) {
      fields.nik.setError("");
      nikInfo.textContent = `${value.length}/16 digit`;
      return;
    }
    const { parsed } = check();
    if (parsed.ok && value !== farmer.nik) {
      birth.value = parsed.birthDate;
      sex.value = parsed.sex;
    }
    showChecks();
  });
  birth.addEventListener("change", showChecks);
  sex.addEventListener("change", showChecks);

  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, "Simpan koreksi");
  const form = h(
    "form",
    { class: "stack", novalidate: true },
    fields.full_name,
    fields.nik,
    h("div", { class: "pair" }, fields.birth_date, fields.sex),
    fields.reason,
    box,
    submit,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    for (const f of Object.values(fields)) f.setError("");
    const { errors } = check();
    const problems = Object.keys(errors);
    for (const [name, message] of Object.entries(errors)) fields[name]?.setError(message);
    if (fullName.value.trim().length < 2) fields.full_name.setError("Isi nama sesuai KTP."), problems.push("full_name");
    const why = oneLine(reason.value);
    if (why.length < 5 || why.length > 500) fields.reason.setError("Tulis alasan koreksi, 5–500 karakter."), problems.push("reason");
    if (problems.length) {
      box.append(notice("error", "Periksa isian yang ditandai."));
      form.querySelector("[aria-invalid=true]")?.focus();
      return;
    }
    const body = {};
    if (fullName.value.trim() !== farmer.full_name) body.full_name = fullName.value.trim();
    const newNik = nik.value.replace(/\s+/g, "");
    if (newNik !== farmer.nik) body.nik = newNik;
    if (birth.value !== String(farmer.birth_date).slice(0, 10)) body.birth_date = birth.value;
    if (sex.value !== farmer.sex) body.sex = sex.value;
    if (!Object.keys(body).length) {
      box.append(notice("info", "Tidak ada data diri yang berubah."));
      return;
    }
    body.reason = why;
    submit.disabled = true;
    submit.textContent = "Menyimpan…";
    try {
      await app.api.post(`/farmers/${id}/corrections`, body);
      toast("Koreksi data diri tersimpan.");
      go(`/petani/${id}`);
    } catch (error) {
      if (error instanceof NetworkError) {
        box.append(notice("error", "Tanpa sinyal: koreksi belum tersimpan. Koreksi hanya dapat disimpan saat ada sinyal."));
      } else {
        showProblem(error.problem ?? { detail: error.detail ?? error.message }, fields, box);
        if (error.problem?.farmer_id && error.problem.farmer_id !== id) {
          box.append(h("a", { href: `#/petani/${error.problem.farmer_id}`, class: "button secondary" }, "Buka petani dengan NIK ini"));
        }
      }
    } finally {
      submit.disabled = false;
      submit.textContent = "Simpan koreksi";
    }
  });

  return h(
    "section",
    { class: "correction" },
    backLink(`#/petani/${id}`, farmer.full_name),
    h("h1", {}, "Koreksi data diri"),
    h("p", { class: "lead" }, "Salah ketik nama, NIK, tanggal lahir atau jenis kelamin, dicocokkan dengan KTP asli."),
    navigator.onLine ? null : notice("info", "Tanpa sinyal: koreksi hanya dapat disimpan saat ada sinyal."),
    form,
  );
}
