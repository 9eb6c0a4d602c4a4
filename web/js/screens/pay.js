// Bayar iuran: 1, 3, 6 or 12 months from the server's quote, and the number of months the
// worklist asks for (`?bulan=N`, 1–12: the arrears and this month) preselected beside them; the
// cash is confirmed, the payment goes through the outbox with the quote's first month (CONTRACT r2
// `first_period`), and the receipt follows. Quotes read while there was a signal stay in memory,
// so a visit that loses the signal can still take the payment; it waits in the outbox until it is
// sent, and meanwhile this screen says so instead of offering the same months again.
import { ApiError } from "../api.js";
import { dateTime, period, periods, rupiah } from "../format.js";
import { ask, fill, h, notice } from "../ui.js";
import { backLink, coverageChip, staleNote } from "./parts.js";
import { sendNow } from "./send-now.js";

const CHOICES = [1, 3, 6, 12];
const MAX_MONTHS = 12; // paid in advance at most a year (DOMAIN.md)

/** The months asked for by `?bulan=` when it is a whole number of 1–12, else null. */
export function requestedMonths(value) {
  const n = Number(value);
  return Number.isInteger(n) && n >= 1 && n <= MAX_MONTHS ? n : null;
}

/** The choices offered: the requested number first when it is not a common one, then 1, 3, 6, 12. */
export function monthChoices(requested) {
  return requested && !CHOICES.includes(requested) ? [requested, ...CHOICES] : CHOICES;
}

const PENDING = {
  waiting: "menunggu dikirim",
  confirm: "menunggu konfirmasi jumlah baru",
  refused: "ditolak server dan belum diselesaikan",
};

/** A payment of this farmer still in the outbox: its months must not be offered (and taken) again. */
function pendingPayment(app, id, head, items, go) {
  const here = location.hash.slice(1);
  const off = app.on(async () => {
    const left = (await app.outbox.items()).some((i) => i.kind === "payment" && i.farmer_id === id);
    if (!left && location.hash.slice(1) === here) {
      off();
      go(here); // sent (or deleted): the screen afresh, with the server's new quote
    }
  });
  window.addEventListener("hashchange", off, { once: true });
  return h(
    "section",
    { class: "pay" },
    ...head,
    items.map((item) =>
      h(
        "article",
        { class: "card pending-payment" },
        h("h2", {}, `${rupiah(item.summary?.amount)} · ${periods(item.summary?.periods)}`),
        h("p", {}, `Uang diterima ${dateTime(item.captured_at)}; ${PENDING[item.state] ?? item.state}.`),
      ),
    ),
    notice(
      "info",
      "Pembayaran petani ini belum terkirim ke server: bulan-bulan itu sudah dibayar, jangan ditagih lagi. Pembayaran berikutnya dapat dicatat setelah terkirim.",
    ),
    h("a", { href: "#/kirim", class: "button secondary wide" }, "Lihat yang menunggu dikirim"),
  );
}

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
  const head = [backLink(`#/petani/${id}`, farmer.full_name), h("h1", {}, "Bayar iuran"), staleNote(farmer)];
  const pending = (await app.outbox.items()).filter((i) => i.kind === "payment" && i.farmer_id === id);
  if (pending.length) return pendingPayment(app, id, head, pending, go);

  const requested = requestedMonths(query.bulan);
  const quotes = await Promise.all(
    monthChoices(requested).map((months) =>
      app.api.get(`/farmers/${id}/payments/quote`, { months }).then(
        (quote) => ({ months, quote }),
        (error) => ({ months, error }),
      ),
    ),
  );
  const usable = quotes.filter((q) => q.quote);
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

  let chosen = usable.find((q) => q.months === requested) ?? usable[0];
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
      const asked = q.months === requested && !CHOICES.includes(q.months);
      return h(
        "div",
        { class: ["choice", asked ? "requested" : null] },
        input,
        h(
          "label",
          { for: `m${q.months}` },
          h("span", { class: "choice-title" }, `${q.months} bulan`, asked ? h("span", { class: "choice-tag" }, " · sesuai daftar kerja") : null),
          h("span", { class: "choice-amount" }, q.quote ? rupiah(q.quote.amount) : "–"),
          h("span", { class: "choice-sub" }, q.quote ? periods(q.quote.periods) : q.error?.detail ?? "tidak tersedia"),
        ),
      );
    }),
  );
  const confirm = h("button", { type: "button", class: "primary wide" });
  const show = () => {
    fill(detail, quoteLines(chosen.quote));
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
      fill(
        box,
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
      fill(box, notice("error", outcome.problem?.detail ?? "Pembayaran ditolak."));
    }
  };

  confirm.addEventListener("click", async () => {
    const { months, quote } = chosen;
    const yes = await ask(`Terima uang tunai ${rupiah(quote.amount)} dari ${farmer.full_name} untuk ${periods(quote.periods)}?`, "Ya, uang diterima");
    if (!yes) return;
    confirm.disabled = true;
    fill(box);
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
