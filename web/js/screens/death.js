// Kematian: record a farmer's death from the family's report (CONTRACT r2
// POST /farmers/{id}/death). Through the outbox: it waits when there is no signal.
import { date, oneLine, todayWita } from "../format.js";
import { ask, clear, field, h, notice, showProblem } from "../ui.js";
import { backLink } from "./parts.js";
import { sendNow } from "./send-now.js";

export async function render({ app, params, go }) {
  const id = params.id;
  const farmer = await app.api.get(`/farmers/${id}`);
  if (farmer.deceased_on) {
    return h("section", {}, backLink(`#/petani/${id}`, farmer.full_name), h("h1", {}, "Kematian"), notice("info", `Sudah tercatat meninggal ${date(farmer.deceased_on)}.`));
  }
  const when = h("input", { type: "date", name: "date_of_death", max: todayWita(), min: farmer.registered_at?.slice(0, 10) });
  const note = h("textarea", { name: "note", rows: 2, placeholder: "mis. dilaporkan oleh istri, surat kematian dari desa" });
  const fields = {
    date_of_death: field("Tanggal meninggal", when, { required: true }),
    note: field("Catatan", note),
  };
  const box = h("div", { class: "form-status" });
  const submit = h("button", { type: "submit", class: "primary wide" }, "Catat kematian");
  const form = h("form", { class: "stack", novalidate: true }, fields.date_of_death, fields.note, box, submit);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(box);
    if (!when.value) {
      fields.date_of_death.setError("Isi tanggal meninggal.");
      return;
    }
    const yes = await ask(`Catat ${farmer.full_name} meninggal pada ${date(when.value)}? Kepesertaan berakhir.`, "Ya, catat");
    if (!yes) return;
    const body = { date_of_death: when.value };
    if (oneLine(note.value)) body.note = oneLine(note.value);
    submit.disabled = true;
    try {
      const item = await app.outbox.capture({
        kind: "death",
        farmerId: id,
        label: `Kematian · ${farmer.full_name}`,
        summary: { name: farmer.full_name, date: when.value },
        body,
      });
      const outcome = await sendNow(app, item);
      if (outcome.state === "refused") {
        await app.outbox.discard(item.id);
        showProblem(outcome.problem, fields, box);
      } else {
        clear(form).append(
          notice(
            outcome.state === "sent" ? "success" : "info",
            outcome.state === "sent" ? `Kematian ${farmer.full_name} tercatat.` : "Tersimpan di HP; terkirim otomatis saat ada sinyal.",
          ),
          h("a", { href: `#/petani/${id}/klaim`, class: "button secondary wide" }, "Ajukan klaim santunan kematian"),
          h("a", { href: `#/petani/${id}`, class: "button secondary wide" }, "Kembali ke data petani"),
        );
      }
    } catch (error) {
      box.append(notice("error", error.message));
    } finally {
      submit.disabled = false;
    }
  });
  return h(
    "section",
    {},
    backLink(`#/petani/${id}`, farmer.full_name),
    h("h1", {}, "Catat kematian"),
    h(
      "p",
      { class: "lead" },
      "Kematian mengakhiri kepesertaan: tidak ada iuran lagi, iuran untuk bulan setelah kematian dikembalikan. Santunan diajukan sebagai klaim JKM (atau JKK bila karena kecelakaan kerja); klaim itu juga mencatat kematian.",
    ),
    form,
  );
}
