"""Contributions: quotes from the tariff schedule, collection bound to the quote, history.

A payment never counts twice and never charges months nobody asked for: it names the first
month it pays (`first_period`, from the quote) and is refused with a fresh quote once that is
no longer the farmer's first unpaid month; the farmer's version makes concurrent payments
serialize (one wins, the others meet a stale quote); the client's Idempotency-Key replays a
retry's first answer. The payment, the new paid-through, counters and the outbox entry for
BPJS are one commit.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from aws_lambda_powertools.metrics import MetricUnit

from sutasoma.app.common import Writer, load_farmer, once, retry_on_conflict
from sutasoma.app.paging import Page
from sutasoma.domain.audit import AuditAction, by_caller
from sutasoma.domain.changes import ChangeSet, Created, farmer_written
from sutasoma.domain.clock import WITA, iso_utc, now_utc, period_of, today_wita
from sutasoma.domain.counters import CounterIncrement
from sutasoma.domain.coverage import MAX_MONTHS_PER_PAYMENT
from sutasoma.domain.errors import (
    AmountMismatch,
    FarmerDeceased,
    FarmerRejected,
    FieldError,
    IdempotencyKeyRequired,
    QuoteStale,
    ValidationFailed,
)
from sutasoma.domain.farmer import FarmerRecord, member_since
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
from sutasoma.domain.periods import date_words, month_words
from sutasoma.domain.records import Record
from sutasoma.domain.registration import RegistrationStatus
from sutasoma.runtime.observability import logger, metrics

if TYPE_CHECKING:
    from sutasoma.app.ports import Farmers, Idempotency, Payments, Receipts
    from sutasoma.domain.identity import Caller

__all__ = ["MAX_MONTHS_PER_PAYMENT", "PaymentDesk", "PaymentRequest", "PaymentResult"]


class PaymentRequest(Record):
    months: int
    amount: int
    first_period: str
    paid_at: datetime | None = None


class PaymentResult(Record):
    """The payment, and the farmer's coverage right after it (the answer a retry replays)."""

    payment: PaymentRecord
    coverage: CoverageSnapshot


def may_pay(farmer: FarmerRecord) -> None:
    """Contributions are taken only from a living member BPJS has not rejected."""
    if farmer.deceased_on is not None:
        raise FarmerDeceased(
            f"Petani ini meninggal dunia pada {date_words(farmer.deceased_on)}; iuran tidak dapat diterima lagi.",
            extra={"deceased_on": farmer.deceased_on.isoformat()},
        )
    if farmer.registration_status is RegistrationStatus.REJECTED:
        raise FarmerRejected("Pendaftaran petani ini ditolak BPJS; iuran tidak dapat diterima.")


def quote_body(quote: Quote) -> dict[str, object]:
    return {
        "periods": list(quote.periods),
        "first_period": quote.first_period,
        "lines": [line.model_dump() for line in quote.lines],
        "amount": quote.amount,
    }


def check_payment(farmer: FarmerRecord, request: PaymentRequest, now: datetime) -> Quote:
    """The quote this payment must match; every refusal comes before a receipt number is taken."""
    may_pay(farmer)
    paid_at = request.paid_at or now
    check_paid_at(paid_at, now, member_since(farmer), reactivated=farmer.reactivated_at is not None)
    quote = quote_for(farmer.paid_through, request.months, farmer.monthly_income, paid_at, now)
    if request.first_period != quote.first_period:
        raise QuoteStale(
            f"Iuran bulan {month_words(request.first_period)} sudah tidak ditagih: bulan pertama yang belum dibayar "
            f"kini {month_words(quote.first_period)} ({format_rupiah(quote.amount)} untuk {request.months} bulan). "
            "Periksa rincian baru.",
            [FieldError("first_period", f"Seharusnya {quote.first_period}.")],
            extra={"quote": quote_body(quote)},
        )
    if request.amount != quote.amount:
        raise AmountMismatch(
            f"Jumlah iuran untuk {request.months} bulan adalah {format_rupiah(quote.amount)}.",
            [FieldError("amount", f"Seharusnya {quote.amount}.")],
            extra={"expected_amount": quote.amount, "quote": quote_body(quote)},
        )
    return quote


