// One farmer: coverage in words and colour, identity, payments, claims, and what can be done.
import { CLAIM_STATUS, REGISTRATION, RELATIONSHIP, addMonths, coverageWords, currentPeriod, date, dateTime, period, periods, rupiah } from "../format.js";
import { maskNik } from "../nik.js";
import { kecamatanName, villageName } from "../places.js";
import { shrinkPhoto } from "../photo.js";
import { uploadPresigned } from "../upload.js";
import { ktpChecked, ktpResultWords, ktpStateWords } from "../ktp.js";
import { add, clear, fill, h, notice, toast } from "../ui.js";
import { backLink, coverageChip, definition, staleNote } from "./parts.js";

function ktpAction(app, farmer) {
  const input = h("input", { type: "file", accept: "image/*", capture: "environment", class: "visually-hidden", id: "ktp-file" });
  const state = ktpStateWords(farmer);
  const status = h("div", { class: "ktp-state", role: "status" }, state.kind === "ok" ? h("p", { class: "hint" }, state.text) : notice(state.kind, state.text));
  input.addEventListener("change", async () => {
    const file = input.files?.[0];
    if (!file) return;
    fill(status, h("p", { class: "hint" }, "Memperkecil dan mengunggah foto…"));
    try {
      const photo = await shrinkPhoto(file);
      const target = await app.api.post(`/farmers/${farmer.farmer_id}/ktp`, { content_type: "image/jpeg" });
      await uploadPresigned(target, photo, "image/jpeg", "ktp.jpg");
      fill(status, h("p", { class: "hint" }, "Foto terkirim; menunggu pemeriksaan server…"));
      const result = await ktpChecked(app.api, farmer.farmer_id, farmer.ktp_uploaded_at ?? null, target.object_key ?? null);
      const words = ktpResultWords(result);
      fill(status, notice(words.kind, words.text));
      toast(result.state === "stored" ? "Foto KTP tersimpan." : result.state === "refused" ? "Foto KTP ditolak." : "Foto KTP belum selesai diperiksa.");
      if (result.state === "stored") Object.assign(farmer, { ktp_uploaded_at: result.farmer.ktp_uploaded_at, ktp_refused: result.farmer.ktp_refused });
    } catch (error) {
      fill(status, notice("error", error.detail ?? error.message));
    } finally {
      input.value = "";
    }
  });
  return h(
    "div",
    { class: "ktp" },
    h("label", { for: "ktp-file", class: "button secondary" }, farmer.ktp_uploaded_at ? "Ganti foto KTP" : "Foto KTP"),
    input,
    app.isCoordinator() ? ktpViewer(app, farmer) : null,
    status,
  );
}

/** "Lihat foto KTP" (coordinator, admin): GET /farmers/{id}/ktp, a short-lived link (audited). */
function ktpViewer(app, farmer) {
  const viewer = h("div", { class: "doc-viewer" });
  const open = h("button", { type: "button", class: "secondary" }, "Lihat foto KTP");
  open.addEventListener("click", async () => {
    open.disabled = true;
    clear(viewer);
    try {
      const link = await app.api.request("GET", `/farmers/${farmer.farmer_id}/ktp`);
      add(
        viewer,
        h("img", { src: link.download_url, alt: `Foto KTP ${farmer.full_name}`, class: "doc-image", width: 320, height: 200 }),
        h("a", { href: link.download_url, target: "_blank", rel: "noopener", class: "button secondary" }, "Buka di tab baru"),
      );
    } catch (error) {
      add(viewer, notice(error.status === 404 ? "info" : "error", error.status === 404 ? "Belum ada foto KTP yang tersimpan." : error.detail ?? error.message));
    } finally {
      open.disabled = false;
    }
  });
  return [open, viewer];
}

/** What the contribution line says: this month's when it is still to pay; when it is paid, what
 *  the next unpaid month costs (a new income applies from then, DOMAIN), from the server's quote. */
