"""Contributions collected: the payment record, what a payment of N months covers and costs,
and the rules on when a payment may be recorded (DOMAIN.md "Contributions")."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from sutasoma.domain.clock import WITA, day_wita_of, period_of
from sutasoma.domain.coverage import PlanRefusal, plan_payment
from sutasoma.domain.errors import FarmerLapsed, FieldError, PaidAtInvalid, TooFarAhead
from sutasoma.domain.periods import date_words, month_words
from sutasoma.domain.records import Record, Versioned
from sutasoma.domain.tariff import contribution_for

# A clock a few minutes fast on the agent's phone is not a future payment.
PAID_AT_CLOCK_SKEW = timedelta(minutes=5)
# Policy: an agent offline in the field may record a payment up to this long after the fact.
PAID_AT_MAX_AGE = timedelta(days=31)


class BpjsPostingStatus(StrEnum):
    QUEUED = "QUEUED"
    POSTED = "POSTED"
    FAILED = "FAILED"


class PaidLine(Record):
    """One month of a payment at its tariff, and the reported income it was paid on (kept:
    an income changed later applies from the next unpaid month only)."""

    period: str
    jkk: int
    jkm: int
    amount: int
    income: int


class CoverageSnapshot(Record):
    state: str
    paid_through: str | None = None


class PaymentRecord(Versioned):
    payment_id: str
    receipt_number: str
    farmer_id: str
    kecamatan_code: str
    periods: tuple[str, ...]
    lines: tuple[PaidLine, ...]
    amount: int
    paid_at: str
    recorded_at: str
    collected_by: str
    collected_by_sub: str
    coverage_after: CoverageSnapshot
    bpjs_status: BpjsPostingStatus = BpjsPostingStatus.QUEUED
    bpjs_failure: str | None = None
    posting_id: str | None = None
    posted_at: str | None = None


@dataclass(frozen=True)
class Quote:
    """The months a payment would cover and what each costs now."""

    periods: tuple[str, ...]
    lines: tuple[PaidLine, ...]
    amount: int
    latest_allowed: str

    @property
    def first_period(self) -> str:
        return self.periods[0]


def quote_for(
    paid_through: str | None, months: int, income: int, at: datetime, now: datetime | None = None
) -> Quote:
    """What a payment of `months` made `at` covers (on that WITA date): arrears first, then
    the months that follow, each at its month's tariff; a lapsed member, or a payment past a
    year ahead of `now` (CONTRACT: "the current month + 11"), refused."""
    plan = plan_payment(paid_through, months, at.astimezone(WITA).date(), (now or at).astimezone(WITA).date())
    if plan.refusal is PlanRefusal.LAPSED:
        raise FarmerLapsed(
            "Kepesertaan petani sudah berakhir (lebih dari 3 bulan tidak membayar); aktifkan kembali dulu."
        )
    if plan.refusal is PlanRefusal.TOO_FAR_AHEAD:
        raise TooFarAhead(
            f"Pembayaran di muka paling jauh sampai {month_words(plan.latest_allowed)} (satu tahun).",
            [
                FieldError(
                    "months",
                    f"Bulan terakhir {month_words(plan.last)} melewati {month_words(plan.latest_allowed)}.",
                )
            ],
            extra={"latest_period": plan.latest_allowed},
        )
    lines = tuple(
        PaidLine(period=c.period, jkk=c.jkk, jkm=c.jkm, amount=c.amount, income=income)
        for c in (contribution_for(period, income) for period in plan.periods)
    )
    return Quote(plan.periods, lines, sum(line.amount for line in lines), plan.latest_allowed)


def receipt_number(kecamatan_code: str, year: int, sequence: int) -> str:
    """Readable and unique: the BPP (kecamatan), the year, a running number."""
    return f"BPP{kecamatan_code[-2:]}-{year}-{sequence:06d}"


def paid_month(payment: PaymentRecord) -> str:
    """The month (WITA) the money was collected in: the month its counters went to."""
    return period_of(day_wita_of(payment.paid_at))


def check_paid_at(
    paid_at: datetime, now: datetime, registered_on: date, *, reactivated: bool = False
) -> None:
    """Not in the future (a few minutes of phone clock aside), not before the day the farmer
    was registered, or reactivated (WITA: an agent offline records both on the same visit), not
    too old. Only compared, never converted: year 9999 or year 1 moved to WITA would not fit a
    datetime."""
    if paid_at < datetime.combine(registered_on, time.min, tzinfo=WITA):
        event = "diaktifkan kembali" if reactivated else "didaftarkan"
        raise PaidAtInvalid(
            f"Waktu pembayaran tidak boleh sebelum petani {event} ({date_words(registered_on)}).",
            [FieldError("paid_at", f"Sebelum tanggal petani {event}.")],
        )
    if paid_at > now + PAID_AT_CLOCK_SKEW:
        raise PaidAtInvalid(
            "Waktu pembayaran tidak boleh di masa depan.", [FieldError("paid_at", "Di masa depan.")]
        )
    if paid_at < now - PAID_AT_MAX_AGE:
        raise PaidAtInvalid(
            "Pembayaran lebih dari 31 hari yang lalu tidak dapat dicatat lewat aplikasi; hubungi admin.",
            [FieldError("paid_at", "Terlalu lama.")],
        )
