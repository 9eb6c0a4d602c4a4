// Lainnya: the other screens, who is signed in, and Keluar (which wipes this phone's data).
import { kecamatanName } from "../places.js";
import { ask, h } from "../ui.js";

const ROLE = { agent: "Penyuluh", coordinator: "Koordinator BPP", admin: "Admin Dinas Pertanian" };

export async function render({ app, go }) {
  const waiting = await app.outbox.count();
  const logout = h("button", { type: "button", class: "secondary danger wide" }, "Keluar");
  logout.addEventListener("click", async () => {
    const question = waiting
      ? `${waiting} catatan belum terkirim dan akan terhapus dari HP ini. Tetap keluar?`
      : "Keluar dan hapus data aplikasi dari HP ini?";
    if (!(await ask(question, "Keluar", "Batal"))) return;
    await app.signOut();
    go("/masuk");
  });
  const links = [
    ["#/kirim", `Menunggu dikirim (${waiting})`],
    ["#/klaim", "Klaim"],
    ["#/pengembalian", "Pengembalian"],
    app.isCoordinator() ? ["#/verifikasi", "Verifikasi klaim"] : null,
    app.isCoordinator() ? ["#/laporan", "Laporan bulanan"] : null,
  ].filter(Boolean);
  return h(
    "section",
    {},
    h("h1", {}, "Lainnya"),
    h(
      "p",
      { class: "lead" },
      `${app.session.username} · ${ROLE[app.session.role] ?? app.session.role}${app.session.kecamatan ? ` · ${kecamatanName(app.session.kecamatan)}` : ""}`,
    ),
    h("ul", { class: "menu" }, links.map(([href, label]) => h("li", {}, h("a", { href, class: "menu-link" }, label)))),
    logout,
    h("p", { class: "hint" }, "Keluar menghapus token masuk, catatan yang menunggu dikirim dan data yang dimuat dari HP ini."),
  );
}
