// How each kind of outbox item reaches the server, and what the answer means for the outbox
// (outbox.js: sent / refused / confirm / retry). Every request carries the item's
// Idempotency-Key: a request sent again after a lost answer is answered, not recorded twice.
import { ApiError, isTransient } from "./api.js";
import { UploadError, uploadPresigned } from "./upload.js";

function refusal(error) {
  if (error instanceof UploadError) {
    return { status: "refused", problem: { status: error.status, code: "UPLOAD_REFUSED", detail: error.message } };
  }
  if (error instanceof ApiError) {
    const problem = { ...error.problem };
    if (error.status === 404 && !problem.code) {
      problem.detail = "Server belum mengenal layanan ini (menunggu pembaruan server).";
    }
    problem.detail ??= `Ditolak server (HTTP ${error.status}).`;
    return { status: "refused", problem };
  }
  return { status: "refused", problem: { detail: String(error?.message ?? error) } };
}

export function makeSender(api) {
  const senders = {
    async register(item, progress) {
      if (!item.farmer_id) {
        const farmer = await api.post("/farmers", item.body, { idempotencyKey: item.key });
        await progress({ farmer_id: farmer.farmer_id, result: farmer });
      }
      if (item.photo && !item.ktp_uploaded) {
        const target = await api.post(`/farmers/${item.farmer_id}/ktp`, { content_type: "image/jpeg" });
        await uploadPresigned(target, item.photo, "image/jpeg", "ktp.jpg");
        await progress({ ktp_uploaded: true, ktp_object_key: target.object_key ?? null });
      }
      // The KTP counts only once the server has checked it: the screen waits for that (ktp.js).
      const result = item.result ?? { farmer_id: item.farmer_id };
      return { status: "sent", result: item.photo ? { ...result, ktp_object_key: item.ktp_object_key ?? null } : result };
    },

    async payment(item) {
      try {
        const payment = await api.post(`/farmers/${item.farmer_id}/payments`, item.body, {
          idempotencyKey: item.key,
        });
        return { status: "sent", result: payment };
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        if (error.code === "QUOTE_STALE" && error.problem.quote) {
          return { status: "confirm", problem: error.problem, quote: error.problem.quote };
        }
        if (error.code === "AMOUNT_MISMATCH") {
          // Before r2 the server answers a changed tariff this way: ask for the amount again.
          const quote = await api.get(`/farmers/${item.farmer_id}/payments/quote`, { months: item.body.months });
          return { status: "confirm", problem: error.problem, quote };
        }
        throw error;
      }
    },

    async death(item) {
      try {
        const farmer = await api.post(`/farmers/${item.farmer_id}/death`, item.body, { idempotencyKey: item.key });
        return { status: "sent", result: farmer };
      } catch (error) {
        // A death recorded by our earlier attempt whose answer was lost: the same date is ours.
        if (error instanceof ApiError && error.code === "FARMER_DECEASED" && item.attempts > 0) {
          const farmer = await api.get(`/farmers/${item.farmer_id}`);
          if (farmer.deceased_on === item.body.date_of_death) return { status: "sent", result: farmer };
        }
        throw error;
      }
    },

    async refund(item) {
      const refund = await api.post(`/refunds/${item.refund_id}/settle`, item.body, { idempotencyKey: item.key });
      return { status: "sent", result: refund };
    },
  };

  return async function send(item, progress) {
    try {
      return await senders[item.kind](item, progress);
    } catch (error) {
      if (isTransient(error)) return { status: "retry", reason: error.message };
      return refusal(error);
    }
  };
}
