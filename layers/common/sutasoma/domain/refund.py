"""Money to give back (DOMAIN.md "Membership life cycle"): a refund case for the contributions
of a farmer BPJS rejected, for months paid beyond the month of death, and for a contribution
BPJS refused for good. The agent settles it by recording when and to whom the cash went back.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from enum import StrEnum

from sutasoma.domain.clock import WITA, day_wita_of, iso_utc, period_of
from sutasoma.domain.errors import FieldError, InvalidTransition, ValidationFailed
from sutasoma.domain.farmer import FarmerRecord
from sutasoma.domain.ids import new_id
from sutasoma.domain.payment import PaymentRecord
from sutasoma.domain.records import Versioned
from sutasoma.domain.registration import RegistrationStatus


class RefundReason(StrEnum):
    REGISTRATION_REJECTED = "REGISTRATION_REJECTED"
    PAID_AFTER_DEATH = "PAID_AFTER_DEATH"
    POSTING_REFUSED = "POSTING_REFUSED"


class RefundStatus(StrEnum):
    OPEN = "OPEN"
    SETTLED = "SETTLED"


class RefundRecord(Versioned):
    refund_id: str
    farmer_id: str
    kecamatan_code: str
    amount: int
    periods: tuple[str, ...]
    payment_ids: tuple[str, ...]
    reason: RefundReason
    status: RefundStatus = RefundStatus.OPEN
    created_at: str
    settled_at: str | None = None
    returned_to: str | None = None
    returned_at: str | None = None
    settled_by: str | None = None

    def settle(self, returned_to: str, returned_at: datetime, by: str, now: datetime) -> RefundRecord:
        """Settled once: the cash went back to `returned_to` at `returned_at`, not in the future and
        not before the day (WITA) the case was opened: the same day may be earlier (the cash handed
        back on the visit that reported the death, the phone's clock a little behind)."""
        if self.status is not RefundStatus.OPEN:
            raise InvalidTransition("Pengembalian iuran ini sudah diselesaikan.")
        if returned_at > now:
            raise ValidationFailed(
                "Waktu pengembalian tidak boleh di masa depan.", [FieldError("returned_at", "Di masa depan.")]
            )
        opened = day_wita_of(self.created_at)
        if returned_at < datetime.combine(opened, time.min, tzinfo=WITA):
            raise ValidationFailed(
                "Waktu pengembalian tidak boleh sebelum kasus pengembalian dibuat.",
                [FieldError("returned_at", f"Sebelum kasus dibuat ({opened.isoformat()}).")],
            )
        return self.next(
            status=RefundStatus.SETTLED,
            returned_to=returned_to,
            returned_at=iso_utc(returned_at),
            settled_by=by,
            settled_at=iso_utc(now),
        )


def _refund(
    farmer: FarmerRecord, reason: RefundReason, lines: list[tuple[str, str, int]], at: str
) -> RefundRecord | None:
    """A case for (payment_id, period, amount) lines; None when there is nothing to give back."""
    if not lines:
        return None
    return RefundRecord(
        refund_id=new_id(), farmer_id=farmer.farmer_id, kecamatan_code=farmer.kecamatan_code,
        amount=sum(amount for _, _, amount in lines), periods=tuple(sorted({p for _, p, _ in lines})),
        payment_ids=tuple(sorted({pid for pid, _, _ in lines})), reason=reason, created_at=at,
    )  # fmt: skip


# One case per reason of giving back, never the same Rupiah twice: a case leaves out what an
# earlier one of the farmer already gives back, which the farmer's state tells. A death gives back
# the months after its month; a rejected registration everything (docs/decisions.md "Refunds").


def _after_death(farmer: FarmerRecord, period: str) -> bool:
    """A month after the farmer's death: the death's case gives it back."""
    return farmer.deceased_on is not None and period > period_of(farmer.deceased_on)


def refund_for_rejection(
    farmer: FarmerRecord, payments: Iterable[PaymentRecord], at: str
) -> RefundRecord | None:
    """Everything collected for a farmer whose registration BPJS rejected (`farmer` as rejected),
    less the months after a death recorded before, already given back by the death's case."""
    lines = [
        (p.payment_id, line.period, line.amount)
        for p in payments
        for line in p.lines
        if not _after_death(farmer, line.period)
    ]
    return _refund(farmer, RefundReason.REGISTRATION_REJECTED, lines, at)


def refund_after_death(
    farmer: FarmerRecord, payments: Iterable[PaymentRecord], deceased_on: date, at: str
) -> RefundRecord | None:
    """The months paid beyond the month of death; nothing for a registration BPJS rejected
    (its case gives back everything already)."""
    if farmer.registration_status is RegistrationStatus.REJECTED:
        return None
    month = period_of(deceased_on)
    lines = [
        (p.payment_id, line.period, line.amount) for p in payments for line in p.lines if line.period > month
    ]
    return _refund(farmer, RefundReason.PAID_AFTER_DEATH, lines, at)


def refund_for_refused_posting(farmer: FarmerRecord, payment: PaymentRecord, at: str) -> RefundRecord | None:
    """A contribution BPJS refused for good: its months are not covered, the money goes back
    (those a death or a rejection already gives back aside)."""
    lines = [
        (payment.payment_id, line.period, line.amount)
        for line in payment.lines
        if farmer.registration_status is not RegistrationStatus.REJECTED
        and not _after_death(farmer, line.period)
    ]
    return _refund(farmer, RefundReason.POSTING_REFUSED, lines, at)
