"""How a membership ends, and the money it leaves to give back (DOMAIN.md "Membership life
cycle"): BPJS rejecting a registration, a death, a contribution BPJS refused for good. Each is a
change-set the use cases that meet it (callbacks, the BPJS sync, the death route, death claims)
commit with their own writes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING

from sutasoma.domain.changes import ChangeSet, Created, Updated, farmer_written
from sutasoma.domain.clock import period_of
from sutasoma.domain.counters import CounterIncrement, PopulationDelta
from sutasoma.domain.payment import paid_month
from sutasoma.domain.periods import add_months
from sutasoma.domain.population import REFUNDS_OPEN, REFUNDS_OPEN_AMOUNT
from sutasoma.domain.refund import (
    RefundRecord,
    refund_after_death,
    refund_for_refused_posting,
    refund_for_rejection,
)
from sutasoma.domain.registration import RegistrationEvent, next_status

if TYPE_CHECKING:
    from sutasoma.domain.farmer import FarmerRecord
    from sutasoma.domain.payment import PaymentRecord


def refund_opened(
    refund: RefundRecord | None, period: str, payments: Iterable[PaymentRecord] = ()
) -> ChangeSet:
    """A refund case, counted in the month it opened and among the BPP's open cases; the months
    it gives back leave what members paid for them (`dues_given_back`)."""
    if refund is None:
        return ChangeSet()
    return ChangeSet(
        writes=(Created(refund),),
        counts=(
            CounterIncrement(
                period, refund.kecamatan_code, {"refunds_opened": 1, "refunds_opened_amount": refund.amount}
            ),
            PopulationDelta(
                refund.kecamatan_code, period, {REFUNDS_OPEN: 1, REFUNDS_OPEN_AMOUNT: refund.amount}
            ),
            *dues_given_back(refund, payments),
        ),
    )


def dues_given_back(refund: RefundRecord, payments: Iterable[PaymentRecord]) -> tuple[CounterIncrement, ...]:
    """A month given back was not paid for: each line a payment counted into its month's
    `paid_for_month` (the report's contributions_due, app/payments.payment_counts: the months
    paid on time or ahead) leaves it. A rejected registration's months were never due, a month
    after a death is not; a month refused at BPJS is owed again (then counted as unpaid)."""
    refunded = set(refund.periods)
    return tuple(
        CounterIncrement(
            line.period,
            payment.kecamatan_code,
            {"paid_for_month": -line.amount, "paid_for_month_members": -1},
        )
        for payment in payments
        if payment.payment_id in refund.payment_ids
        for line in payment.lines
        if line.period in refunded and line.period >= paid_month(payment)
    )


def refund_settled(before: RefundRecord, after: RefundRecord, period: str) -> ChangeSet:
    amount = after.amount
    return ChangeSet(
        writes=(Updated(before, after),),
        counts=(
            CounterIncrement(
                period, after.kecamatan_code, {"refunds_settled": 1, "refunds_settled_amount": amount}
            ),
            PopulationDelta(after.kecamatan_code, period, {REFUNDS_OPEN: -1, REFUNDS_OPEN_AMOUNT: -amount}),
        ),
    )


def registration_rejected(
    farmer: FarmerRecord, payments: Iterable[PaymentRecord], code: str, reason: str, stamp: str, period: str
) -> tuple[FarmerRecord, ChangeSet]:
    """BPJS refused the registration for good: coverage ENDED, every contribution collected for
    this farmer to give back."""
    after = farmer.next(
        registration_status=next_status(farmer.registration_status, RegistrationEvent.BPJS_REJECTED),
        rejection_code=code, rejection_reason=reason, updated_at=stamp,
    )  # fmt: skip
    payments = list(payments)
    changes = farmer_written(farmer, after, period) + refund_opened(
        refund_for_rejection(after, payments, stamp), period, payments
    )
    return after, changes


def death_recorded(
    farmer: FarmerRecord,
    payments: Iterable[PaymentRecord],
    deceased_on: date,
    source: str,
    by: str,
    stamp: str,
    period: str,
    note: str | None = None,
) -> tuple[FarmerRecord, ChangeSet]:
    """The farmer died on `deceased_on`: the membership ends, months paid beyond the month of
    death are to give back. The member counts as ended from the month of death, as a late payment
    counts in the month it was paid: a report of that month made again shows it (`changes`); the
    refund case opens in `period`, when it became known."""
    after = farmer.next(
        deceased_on=deceased_on,
        death_recorded_at=stamp,
        death_recorded_by=by,
        death_source=source,
        death_note=note,
        updated_at=stamp,
    )
    payments = list(payments)
    changes = farmer_written(farmer, after, period_of(deceased_on)) + refund_opened(
        refund_after_death(after, payments, deceased_on, stamp), period, payments
    )
    return after, changes


def posting_refused(
    farmer: FarmerRecord, payment: PaymentRecord, stamp: str, period: str
) -> tuple[FarmerRecord, ChangeSet]:
    """BPJS refused a contribution for good: its months are not covered and its money goes back.

    When they are the farmer's last paid months, paid-through goes back to the month before them
    (none at all if the payment started the cover), so the farmer owes them again. A later
    payment already covering the months after them keeps paid-through where it is: one month
    cannot be a gap in `paid_through`, and the refund case records what was not covered
    (docs/decisions.md)."""
    refund = refund_opened(refund_for_refused_posting(farmer, payment, stamp), period, [payment])
    if farmer.paid_through != payment.periods[-1]:
        return farmer, refund
    start = payment.periods[0]
    if farmer.coverage_start is not None and start <= farmer.coverage_start:
        after = farmer.next(paid_through=None, coverage_start=None, updated_at=stamp)
    else:
        after = farmer.next(paid_through=add_months(start, -1), updated_at=stamp)
    return after, farmer_written(farmer, after, period) + refund
