// Bayar iuran: 1, 3, 6 or 12 months from the server's quote; the cash is confirmed, the payment
// goes through the outbox with the quote's first month (CONTRACT r2 `first_period`), and the
// receipt follows. Quotes read while there was a signal stay in memory, so a visit that loses
// the signal can still take the payment; it waits in the outbox until it is sent.
import { ApiError } from "../api.js";
import { period, periods, rupiah } from "../format.js";
import { ask, clear, h, notice } from "../ui.js";
import { backLink, coverageChip, staleNote } from "./parts.js";
import { sendNow } from "./send-now.js";

const CHOICES = [1, 3, 6, 12];

function quoteLines(quote) {
  return h(
    "table",
    { class: "lines" },
    h("caption", { class: "visually-hidden" }, "Rincian iuran per bulan"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Bulan"), h("th", { scope: "col" }, "JKK"), h("th", { scope: "col" }, "JKM"), h("th", { scope: "col" }, "Jumlah"))),
    h(
      "tbody",
      {},
      quote.lines.map((l) => h("tr", {}, h("td", {}, period(l.period)), h("td", {}, rupiah(l.jkk)), h("td", {}, rupiah(l.jkm)), h("td", {}, rupiah(l.amount)))),
    ),
    h("tfoot", {}, h("tr", {}, h("th", { scope: "row", colspan: 3 }, "Total"), h("td", {}, rupiah(quote.amount)))),
  );
}

export function paymentBody(quote, months, paidAt) {
  const body = { months, amount: quote.amount, paid_at: paidAt };
  // r2 binds a payment to its quote's first month; a server before r2 knows no such field.
  if (quote.first_period) body.first_period = quote.first_period;
  return body;
}

export async function render({ app, params, query, go }) {
  const id = params.id;
  const farmer = await app.api.get(`/farmers/${id}`);
  const quotes = await Promise.all(
    CHOICES.map((months) =>
      app.api.get(`/farmers/${id}/payments/quote`, { months }).then(
        (quote) => ({ months, quote }),
        (error) => ({ months, error }),
      ),
    ),
  );
  const usable = quotes.filter((q) => q.quote);
  const head = [backLink(`#/petani/${id}`, farmer.full_name), h("h1", {}, "Bayar iuran"), staleNote(farmer)];
  if (!usable.length) {
    const first = quotes[0].error;
    const offline = !(first instanceof ApiError);
    return h(
      "section",
      {},
      ...head,
      notice(
        offline ? "info" : "error",
        offline
          ? "Tanpa sinyal: jumlah iuran belum diketahui. Buka halaman ini saat ada sinyal; setelah itu pembayaran dapat dicatat walau sinyal hilang."
          : first.detail ?? first.message,
      ),
    );
  }

  let chosen = usable.find((q) => q.months === Number(query.bulan)) ?? usable[0];
  const detail = h("div", { class: "quote-detail" });
  const box = h("div", { class: "form-status" });
  const options = h(
    "fieldset",
    { class: "choices" },
    h("legend", {}, "Berapa bulan?"),
    quotes.map((q) => {
      const input = h("input", { type: "radio", name: "months", value: q.months, id: `m${q.months}`, checked: q === chosen, disabled: !q.quote });
      input.addEventListener("change", () => {
        chosen = q;
        show();
      });
      return h(
        "div",
        { class: "choice" },
        input,
        h(
          "label",
          { for: `m${q.months}` },
          h("span", { class: "choice-title" }, `${q.months} bulan`),
          h("span", { class: "choice-amount" }, q.quote ? rupiah(q.quote.amount) : "–"),
          h("span", { class: "choice-sub" }, q.quote ? periods(q.quote.periods) : q.error?.detail ?? "tidak tersedia"),
        ),
      );
    }),
  );
  const confirm = h("button", { type: "button", class: "primary wide" });
  const show = () => {
    clear(detail).append(quoteLines(chosen.quote));
    confirm.textContent = `Terima ${rupiah(chosen.quote.amount)} tunai`;
  };
  show();

  const finish = async (outcome, item) => {
    if (outcome.state === "sent") {
      app.receipts.set(outcome.result.payment_id, outcome.result);
      go(`/kuitansi/${outcome.result.payment_id}?petani=${id}`);
    } else if (outcome.state === "waiting") {
      go(`/kuitansi/${item.id}?petani=${id}`);
    } else if (outcome.state === "confirm") {
      clear(box).append(
        notice("error", `${outcome.problem?.detail ?? "Jumlah iuran berubah."} Jumlah baru ${rupiah(outcome.quote.amount)} untuk ${periods(outcome.quote.periods)}.`),
        h(
          "button",
          {
            type: "button",
            class: "primary wide",
            onclick: async () => {
              const changed = await app.outbox.confirmQuote(item.id);
              finish(await sendNow(app, changed), changed);
            },
          },
          `Terima ${rupiah(outcome.quote.amount)}`,
        ),
        h("button", { type: "button", class: "secondary wide", onclick: async () => { await app.outbox.discard(item.id); go(`/petani/${id}`); } }, "Batalkan pembayaran"),
      );
    } else if (outcome.state === "refused") {
      await app.outbox.discard(item.id);
      clear(box).append(notice("error", outcome.problem?.detail ?? "Pembayaran ditolak."));
    }
  };

  confirm.addEventListener("click", async () => {
    const { months, quote } = chosen;
    const yes = await ask(`Terima uang tunai ${rupiah(quote.amount)} dari ${farmer.full_name} untuk ${periods(quote.periods)}?`, "Ya, uang diterima");
    if (!yes) return;
    confirm.disabled = true;
    clear(box);
    try {
      const item = await app.outbox.capture({
        kind: "payment",
        farmerId: id,
        label: `Iuran ${months} bulan · ${farmer.full_name}`,
        summary: { name: farmer.full_name, amount: quote.amount, periods: quote.periods, months },
        body: paymentBody(quote, months, app.serverNow()),
      });
      await finish(await sendNow(app, item), item);
    } catch (error) {
      box.append(notice("error", error.message));
    } finally {
      confirm.disabled = false;
    }
  });

  return h(
    "section",
    { class: "pay" },
    ...head,
    h("p", { class: "lead" }, coverageChip(farmer.coverage), farmer.coverage.paid_through ? ` lunas s.d. ${period(farmer.coverage.paid_through)}` : " belum ada iuran"),
    options,
    detail,
    h("p", { class: "hint" }, "Tunggakan dibayar lebih dulu, lalu bulan-bulan berikutnya."),
    box,
    confirm,
  );
}
