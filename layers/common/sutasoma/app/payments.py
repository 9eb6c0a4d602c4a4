"""Contributions: quotes from the tariff schedule, idempotent collection, payment history.

A payment never counts twice: the client's Idempotency-Key makes a retry replay the first
answer, and the farmer's version guards paid-through against two different payments at once.
The payment, the new paid-through, the counters and the outbox entry for BPJS are one
transaction.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.adapters.idempotency import IdempotentRunner
from sutasoma.adapters.queue import OutboundQueue
from sutasoma.adapters.store import CounterIncrement, DomainStore, OutboxEntry, population_change
from sutasoma.api.models import (
    BpjsPostingStatus,
    CoverageOut,
    Payment,
    PaymentCreate,
    PaymentPage,
    Quote,
    QuoteLine,
    RegistrationStatus,
)
from sutasoma.app.farmers import load_farmer
from sutasoma.app.outbox import OpType, dispatch
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.coverage import PlanRefusal, coverage_on, plan_payment
from sutasoma.domain.errors import (
    AmountMismatch,
    FarmerLapsed,
    FarmerRejected,
    FieldError,
    IdempotencyKeyRequired,
    PaidAtInvalid,
    TooFarAhead,
    ValidationFailed,
)
from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.tariff import contribution_for
from sutasoma.runtime.observability import logger, metrics

# A clock a few minutes fast on the agent's phone is not a future payment.
PAID_AT_CLOCK_SKEW = timedelta(minutes=5)
# Policy: an agent offline in the field may record a payment up to this long after the fact.
PAID_AT_MAX_AGE = timedelta(days=31)
MAX_PAGE_SIZE = 100


def receipt_number(kecamatan_code: str, year: int, sequence: int) -> str:
    """Readable and unique: the BPP (kecamatan), the year, a running number."""
    return f"BPP{kecamatan_code[-2:]}-{year}-{sequence:06d}"


def quote_for(paid_through: str | None, months: int, income: int, on: datetime) -> tuple[Quote, str]:
    """The quote and the latest month that may be paid; refusals as domain errors."""
    plan = plan_payment(paid_through, months, on.astimezone(WITA).date())
    if plan.refusal is PlanRefusal.LAPSED:
        raise FarmerLapsed(
            "Kepesertaan petani sudah berakhir (lebih dari 3 bulan tidak membayar); aktifkan kembali dulu."
        )
    if plan.refusal is PlanRefusal.TOO_FAR_AHEAD:
        raise TooFarAhead(
            f"Pembayaran di muka paling jauh sampai {plan.latest_allowed} (satu tahun).",
            [FieldError("months", f"Bulan terakhir {plan.last} melewati {plan.latest_allowed}.")],
            extra={"latest_period": plan.latest_allowed},
        )
    lines = [contribution_for(p, income) for p in plan.periods]
    quote = Quote(
        periods=list(plan.periods),
        lines=[
            QuoteLine(period=line.period, jkk=line.jkk, jkm=line.jkm, amount=line.amount) for line in lines
        ],
        amount=sum(line.amount for line in lines),
    )
    return quote, plan.latest_allowed


def _not_rejected(farmer: dict[str, Any]) -> None:
    if farmer["registration_status"] == RegistrationStatus.REJECTED.value:
        raise FarmerRejected("Pendaftaran petani ini ditolak BPJS; iuran tidak dapat diterima.")


def to_payment(item: dict[str, Any]) -> Payment:
    return Payment(
        payment_id=item["payment_id"],
        receipt_number=item["receipt_number"],
        farmer_id=item["farmer_id"],
        periods=item["periods"],
        lines=item["lines"],
        amount=item["amount"],
        paid_at=item["paid_at"],
        recorded_at=item["recorded_at"],
        collected_by=item["collected_by"],
        coverage=CoverageOut(**item["coverage_after"]),
        bpjs_status=item.get("bpjs_status", BpjsPostingStatus.QUEUED.value),
    )


class PaymentService:
    def __init__(self, store: DomainStore, queue: OutboundQueue, idempotency: IdempotentRunner) -> None:
        self.store = store
        self.queue = queue
        self.idempotency = idempotency

    def quote(self, caller: Caller, farmer_id: str, months: int) -> Quote:
        farmer = load_farmer(self.store, caller, farmer_id)
        _not_rejected(farmer)
        quote, _ = quote_for(farmer.get("paid_through"), months, farmer["monthly_income"], now_utc())
        return quote

    def pay(
        self, caller: Caller, farmer_id: str, data: PaymentCreate, idempotency_key: str | None
    ) -> Payment:
        if not idempotency_key:
            raise IdempotencyKeyRequired(
                "Header Idempotency-Key wajib untuk pembayaran: kirim kunci yang sama saat mengulang.",
                [FieldError("Idempotency-Key", "Wajib diisi.")],
            )
        # A key names one payment of one farmer, whoever retries it.
        return self.idempotency.once(
            "payment", idempotency_key, farmer_id, data, lambda: self._pay(caller, farmer_id, data), Payment
        )

    def _pay(self, caller: Caller, farmer_id: str, data: PaymentCreate) -> Payment:
        farmer = load_farmer(self.store, caller, farmer_id)
        _not_rejected(farmer)
        now = now_utc()
        paid_at = data.paid_at or now
        if paid_at > now + PAID_AT_CLOCK_SKEW:
            raise PaidAtInvalid(
                "Waktu pembayaran tidak boleh di masa depan.", [FieldError("paid_at", "Di masa depan.")]
            )
        if paid_at < now - PAID_AT_MAX_AGE:
            raise PaidAtInvalid(
                "Pembayaran lebih dari 31 hari yang lalu tidak dapat dicatat lewat aplikasi; hubungi admin.",
                [FieldError("paid_at", "Terlalu lama.")],
            )
        quote, _ = quote_for(farmer.get("paid_through"), data.months, farmer["monthly_income"], paid_at)
        if data.amount != quote.amount:
            raise AmountMismatch(
                f"Jumlah iuran untuk {data.months} bulan adalah Rp {quote.amount:,}".replace(",", ".") + ".",
                [FieldError("amount", f"Seharusnya {quote.amount}.")],
                extra={"expected_amount": quote.amount, "quote": quote.model_dump(mode="json")},
            )
        business_day = paid_at.astimezone(WITA).date()
        kecamatan = farmer["kecamatan_code"]
        payment_id = new_id()
        paid_through = quote.periods[-1]
        coverage_after = coverage_on(paid_through, business_day)
        payment = {
            "payment_id": payment_id,
            "receipt_number": receipt_number(
                kecamatan, business_day.year, self.store.next_receipt_sequence(kecamatan, business_day.year)
            ),
            "farmer_id": farmer_id,
            "kecamatan_code": kecamatan,
            "periods": quote.periods,
            "lines": [line.model_dump() for line in quote.lines],
            "amount": quote.amount,
            "paid_at": iso_utc(paid_at),
            "recorded_at": iso_utc(now),
            "collected_by": caller.username,
            "collected_by_sub": caller.sub,
            "coverage_after": {"state": coverage_after.state.value, "paid_through": paid_through},
            "bpjs_status": BpjsPostingStatus.QUEUED.value,
        }
        farmer_changes: dict[str, Any] = {"paid_through": paid_through}
        if not farmer.get("coverage_start"):
            farmer_changes["coverage_start"] = quote.periods[0]
        outbox = OutboxEntry(
            op_id=new_id(),
            op_type=OpType.CONTRIBUTION_POSTING,
            farmer_id=farmer_id,
            created_at=iso_utc(now),
            payload={"payment_id": payment_id},
        )
        month = period_of(business_day)
        counters = [
            CounterIncrement(
                month,
                f"KEC#{kecamatan}",
                {"contributions_collected": quote.amount, "payments": 1, "contribution_months": data.months},
            ),
            CounterIncrement(
                month,
                f"AGENT#{kecamatan}#{caller.username}",
                {"collections_amount": quote.amount, "payments": 1},
            ),
            *population_change(kecamatan, month, farmer, {**farmer, **farmer_changes}),
        ]
        audit = by_caller(
            caller,
            AuditAction.PAYMENT_RECORDED,
            farmer_id,
            f"payment/{payment_id}",
            iso_utc(now),
            farmer_id=farmer_id,
            fields=tuple(farmer_changes),
            detail={"payment_id": payment_id, "receipt_number": payment["receipt_number"]},
        )
        self.store.record_payment(farmer, payment, farmer_changes, outbox, counters, audit)
        metrics.add_metric(name="ContributionCollected", unit=MetricUnit.Count, value=1)
        logger.info(
            "payment recorded",
            extra={
                "payment_id": payment_id,
                "farmer_id": farmer_id,
                "months": data.months,
                "amount": quote.amount,
            },
        )
        dispatch(self.store, self.queue, outbox)
        result = to_payment(payment)
        current = coverage_on(paid_through, today_wita(now))
        return result.model_copy(
            update={"coverage": CoverageOut(state=current.state, paid_through=paid_through)}
        )

    def history(self, caller: Caller, farmer_id: str, limit: int, cursor: str | None) -> PaymentPage:
        load_farmer(self.store, caller, farmer_id)
        if cursor is not None and not is_id(cursor):
            raise ValidationFailed(
                "Cursor halaman tidak valid.", [FieldError("cursor", "Gunakan next_cursor.")]
            )
        items, more = self.store.list_payments(farmer_id, limit, cursor)
        payments = [to_payment(item) for item in items]
        return PaymentPage(items=payments, next_cursor=payments[-1].payment_id if more and payments else None)
