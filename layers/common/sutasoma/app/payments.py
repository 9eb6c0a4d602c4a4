"""Contributions: quotes from the tariff schedule, idempotent collection, payment history.

A payment never counts twice: the client's Idempotency-Key makes a retry replay the first
answer, and the farmer's version guards paid-through against two payments at once. The
payment, the new paid-through, the counters and the outbox entry for BPJS are one commit.
"""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.common import Writer, load_farmer, once
from sutasoma.app.paging import Page
from sutasoma.app.ports import Farmers, Idempotency, Payments, Receipts
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, Created, WriteConflict, farmer_written
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.coverage import MAX_MONTHS_PER_PAYMENT, coverage_on
from sutasoma.domain.errors import (
    AmountMismatch,
    ConcurrentUpdate,
    FarmerRejected,
    FieldError,
    IdempotencyKeyRequired,
    ValidationFailed,
)
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.identity import Caller
from sutasoma.domain.ids import is_id, new_id
from sutasoma.domain.money import format_rupiah
from sutasoma.domain.outbox import OpType, OutboxEntry
from sutasoma.domain.payment import (
    CoverageSnapshot,
    PaymentRecord,
    Quote,
    check_paid_at,
    quote_for,
    receipt_number,
)
from sutasoma.domain.records import Record
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.runtime.observability import logger, metrics

__all__ = ["MAX_MONTHS_PER_PAYMENT", "PaymentDesk", "PaymentRequest", "PaymentResult"]


class PaymentRequest(Record):
    months: int
    amount: int
    paid_at: datetime | None = None


class PaymentResult(Record):
    """The payment, and the farmer's coverage right after it (the answer a retry replays)."""

    payment: PaymentRecord
    coverage: CoverageSnapshot


def _not_rejected(farmer: FarmerRecord) -> None:
    if farmer.registration_status is RegistrationStatus.REJECTED:
        raise FarmerRejected("Pendaftaran petani ini ditolak BPJS; iuran tidak dapat diterima.")


def check_payment(farmer: FarmerRecord, request: PaymentRequest, now: datetime) -> Quote:
    """The quote this payment must match; every refusal comes before a receipt number is taken."""
    _not_rejected(farmer)
    paid_at = request.paid_at or now
    check_paid_at(paid_at, now)
    quote = quote_for(farmer.paid_through, request.months, farmer.monthly_income, paid_at)
    if request.amount != quote.amount:
        raise AmountMismatch(
            f"Jumlah iuran untuk {request.months} bulan adalah {format_rupiah(quote.amount)}.",
            [FieldError("amount", f"Seharusnya {quote.amount}.")],
            extra={"expected_amount": quote.amount, "quote": quote_body(quote)},
        )
    return quote


def decide_payment(
    caller: Caller, farmer: FarmerRecord, request: PaymentRequest, quote: Quote, receipt: str, now: datetime
) -> tuple[PaymentRecord, ChangeSet]:
    """The payment of the quoted months, the farmer's new paid-through, counters, the
    contribution posting for BPJS and the audit record."""
    paid_at = request.paid_at or now
    business_day = paid_at.astimezone(WITA).date()
    stamp, payment_id, paid_through = iso_utc(now), new_id(), quote.periods[-1]
    kecamatan = farmer.kecamatan_code
    payment = PaymentRecord(
        payment_id=payment_id, receipt_number=receipt, farmer_id=farmer.farmer_id, kecamatan_code=kecamatan,
        periods=quote.periods, lines=quote.lines, amount=quote.amount, paid_at=iso_utc(paid_at), recorded_at=stamp,
        collected_by=caller.username, collected_by_sub=caller.sub,
        coverage_after=CoverageSnapshot(state=coverage_on(paid_through, business_day).state.value, paid_through=paid_through),
    )  # fmt: skip
    after = farmer.next(paid_through=paid_through, coverage_start=farmer.coverage_start or quote.periods[0])
    month = period_of(business_day)
    changed = ("paid_through",) if farmer.coverage_start else ("paid_through", "coverage_start")
    changes = farmer_written(farmer, after, month) + ChangeSet(
        writes=(Created(payment),),
        counts=(
            CounterIncrement(
                month, kecamatan,
                {"contributions_collected": quote.amount, "payments": 1, "contribution_months": request.months},
            ),
            CounterIncrement(month, kecamatan, {"collections_amount": quote.amount, "payments": 1}, agent=caller.username),
        ),
        outbox=(
            OutboxEntry(
                op_id=new_id(), op_type=OpType.CONTRIBUTION_POSTING, farmer_id=farmer.farmer_id, created_at=stamp,
                payload={"payment_id": payment_id},
            ),
        ),
        audit=(
            by_caller(
                caller, AuditAction.PAYMENT_RECORDED, farmer.farmer_id, f"payment/{payment_id}", stamp,
                farmer_id=farmer.farmer_id, fields=changed,
                detail={"payment_id": payment_id, "receipt_number": receipt},
            ),
        ),
    )  # fmt: skip
    return payment, changes


