// Masuk: the user pool's username and password (and, once, a new password).
import { setNewPassword, signIn } from "../auth.js";
import { clear, field, h, notice } from "../ui.js";

export async function render({ app, go, query = {} }) {
  const box = h("div", { class: "form-status" });
  if (query.berakhir) {
    box.append(notice("info", "Sesi Anda telah berakhir. Masuk lagi: catatan yang menunggu dikirim tetap tersimpan di HP ini."));
  }
  const username = h("input", { name: "username", autocomplete: "username", autocapitalize: "none" });
  const password = h("input", { name: "password", type: "password", autocomplete: "current-password" });
  const button = h("button", { type: "submit", class: "primary wide" }, "Masuk");
  let challenge = null;

  const newPassword = h("input", { name: "new-password", type: "password", autocomplete: "new-password" });
  const newPasswordField = field("Kata sandi baru", newPassword, {
    hint: "Minimal 10 karakter, dengan huruf besar, huruf kecil dan angka.",
    required: true,
  });
  newPasswordField.hidden = true;

  const form = h(
    "form",
    { class: "stack", novalidate: true },
    field("Nama pengguna", username, { required: true }),
    field("Kata sandi", password, { required: true }),
    newPasswordField,
    box,
    button,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    if (!username.value.trim() || !password.value) {
      box.append(notice("error", "Isi nama pengguna dan kata sandi."));
      return;
    }
    button.disabled = true;
    button.textContent = "Memeriksa…";
    try {
      let session;
      if (challenge) {
        session = await setNewPassword(app.config, challenge, newPassword.value);
      } else {
        const answer = await signIn(app.config, username.value.trim(), password.value);
        if (answer.challenge) {
          challenge = answer;
          newPasswordField.hidden = false;
          box.append(notice("info", "Akun baru: buat kata sandi Anda sendiri untuk melanjutkan."));
          newPassword.focus();
          return;
        }
        session = answer;
      }
      password.value = "";
      app.start(session);
      go("/");
    } catch (error) {
      box.append(notice("error", error.message));
    } finally {
      button.disabled = false;
      button.textContent = challenge ? "Simpan kata sandi dan masuk" : "Masuk";
    }
  });

  return h(
    "section",
    { class: "login" },
    h("div", { class: "login-brand" }, h("img", { src: "icons/icon.svg", alt: "", width: 72, height: 72 })),
    h("h1", {}, "Masuk"),
    h("p", { class: "lead" }, "SUTASOMA — perlindungan BPJS Ketenagakerjaan bagi petani Kabupaten Soppeng."),
    form,
    h("p", { class: "hint" }, "Untuk penyuluh dan koordinator BPP. Akun dibuat oleh admin Dinas Pertanian."),
  );
}