def payment_counts(caller: Caller, payment: PaymentRecord, month: str) -> tuple[CounterIncrement, ...]:
    """The month's collection, per BPP and per agent, and what each month paid on time or
    ahead received (at the income it was paid on: the report's `contributions_due` of that
    month). A month paid late was owed at its end, and counted so: its due does not change."""
    kecamatan, amount, months = payment.kecamatan_code, payment.amount, len(payment.periods)
    per_month = tuple(
        CounterIncrement(line.period, kecamatan, {"paid_for_month": line.amount, "paid_for_month_members": 1})
        for line in payment.lines
        if line.period >= month
    )
    return (
        CounterIncrement(
            month,
            kecamatan,
            {"contributions_collected": amount, "payments": 1, "contribution_months": months},
        ),
        CounterIncrement(
            month, kecamatan, {"collections_amount": amount, "payments": 1}, agent=caller.username
        ),
        *per_month,
    )


def decide_payment(
    caller: Caller, farmer: FarmerRecord, request: PaymentRequest, quote: Quote, receipt: str, now: datetime
) -> tuple[PaymentRecord, ChangeSet]:
    """The payment of the quoted months, the farmer's new paid-through, counters, the
    contribution posting for BPJS and the audit record."""
    paid_at = request.paid_at or now
    business_day = paid_at.astimezone(WITA).date()
    stamp, payment_id, paid_through = iso_utc(now), new_id(), quote.periods[-1]
    payment = PaymentRecord(
        payment_id=payment_id, receipt_number=receipt, farmer_id=farmer.farmer_id, kecamatan_code=farmer.kecamatan_code,
        periods=quote.periods, lines=quote.lines, amount=quote.amount, paid_at=iso_utc(paid_at), recorded_at=stamp,
        collected_by=caller.username, collected_by_sub=caller.sub,
        coverage_after=CoverageSnapshot(state=farmer.but(paid_through=paid_through).coverage(business_day).state.value,
                                        paid_through=paid_through),
    )  # fmt: skip
    after = farmer.next(paid_through=paid_through, coverage_start=farmer.coverage_start or quote.first_period)
    month = period_of(business_day)
    changed = ("paid_through",) if farmer.coverage_start else ("paid_through", "coverage_start")
    posting = OutboxEntry(
        op_id=new_id(), op_type=OpType.CONTRIBUTION_POSTING, farmer_id=farmer.farmer_id, created_at=stamp,
        payload={"payment_id": payment_id},
    )  # fmt: skip
    audit = by_caller(
        caller, AuditAction.PAYMENT_RECORDED, farmer.farmer_id, f"payment/{payment_id}", stamp,
        farmer_id=farmer.farmer_id, fields=changed, detail={"payment_id": payment_id, "receipt_number": receipt},
    )  # fmt: skip
    changes = farmer_written(farmer, after, month) + ChangeSet(
        writes=(Created(payment),),
        counts=payment_counts(caller, payment, month),
        outbox=(posting,),
        audit=(audit,),
    )
    return payment, changes


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
        may_pay(farmer)
        return quote_for(farmer.paid_through, months, farmer.monthly_income, now_utc())

    def pay(
        self, caller: Caller, farmer_id: str, request: PaymentRequest, idempotency_key: str | None
    ) -> PaymentResult:
        # Authorized before the key is asked for or looked at: a caller who may not act on this
        # farmer gets 403 (an unknown one 404) with or without a key.
        farmer = load_farmer(self.farmers, caller, farmer_id)
        if not idempotency_key:
            raise IdempotencyKeyRequired(
                "Header Idempotency-Key wajib untuk pembayaran: kirim kunci yang sama saat mengulang.",
                [FieldError("Idempotency-Key", "Wajib diisi.")],
            )
        reads = iter([farmer])

        def attempt() -> PaymentResult:
            # The farmer as read for the authorization first; read again after a conflict.
            current = next(reads, None) or load_farmer(self.farmers, caller, farmer_id)
            return self._pay(caller, current, request)

        return once(
            self.idempotency, "payment", idempotency_key, f"{caller.sub}:{farmer_id}", request,
            lambda: retry_on_conflict(attempt), PaymentResult,
        )  # fmt: skip

    def _pay(self, caller: Caller, farmer: FarmerRecord, request: PaymentRequest) -> PaymentResult:
        now = now_utc()
        quote = check_payment(farmer, request, now)
        year = (request.paid_at or now).astimezone(WITA).year
        receipt = receipt_number(farmer.kecamatan_code, year, self.receipts.next(farmer.kecamatan_code, year))
        payment, changes = decide_payment(caller, farmer, request, quote, receipt, now)
        self.writer.write(changes)
        metrics.add_metric(name="ContributionCollected", unit=MetricUnit.Count, value=1)
        logger.info(
            "payment recorded",
            extra={"payment_id": payment.payment_id, "farmer_id": farmer.farmer_id, "months": request.months,
                   "amount": payment.amount},
        )  # fmt: skip
        current = farmer.but(paid_through=payment.periods[-1]).coverage(today_wita(now))
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