function contributionLine(farmer, next) {
  const paid = farmer.coverage.paid_through;
  if (paid && paid >= currentPeriod()) {
    const month = addMonths(paid, 1);
    return h(
      "p",
      { class: "contribution" },
      "Iuran bulan ini sudah dibayar. ",
      next?.periods?.[0] === month ? `Bulan berikutnya yang dibayar (${period(month)}): ${rupiah(next.amount)}.` : `Bulan berikutnya yang dibayar: ${period(month)}.`,
    );
  }
  return h("p", { class: "contribution" }, `Iuran bulan ini ${rupiah(farmer.monthly_contribution)}`);
}

/** An ended membership in words: nothing is due any more; what was paid beyond it is given back. */
function endedWords(farmer) {
  if (farmer.deceased_on) {
    return `Meninggal ${date(farmer.deceased_on)}. Kepesertaan berakhir: tidak ada iuran lagi, dan iuran untuk bulan sesudah bulan meninggal dikembalikan kepada ahli waris.`;
  }
  if (farmer.registration_status === "REJECTED") {
    return "Pendaftaran ditolak BPJS. Kepesertaan berakhir: tidak ada iuran lagi, dan iuran yang sudah dibayar dikembalikan kepada petani.";
  }
  return "Kepesertaan berakhir: tidak ada iuran lagi; iuran yang dibayar untuk bulan sesudahnya dikembalikan.";
}