def quote_body(quote: Quote) -> dict[str, object]:
    return {
        "periods": list(quote.periods),
        "lines": [line.model_dump() for line in quote.lines],
        "amount": quote.amount,
    }


class PaymentDesk:
    def __init__(
        self,
        farmers: Farmers,
        payments: Payments,
        receipts: Receipts,
        writer: Writer,
        idempotency: Idempotency,
    ) -> None:
        self.farmers = farmers
        self.payments = payments
        self.receipts = receipts
        self.writer = writer
        self.idempotency = idempotency

    def quote(self, caller: Caller, farmer_id: str, months: int) -> Quote:
        farmer = load_farmer(self.farmers, caller, farmer_id)
        _not_rejected(farmer)
        return quote_for(farmer.paid_through, months, farmer.monthly_income, now_utc())

    def pay(
        self, caller: Caller, farmer_id: str, request: PaymentRequest, idempotency_key: str | None
    ) -> PaymentResult:
        if not idempotency_key:
            raise IdempotencyKeyRequired(
                "Header Idempotency-Key wajib untuk pembayaran: kirim kunci yang sama saat mengulang.",
                [FieldError("Idempotency-Key", "Wajib diisi.")],
            )
        # A key names one payment of one farmer, whoever retries it.
        return once(
            self.idempotency, "payment", idempotency_key, farmer_id, request,
            lambda: self._pay(caller, farmer_id, request), PaymentResult,
        )  # fmt: skip

    def _pay(self, caller: Caller, farmer_id: str, request: PaymentRequest) -> PaymentResult:
        farmer = load_farmer(self.farmers, caller, farmer_id)
        now = now_utc()
        quote = check_payment(farmer, request, now)
        year = (request.paid_at or now).astimezone(WITA).year
        receipt = receipt_number(farmer.kecamatan_code, year, self.receipts.next(farmer.kecamatan_code, year))
        payment, changes = decide_payment(caller, farmer, request, quote, receipt, now)
        try:
            self.writer.write(changes)
        except WriteConflict:
            raise ConcurrentUpdate(
                "Pembayaran lain untuk petani ini baru saja tercatat; minta rincian iuran lagi lalu ulangi."
            ) from None
        metrics.add_metric(name="ContributionCollected", unit=MetricUnit.Count, value=1)
        logger.info(
            "payment recorded",
            extra={
                "payment_id": payment.payment_id,
                "farmer_id": farmer_id,
                "months": request.months,
                "amount": payment.amount,
            },
        )
        current = coverage_on(payment.periods[-1], today_wita(now))
        return PaymentResult(
            payment=payment,
            coverage=CoverageSnapshot(state=current.state.value, paid_through=payment.periods[-1]),
        )

    def history(self, caller: Caller, farmer_id: str, limit: int, cursor: str | None) -> Page[PaymentRecord]:
        load_farmer(self.farmers, caller, farmer_id)
        if cursor is not None and not is_id(cursor):
            raise ValidationFailed(
                "Cursor halaman tidak valid.", [FieldError("cursor", "Gunakan next_cursor.")]
            )
        items, more = self.payments.page(farmer_id, limit, cursor)
        return Page(items, more)