export async function render({ app, params }) {
  const id = params.id;
  const farmer = await app.api.get(`/farmers/${id}`);
  const paidAhead = farmer.coverage.paid_through && farmer.coverage.paid_through >= currentPeriod();
  // Paid ahead: the next unpaid month's price (the server quotes at most a year ahead).
  const quoteNext = paidAhead && !farmer.deceased_on && farmer.coverage.state !== "ENDED" && farmer.coverage.paid_through < addMonths(currentPeriod(), 11);
  const [payments, claims, next] = await Promise.all([
    app.api.get(`/farmers/${id}/payments`, { limit: 12 }).catch(() => null),
    app.api.get("/claims", { farmer_id: id, limit: 20 }).catch(() => null),
    quoteNext ? app.api.get(`/farmers/${id}/payments/quote`, { months: 1 }).catch(() => null) : null,
  ]);
  const waiting = (await app.outbox.items()).filter((i) => i.farmer_id === id || i.farmer_key === id);
  const cov = coverageWords(farmer.coverage);
  const deceased = Boolean(farmer.deceased_on);
  const ended = farmer.coverage.state === "ENDED" || deceased || farmer.registration_status === "REJECTED";

  const nikText = h("span", {}, farmer.nik_masked ?? maskNik(farmer.nik ?? ""));
  const reveal = farmer.nik
    ? h(
        "button",
        {
          type: "button",
          class: "link",
          onclick: (event) => {
            const shown = nikText.textContent === farmer.nik;
            nikText.textContent = shown ? farmer.nik_masked : farmer.nik;
            event.currentTarget.textContent = shown ? "Tampilkan" : "Sembunyikan";
          },
        },
        "Tampilkan",
      )
    : null;

  const actions = h("div", { class: "actions-grid" });
  if (!ended && farmer.coverage.state !== "LAPSED") {
    actions.append(h("a", { href: `#/petani/${id}/bayar`, class: "button primary" }, "Bayar iuran"));
  }
  if (farmer.coverage.state === "LAPSED" && !deceased) {
    const reactivate = h("button", { type: "button", class: "button primary" }, "Daftarkan kembali");
    const box = h("div", {});
    reactivate.addEventListener("click", async () => {
      reactivate.disabled = true;
      clear(box);
      try {
        await app.api.post(`/farmers/${id}/reactivate`, {});
        toast("Didaftarkan kembali ke BPJS.");
        location.reload();
      } catch (error) {
        box.append(notice("error", error.detail ?? error.message));
        reactivate.disabled = false;
      }
    });
    actions.append(reactivate, box);
  }
  if (farmer.registration_status === "CONFIRMED") {
    actions.append(h("a", { href: `#/petani/${id}/klaim`, class: "button secondary" }, "Ajukan klaim"));
  }
  if (!deceased) actions.append(h("a", { href: `#/petani/${id}/kematian`, class: "button secondary" }, "Catat kematian"));
  const role = app.session?.role;
  if (!deceased && ["agent", "coordinator", "admin"].includes(role)) {
    actions.append(h("a", { href: `#/petani/${id}/ubah`, class: "button secondary" }, "Ubah data"));
  }
  if (app.isCoordinator()) actions.append(h("a", { href: `#/petani/${id}/koreksi`, class: "button secondary" }, "Koreksi data diri"));

  return h(
    "section",
    { class: "farmer" },
    backLink("#/petani", "Petani"),
    h("h1", {}, farmer.full_name),
    staleNote(farmer),
    h(
      "div",
      { class: ["coverage-card", `tone-${cov.tone}`] },
      h("p", { class: "coverage-words" }, coverageChip(farmer.coverage), !ended && cov.through ? ` ${cov.through}` : null),
      ended
        ? [
            h("p", { class: "coverage-hint" }, endedWords(farmer)),
            h("p", {}, h("a", { href: "#/pengembalian", class: "button secondary" }, "Lihat pengembalian")),
          ]
        : [h("p", { class: "coverage-hint" }, cov.hint), farmer.coverage.state === "LAPSED" ? null : contributionLine(farmer, next)],
    ),
    waiting.length
      ? notice("info", `${waiting.length} catatan untuk petani ini menunggu dikirim.`, { label: "Lihat", run: () => (location.hash = "#/kirim") })
      : null,
    actions,
    h("h2", {}, "Data diri"),
    definition([
      ["NIK", h("span", {}, nikText, " ", reveal)],
      ["KPJ", farmer.kpj_number ?? "belum ada"],
      ["Status BPJS", REGISTRATION[farmer.registration_status] ?? farmer.registration_status],
      ["Lahir", `${date(farmer.birth_date)} · ${farmer.sex === "F" ? "Perempuan" : "Laki-laki"}`],
      ["Telepon", farmer.phone],
      ["Alamat", `${farmer.address}, ${villageName(farmer.village_code)}, ${kecamatanName(farmer.kecamatan_code)}`],
      ["Komoditas", farmer.commodity],
      ["Penghasilan", `${rupiah(farmer.monthly_income)} per bulan`],
      ["Ahli waris", farmer.heirs?.length ? farmer.heirs.map((x) => `${x.full_name} (${RELATIONSHIP[x.relationship] ?? x.relationship})`).join(", ") : "–"],
      ["Didaftarkan", `${dateTime(farmer.registered_at)} oleh ${farmer.registered_by}`],
    ]),
    ktpAction(app, farmer),
    h("h2", {}, "Iuran"),
    payments?.items?.length
      ? h(
          "ul",
          { class: "rows" },
          payments.items.map((p) => {
            app.receipts.set(p.payment_id, p);
            return h(
              "li",
              { class: "row" },
              h(
                "a",
                { href: `#/kuitansi/${p.payment_id}?petani=${id}`, class: "row-main" },
                h("span", { class: "row-title" }, `${rupiah(p.amount)} · ${periods(p.periods)}`),
                h("span", { class: "row-sub" }, `${p.receipt_number} · ${dateTime(p.paid_at)}`),
              ),
            );
          }),
        )
      : h("p", { class: "empty" }, payments ? "Belum ada pembayaran." : "Riwayat iuran tidak dapat dimuat."),
    h("h2", {}, "Klaim"),
    claims?.items?.length
      ? h(
          "ul",
          { class: "rows" },
          claims.items.map((c) =>
            h(
              "li",
              { class: "row" },
              h(
                "a",
                { href: `#/klaim/${c.claim_id}`, class: "row-main" },
                h("span", { class: "row-title" }, `${c.type} · ${CLAIM_STATUS[c.status] ?? c.status}`),
                h("span", { class: "row-sub" }, `kejadian ${date(c.incident_date)}${c.estimated_benefit?.total ? ` · perkiraan ${rupiah(c.estimated_benefit.total)}` : ""}`),
              ),
            ),
          ),
        )
      : h("p", { class: "empty" }, claims ? "Belum ada klaim." : "Klaim tidak dapat dimuat."),
  );
}
